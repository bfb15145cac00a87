#include "pgcluster.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTcpServer>
#include <QVersionNumber>

#include <pwd.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace sluice::test {

PgCluster::~PgCluster()
{
    stop();
}

QString PgCluster::binDir()
{
    QDir root(u"/usr/lib/postgresql"_s);
    QString best;
    QVersionNumber bestVersion;
    for (const QString &version : root.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        const QVersionNumber v = QVersionNumber::fromString(version);
        if (QFile::exists(root.filePath(version + u"/bin/pg_ctl"_s)) && v > bestVersion) {
            bestVersion = v;
            best = root.filePath(version + u"/bin"_s);
        }
    }
    return best;
}

QString PgCluster::run(const QString &program, const QStringList &args, int timeoutMs) const
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    if (m_asPostgres)
        p.start(u"runuser"_s, QStringList {u"-u"_s, u"postgres"_s, u"--"_s, program} + args);
    else
        p.start(program, args);
    if (!p.waitForFinished(timeoutMs) || p.exitStatus() != QProcess::NormalExit
        || p.exitCode() != 0)
        return u"%1 failed (%2): %3"_s.arg(program, p.errorString(),
                                           QString::fromLocal8Bit(p.readAll()));
    return {};
}

QString PgCluster::start()
{
    m_bin = binDir();
    if (m_bin.isEmpty())
        return u"no PostgreSQL server binaries under /usr/lib/postgresql (packaging/install-deps.sh installs them)"_s;
    m_asPostgres = ::geteuid() == 0;
    QByteArray templ = QDir::temp().filePath(u"sluice-pg-XXXXXX"_s).toLocal8Bit();
    if (!::mkdtemp(templ.data()))
        return u"mkdtemp failed"_s;
    m_base = QString::fromLocal8Bit(templ);
    if (m_asPostgres) {
        const passwd *pw = ::getpwnam("postgres");
        if (!pw)
            return u"running as root, but there is no 'postgres' user to run the server as"_s;
        if (::chown(templ.constData(), pw->pw_uid, pw->pw_gid) != 0)
            return u"cannot chown %1 to postgres"_s.arg(m_base);
    }
    {
        QTcpServer probe; // a free port; the tiny race is acceptable in a test
        probe.listen(QHostAddress::LocalHost, 0);
        m_port = probe.serverPort();
    }
    const QString data = m_base + u"/data"_s;
    if (QString e = run(m_bin + u"/initdb"_s,
                        {u"-D"_s, data, u"-U"_s, u"postgres"_s, u"--auth=trust"_s,
                         u"--encoding=UTF8"_s, u"--locale=C"_s, u"--no-sync"_s});
        !e.isEmpty())
        return e;
    return startServer();
}

QString PgCluster::startServer()
{
    if (m_running)
        return {};
    const QString options = u"-p %1 -k %2 -c listen_addresses=127.0.0.1 -c fsync=off "
                            "-c synchronous_commit=off -c full_page_writes=off"_s.arg(m_port)
                                .arg(m_base);
    if (QString e = run(m_bin + u"/pg_ctl"_s,
                        {u"-D"_s, m_base + u"/data"_s, u"-l"_s, m_base + u"/server.log"_s, u"-o"_s,
                         options, u"-w"_s, u"-t"_s, u"60"_s, u"start"_s});
        !e.isEmpty())
        return e + u"\n"_s + serverLog();
    m_running = true;
    return {};
}

QString PgCluster::stopServer()
{
    if (!m_running)
        return {};
    if (QString e = run(m_bin + u"/pg_ctl"_s,
                        {u"-D"_s, m_base + u"/data"_s, u"-m"_s, u"fast"_s, u"-w"_s, u"stop"_s});
        !e.isEmpty())
        return e + u"\n"_s + serverLog();
    m_running = false;
    return {};
}

QString PgCluster::serverLog() const
{
    QFile log(m_base + u"/server.log"_s);
    return log.open(QIODevice::ReadOnly) ? QString::fromUtf8(log.readAll()) : QString();
}

void PgCluster::stop()
{
    if (m_running) {
        run(m_bin + u"/pg_ctl"_s,
            {u"-D"_s, m_base + u"/data"_s, u"-m"_s, u"immediate"_s, u"-w"_s, u"stop"_s});
        m_running = false;
    }
    if (!m_base.isEmpty()) {
        QDir(m_base).removeRecursively();
        m_base.clear();
    }
}

QByteArray PgCluster::psqlCsv(const QString &sql) const
{
    QProcess p;
    p.start(u"psql"_s,
            {u"-X"_s, u"-h"_s, u"127.0.0.1"_s, u"-p"_s, QString::number(m_port), u"-U"_s,
             u"postgres"_s, u"-d"_s, u"postgres"_s, u"--csv"_s, u"-c"_s, sql});
    p.waitForFinished(60'000);
    return p.readAllStandardOutput();
}

} // namespace sluice::test
