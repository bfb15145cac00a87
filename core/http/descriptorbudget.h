#pragma once

#include <QtGlobal>

#include <algorithm>

namespace sluice::http {

// The file descriptors the process has left under RLIMIT_NOFILE: counted in
// /proc/self/fd (exact, costs a directory read of the open descriptors) and
// estimated in between from what the server takes. Qt 6.4 retries accept()
// on EMFILE in a busy loop, so the server stops accepting while fewer than
// reserve() are left, which also keeps some for the connections it has
// (upload temp files, file responses, the databases).
class DescriptorBudget final
{
public:
    // Counts again; false when there is nothing to count against (no
    // /proc/self/fd, no finite limit): then the budget is never low.
    bool recount();
    // The server accepted (took) or closed (released) n connections since
    // the last count.
    void take(qint64 n) { m_free = m_free < 0 ? m_free : m_free - n; }
    void release(qint64 n) { m_free = m_free < 0 ? m_free : std::min(m_limit, m_free + n); }

    bool isLow() const { return m_free >= 0 && m_free < reserve(); }
    // Free enough to accept again: the reserve and half of it more, so that
    // accepting does not flap at the boundary.
    bool isRecovered() const { return m_free < 0 || m_free >= reserve() + reserve() / 2; }

    qint64 reserve() const; // a sixteenth of the limit, from 8 to 64
    qint64 limit() const { return m_limit; }
    qint64 free() const { return m_free; }

private:
    qint64 m_limit = -1;
    qint64 m_free = -1;
};

} // namespace sluice::http
