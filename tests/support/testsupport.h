#pragma once

#include "config/limits.h"
#include "http/httpserver.h"
#include "http/httptypes.h"

#include <QTcpSocket>
#include <QThread>

#include <functional>
#include <memory>

namespace sluice::test {

// Accounts known to every ServerThread: "tester" (admin) and "viewer".
QString adminToken();
QString viewerToken();
QByteArray bearer(const QString &token);

// Runs a real HttpServer on its own thread on 127.0.0.1, port 0, as the
// service does. Routes are added on that thread's router before it starts.
class ServerThread
{
public:
    // With `tls`, the server speaks HTTPS only.
    explicit ServerThread(std::function<void(http::Router &)> addRoutes = {},
                          config::Limits limits = {},
                          std::optional<QSslConfiguration> tls = std::nullopt);
    ~ServerThread();

    quint16 port() const { return m_port; }
    http::ServerStats stats() const;
    QList<http::Transfer> transfers() const;
    bool abortConnection(quint64 connectionId);
    void setLimits(const config::Limits &limits);
    void setSendDirect(bool enabled);
    // Graceful shutdown; returns once the server reports stopped (or after timeoutMs).
    bool shutdown(int timeoutMs = 10'000);
    // Runs f on the server thread and waits for it.
    void run(const std::function<void()> &f) const;
    // How often the server announced that it stopped (must be once per shutdown).
    int stoppedCount() const { return *m_stopped; }

private:
    QThread m_thread;
    http::HttpServer *m_server = nullptr;
    quint16 m_port = 0;
    std::shared_ptr<std::atomic_int> m_stopped = std::make_shared<std::atomic_int>(0);
};

struct Reply
{
    int status = 0; // 0: no complete response
    http::Headers headers;
    QByteArray body;
    QByteArray header(QByteArrayView name) const { return headers.value(name); }
};

// A client that speaks raw bytes; blocking reads are fine because the server
// runs on another thread.
class RawClient
{
public:
    explicit RawClient(quint16 port, int readBufferSize = 0);
    // From a local address of the client's choosing (127.0.0.2, …: all of
    // 127/8 is loopback), so that one test can be several clients.
    RawClient(quint16 port, const QHostAddress &from);
    QTcpSocket &socket() { return m_socket; }
    bool isOpen() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &bytes);
    // Reads one response (a 1xx counts as one). headOnly: no body expected (HEAD).
    Reply read(int timeoutMs = 5'000, bool headOnly = false);
    // True when the server closed the connection within timeoutMs.
    bool waitForClose(int timeoutMs = 5'000);

private:
    bool fill(int timeoutMs);
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

QByteArray get(const QByteArray &path, const QByteArray &extraHeaders = {});
// The value of one series in a Prometheus exposition ("NAME{LABELS}" as
// written, or a bare name), or -1 when it is not there.
double metricValue(const QByteArray &exposition, const QByteArray &series);
// One request on a fresh connection.
Reply request(quint16 port, const QByteArray &raw, int timeoutMs = 5'000);

} // namespace sluice::test
