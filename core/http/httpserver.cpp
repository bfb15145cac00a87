#include "http/httpserver.h"

#include <csignal>

#include "metrics/eventlog.h"

#include <QTcpServer>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

QString refusal(const QString &limit, const QHostAddress &peer)
{
    if (limit == "max_connections_per_client"_L1)
        return u"too many connections from %1"_s.arg(peer.toString());
    if (limit == "max_connections_per_ipv6_prefix"_L1)
        return u"too many connections from the /64 of %1"_s.arg(peer.toString());
    if (limit == "max_unauthenticated_connections"_L1)
        return u"too many connections without a valid token"_s;
    return u"too many connections"_s;
}

} // namespace

HttpServer::HttpServer(Router router, QObject *parent)
    : QObject(parent)
    , m_router(std::move(router))
    , m_server(new TlsTcpServer(this))
{
    m_context.router = &m_router;
    m_context.admission = &m_admission;
    // A client that resets mid-response makes the next write raise SIGPIPE,
    // which ends the process. Qt's own writes pass MSG_NOSIGNAL; sendfile(2)
    // has no such flag, so in whichever process embeds a server (sluiced,
    // the window, a test) the signal is ignored and the write reports EPIPE.
    std::signal(SIGPIPE, SIG_IGN);
    m_context.clock.start();
    m_context.sendBudget.setLimit(m_context.limits.maxSendBufferBytes);
    m_server->setMaxPendingConnections(128);
    connect(m_server, &QTcpServer::pendingConnectionAvailable, this, &HttpServer::onNewConnection);
    connect(m_server, &QTcpServer::acceptError, this, &HttpServer::onAcceptError);
    m_graceTimer.setSingleShot(true);
    connect(&m_graceTimer, &QTimer::timeout, this, [this] {
        const auto remaining = m_connections;
        for (Connection *c : remaining)
            c->abort(u"shutdown grace period over"_s);
    });
    // QTcpServer stops accepting when accept() fails with an error it does
    // not count as temporary, and never resumes by itself.
    m_resumeAcceptTimer.setSingleShot(true);
    m_resumeAcceptTimer.setInterval(std::chrono::milliseconds(250));
    connect(&m_resumeAcceptTimer, &QTimer::timeout, this, [this] {
        if (m_server->isListening() && !m_context.shuttingDown && !m_pausedForDescriptors)
            m_server->resumeAccepting();
    });
    // EMFILE it counts as temporary (Qt 6.4): the listening socket stays
    // readable and accept() fails in a busy loop until a descriptor frees up.
    // So accepting pauses before the process runs out (see DescriptorBudget).
    m_descriptorTimer.setInterval(std::chrono::milliseconds(250));
    connect(&m_descriptorTimer, &QTimer::timeout, this, [this] { checkDescriptors(true); });
}

HttpServer::~HttpServer()
{
    const auto remaining = m_connections;
    for (Connection *c : remaining)
        c->abort(u"server destroyed"_s);
    qDeleteAll(m_connections);
}

bool HttpServer::listen(const QHostAddress &address, quint16 port, QString *error)
{
    m_context.shuttingDown = false;
    m_stopAnnounced = false;
    // Qt's default backlog is 50: a burst of new connections beyond it has
    // its SYNs dropped, and each such client (a health check among them)
    // waits a second for the retransmission. The kernel caps it at somaxconn.
    m_server->setListenBacklogSize(
        int(std::clamp<qint64>(m_context.limits.maxConnections, 50, 4096)));
    if (!m_server->listen(address, port)) {
        if (error)
            *error = u"cannot listen on %1:%2: %3"_s.arg(address.toString())
                         .arg(port)
                         .arg(m_server->errorString());
        return false;
    }
    m_pausedForDescriptors = false;
    checkDescriptors(true);
    m_descriptorTimer.start();
    return true;
}

bool HttpServer::isListening() const
{
    return m_server->isListening();
}
QHostAddress HttpServer::serverAddress() const
{
    return m_server->serverAddress();
}
quint16 HttpServer::serverPort() const
{
    return m_server->serverPort();
}

void HttpServer::setLimits(const config::Limits &limits)
{
    m_context.limits = limits;
    m_context.sendBudget.setLimit(limits.maxSendBufferBytes);
}

void HttpServer::setAuthenticator(std::shared_ptr<const config::Authenticator> authenticator)
{
    m_context.authenticator = std::move(authenticator);
    if (!m_context.authenticator)
        return;
    // A revoked token ends what it started, not only what it would start next.
    const auto current = m_connections; // ending one may close it (and remove it)
    int ended = 0;
    for (Connection *c : current) {
        if (m_connections.contains(c) && c->endIfRevoked(*m_context.authenticator))
            ++ended;
    }
    if (ended > 0)
        qCInfo(lcHttp) << "ended" << ended << "request(s) whose token was revoked";
}

void HttpServer::onNewConnection()
{
    while (QTcpSocket *socket = m_server->nextPendingConnection()) {
        m_descriptors.take(1);
        if (m_context.shuttingDown) {
            rejectConnection(socket, {503, u"server is shutting down"_s});
            continue;
        }
        admit(socket);
    }
    checkDescriptors(false);
}

// docs/decisions/0019-connection-fairness.md: a full unauthenticated pool
// makes room by closing its quietest connection; a cap that eviction cannot
// help refuses, unless the health reserve takes the connection.
void HttpServer::admit(QTcpSocket *socket)
{
    const config::Limits &limits = m_context.limits;
    const QHostAddress peer = socket->peerAddress();
    ConnectionAdmission::Check check = m_admission.check(peer, limits);
    if (check.refusedBy.isEmpty() && check.unauthenticatedFull) {
        if (Connection *victim = quietestUnauthenticated(false)) {
            evict(victim, u"max_unauthenticated_connections"_s);
        } else {
            check.refusedBy = u"max_unauthenticated_connections"_s;
            check.refusedAt = limits.maxUnauthenticatedConnections;
        }
    }
    bool reserve = false;
    if (!check.refusedBy.isEmpty() && limits.healthReserveConnections > 0) {
        if (!m_admission.reserveHasRoom(limits)) {
            if (Connection *victim = quietestUnauthenticated(true))
                evict(victim, u"health_reserve_connections"_s);
        }
        reserve = m_admission.reserveHasRoom(limits);
    }
    const HttpError refused = HttpError::limitExceeded(503, refusal(check.refusedBy, peer),
                                                       check.refusedBy, check.refusedAt);
    if (!check.refusedBy.isEmpty() && !reserve) {
        rejectConnection(socket, refused);
        return;
    }
    auto *connection = new Connection(socket, m_context, this);
    m_connections.append(connection);
    m_admission.add(connection->id(), peer, reserve);
    if (reserve)
        connection->restrictToHealthChecks(refused);
    connect(connection, &Connection::closed, this,
            [this, connection] { onConnectionClosed(connection); });
}

// The connection without a token (in the reserve, or not) that has been
// quiet longest: idle between requests, or still sending its head.
Connection *HttpServer::quietestUnauthenticated(bool reserve) const
{
    Connection *quietest = nullptr;
    qint64 since = 0;
    for (Connection *c : m_connections) {
        if (c->isAuthenticated() || c->isRestrictedToHealthChecks() != reserve)
            continue;
        const std::optional<qint64> quiet = c->quietSinceMs();
        if (quiet && (!quietest || *quiet < since)) {
            quietest = c;
            since = *quiet;
        }
    }
    return quietest;
}

void HttpServer::evict(Connection *victim, const QString &limit)
{
    const QString why
        = u"connection evicted: %1 is full and this one was the quietest"_s.arg(limit);
    ++m_context.traffic->rejections[limit];
    if (m_context.events)
        m_context.events->record({{}, u"rejected"_s, {}, {}, {}, victim->peer().toString(), why});
    qCDebug(lcHttp) << victim->peer() << why;
    victim->abort(why); // closed() follows from inside: onConnectionClosed
}

// Between counts the budget is an estimate (connections accepted and
// closed), so accepting pauses at once and resumes only on a fresh count.
void HttpServer::checkDescriptors(bool recount)
{
    if (!m_server->isListening() || m_context.shuttingDown)
        return;
    if (recount)
        m_descriptors.recount();
    if (!m_pausedForDescriptors && m_descriptors.isLow()) {
        m_pausedForDescriptors = true;
        m_server->pauseAccepting();
        const QString why = u"accepting paused: %1 of RLIMIT_NOFILE %2 file descriptors free, "
                            "fewer than the %3 kept for %4 connections"_s.arg(m_descriptors.free())
                                .arg(m_descriptors.limit())
                                .arg(m_descriptors.reserve())
                                .arg(m_connections.size());
        qCWarning(lcHttp).noquote() << why;
        if (m_context.events)
            m_context.events->record({{}, u"rejected"_s, {}, {}, {}, {}, why});
    } else if (m_pausedForDescriptors && recount && m_descriptors.isRecovered()) {
        m_pausedForDescriptors = false;
        m_server->resumeAccepting();
        qCInfo(lcHttp).noquote() << u"accepting resumed: %1 file descriptors free"_s.arg(
            m_descriptors.free());
    }
}

void HttpServer::rejectConnection(QTcpSocket *socket, const HttpError &error)
{
    ++m_rejected;
    ++m_context.traffic->connectionsRejected;
    if (m_context.events)
        m_context.events->record({{},
                                  u"rejected"_s,
                                  {},
                                  {},
                                  {},
                                  socket->peerAddress().toString(),
                                  u"connection refused: %1"_s.arg(error.message)});
    m_context.traffic->rejections[error.limit.isEmpty() ? u"shutting_down"_s : error.limit] += 1;
    Response r = Response::error(error);
    QByteArray out = "HTTP/1.1 " + QByteArray::number(r.status) + ' ' + reasonPhrase(r.status)
        + "\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: "
          "close\r\nContent-Length: "
        + QByteArray::number(r.body.size()) + "\r\n\r\n" + r.body;
    socket->setParent(this);
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    socket->write(out);
    socket->disconnectFromHost();
    // A client that never reads must not keep the socket: give it a second.
    QTimer::singleShot(std::chrono::seconds(1), socket, [socket] {
        socket->abort();
        socket->deleteLater();
    });
}

void HttpServer::onAcceptError()
{
    qCWarning(lcHttp) << "accept failed:" << m_server->errorString() << "- retrying shortly";
    m_server->pauseAccepting();
    m_resumeAcceptTimer.start();
}

void HttpServer::onConnectionClosed(Connection *connection)
{
    m_connections.removeOne(connection);
    m_descriptors.release(1);
    m_admission.remove(connection->id());
    connection->deleteLater();
    checkStopped();
}

void HttpServer::shutdown()
{
    if (m_context.shuttingDown)
        return;
    m_context.shuttingDown = true;
    m_server->close();
    m_resumeAcceptTimer.stop();
    m_descriptorTimer.stop();
    const auto current = m_connections;
    for (Connection *c : current)
        c->shutdown();
    m_graceTimer.start(std::chrono::milliseconds(m_context.limits.shutdownGraceMs));
    checkStopped();
}

void HttpServer::checkStopped()
{
    // Once: the last connection may close inside shutdown() itself.
    if (m_context.shuttingDown && m_connections.isEmpty() && !m_stopAnnounced) {
        m_stopAnnounced = true;
        m_graceTimer.stop();
        QMetaObject::invokeMethod(this, &HttpServer::stopped, Qt::QueuedConnection);
    }
}

QList<Transfer> HttpServer::transfers() const
{
    QList<Transfer> out;
    for (const Connection *c : m_connections) {
        if (auto t = c->transfer())
            out.append(std::move(*t));
    }
    return out;
}

bool HttpServer::abortConnection(quint64 connectionId, const QString &reason)
{
    for (Connection *c : std::as_const(m_connections)) {
        if (c->id() == connectionId) {
            c->abort(reason); // closed() follows from inside: onConnectionClosed
            return true;
        }
    }
    return false;
}

ServerStats HttpServer::stats() const
{
    ServerStats s;
    s.connections = int(m_connections.size());
    s.requestsInFlight = m_context.requestsInFlight;
    // Counted where traffic is counted (see setTrafficStats), not twice.
    s.requestsTotal = m_context.traffic->requestsTotal;
    s.connectionsRejected = m_rejected;
    s.readPauses = m_context.traffic->readPauses;
    s.writePauses = m_context.traffic->writePauses;
    s.peakBytesToWrite = m_context.peakBytesToWrite;
    s.sendBufferBytes = m_context.sendBudget.held();
    s.sendBufferPeakBytes = m_context.sendBudget.peakHeld();
    s.sendBufferWaiting = m_context.sendBudget.waiting();
    s.sentDirectBytes = m_context.bytesSentDirect;
    return s;
}

} // namespace sluice::http
