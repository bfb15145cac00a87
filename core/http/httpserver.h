#pragma once

#include "http/connection.h"
#include "http/connectionadmission.h"
#include "http/descriptorbudget.h"
#include "http/router.h"
#include "http/tlsserver.h"

#include <QHash>
#include <QHostAddress>
#include <QObject>
#include <QTimer>

class QTcpSocket;

namespace sluice::http {

struct ServerStats
{
    int connections = 0;
    int requestsInFlight = 0;
    quint64 requestsTotal = 0;
    quint64 connectionsRejected = 0;
    quint64 readPauses = 0;
    quint64 writePauses = 0;
    qint64 peakBytesToWrite = 0;
    // The send budget (max_send_buffer_bytes) and what bypasses it
    qint64 sendBufferBytes = 0; // held now, all connections
    qint64 sendBufferPeakBytes = 0;
    int sendBufferWaiting = 0; // connections in line for room
    quint64 sentDirectBytes = 0; // by sendfile(2), never in user space
};

// Accepts connections and owns them. Lives on one thread (the service gives
// it its own); every member is called on that thread.
class HttpServer final : public QObject
{
    Q_OBJECT
public:
    explicit HttpServer(Router router, QObject *parent = nullptr);
    ~HttpServer() override;
    Q_DISABLE_COPY_MOVE(HttpServer)

    // With TLS set (before listen), every connection is HTTPS: its handshake
    // runs under header_deadline_ms and counts among the connections.
    void setTlsConfiguration(std::optional<QSslConfiguration> configuration)
    {
        m_server->setTlsConfiguration(std::move(configuration));
    }
    bool isTls() const { return m_server->isTls(); }
    bool listen(const QHostAddress &address, quint16 port, QString *error);
    bool isListening() const;
    QHostAddress serverAddress() const;
    quint16 serverPort() const;

    void setLimits(const config::Limits &limits); // applies to what happens next
    // File bodies by sendfile(2) (the default) or read and written like any
    // other body; for comparing the two.
    void setSendDirect(bool enabled) { m_context.sendDirectEnabled = enabled; }
    const config::Limits &limits() const { return m_context.limits; }
    void setAuthenticator(std::shared_ptr<const config::Authenticator> authenticator);

    // Stops accepting, lets requests in flight finish within shutdown_grace_ms,
    // then aborts the rest. Emits stopped() when no connection is left.
    void shutdown();
    bool isShuttingDown() const { return m_context.shuttingDown; }
    ServerStats stats() const;
    // The requests in flight, oldest connection first.
    QList<Transfer> transfers() const;
    // Closes that connection at once; its body sink or response producer is
    // aborted (and cleans up) as on a client disconnect. False when unknown.
    bool abortConnection(quint64 connectionId, const QString &reason);
    const TrafficStats &traffic() const { return *m_context.traffic; }
    // Count into `stats` (which must outlive the server) instead of its own.
    void setTrafficStats(TrafficStats *stats) { m_context.traffic = stats; }
    void setEventLog(metrics::EventLog *events) { m_context.events = events; }

signals:
    void stopped();

private:
    void onNewConnection();
    void admit(QTcpSocket *socket);
    Connection *quietestUnauthenticated(bool reserve) const;
    void evict(Connection *victim, const QString &limit);
    void onAcceptError();
    void checkDescriptors(bool recount);
    void rejectConnection(QTcpSocket *socket, const HttpError &error);
    void onConnectionClosed(Connection *connection);
    void checkStopped();

    Router m_router;
    ServerContext m_context;
    TlsTcpServer *m_server;
    QList<Connection *> m_connections;
    ConnectionAdmission m_admission;
    quint64 m_rejected = 0;
    bool m_stopAnnounced = false;
    QTimer m_graceTimer;
    QTimer m_resumeAcceptTimer;
    DescriptorBudget m_descriptors;
    QTimer m_descriptorTimer;
    bool m_pausedForDescriptors = false;
};

} // namespace sluice::http
