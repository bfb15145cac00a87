// Connection, part two: the response side (head, body pulled from its
// producer under the high-water mark, and what follows the last byte).
#include "http/connection.h"

#include "http/exchange.h"
#include "http/requestparser.h"
#include "http/responsehead.h"
#include "http/responseproducer.h"

#include <QSocketNotifier>
#include <QTcpSocket>

#include <cerrno>

using namespace Qt::StringLiterals;

namespace sluice::http {

void Connection::respond(quint64 requestId, Response &&response)
{
    if (requestId != m_requestId || m_closed || m_state == State::Writing
        || m_state == State::Closing)
        return;
    if (!m_bodyDone) {
        // The body was not (fully) read: what follows on the stream is not a
        // request boundary we can trust, so the connection ends with this answer.
        m_closeAfterResponse = true;
        m_linger = true;
        m_bodyDone = true;
        endSink(false, u"request answered before its body was read"_s);
    }
    if (response.closeConnection || m_context.shuttingDown)
        m_closeAfterResponse = true;
    m_state = State::Writing;
    m_status = response.status;
    m_producer = std::move(response.producer);

    const int version = m_exchange ? m_exchange->request().version
                                   : (m_parser ? m_parser->request().version : 11);
    const bool noBody = statusHasNoBody(response.status);
    ResponseFraming framing;
    framing.requestId = m_exchange ? m_exchange->request().id : 0;
    if (!noBody) {
        framing.contentLength
            = m_producer ? m_producer->size() : std::optional<qint64>(response.body.size());
        framing.chunked = !framing.contentLength && version == 11;
        if (!framing.contentLength && version == 10)
            m_closeAfterResponse = true; // HTTP/1.0: the end of the body is the close
    }
    framing.close = m_closeAfterResponse;
    framing.keepAliveFor10 = version == 10;
    m_chunkedOut = framing.chunked;
    m_bytesLeft = framing.contentLength.value_or(-1);
    const QByteArray head = serializeResponseHead(response.status, response.headers, framing);
    m_progress.totalOut = noBody || m_headOnly ? head.size()
        : framing.contentLength                ? head.size() + *framing.contentLength
                                               : -1;
    m_socket->write(head);
    syncSendBudget();

    if (noBody || m_headOnly) {
        m_producer.reset();
    } else if (!m_producer) {
        m_socket->write(response.body);
        syncSendBudget();
        m_bytesLeft = 0;
    } else {
        // Queued, so that a producer signalling from inside read() does not re-enter.
        connect(m_producer.get(), &ResponseProducer::readyRead, this, &Connection::pumpOutput,
                Qt::QueuedConnection);
        connect(
            m_producer.get(), &ResponseProducer::failed, this,
            [this](const QString &why) {
                qCWarning(lcHttp) << m_peer << "response body failed:" << why;
                abort(why); // no final chunk: the client sees a truncated body
            },
            Qt::QueuedConnection);
    }
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    m_paceWaiting = false;
    startPace();
    QMetaObject::invokeMethod(this, &Connection::pumpOutput, Qt::QueuedConnection);
}

void Connection::pumpOutput()
{
    if (m_state != State::Writing || m_closed)
        return;
    if (m_producer && m_producer->endless() && m_producer->atEnd() && unsentBytes() > 0) {
        // A live stream the server ended (it is stopping): what is not sent
        // yet is worth nothing, and a client that does not read must not
        // hold the stop for the grace period.
        abort(u"live stream ended by the server with unsent data (its client was not reading)"_s);
        return;
    }
    if (sendDirect())
        return;
    const qint64 window = sendWindow();
    while (unsentBytes() < window) {
        const std::shared_ptr<ResponseProducer> producer = m_producer; // alive through read()
        if (!producer || m_bytesLeft == 0) {
            if (producer && m_chunkedOut)
                m_socket->write("0\r\n\r\n");
            finishResponse();
            return;
        }
        if (producer->atEnd()) {
            if (m_bytesLeft > 0) {
                abort(
                    u"response body ended %1 bytes short of its Content-Length"_s.arg(m_bytesLeft));
                return;
            }
            if (m_chunkedOut)
                m_socket->write("0\r\n\r\n");
            finishResponse();
            return;
        }
        // The server's turn before the producer's: with the send budget
        // short, this connection waits in line (resumed by the budget), and
        // joins it only once its client has taken what it holds, so that
        // what the budget holds goes to the clients that read.
        if (!m_budgetWaiting && m_context.sendBudget.waiting() > 0 && unsentBytes() > 0)
            break;
        if (!m_context.sendBudget.mayPull(m_id, PieceBytes, [this] {
                QMetaObject::invokeMethod(this, &Connection::pumpOutput, Qt::QueuedConnection);
            })) {
            m_budgetWaiting = true;
            if (unsentBytes() == 0) { // held back by the server, not the client
                armTimer(m_context.limits.responseDeadlineMs);
                m_paceWaiting = true;
            }
            return;
        }
        m_budgetWaiting = false;
        m_writePaused = false;
        const QByteArray piece
            = producer->read(m_bytesLeft > 0 ? std::min(PieceBytes, m_bytesLeft) : PieceBytes);
        if (m_closed || m_state != State::Writing || m_producer != producer)
            return;
        if (piece.isEmpty()) {
            if (producer->atEnd())
                continue;
            // Waiting for the producer (it emits readyRead): bounded all the same.
            if (unsentBytes() == 0) {
                armTimer(m_context.limits.responseDeadlineMs);
                m_paceWaiting = true;
            }
            syncSendBudget(); // its turn is over: the next in line may go
            return;
        }
        if (m_chunkedOut) {
            m_socket->write(QByteArray::number(piece.size(), 16) + "\r\n");
            m_socket->write(piece);
            m_socket->write("\r\n");
        } else {
            // Never more than announced, whatever the producer hands over.
            m_socket->write(piece.constData(),
                            m_bytesLeft >= 0 ? std::min<qint64>(piece.size(), m_bytesLeft)
                                             : piece.size());
            if (m_bytesLeft >= 0)
                m_bytesLeft -= std::min<qint64>(piece.size(), m_bytesLeft);
        }
        syncSendBudget();
        m_context.peakBytesToWrite = std::max(m_context.peakBytesToWrite, unsentBytes());
        if (m_paceWaiting) { // the client's turn again, from now on
            m_paceWaiting = false;
            startPace();
        }
    }
    if (!m_writePaused) {
        m_writePaused = true;
        ++m_context.traffic->writePauses;
        ++m_progress.writePauses;
    }
}

// A file body goes from the page cache to the socket with sendfile(2), so a
// slow download holds no user-space buffer at all: only once Qt's own buffer
// (the head) is empty, since the two must not interleave, and only on plain
// TCP (TLS must encrypt in user space). While the socket is full a notifier
// waits for it to drain; Qt's own write notifier is off then, as its buffer
// is empty. Bytes sent are counted here, as Qt does not see them.
bool Connection::sendDirect()
{
#ifdef Q_OS_LINUX
    if (!m_context.sendDirectEnabled || m_sendDirectOff || !m_producer || m_chunkedOut
        || m_bytesLeft <= 0 || !m_producer->canSendDirect() || m_socket->socketDescriptor() < 0
        || m_tls)
        return false;
    if (unsentBytes() > 0)
        return true; // the head first: bytesWritten calls again once it is out
    const int socket = int(m_socket->socketDescriptor());
    // At most this much per pass, so that one fast client on loopback does
    // not keep the HTTP thread from everyone else.
    qint64 turn = 16 * PieceBytes;
    const std::shared_ptr<ResponseProducer> producer = m_producer;
    while (m_bytesLeft > 0 && turn > 0) {
        int error = 0;
        const qint64 sent = producer->sendDirect(socket, std::min(turn, m_bytesLeft), &error);
        if (sent > 0) {
            m_writePaused = false;
            m_bytesLeft -= sent;
            turn -= sent;
            countSent(sent);
            continue;
        }
        if (error == EAGAIN || error == EWOULDBLOCK) {
            // The client has not taken what the kernel holds: backpressure,
            // counted as the pulled path counts its pauses.
            if (!m_writePaused) {
                m_writePaused = true;
                ++m_context.traffic->writePauses;
                ++m_progress.writePauses;
            }
            break;
        }
        if (error == EINVAL || error == ENOSYS) { // not for this file: read() takes over
            m_sendDirectOff = true;
            if (m_sendNotifier)
                m_sendNotifier->setEnabled(false);
            return false;
        }
        if (error == EPIPE || error == ECONNRESET) {
            abort(u"client disconnected"_s);
            return true;
        }
        return true; // the producer failed: failed() closes the connection
    }
    if (m_bytesLeft == 0) {
        if (m_sendNotifier)
            m_sendNotifier->setEnabled(false);
        return false; // the loop in pumpOutput() finishes the response
    }
    // Room in the socket again, or (its turn over) still: the notifier stays
    // on until the body is out, as switching it off and on costs a search
    // among every notifier of the thread each time.
    if (!m_sendNotifier) {
        m_sendNotifier
            = new QSocketNotifier(m_socket->socketDescriptor(), QSocketNotifier::Write, this);
        connect(m_sendNotifier, &QSocketNotifier::activated, this,
                &Connection::onSendDirectWritable);
    }
    m_sendNotifier->setEnabled(true);
    return true;
#else
    return false;
#endif
}

void Connection::onSendDirectWritable()
{
    pumpOutput();
}

bool Connection::waitingOnClient() const
{
    return unsentBytes() > 0 || (m_sendNotifier && m_sendNotifier->isEnabled());
}

void Connection::countSent(qint64 bytes)
{
    m_context.traffic->bytesOut += quint64(bytes);
    m_context.bytesSentDirect += quint64(bytes);
    m_bytesToKernel += bytes;
    if (m_inFlight)
        m_progress.bytesOut += bytes;
    noteProgress(); // the client reads
    if (m_paceWaiting) {
        m_paceWaiting = false;
        startPace();
    }
}

qint64 Connection::sendWindow() const
{
    // The kernel's send buffer already holds a lot for a client that has
    // read nothing yet; user space adds to it only as the client takes it.
    const qint64 highWater = m_context.limits.responseHighWaterBytes;
    return std::clamp(PieceBytes + std::max<qint64>(0, deliveredBytes()),
                      std::min(PieceBytes, highWater), highWater);
}

void Connection::syncSendBudget()
{
    const qint64 holds = m_closed ? 0 : unsentBytes();
    const qint64 delta = holds - m_budgetHeld;
    m_budgetHeld = holds;
    m_context.sendBudget.adjust(delta);
}

void Connection::finishResponse()
{
    // Its turn may have ended with nothing sent (a producer that turned out
    // to be at its end): the next in line goes now, not on someone's next write.
    syncSendBudget();
    m_context.peakBytesToWrite = std::max(m_context.peakBytesToWrite, unsentBytes());
    teardownRequest({});
    if (m_closeAfterResponse || m_context.shuttingDown) {
        close();
    } else {
        m_state = State::Idle;
        m_quietSinceMs = m_context.clock.elapsed();
        m_parser.reset();
        armTimer(m_context.limits.keepAliveIdleTimeoutMs);
        // Continue with a pipelined request from the event loop, not from
        // inside this call chain (no re-entrancy into a handler).
        QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
    }
    // Send the rest of the response now. Left to Qt, it goes out when the
    // next poll() reports the socket writable, and on a busy HTTP thread that
    // pass first serves every other ready socket (four uploads' 64 KiB reads,
    // say): a /healthz answer waited behind them. Last, because flush() may
    // report bytesWritten (and so finish a close) before it returns. Not from
    // inside bytesWritten: Qt would not report what this flush writes, so a
    // close waiting for the buffer to empty would never hear that it did
    // (it waited for body_idle_timeout_ms), and bytesOut would miss it. There
    // Qt writes the rest itself, and reports it.
    if (!m_closed && !m_inBytesWritten)
        m_socket->flush();
}

} // namespace sluice::http
