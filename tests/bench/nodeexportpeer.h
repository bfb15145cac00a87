#pragma once

#include <QProcess>
#include <QString>

#include <sys/types.h>

namespace sluice::bench {

// The Node.js export peer (tests/bench/peers/node-export/server.js) as a
// child process on an ephemeral loopback port, stopped with SIGTERM.
class NodeExportPeer
{
public:
    NodeExportPeer() = default;
    ~NodeExportPeer() { stop(); }
    Q_DISABLE_COPY_MOVE(NodeExportPeer)

    // Empty when it runs; otherwise why it does not (no node on PATH, no
    // better-sqlite3 installed, or what the process said before it exited).
    QString start(const QString &serverJs, const QString &database);
    void stop();

    quint16 port() const { return m_port; }
    pid_t pid() const { return pid_t(m_process.processId()); }
    const QString &nodeVersion() const { return m_nodeVersion; }
    // GET /stats: the rows it has read from the database so far; -1 when unknown.
    qint64 rowsRead() const;

private:
    QProcess m_process;
    quint16 m_port = 0;
    QString m_nodeVersion;
};

} // namespace sluice::bench
