// Connection, part three: the minimum transfer rate
// (docs/decisions/0020-minimum-transfer-rate.md). A request body or a
// response that the client moves slower than min_transfer_rate_bytes_per_s,
// on average over min_transfer_rate_window_ms, is ended as an idle one is:
// 408 for a body, the connection closed for a response, the sink or the
// producer aborted (and so cleaned up). Time the server itself holds the
// transfer back (a full sink, a producer with nothing yet) is not counted.
#include "http/connection.h"

#include <QTcpSocket>

#ifdef Q_OS_LINUX
#include <linux/sockios.h>
#include <sys/ioctl.h>
#endif

using namespace Qt::StringLiterals;

namespace sluice::http {

void Connection::startPace()
{
    const config::Limits &l = m_context.limits;
    const qint64 now = m_context.clock.elapsed();
    m_pace.start(l.minTransferRateBytesPerS, l.minTransferRateWindowMs,
                 m_state == State::ReadingBody ? m_progress.bytesIn : deliveredBytes(), now);
    m_paceTimer.start(std::chrono::milliseconds(m_pace.dueMs() - now));
}

// Response bytes the client's side has acknowledged: what Qt handed to the
// kernel less what still waits in the socket's send queue. Counting at the
// kernel alone would see progress only when the send buffer drains by a
// third or so, which on a slow link is minutes apart.
qint64 Connection::deliveredBytes() const
{
    qint64 queued = 0;
#ifdef Q_OS_LINUX
    int unsent = 0;
    if (m_socket->socketDescriptor() >= 0
        && ::ioctl(int(m_socket->socketDescriptor()), SIOCOUTQ, &unsent) == 0)
        queued = unsent;
#endif
    return m_bytesToKernel - queued;
}

void Connection::onPaceDue()
{
    if (m_closed)
        return;
    qint64 bytes = 0;
    if (m_state == State::ReadingBody) {
        if (m_readPaused) { // our sink is behind, not the client
            startPace();
            return;
        }
        bytes = m_progress.bytesIn;
    } else if (m_state == State::Writing || m_state == State::Idle
               || (m_state == State::Closing && !m_linger)) {
        if (!waitingOnClient()) {
            // Nothing of ours waits for the client: either the producer is
            // behind (the pace restarts when it delivers) or the answer is out.
            if (m_state == State::Writing && !m_paceWaiting)
                startPace();
            return;
        }
        bytes = deliveredBytes();
    } else {
        return; // between transfers: the next one starts its own pace
    }
    const qint64 now = m_context.clock.elapsed();
    if (m_pace.update(bytes, now)) {
        m_paceTimer.start(std::chrono::milliseconds(m_pace.dueMs() - now));
        return;
    }
    const config::Limits &l = m_context.limits;
    const QString why = u"slower than min_transfer_rate_bytes_per_s (%1 bytes/s on average over "
                        "min_transfer_rate_window_ms, %2 ms)"_s.arg(l.minTransferRateBytesPerS)
                            .arg(l.minTransferRateWindowMs);
    if (m_state == State::ReadingBody) {
        fail(HttpError::limitExceeded(408, u"request body "_s + why,
                                      u"min_transfer_rate_bytes_per_s"_s,
                                      l.minTransferRateBytesPerS));
        return;
    }
    m_context.traffic->rejections[u"min_transfer_rate_bytes_per_s"_s] += 1;
    if (!m_inFlight) // abort() records the ones in flight
        recordEvent(u"timeout"_s, u"client read "_s + why);
    abort(u"client read "_s + why);
}

} // namespace sluice::http
