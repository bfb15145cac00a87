#pragma once

namespace sluice {

// How far below the threads that answer requests (the HTTP thread, the GUI
// thread) the bulk work runs: writing and hashing upload bodies, job attempts,
// reading rows for live exports, generating the demo database. A nice of 10
// gives such a thread about a tenth of the CPU weight of a default thread, so
// on a busy machine a woken HTTP thread gets a core at once, while on an idle
// one the bulk work still has every cycle nobody else wants. See
// docs/decisions/0011-bulk-work-runs-below-the-http-thread.md.
inline constexpr int BulkWorkNice = 10;

// Lowers the calling thread's CPU priority to BulkWorkNice (Linux: per thread).
// Meant for threads that only ever do bulk work (a dedicated pool's threads);
// cheap to call again, since only the first call on a thread does anything.
// Without the permission to raise it back, it is never raised back.
void runAsBulkWork();

} // namespace sluice
