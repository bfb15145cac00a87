#include "http/sendbudget.h"

#include <algorithm>

namespace sluice::http {

bool SendBudget::mayPull(quint64 holder, qint64 pieceBytes, Resume resume)
{
    const bool fits = m_held + pieceBytes <= m_limit;
    if (m_line.empty()) {
        if (fits)
            return true;
    } else if (m_line.front().holder == holder && fits) {
        m_line.pop_front();
        if (m_woken == holder)
            m_woken = 0;
        return true;
    }
    const auto queued = std::find_if(m_line.begin(), m_line.end(),
                                     [holder](const Waiter &w) { return w.holder == holder; });
    if (queued == m_line.end()) {
        m_line.push_back(Waiter {holder, pieceBytes, std::move(resume)});
        ++m_refusals;
    } else if (m_woken == holder) {
        m_woken = 0; // its turn came but the piece no longer fits: called again on the next change
    }
    return false;
}

void SendBudget::adjust(qint64 delta)
{
    Q_ASSERT(m_held + delta >= 0); // every holder returns what it counted, no more
    m_held = std::max<qint64>(0, m_held + delta);
    m_peakHeld = std::max(m_peakHeld, m_held);
    wakeFront();
}

void SendBudget::leave(quint64 holder)
{
    const auto queued = std::find_if(m_line.begin(), m_line.end(),
                                     [holder](const Waiter &w) { return w.holder == holder; });
    if (queued != m_line.end())
        m_line.erase(queued);
    if (m_woken == holder)
        m_woken = 0;
    wakeFront();
}

// One called at a time: the next is called once the front has pulled (its
// adjust() after the write), so two never race for the same room.
void SendBudget::wakeFront()
{
    if (m_line.empty() || m_woken != 0)
        return;
    const Waiter &front = m_line.front();
    if (m_held + front.pieceBytes > m_limit)
        return;
    m_woken = front.holder;
    if (front.resume)
        front.resume();
}

} // namespace sluice::http
