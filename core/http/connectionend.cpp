// Connection, part four: how an exchange or a connection ends (an error
// answered, a timeout, a graceful or an immediate close).
#include "http/connection.h"

#include "http/bodysink.h"
#include "http/requestparser.h"
#include "http/responseproducer.h"

#include <QSslSocket>
#include <QTcpSocket>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

constexpr qint64 kLingerMs = 2'000; // RFC 9112 §9.6 lingering close

// For metrics: what was wrong with a request that got no further than parsing.
QString rejectionReason(int status)
{
    switch (status) {
    case 400:
        return u"malformed"_s;
    case 411:
        return u"length_required"_s;
    case 417:
        return u"expectation"_s;
    case 501:
        return u"not_implemented"_s;
    case 505:
        return u"http_version"_s;
    default:
        return u"status_%1"_s.arg(status);
    }
}

} // namespace

void Connection::fail(const HttpError &error)
{
    qCDebug(lcHttp) << m_peer << "rejected:" << error.status << error.message;
    HttpError e = error;
    e.closeConnection = true;
    m_context.traffic
        ->rejections[error.limit.isEmpty() ? rejectionReason(error.status) : error.limit]
        += 1;
    recordEvent(error.status == 408 ? u"timeout"_s : u"rejected"_s,
                u"%1 %2"_s.arg(error.status).arg(error.message));
    m_input.clear(); // discard the rest (RFC 9112 §11.2)
    m_linger = true;
    const bool bodyWasOpen = !m_bodyDone;
    m_bodyDone = true; // nothing more will be parsed
    if (bodyWasOpen)
        endSink(false, error.message);
    if (m_state == State::Writing) {
        abort(error.message);
        return;
    }
    if (m_state == State::ReadingHead || m_state == State::Idle) {
        // Rejected before routing: no exchange, but it counts as a request.
        m_requestId = m_context.nextRequestId++;
        m_inFlight = true;
        ++m_context.requestsInFlight;
    }
    Response r = Response::error(e); // with its Retry-After, if it has one
    if (e.status == 401) // RFC 9110 §11.6.1; only a revoked token ends a request this way
        r.headers.add("WWW-Authenticate", R"(Bearer realm="sluice", error="invalid_token")");
    respond(m_requestId, std::move(r));
}

void Connection::onTimeout()
{
    if (m_timerIsIdle) { // see noteProgress()
        const qint64 due = m_progressAtMs + m_context.limits.bodyIdleTimeoutMs;
        const qint64 now = m_context.clock.elapsed();
        if (due > now) {
            m_timer.start(std::chrono::milliseconds(due - now));
            return;
        }
    }
    if (m_state == State::Idle && m_tls && !m_tls->isEncrypted()) {
        // A stalled handshake: there is nothing to answer it with (a refusal
        // would wait for the handshake in Qt's buffer).
        m_context.traffic->rejections[u"header_deadline_ms"_s] += 1;
        recordEvent(u"timeout"_s, u"TLS handshake not done within header_deadline_ms"_s);
        abort(u"TLS handshake not done within header_deadline_ms"_s);
        return;
    }
    if (m_healthChecksOnly && (m_state == State::Idle || m_state == State::ReadingHead)) {
        fail(m_reserveRefusal);
        return;
    }
    switch (m_state) {
    case State::Idle:
        close(); // idle keep-alive connection: close quietly
        break;
    case State::ReadingHead:
        fail(HttpError::limitExceeded(408, u"request head not received within header_deadline_ms"_s,
                                      u"header_deadline_ms"_s, m_context.limits.headerDeadlineMs));
        break;
    case State::ReadingBody:
        if (m_readPaused) {
            fail(HttpError::limitExceeded(
                503, u"the server could not store the body in time (response_deadline_ms)"_s,
                u"response_deadline_ms"_s, m_context.limits.responseDeadlineMs));
        } else {
            fail(HttpError::limitExceeded(408, u"no body data for body_idle_timeout_ms"_s,
                                          u"body_idle_timeout_ms"_s,
                                          m_context.limits.bodyIdleTimeoutMs));
        }
        break;
    case State::AwaitingResponse:
        recordEvent(u"timeout"_s, u"no answer within response_deadline_ms"_s);
        respond(m_requestId,
                Response::error(HttpError(503, u"no answer within response_deadline_ms"_s,
                                          u"response_deadline_ms"_s,
                                          QJsonValue(m_context.limits.responseDeadlineMs), true)));
        break;
    case State::Writing:
        abort(waitingOnClient() ? u"client read nothing for body_idle_timeout_ms"_s
                  : m_budgetWaiting
                  ? u"no room under max_send_buffer_bytes within response_deadline_ms"_s
                  : u"response body stalled past response_deadline_ms"_s);
        break;
    case State::Closing:
        abort(m_linger ? u"lingering close over"_s
                       : u"client read nothing for body_idle_timeout_ms"_s);
        break;
    }
}

void Connection::shutdown()
{
    m_closeAfterResponse = true;
    if (m_state == State::Idle || (m_state == State::ReadingHead && m_input.isEmpty()))
        close();
}

void Connection::close()
{
    if (m_closed || m_state == State::Closing)
        return;
    m_state = State::Closing;
    teardownRequest(u"connection closing"_s);
    armTimer(m_context.limits.bodyIdleTimeoutMs); // re-armed on progress
    finishClose();
}

// Once everything queued is flushed: either close, or (when the client may
// still be sending a body we did not read) half-close and drain for a while,
// so that its TCP stack does not reset the connection before it has read our
// answer (RFC 9112 §9.6).
void Connection::finishClose()
{
    if (m_closed || unsentBytes() > 0)
        return;
    if (!m_linger) {
        m_socket->disconnectFromHost();
        return;
    }
    if (m_halfClosed)
        return;
    m_halfClosed = true;
    if (m_socket->socketDescriptor() >= 0)
        ::shutdown(int(m_socket->socketDescriptor()), SHUT_WR);
    armTimer(kLingerMs);
    onReadyRead(); // whatever Qt already holds
}

void Connection::abort(const QString &reason)
{
    if (m_closed)
        return;
    if (m_inFlight)
        recordEvent(u"aborted"_s, reason);
    qCDebug(lcHttp) << m_peer << "aborting connection:" << reason;
    teardownRequest(reason);
    m_socket->abort();
    onDisconnected();
}

bool Connection::endIfRevoked(const config::Authenticator &authenticator)
{
    if (m_closed || !m_inFlight || !m_principal)
        return false;
    // A live stream was authorised once, for as long as it lasts: it ends
    // when the account's role changes too (an admin no longer admin).
    const bool endless = m_producer && m_producer->endless();
    if (authenticator.stillAdmits(*m_principal, endless))
        return false;
    const QString why = authenticator.stillAdmits(*m_principal)
        ? u"the role of account '%1' changed"_s.arg(m_principal->account)
        : u"the token of account '%1' was revoked"_s.arg(m_principal->account);
    m_closeAfterResponse = true;
    if (m_state == State::Writing) // the status line is out: only closing can tell
        abort(why);
    else
        fail(HttpError(401, why, true));
    return true;
}

// The body bytes a client sent before it closed are its own, and a sink
// that keeps what arrived (a resumable upload) must see every one of them:
// what Qt and the input hold is fed now, past the sink's high-water mark
// (bounded by the read buffer and the input cap). A body that turns out
// complete ends as such, though no answer can reach the client.
void Connection::salvageBody()
{
    while (m_state == State::ReadingBody && m_sink && !m_sinkEnded) {
        const QByteArray more = m_socket->readAll();
        m_context.traffic->bytesIn += quint64(more.size());
        m_input += more;
        if (m_input.isEmpty())
            return;
        qsizetype used = 0;
        const auto status = m_parser->feed(m_input, &used, PieceBytes);
        m_input.remove(0, used);
        const QByteArray piece = m_parser->takeBody();
        m_progress.bytesIn += piece.size();
        if (!piece.isEmpty())
            m_sink->write(piece);
        if (status == RequestParser::Status::Complete) {
            m_bodyDone = true;
            m_state = State::AwaitingResponse;
            if (m_sink && m_parser->trailers().size() > 0)
                m_sink->trailers(m_parser->trailers());
            endSink(true, {});
            return;
        }
        if (status == RequestParser::Status::Failed || (used == 0 && piece.isEmpty()))
            return;
    }
}

void Connection::onDisconnected()
{
    if (m_closed)
        return;
    salvageBody();
    if (m_inFlight && (m_sink || (m_producer && !m_producer->endless())))
        recordEvent(u"aborted"_s, u"client disconnected mid-transfer; cleaned up"_s);
    m_closed = true;
    m_timer.stop();
    m_paceTimer.stop();
    teardownRequest(u"client disconnected"_s);
    syncSendBudget(); // closed: holds nothing
    m_state = State::Closing;
    emit closed();
}

} // namespace sluice::http
