#include "peerprocess.h"

#include "loopbackclient.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QStandardPaths>

using namespace Qt::StringLiterals;

namespace sluice::bench {

QString NodeExportPeer::start(const QString &serverJs, const QString &database)
{
    const QString node = QStandardPaths::findExecutable(u"node"_s);
    if (node.isEmpty())
        return u"node is not installed (not on PATH)"_s;
    const QFileInfo script(serverJs);
    if (!script.isFile())
        return u"%1 does not exist"_s.arg(serverJs);
    const QDir peerDir = script.absoluteDir();
    if (!peerDir.exists(u"node_modules/better-sqlite3"_s))
        return u"better-sqlite3 is not installed: run `npm install` in %1 "
               "(tests/bench/run-exports.sh does)"_s.arg(peerDir.path());

    QProcess version;
    version.start(node, {u"--version"_s});
    version.waitForFinished(10'000);
    m_nodeVersion = QString::fromLatin1(version.readAllStandardOutput()).trimmed();
    return PeerProcess::start(
        node, {script.absoluteFilePath(), u"--db"_s, database, u"--listen"_s, u"127.0.0.1:0"_s});
}

QString PeerProcess::start(const QString &program, const QStringList &arguments)
{
    m_process.setProgram(program);
    m_process.setArguments(arguments);
    m_process.start();
    if (!m_process.waitForStarted(10'000))
        return u"%1 did not start: %2"_s.arg(program, m_process.errorString());
    static const QRegularExpression listening(u"listening on http://127\\.0\\.0\\.1:(\\d+)"_s);
    QByteArray out;
    const QDeadlineTimer deadline(15'000);
    while (!deadline.hasExpired() && m_process.state() == QProcess::Running) {
        m_process.waitForReadyRead(int(deadline.remainingTime()));
        out += m_process.readAllStandardOutput();
        const auto match = listening.match(QString::fromLatin1(out));
        if (match.hasMatch()) {
            m_port = quint16(match.captured(1).toUInt());
            return {};
        }
    }
    const QString said = QString::fromLocal8Bit(out + m_process.readAllStandardError()).trimmed();
    stop();
    return u"%1 did not start listening: %2"_s.arg(QFileInfo(program).fileName(),
                                                   said.isEmpty() ? u"(no output)"_s : said);
}

void PeerProcess::stop()
{
    if (m_process.state() == QProcess::NotRunning)
        return;
    m_process.terminate();
    if (!m_process.waitForFinished(10'000)) {
        m_process.kill();
        m_process.waitForFinished(10'000);
    }
    m_port = 0;
}

qint64 NodeExportPeer::rowsRead() const
{
    const auto reply
        = LoopbackClient(port(), {}).request("GET", "/stats", {}, std::chrono::seconds(5));
    if (!reply || reply->status != 200)
        return -1;
    const QJsonValue rows = QJsonDocument::fromJson(reply->body).object().value(u"rowsRead"_s);
    return rows.isDouble() ? rows.toInteger() : -1;
}

} // namespace sluice::bench
