#include "http/connection.h"

#include "http/bodysink.h"
#include "http/connectionadmission.h"
#include "http/exchange.h"
#include "http/requestparser.h"
#include "http/responsehead.h"
#include "http/responseproducer.h"
#include "http/router.h"
#include "metrics/eventlog.h"

#include <QDateTime>
#include <QScopedValueRollback>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#ifdef Q_OS_LINUX
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#endif

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

constexpr qint64 kLingerMaxBytes = 4 * 1024 * 1024;
// A health probe sends its request at once; a reserve slot is not held longer.
constexpr qint64 kReserveHeadMs = 1'000;

} // namespace

Connection::Connection(QTcpSocket *socket, ServerContext &context, QObject *parent)
    : QObject(parent)
    , m_socket(socket)
    , m_context(context)
    , m_id(context.nextConnectionId++)
    , m_peer(socket->peerAddress())
    , m_peerPort(socket->peerPort())
    , m_tls(qobject_cast<QSslSocket *>(socket))
{
    m_socket->setParent(this);
    m_socket->setReadBufferSize(m_context.limits.socketReadBufferBytes);
#ifdef Q_OS_LINUX
    // The kernel's send buffer grows to megabytes for any client (tcp_wmem),
    // and for a slow one those are megabytes of memory per connection that
    // wait for it: take no more unsent bytes than two pieces. Bytes in
    // flight (sent, not yet acknowledged) are not limited, so a fast client
    // on a long link is not slowed.
    const int unsentLowWater = int(2 * PieceBytes);
    if (m_socket->socketDescriptor() >= 0)
        ::setsockopt(int(m_socket->socketDescriptor()), IPPROTO_TCP, TCP_NOTSENT_LOWAT,
                     &unsentLowWater, sizeof unsentLowWater);
#endif
    m_timer.setSingleShot(true);
    connect(&m_timer, &QTimer::timeout, this, &Connection::onTimeout);
    m_paceTimer.setSingleShot(true);
    connect(&m_paceTimer, &QTimer::timeout, this, &Connection::onPaceDue);
    connect(m_socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(m_socket, &QTcpSocket::bytesWritten, this, &Connection::onBytesWritten);
    connect(m_socket, &QTcpSocket::disconnected, this, &Connection::onDisconnected);
    connect(m_socket, &QTcpSocket::errorOccurred, this, [this](QAbstractSocket::SocketError e) {
        if (e != QAbstractSocket::RemoteHostClosedError)
            qCDebug(lcHttp) << m_peer << "socket error" << m_socket->errorString();
        onDisconnected();
    });
    m_quietSinceMs = m_context.clock.elapsed();
    if (m_tls) {
        // Encrypted bytes leave Qt's buffer of the TCP socket under the TLS
        // one: that, not the plaintext taken in by TLS, is the client reading.
        connect(m_tls, &QSslSocket::encryptedBytesWritten, this,
                &Connection::onEncryptedBytesWritten);
        // The handshake counts against the first request's header deadline.
        m_firstHeadDueMs = m_quietSinceMs + m_context.limits.headerDeadlineMs;
        armTimer(m_context.limits.headerDeadlineMs);
    } else {
        armTimer(m_context.limits.keepAliveIdleTimeoutMs);
    }
    if (m_socket->bytesAvailable() > 0)
        QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
}

Connection::~Connection()
{
    teardownRequest(u"connection destroyed"_s);
    // Qt's buffer goes with the socket. Only when there is one: connections
    // the server aborted on its way out die after its context did.
    if (m_budgetHeld != 0)
        m_context.sendBudget.adjust(-m_budgetHeld);
}

std::optional<Transfer> Connection::transfer() const
{
    // A live stream is not a transfer: it would keep the list (and the
    // stream's own transfers events) busy for as long as it is open.
    if (!m_inFlight || !m_exchange || (m_producer && m_producer->endless()))
        return std::nullopt;
    Transfer t = m_progress;
    t.account = m_exchange->request().account;
    t.phase = m_state == State::ReadingBody ? Transfer::Phase::Receiving
        : m_state == State::Writing         ? Transfer::Phase::Sending
                                            : Transfer::Phase::Processing;
    return t;
}

std::optional<qint64> Connection::quietSinceMs() const
{
    if (m_closed || (m_state != State::Idle && m_state != State::ReadingHead))
        return std::nullopt;
    if (m_state == State::Idle && (!m_input.isEmpty() || unsentBytes() > 0))
        return std::nullopt; // a request is about to start, or an answer still leaves
    return m_quietSinceMs;
}

void Connection::recordEvent(const QString &kind, const QString &detail)
{
    if (!m_context.events)
        return;
    metrics::Event e;
    e.kind = kind;
    e.requestId = m_requestId ? QString::number(m_requestId) : QString();
    e.account = m_exchange ? m_exchange->request().account : QString();
    e.peer = m_peer.toString();
    e.detail = m_route.isEmpty() ? detail : m_route + u": "_s + detail;
    m_context.events->record(std::move(e));
}

void Connection::armTimer(qint64 ms)
{
    m_timerIsIdle = false;
    m_timer.start(std::chrono::milliseconds(ms));
}

// Progress comes with every piece, and re-arming the timer each time would
// cost a sorted insert among every connection's timers (Qt keeps them in a
// list): at thousands of connections that was a tenth of the HTTP thread.
// So progress only moves the deadline, and a timer that fires before it
// sleeps on (onTimeout).
void Connection::noteProgress()
{
    m_progressAtMs = m_context.clock.elapsed();
    if (!m_timerIsIdle || !m_timer.isActive()) {
        armTimer(m_context.limits.bodyIdleTimeoutMs);
        m_timerIsIdle = true;
    }
}

void Connection::onReadyRead()
{
    if (m_state == State::Closing) {
        if (m_linger) { // drain what the client still sends, bounded
            m_lingerDiscarded += m_socket->skip(m_socket->bytesAvailable());
            if (m_lingerDiscarded > kLingerMaxBytes)
                abort(u"client kept sending after the response"_s);
        }
        return;
    }
    pump();
}

void Connection::onBytesWritten(qint64 bytes)
{
    const QScopedValueRollback inSignal(m_inBytesWritten, true);
    m_context.traffic->bytesOut += quint64(bytes);
    if (m_inFlight)
        m_progress.bytesOut += bytes;
    // TLS: these bytes are encrypted, not sent. QSslSocket reports them
    // before it moves the records to the TCP socket's buffer, so that here
    // they are in neither buffer and writing more now would hold twice the
    // high-water mark: the records leaving (onEncryptedBytesWritten) drive it.
    if (m_tls)
        return;
    m_bytesToKernel += bytes;
    onDrained();
}

void Connection::onEncryptedBytesWritten(qint64 bytes)
{
    const QScopedValueRollback inSignal(m_inBytesWritten, true);
    m_bytesToKernel += bytes; // TLS records, as the kernel's send queue counts them
    onDrained();
}

void Connection::onDrained()
{
    syncSendBudget();
    if (m_state == State::Writing) {
        if (unsentBytes() > 0)
            noteProgress(); // the client reads
        pumpOutput();
    } else if (m_state == State::Closing) {
        noteProgress();
        finishClose();
    }
}

qint64 Connection::unsentBytes() const
{
    return m_socket->bytesToWrite() + (m_tls ? m_tls->encryptedBytesToWrite() : 0);
}

qsizetype Connection::inputCap() const
{
    // A head up to its limits, or one chunk line plus one body piece.
    const config::Limits &l = m_context.limits;
    return std::max<qint64>(l.maxRequestLineBytes + l.maxHeaderBytes,
                            l.maxChunkExtensionBytes + PieceBytes)
        + 1024;
}

bool Connection::wantsInput() const
{
    if (m_input.size() >= inputCap())
        return false;
    switch (m_state) {
    case State::Idle:
    case State::ReadingHead:
        return true;
    case State::ReadingBody:
        return !m_bodyDone && !(m_sink && m_sink->isFull());
    case State::AwaitingResponse:
    case State::Writing:
        // Pipelined bytes: take them (bounded), so that Qt keeps reading and
        // notices when the client goes away.
        return m_bodyDone;
    case State::Closing:
        return false;
    }
    return false;
}

void Connection::readSocket()
{
    while (wantsInput() && m_socket->bytesAvailable() > 0) {
        const qint64 want
            = std::min<qint64>(m_socket->bytesAvailable(), inputCap() - m_input.size());
        const qsizetype old = m_input.size();
        m_input.resize(old + want);
        const qint64 got = m_socket->read(m_input.data() + old, want);
        m_input.resize(old + std::max<qint64>(got, 0));
        if (got <= 0)
            break;
        m_context.traffic->bytesIn += quint64(got);
    }
}

void Connection::pump()
{
    // Qt does not signal readyRead again for bytes it already buffered, so
    // every resume comes through here and drains what is there.
    while (!m_closed && m_state != State::Closing) {
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
        m_requestClock.start();
        m_quietSinceMs = m_context.clock.elapsed();
        m_parser = std::make_unique<RequestParser>(ParserLimits {
            m_context.limits.maxRequestLineBytes, m_context.limits.maxHeaderBytes,
            m_context.limits.maxHeaderFields, m_context.limits.maxChunkExtensionBytes});
        // Absolute: not re-armed per byte. The first on a TLS connection
        // has what its handshake left of the deadline.
        armTimer(m_healthChecksOnly ? std::min(kReserveHeadMs, m_context.limits.headerDeadlineMs)
                     : m_firstHeadDueMs >= 0
                     ? std::clamp<qint64>(m_firstHeadDueMs - m_context.clock.elapsed(), 0,
                                          m_context.limits.headerDeadlineMs)
                     : m_context.limits.headerDeadlineMs);
        m_firstHeadDueMs = -1;
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
    m_requestId = request.id;
    m_inFlight = true;
    ++m_context.requestsInFlight;
    m_state = State::AwaitingResponse;
    m_bodyDone = !request.hasBody();
    m_sinkEnded = false;
    request.method = m_context.router->effectiveMethod(request);
    m_headOnly = request.method == "HEAD";
    m_closeAfterResponse = !request.keepAlive || m_context.shuttingDown;
    armTimer(m_context.limits.responseDeadlineMs);
    qCDebug(lcHttp).nospace() << m_peer.toString() << " #" << request.id << ' ' << request.method
                              << ' ' << request.target;

    const quint64 id = request.id;
    const Router::Match match = m_context.router->match(request.method, request.path);
    m_method = request.method;
    m_route = match.route ? match.route->pattern : u"(unmatched)"_s;
    m_progress = Transfer {};
    m_progress.connectionId = m_id;
    m_progress.requestId = id;
    m_progress.client = m_peer.toString() + u':' + QString::number(m_peerPort);
    m_progress.method = QString::fromLatin1(request.method);
    m_progress.route = m_route;
    m_progress.path = request.path;
    m_progress.totalIn = request.chunked ? -1 : qint64(request.contentLength.value_or(0));
    m_progress.startedMs = QDateTime::currentMSecsSinceEpoch();
    if (m_healthChecksOnly) {
        m_closeAfterResponse = true;
        if (request.path != "/healthz"_L1 && request.path != "/readyz"_L1) {
            fail(m_reserveRefusal);
            return;
        }
    }
    if (!match.route) {
        if (!match.allowedMethods.isEmpty()) {
            Response r = Response::error({405,
                                          u"method %1 is not allowed on %2"_s.arg(
                                              QString::fromLatin1(request.method), request.path)});
            r.headers.add("Allow", match.allowedMethods.join(", "));
            respond(id, std::move(r));
        } else {
            respond(id, Response::error({404, u"no such resource: %1"_s.arg(request.path)}));
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
            respond(id, std::move(r));
            return;
        }
        if (!m_authenticated) {
            if (auto refused = claimForAccount(*principal)) {
                respond(id, Response::error(*refused));
                return;
            }
            m_authenticated = true;
            emit authenticated();
        }
        if (const QString refusal = accessRefusal(match.route->access, *principal);
            !refusal.isEmpty()) {
            respond(id, Response::error({403, refusal}));
            return;
        }
        request.account = principal->account;
        request.accountId = principal->accountId;
        request.admin = principal->admin;
        m_principal = principal;
    }

    // The hooks name their request: a late call from an exchange that is
    // already over (a queued callback, a timer) is ignored.
    Exchange::Hooks hooks;
    hooks.respond = [this, id](Response &&r) {
        respond(id, std::move(r));
    };
    hooks.receiveBody = [this, id](BodySink *sink) {
        startBody(id, sink);
    };
    m_exchange = new Exchange(std::move(request), match.params, std::move(hooks), this);
    match.route->handler(*m_exchange);
}

void Connection::startBody(quint64 requestId, BodySink *sink)
{
    if (requestId != m_requestId || m_state != State::AwaitingResponse || m_sink || m_closed) {
        sink->abort(u"request is over"_s);
        sink->deleteLater();
        return;
    }
    sink->setParent(this);
    m_sink = sink;
    // Queued: a sink that drains from inside write() must not re-enter us.
    connect(sink, &BodySink::drained, this, &Connection::onSinkDrained, Qt::QueuedConnection);
    if (m_bodyDone) { // an empty body
        endSink(true, {});
        return;
    }
    m_state = State::ReadingBody;
    if (m_exchange && m_exchange->request().expectContinue) {
        m_socket->write("HTTP/1.1 100 Continue\r\n\r\n"); // RFC 9110 §10.1.1
        m_socket->flush(); // the client waits for it before sending the body
    }
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    startPace();
    QMetaObject::invokeMethod(this, &Connection::pump, Qt::QueuedConnection);
}

// Tells the sink how the body ended, exactly once.
void Connection::endSink(bool complete, const QString &reason)
{
    if (!m_sink || m_sinkEnded)
        return;
    m_sinkEnded = true;
    if (complete)
        m_sink->finish();
    else
        m_sink->abort(reason);
}

void Connection::bodyStep(bool *progressed)
{
    if (m_sink && m_sink->isFull()) {
        if (!m_readPaused) {
            m_readPaused = true;
            ++m_context.traffic->readPauses;
            ++m_progress.readPauses;
            // Our own backlog is not the client's idleness, but the sink must drain in time.
            armTimer(m_context.limits.responseDeadlineMs);
        }
        return;
    }
    if (m_input.isEmpty())
        return;
    qsizetype used = 0;
    const auto status = m_parser->feed(m_input, &used, PieceBytes);
    m_input.remove(0, used);
    *progressed = used > 0;
    const QByteArray piece = m_parser->takeBody();
    m_progress.bytesIn += piece.size();
    if (!piece.isEmpty() && m_sink) {
        noteProgress();
        m_sink->write(piece);
        if (m_state != State::ReadingBody) { // the sink answered (e.g. a limit was hit)
            *progressed = false;
            return;
        }
    }
    if (status == RequestParser::Status::Failed) {
        fail(m_parser->error());
        *progressed = false;
    } else if (status == RequestParser::Status::Complete) {
        m_bodyDone = true;
        m_state = State::AwaitingResponse;
        armTimer(m_context.limits.responseDeadlineMs);
        if (m_sink && m_parser->trailers().size() > 0)
            m_sink->trailers(m_parser->trailers());
        endSink(true, {});
        *progressed = m_state == State::AwaitingResponse;
    }
}

void Connection::onSinkDrained()
{
    if (!m_readPaused || m_state != State::ReadingBody)
        return;
    m_readPaused = false;
    armTimer(m_context.limits.bodyIdleTimeoutMs);
    startPace(); // the time the sink held us back was not the client's
    pump();
}

// Ends the current exchange; with a reason, the request was abandoned and the
// sink and producer are told so that they clean up.
void Connection::teardownRequest(const QString &reason)
{
    const bool endless = m_producer && m_producer->endless();
    if (m_sink) {
        endSink(false, reason.isEmpty() ? u"request ended"_s : reason);
        m_sink->disconnect(this);
        m_sink->deleteLater();
        m_sink = nullptr;
    }
    if (m_budgetWaiting) {
        m_budgetWaiting = false;
        m_context.sendBudget.leave(m_id);
    }
    delete m_sendNotifier; // before the socket's descriptor can go
    m_sendNotifier = nullptr;
    m_sendDirectOff = false;
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
        m_context.traffic->recordRequest(
            m_route.isEmpty() ? u"(unparsed)"_s : m_route, m_method, m_status,
            endless ? std::nullopt
                    : std::optional<double>(double(m_requestClock.nsecsElapsed()) / 1e9));
    }
    m_route.clear();
    m_method.clear();
    m_status = 0;
    m_requestId = 0;
    m_principal.reset();
    m_readPaused = false;
    m_writePaused = false;
    m_headOnly = false;
    m_chunkedOut = false;
    m_bytesLeft = -1;
}

void Connection::restrictToHealthChecks(const HttpError &refusal)
{
    m_healthChecksOnly = true;
    m_reserveRefusal = refusal;
    m_reserveRefusal.retryAfterS = 1;
    if (m_state == State::Idle)
        armTimer(std::min(kReserveHeadMs, m_context.limits.headerDeadlineMs));
}

std::optional<HttpError> Connection::claimForAccount(const config::Principal &principal)
{
    if (!m_context.admission)
        return std::nullopt;
    const config::Limits &limits = m_context.limits;
    const int accounts = m_context.authenticator ? m_context.authenticator->dataAccounts() : 0;
    const qint64 cap = limits.accountShare(limits.maxConnections, accounts);
    if (m_context.admission->authenticate(m_id, principal.accountId, cap))
        return std::nullopt;
    ++m_context.traffic->rejections[u"account_share_percent"_s];
    HttpError refused = HttpError::limitExceeded(
        429,
        u"account %1 already has %2 connections open, its share (account_share_percent of "
        "max_connections); reuse them or close some"_s.arg(principal.account)
            .arg(cap),
        u"account_share_percent"_s, limits.accountSharePercentFor(accounts));
    refused.closeConnection = true; // this connection does not stay open for it
    refused.retryAfterS = 1;
    return refused;
}

} // namespace sluice::http
