#pragma once

#include <QProcess>
#include <QString>
#include <QStringList>

#include <sys/types.h>

namespace sluice::bench {

// A peer server of the benchmarks as a child process on an ephemeral
// loopback port: started with its arguments, ready once it prints
// "listening on http://127.0.0.1:PORT", stopped with SIGTERM.
class PeerProcess
{
public:
    PeerProcess() = default;
    virtual ~PeerProcess() { stop(); }
    Q_DISABLE_COPY_MOVE(PeerProcess)

    // Empty when it listens; otherwise why it does not (what it said before
    // it exited, or that it said nothing within 15 s).
    QString start(const QString &program, const QStringList &arguments);
    void stop();

    quint16 port() const { return m_port; }
    pid_t pid() const { return pid_t(m_process.processId()); }

private:
    QProcess m_process;
    quint16 m_port = 0;
};

// The Node.js export peer (tests/bench/peers/node-export/server.js).
class NodeExportPeer final : public PeerProcess
{
public:
    // Empty when it runs; otherwise why it does not (no node on PATH, no
    // better-sqlite3 installed, or what the process said before it exited).
    QString start(const QString &serverJs, const QString &database);

    const QString &nodeVersion() const { return m_nodeVersion; }
    // GET /stats: the rows it has read from the database so far; -1 when unknown.
    qint64 rowsRead() const;

private:
    QString m_nodeVersion;
};

} // namespace sluice::bench
