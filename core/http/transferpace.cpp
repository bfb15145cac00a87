#include "http/transferpace.h"

#include <algorithm>

namespace sluice::http {

void TransferPace::start(qint64 rateBytesPerS, qint64 windowMs, qint64 bytes, qint64 nowMs)
{
    m_rate = std::max<qint64>(rateBytesPerS, 1);
    m_windowMs = std::max<qint64>(windowMs, 1);
    m_bytes = bytes;
    m_carry = 0;
    m_paidUntilMs = nowMs + m_windowMs;
}

bool TransferPace::update(qint64 bytes, qint64 nowMs)
{
    const qint64 moved = std::max<qint64>(bytes - m_bytes, 0);
    m_bytes = std::max(bytes, m_bytes);
    // moved / rate seconds, in whole milliseconds; the remainder carries over
    // so that many small updates add up as one large one would. More than a
    // window's worth is never credited (and so cannot overflow).
    const qint64 owed = m_carry + std::min(moved, m_windowMs * m_rate) * 1000;
    m_carry = owed % m_rate;
    m_paidUntilMs = std::min(m_paidUntilMs + owed / m_rate, nowMs + m_windowMs);
    return m_paidUntilMs > nowMs;
}

} // namespace sluice::http
