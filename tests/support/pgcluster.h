#pragma once

// A throwaway PostgreSQL cluster for tests: initdb in a temp folder, started
// with pg_ctl on a free 127.0.0.1 port, trust authentication, stopped and
// removed at the end. PostgreSQL refuses to run as root: as root (CI), the
// server binaries run as the `postgres` system user (created by Debian's
// package) through `runuser -u postgres --`, in a folder that user owns.

#include <QString>
#include <QStringList>

namespace sluice::test {

class PgCluster
{
public:
    PgCluster() = default;
    ~PgCluster();
    PgCluster(const PgCluster &) = delete;
    PgCluster &operator=(const PgCluster &) = delete;

    // The folder of initdb/pg_ctl of the newest installed version, or empty.
    static QString binDir();
    // Creates and starts the cluster; on failure, why (with the server's log).
    QString start();
    // Stops the server and removes the cluster.
    void stop();

    // Fault tests: stops the server but keeps the cluster ("pg_ctl stop -m
    // fast", an administrator's shutdown: every session is ended), and starts
    // it again on the same port. Both return why they failed, if they did.
    QString stopServer();
    QString startServer();
    bool isRunning() const { return m_running; }

    quint16 port() const { return m_port; }
    QString user() const { return QStringLiteral("postgres"); }
    // `psql --csv` on the cluster's postgres database: an independent oracle.
    QByteArray psqlCsv(const QString &sql) const;

private:
    QString serverLog() const;
    QString run(const QString &program, const QStringList &args, int timeoutMs = 60'000) const;

    QString m_base; // owned by the server's user
    QString m_bin;
    quint16 m_port = 0;
    bool m_asPostgres = false;
    bool m_running = false;
};

} // namespace sluice::test
