#pragma once

#include <QtGlobal>

#include <deque>
#include <functional>

namespace sluice::http {

// The response bytes all connections of a server may hold in user space
// together (Qt's write buffers), max_send_buffer_bytes: the per-connection
// high-water mark bounds one connection, this bounds the sum, so memory does
// not grow with the number of slow clients (docs/decisions/0025).
//
// A connection asks for its turn before it pulls a piece (mayPull) and reports
// what it holds whenever that changes (adjust). When the budget is short,
// connections take turns in the order they asked: one that is refused waits
// in line and is resumed when its turn comes and a piece fits, and one that
// was not in line may not pull past those who are, so a fast client cannot
// starve the slow ones. A connection that leaves (closed, response over) must
// say so (leave), or the line would wait on it.
//
// Lives on the server's thread only, like everything in ServerContext.
class SendBudget
{
public:
    // What a connection does when its turn comes (it pulls again, later:
    // resume is called from adjust() or leave(), never re-entrantly from
    // mayPull()).
    using Resume = std::function<void()>;

    // Raised while some wait, they go now: not on the next change of what
    // is held, which may never come while every holder's client is stalled.
    void setLimit(qint64 bytes)
    {
        m_limit = bytes;
        wakeFront();
    }
    qint64 limit() const { return m_limit; }
    qint64 held() const { return m_held; }
    qint64 peakHeld() const { return m_peakHeld; }
    int waiting() const { return int(m_line.size()); }
    quint64 refusals() const { return m_refusals; }

    // May `holder` pull a piece of up to `pieceBytes` now? True when it fits
    // and no one waits before it; otherwise `holder` is put in line (once)
    // and `resume` is called when its turn comes.
    bool mayPull(quint64 holder, qint64 pieceBytes, Resume resume);
    // `holder` now holds `delta` bytes more (or fewer, when negative).
    void adjust(qint64 delta);
    // `holder` no longer waits (closed, or its response ended).
    void leave(quint64 holder);

private:
    struct Waiter
    {
        quint64 holder;
        qint64 pieceBytes;
        Resume resume;
    };
    void wakeFront();

    qint64 m_limit = 64 * 1024 * 1024;
    qint64 m_held = 0;
    qint64 m_peakHeld = 0;
    quint64 m_refusals = 0;
    quint64 m_woken = 0; // the holder whose turn it is, 0 when none is called
    std::deque<Waiter> m_line;
};

} // namespace sluice::http
