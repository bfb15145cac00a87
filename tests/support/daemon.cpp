#include "daemon.h"

#include "config/config.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QRegularExpression>

#include <csignal>

namespace sluice::test {

QString sluicedPath()
{
    return qEnvironmentVariable("SLUICE_BIN_DIR", QStringLiteral(".")) + QStringLiteral("/sluiced");
}

namespace {

QByteArray contentOf(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

QByteArray Daemon::standardOutput() const
{
    return contentOf(m_logs.filePath(QStringLiteral("stdout")));
}

QByteArray Daemon::standardError() const
{
    return contentOf(m_logs.filePath(QStringLiteral("stderr")));
}

bool Daemon::start(const QString &dataDir, const QStringList &extraArgs)
{
    output.clear();
    port = 0;
    token.clear();
    // A restart of the same Daemon appends, so earlier lines stay readable.
    process.setStandardOutputFile(m_logs.filePath(QStringLiteral("stdout")), QIODevice::Append);
    process.setStandardErrorFile(m_logs.filePath(QStringLiteral("stderr")), QIODevice::Append);
    const qint64 skip = standardOutput().size();
    process.start(sluicedPath(),
                  QStringList {QStringLiteral("--data-dir"), dataDir, QStringLiteral("--listen"),
                               QStringLiteral("127.0.0.1:0")}
                      + extraArgs);
    if (!process.waitForStarted(5000))
        return false;
    static const QRegularExpression listening(
        QStringLiteral("listening on https?://127\\.0\\.0\\.1:(\\d+)"));
    static const QRegularExpression tokenLine(QStringLiteral("^token (\\S+)$"),
                                              QRegularExpression::MultilineOption);
    QDeadlineTimer deadline(15'000);
    while (!deadline.hasExpired()) {
        const bool running = process.state() == QProcess::Running;
        output = standardOutput().mid(skip);
        const auto m = listening.match(QString::fromUtf8(output));
        if (m.hasMatch()) {
            port = quint16(m.captured(1).toUInt());
            token = tokenLine.match(QString::fromUtf8(output)).captured(1);
            return true;
        }
        if (!running)
            break;
        process.waitForFinished(20); // a short pause that also notices an early exit
    }
    output += standardError();
    return false;
}

void Daemon::kill9()
{
    ::kill(pid_t(process.processId()), SIGKILL);
    process.waitForFinished(10'000);
}

Daemon::~Daemon()
{
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
    }
}

Run runSluiced(const QStringList &args)
{
    QProcess p;
    p.start(sluicedPath(), args);
    p.waitForFinished(20'000);
    return {p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

QByteArray writeDaemonConfig(const QString &dataDir,
                             const std::function<void(config::Limits &)> &tweak)
{
    const QString path = dataDir + QStringLiteral("/config.json");
    auto loaded = config::loadOrCreate(path);
    if (!loaded)
        return {};
    loaded->config.datasets.clear(); // no demo database to generate here
    loaded->config.limits.minFreeDiskBytes = 0;
    if (tweak)
        tweak(loaded->config.limits);
    if (!loaded->config.save(path))
        return {};
    return loaded->firstRunToken ? loaded->firstRunToken->toLatin1() : QByteArray();
}

} // namespace sluice::test
