#pragma once

class QObject;

namespace sluice {

// Whether the caller runs on home's thread. A mismatch is a data race on
// state that has no lock because one thread owns it: it aborts in debug
// builds and when SLUICE_THREAD_CHECKS=fatal (the test suite sets it), and is
// logged otherwise, since a server that aborts on a detected race loses every
// request in flight.
bool checkThread(const QObject &home, const char *what);

} // namespace sluice
