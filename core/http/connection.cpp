#include "http/connection.h"

#include "http/bodysink.h"
#include "http/exchange.h"
#include "http/requestparser.h"
#include "http/responseproducer.h"
#include "http/router.h"

#include <QDateTime>
#include <QLocale>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

constexpr qint64 kPieceBytes = 64 * 1024; // body piece and response chunk size

QByteArray httpDate()
{
    // RFC 9110 §5.6.7 IMF-fixdate; QLocale::c() keeps day and month names English.
    return QLocale::c()
        .toString(QDateTime::currentDateTimeUtc(), u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s)
        .toLatin1();
}

bool statusHasNoBody(int status)
{
    return status < 200 || status == 204 || status == 304;
}

} // namespace

Connection::Connection(QTcpSocket *socket, ServerContext &context, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_context(context)
    , m_peer(socket->peerAddress())
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(m_context.limits.socketReadBufferBytes);
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, [this] {
        if (m_state == State::Writing) {
            armTimer(m_context.limits.bodyIdleTimeoutMs); // progress: the client reads
            pumpOutput();
        }
    });
    connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcHttp) << m_peer << "socket error" << m_socket->errorString();
        onDisconnected();
    });
    armTimer(m_context.limits.keepAliveIdleTimeoutMs);
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
}

Connection::~Connection()
{
    teardownRequest(u"connection destroyed"_s);
}

void Connection::armTimer(qint64 ms)
{
    m_timer.start(std::chrono::milliseconds(ms));
}

void Connection::onReadyRead()
{
    pump();
}

bool Connection::wantsInput() const
{
    // Bounded: a head up to its limits, or one body piece; pipelined requests
    // wait in the socket (and then the kernel) until their turn.
    const config::Limits &l = m_context.limits;
    const qsizetype cap = std::max<qint64>(l.maxRequestLineBytes + l.maxHeaderBytes,
                                           l.maxChunkExtensionBytes + kPieceBytes)
        + 1024;
    if (m_input.size() >= cap)
        return false;
    switch (m_state) {
    case State::Idle:
    case State::ReadingHead:
        return true;
    case State::ReadingBody:
        return !m_bodyDone && !(m_sink && m_sink->isFull());
    default:
        return false;
    }
}

void Connection::readSocket()
{
    const config::Limits &l = m_context.limits;
    const qsizetype cap = std::max<qint64>(l.maxRequestLineBytes + l.maxHeaderBytes,
                                           l.maxChunkExtensionBytes + kPieceBytes)
        + 1024;
    while (wantsInput() && m_socket->bytesAvailable() > 0) {
        const qint64 want = std::min<qint64>(m_socket->bytesAvailable(), cap - m_input.size());
        const qsizetype old = m_input.size();
        m_input.resize(old + want);
        const qint64 got = m_socket->read(m_input.data() + old, want);
        m_input.resize(old + std::max<qint64>(got, 0));
        if (got <= 0)
            break;
    }
}

void Connection::pump()
{
    // Qt does not signal readyRead again for bytes it already buffered, so
    // every resume comes through here and drains what is there.
    while (!m_closed) {
        readSocket();
        if (!step())
            break;
    }
}

bool Connection::step()
{
    switch (m_state) {
    case State::Idle:
        if (m_input.isEmpty())
            return false;
        m_state = State::ReadingHead;
        m_parser = std::make_unique<RequestParser>(ParserLimits {
            m_context.limits.maxRequestLineBytes, m_context.limits.maxHeaderBytes,
            m_context.limits.maxHeaderFields, m_context.limits.maxChunkExtensionBytes});
        m_requestClock.start();
        armTimer(m_context.limits.headerDeadlineMs); // absolute: not re-armed per byte
        return true;
    case State::ReadingHead: {
        if (m_input.isEmpty())
            return false;
        qsizetype used = 0;
        const auto status = m_parser->feed(m_input, &used);
        m_input.remove(0, used);
        if (status == RequestParser::Status::Failed) {
            fail(m_parser->error());
            return false;
        }
        if (status == RequestParser::Status::HeadComplete) {
            dispatch();
            return true;
        }
        return used > 0;
    }
    case State::ReadingBody: {
        bool progressed = false;
        bodyStep(&progressed);
        return progressed;
    }
    default:
        return false;
    }
}

void Connection::dispatch()
{
    Request request = std::move(m_parser->request());
    request.id = m_context.nextRequestId++;
    request.peer = m_peer;
    m_inFlight = true;
    ++m_context.requestsInFlight;
    m_state = State::AwaitingResponse;
    m_bodyDone = !request.hasBody();
    m_headOnly = request.method == "HEAD";
    m_closeAfterResponse = !request.keepAlive || m_context.shuttingDown;
    m_timer.stop();
    qCDebug(lcHttp).nospace() << m_peer.toString() << " #" << request.id << ' ' << request.method
                              << ' ' << request.target;

    const Router::Match match = m_context.router->match(request.method, request.path);
    if (!match.route) {
        if (!match.allowedMethods.isEmpty()) {
            Response r = Response::error({405,
                                          u"method %1 is not allowed on %2"_s.arg(
                                              QString::fromLatin1(request.method), request.path)});
            r.headers.add("Allow", match.allowedMethods.join(", "));
            respond(std::move(r));
        } else {
            respond(Response::error({404, u"no such resource: %1"_s.arg(request.path)}));
        }
        return;
    }
    if (match.route->access != Access::Public) {
        const auto principal = m_context.authenticator
            ? m_context.authenticator->authenticate(request.headers.value("authorization"))
            : std::nullopt;
        if (!principal) {
            const bool presented = request.headers.contains("authorization");
            Response r = Response::error(
                {401, presented ? u"invalid bearer token"_s : u"missing bearer token"_s});
            r.headers.add("WWW-Authenticate",
                          presented ? R"(Bearer realm="sluice", error="invalid_token")"
                                    : R"(Bearer realm="sluice")");
            respond(std::move(r));
            return;
        }
        if (match.route->access == Access::Admin && !principal->admin) {
            respond(
                Response::error({403, u"account '%1' is not an admin"_s.arg(principal->account)}));
            return;
        }
        request.account = principal->account;
        request.admin = principal->admin;
    }

    Exchange::Hooks hooks;
    hooks.respond = [this](Response &&r) {
        respond(std::move(r));
    };
    hooks.receiveBody = [this](BodySink *sink) {
        startBody(sink);
    };
    m_exchange = new Exchange(std::move(request), match.params, std::move(hooks), this);
    match.route->handler(*m_exchange);
}

void Connection::startBody(BodySink *sink)
{
    sink->setParent(this);
    m_sink = sink;
    connect(sink, &BodySink::drained, this, &Connection::onSinkDrained);
    if (m_bodyDone) { // nothing to read: an empty body
        m_state = State::AwaitingResponse;
        sink->finish();
        return;
    }
    m_bodyWanted = true;
    m_state = State::ReadingBody;
    if (m_exchange && m_exchange->request().expectContinue)
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n"); // RFC 9110 §10.1.1
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
}

void Connection::bodyStep(bool *progressed)
{
    if (m_sink && m_sink->isFull()) {
        if (!m_readPaused) {
            m_readPaused = true;
            ++m_context.readPauses;
            m_timer.stop(); // our own backlog is not the client's idleness
        }
        return;
    }
    if (m_input.isEmpty())
        return;
    qsizetype used = 0;
    const auto status = m_parser->feed(m_input, &used, kPieceBytes);
    m_input.remove(0, used);
    const QByteArray piece = m_parser->takeBody();
    if (!piece.isEmpty()) {
        armTimer(m_context.limits.bodyIdleTimeoutMs);
        if (m_sink)
            m_sink->write(piece);
    }
    *progressed = used > 0;
    if (status == RequestParser::Status::Failed) {
        fail(m_parser->error());
        *progressed = false;
    } else if (status == RequestParser::Status::Complete) {
        m_bodyDone = true;
        m_timer.stop();
        m_state = State::AwaitingResponse;
        if (m_sink)
            m_sink->finish();
        *progressed = true;
    }
}

void Connection::onSinkDrained()
{
    if (!m_readPaused)
        return;
    m_readPaused = false;
    if (m_state == State::ReadingBody)
        armTimer(m_context.limits.bodyIdleTimeoutMs);
    pump();
}

void Connection::respond(Response &&response)
{
    if (m_closed || m_state == State::Writing || m_state == State::Closing)
        return;
    if (!m_bodyDone) {
        // The body was not (fully) read: the rest of the stream is not a
        // request boundary we can trust, so the connection ends with this answer.
        m_closeAfterResponse = true;
        if (m_sink)
            m_sink->abort(u"request answered before its body was read"_s);
    }
    if (response.closeConnection || m_context.shuttingDown)
        m_closeAfterResponse = true;
    m_state = State::Writing;
    m_producer = std::move(response.producer);

    const bool noBody = statusHasNoBody(response.status);
    std::optional<qint64> length
        = m_producer ? m_producer->size() : std::optional<qint64>(response.body.size());
    const int version = m_exchange ? m_exchange->request().version
                                   : (m_parser ? m_parser->request().version : 11);
    m_chunkedOut = !noBody && !length && version == 11;
    if (!noBody && !length && version == 10)
        m_closeAfterResponse = true; // HTTP/1.0: the end of the body is the close

    QByteArray head;
    head.reserve(256);
    head += (version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ") + QByteArray::number(response.status) + ' '
        + reasonPhrase(response.status) + "\r\n";
    head += "Date: " + httpDate() + "\r\nServer: Sluice/" SLUICE_VERSION "\r\n";
    if (m_exchange)
        head += "X-Request-Id: " + QByteArray::number(m_exchange->request().id) + "\r\n";
    for (const auto &[name, value] : response.headers.fields())
        head += name + ": " + value + "\r\n";
    if (!noBody) {
        if (length)
            head += "Content-Length: " + QByteArray::number(*length) + "\r\n";
        else if (m_chunkedOut)
            head += "Transfer-Encoding: chunked\r\n";
    }
    if (m_closeAfterResponse)
        head += "Connection: close\r\n";
    else if (version == 10)
        head += "Connection: keep-alive\r\n";
    head += "\r\n";
    m_socket->write(head);

    if (noBody || m_headOnly) {
        m_producer.reset();
    } else if (!m_producer) {
        m_socket->write(response.body);
    } else {
        connect(m_producer.get(), &ResponseProducer::readyRead, this, &Connection::pumpOutput);
        connect(m_producer.get(), &ResponseProducer::failed, this, [this](const QString &why) {
            qCWarning(lcHttp) << m_peer << "response body failed:" << why;
            abort(why); // no final chunk: the client sees a truncated body
        });
    }
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    QMetaObject::invokeMethod(this, &Connection::pumpOutput, Qt::QueuedConnection);
}

void Connection::pumpOutput()
{
    if (m_state != State::Writing || m_closed)
        return;
    const qint64 highWater = m_context.limits.responseHighWaterBytes;
    while (m_socket->bytesToWrite() < highWater) {
        if (!m_producer || m_producer->atEnd()) {
            if (m_producer && m_chunkedOut)
                m_socket->write("0\r\n\r\n");
            finishResponse();
            return;
        }
        m_writePaused = false;
        const QByteArray piece = m_producer->read(kPieceBytes);
        if (piece.isEmpty()) {
            if (m_producer->atEnd())
                continue;
            return; // the producer emits readyRead when it has more
        }
        if (m_chunkedOut) {
            m_socket->write(QByteArray::number(piece.size(), 16) + "\r\n");
            m_socket->write(piece);
            m_socket->write("\r\n");
        } else {
            m_socket->write(piece);
        }
        m_context.peakBytesToWrite = std::max(m_context.peakBytesToWrite, m_socket->bytesToWrite());
    }
    if (!m_writePaused) {
        m_writePaused = true;
        ++m_context.writePauses;
    }
}

void Connection::finishResponse()
{
    m_context.peakBytesToWrite = std::max(m_context.peakBytesToWrite, m_socket->bytesToWrite());
    teardownRequest({});
    if (m_closeAfterResponse || m_context.shuttingDown) {
        close();
        return;
    }
    m_state = State::Idle;
    m_parser.reset();
    armTimer(m_context.limits.keepAliveIdleTimeoutMs);
    // Continue with a pipelined request from the event loop, not from inside
    // this call chain (no re-entrancy into a handler).
    QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
}

// Ends the current exchange; with a reason, the request was abandoned and the
// sink and producer are told so that they clean up.
void Connection::teardownRequest(const QString &reason)
{
    if (m_sink) {
        if (!reason.isEmpty() && !m_bodyDone)
            m_sink->abort(reason);
        m_sink->disconnect(this);
        m_sink->deleteLater();
        m_sink = nullptr;
    }
    if (m_producer) {
        m_producer->disconnect(this);
        if (!reason.isEmpty())
            m_producer->abort();
        m_producer.reset();
    }
    if (m_exchange) {
        m_exchange->deleteLater();
        m_exchange = nullptr;
    }
    if (m_inFlight) {
        m_inFlight = false;
        --m_context.requestsInFlight;
        ++m_context.requestsTotal;
    }
    m_bodyWanted = false;
    m_readPaused = false;
    m_writePaused = false;
}

void Connection::fail(const HttpError &error)
{
    qCDebug(lcHttp) << m_peer << "rejected:" << error.status << error.message;
    HttpError e = error;
    e.closeConnection = true;
    m_input.clear(); // discard the rest (RFC 9112 §9.6 / §11.2)
    if (m_state == State::ReadingHead || m_state == State::Idle) {
        // No exchange yet: count it as a request that got an answer.
        m_inFlight = true;
        ++m_context.requestsInFlight;
    }
    if (m_sink && !m_bodyDone)
        m_sink->abort(error.message);
    m_bodyDone = true; // nothing more will be read
    if (m_state == State::Writing) {
        abort(error.message);
        return;
    }
    respond(Response::error(e));
}

void Connection::onTimeout()
{
    switch (m_state) {
    case State::Idle:
        close(); // idle keep-alive connection: close quietly
        break;
    case State::ReadingHead:
        fail(HttpError::limitExceeded(408, u"request head not received within header_deadline_ms"_s,
                                      u"header_deadline_ms"_s, m_context.limits.headerDeadlineMs));
        break;
    case State::ReadingBody:
        fail(HttpError::limitExceeded(408, u"no body data for body_idle_timeout_ms"_s,
                                      u"body_idle_timeout_ms"_s,
                                      m_context.limits.bodyIdleTimeoutMs));
        break;
    case State::Writing:
        abort(u"client read nothing for body_idle_timeout_ms"_s);
        break;
    case State::Closing:
        abort(u"close did not complete"_s);
        break;
    case State::AwaitingResponse:
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
    if (m_closed)
        return;
    m_state = State::Closing;
    teardownRequest(u"connection closing"_s);
    // Flushes what is queued, then closes; bounded by the timer in case the
    // client never reads.
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    m_socket->disconnectFromHost();
}

void Connection::abort(const QString &reason)
{
    if (m_closed)
        return;
    qCDebug(lcHttp) << m_peer << "aborting connection:" << reason;
    teardownRequest(reason);
    m_socket->abort();
    onDisconnected();
}

void Connection::onDisconnected()
{
    if (m_closed)
        return;
    m_closed = true;
    m_timer.stop();
    teardownRequest(u"client disconnected"_s);
    m_state = State::Closing;
    emit closed();
}

} // namespace sluice::http
