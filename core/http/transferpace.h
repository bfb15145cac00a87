#pragma once

#include <QtGlobal>

namespace sluice::http {

// Whether a transfer keeps up a minimum average rate
// (docs/decisions/0020-minimum-transfer-rate.md). A leaky bucket measured in
// time: the transfer owes one second per `rate` bytes; each byte it moves
// pays its share and the clock takes it back. It may be up to `window` ahead
// (credit is capped there, so a fast start cannot pay for a later trickle)
// and falls behind when the clock catches up with what it paid for: then
// it has moved less than rate × window over the last window, or stalled
// longer than the credit it had.
//
// Fed with cumulative byte counts at times of the caller's choosing (a timer
// at due()), so that progress costs nothing per byte.
class TransferPace final
{
public:
    // A fresh window from `nowMs` on, with `bytes` moved so far.
    void start(qint64 rateBytesPerS, qint64 windowMs, qint64 bytes, qint64 nowMs);
    // Takes the progress up to `bytes` into account; false when the transfer
    // has fallen behind.
    bool update(qint64 bytes, qint64 nowMs);
    // When update() should next be called: the time the transfer falls
    // behind unless it moves more.
    qint64 dueMs() const { return m_paidUntilMs; }

private:
    qint64 m_rate = 1;
    qint64 m_windowMs = 1;
    qint64 m_bytes = 0; // counted so far
    qint64 m_paidUntilMs = 0;
    qint64 m_carry = 0; // bytes × 1000 not yet worth a whole millisecond
};

} // namespace sluice::http
