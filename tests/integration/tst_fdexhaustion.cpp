// Out of file descriptors: sluiced runs with a low RLIMIT_NOFILE and is given
// connections until it serves no more. Connections it already has must keep
// working, a new one must wait unserved without the server spinning (Qt 6.4
// retries accept() on EMFILE in a busy loop), and once some are closed
// accepting must resume by itself, with nothing crashed.
#include "daemon.h"
#include "testsupport.h"

#include "config/config.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/resource.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr rlim_t DescriptorLimit = 96;

// User and system CPU time of a process so far.
std::chrono::milliseconds cpuTime(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return {};
    // Fields after the command name (which may hold spaces): state is the 3rd
    // field, utime the 14th and stime the 15th.
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.sliced(line.lastIndexOf(')') + 2).split(' ');
    const qint64 ticks = fields.value(11).toLongLong() + fields.value(12).toLongLong();
    return std::chrono::milliseconds(ticks * 1000 / ::sysconf(_SC_CLK_TCK));
}

int openDescriptors(qint64 pid)
{
    return int(QDir(u"/proc/%1/fd"_s.arg(pid))
                   .entryList(QDir::NoDotAndDotDot | QDir::System | QDir::AllEntries)
                   .size());
}

} // namespace

class tst_FdExhaustion : public QObject
{
    Q_OBJECT
private slots:
    void acceptingPausesAndResumes();
};

void tst_FdExhaustion::acceptingPausesAndResumes()
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded);
    // The descriptor limit must be what runs out, not a connection cap.
    loaded->config.limits.maxConnections = 10'000;
    loaded->config.limits.maxConnectionsPerClient = 10'000;
    loaded->config.limits.maxUnauthenticatedConnections = 10'000;
    loaded->config.limits.keepAliveIdleTimeoutMs = 60'000;
    // No demo dataset: its generation would be CPU this test must not see.
    loaded->config.datasets.clear();
    QVERIFY(loaded->config.save(configPath));
    const QByteArray token = loaded->firstRunToken->toLatin1();

    Daemon d;
    d.process.setChildProcessModifier([] {
        const rlimit limit {DescriptorLimit, DescriptorLimit};
        ::setrlimit(RLIMIT_NOFILE, &limit);
    });
    QVERIFY2(d.start(dir.path()), d.output.constData());
    const qint64 pid = d.process.processId();
    const int atStart = openDescriptors(pid);
    QVERIFY2(atStart > 0 && rlim_t(atStart) + 10 < DescriptorLimit,
             qPrintable(u"%1 descriptors open at start"_s.arg(atStart)));

    // Keep-alive connections, each proven served, until one is not.
    std::vector<std::unique_ptr<RawClient>> served;
    std::unique_ptr<RawClient> waiting;
    for (rlim_t i = 0; i < DescriptorLimit && !waiting; ++i) {
        auto client = std::make_unique<RawClient>(d.port);
        QVERIFY(client->isOpen()); // the kernel completes the handshake either way
        client->send(get("/healthz"));
        const Reply r = client->read(1500);
        if (r.status == 200)
            served.push_back(std::move(client));
        else
            waiting = std::move(client);
    }
    QVERIFY2(waiting, "the descriptor limit was never reached");
    QVERIFY2(served.size() >= 10, qPrintable(u"only %1 connections served"_s.arg(served.size())));
    QVERIFY(waiting->isOpen()); // not served, but not refused either: it waits in the backlog
    // Near the limit: the server keeps a few free for its own work (8 here).
    const int exhausted = openDescriptors(pid);
    QVERIFY2(exhausted >= int(DescriptorLimit) - 16 && exhausted <= int(DescriptorLimit) + 1,
             qPrintable(QString::number(exhausted)));

    // Existing connections keep working while accepting is paused.
    for (const auto &client : served) {
        client->send(get("/api/status", bearer(QString::fromLatin1(token))));
        QCOMPARE(client->read(3000).status, 200);
    }
    // A second newcomer is not served either, and the server does not spin
    // on the connections it cannot take: a busy loop burns a whole core.
    RawClient second(d.port);
    second.send(get("/healthz"));
    const auto cpuBefore = cpuTime(pid);
    QCOMPARE(second.read(1000).status, 0);
    const auto cpuWhileFull = cpuTime(pid) - cpuBefore;
    qInfo("%zu connections served, %d descriptors open, %lld ms of CPU in one second while full",
          served.size(), exhausted, qlonglong(cpuWhileFull.count()));
    QVERIFY2(cpuWhileFull < std::chrono::milliseconds(150),
             qPrintable(u"%1 ms of CPU in one second while full"_s.arg(cpuWhileFull.count())));
    QCOMPARE(waiting->read(10).status, 0);

    // Closing some frees descriptors: both waiting clients are served now.
    for (int i = 0; i < 16; ++i) {
        served.back()->socket().abort();
        served.pop_back();
    }
    QCOMPARE(waiting->read(5000).status, 200);
    QCOMPARE(second.read(5000).status, 200);
    // And new connections are accepted again.
    QCOMPARE(request(d.port, get("/healthz")).status, 200);
    for (const auto &client : served) {
        client->send(get("/healthz"));
        QCOMPARE(client->read(3000).status, 200);
    }

    // All closed: the descriptors come back, and the service still works.
    served.clear();
    waiting.reset();
    second.socket().abort();
    QTRY_VERIFY(openDescriptors(pid) <= atStart + 2);
    QCOMPARE(request(d.port, get("/api/status", bearer(QString::fromLatin1(token)))).status, 200);

    // Nothing crashed: a graceful stop still ends with exit code 0.
    QCOMPARE(d.process.state(), QProcess::Running);
    ::kill(pid_t(pid), SIGTERM);
    QVERIFY(d.process.waitForFinished(10'000));
    QCOMPARE(d.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(d.process.exitCode(), 0);
    const QByteArray errors = d.standardError();
    QVERIFY2(errors.contains("accepting paused:") && errors.contains("accepting resumed"),
             errors.constData());
}

QTEST_GUILESS_MAIN(tst_FdExhaustion)
#include "tst_fdexhaustion.moc"
