#pragma once

// A TCP proxy in front of a test PostgreSQL server that lets sessions
// through but traps cancel requests: a new connection whose first message is
// a CancelRequest (length 16, code 80877102) is accepted and never answered,
// like a firewall or a hung pooler would, so PQcancel() blocks until the
// proxy lets it go. Runs on a thread of its own (the tests' clients block).

#include <QThread>

#include <atomic>

namespace sluice::test {

class PgProxyCore;

class PgProxy
{
public:
    explicit PgProxy(quint16 upstreamPort); // listens on 127.0.0.1, port 0
    ~PgProxy(); // closes every connection, trapped or not
    PgProxy(const PgProxy &) = delete;
    PgProxy &operator=(const PgProxy &) = delete;

    quint16 port() const { return m_port; }
    // Cancel requests received and held without an answer.
    int trappedCancels() const { return m_trapped.load(); }
    // Closes the held cancel connections: their PQcancel() returns (failed);
    // later cancel requests pass through to the server.
    void releaseCancels();

private:
    QThread m_thread;
    PgProxyCore *m_core = nullptr;
    std::atomic<int> m_trapped {0};
    quint16 m_port = 0;
};

} // namespace sluice::test
