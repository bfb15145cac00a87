// How long the GUI thread's event loop stalls while the service is busy: the
// operator window (all tabs) in front of the real Service, with many selftest
// jobs moving through the queue and heavy HTTP traffic on loopback. Prints the
// longest and the 99th-percentile stall, idle and under load, in the same run.
//
// Uploads go through the real upload route (PUT /uploads/{name}: writer, hash,
// store, processing job). Exports are not wired to routes yet: the "exports"
// here are large generated GET bodies (tests/support/testroutes), which load
// the HTTP thread and its backpressure but not the database.
//
// The data dir is on /dev/shm when there is one: the job store syncs every
// transaction, and what is measured here is the GUI thread, not the disk.
//
// Usage: bench_guistall [seconds-under-load]   (offscreen: QT_QPA_PLATFORM=offscreen)
#include "jobsmodel.h"
#include "jobspage.h"
#include "mainwindow.h"
#include "testroutes.h"
#include "testsupport.h"

#include "config/config.h"
#include "jobs/jobengine.h"
#include "jobs/sqlitejobstore.h"
#include "service/service.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QTabWidget>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <functional>

using namespace Qt::StringLiterals;
using namespace sluice;

namespace {

struct StallProbe
{
    QList<qint64> gapsUs;
    void run(int ms)
    {
        gapsUs.clear();
        QElapsedTimer clock;
        clock.start();
        qint64 last = 0;
        QTimer tick;
        tick.setTimerType(Qt::PreciseTimer);
        tick.setInterval(5);
        QObject::connect(&tick, &QTimer::timeout, [&] {
            const qint64 now = clock.nsecsElapsed() / 1000;
            gapsUs.append(now - last);
            last = now;
        });
        tick.start();
        last = clock.nsecsElapsed() / 1000;
        while (clock.elapsed() < ms)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    // Stall: how much later than its 5 ms period the timer fired.
    qint64 maxStallMs() const
    {
        const qint64 gap = gapsUs.isEmpty() ? 0 : *std::max_element(gapsUs.begin(), gapsUs.end());
        return std::max<qint64>(0, gap / 1000 - 5);
    }
    double p99StallMs() const
    {
        if (gapsUs.isEmpty())
            return 0;
        QList<qint64> sorted = gapsUs;
        std::sort(sorted.begin(), sorted.end());
        return std::max(
            0.0, double(sorted.at(qsizetype(double(sorted.size() - 1) * 0.99))) / 1000.0 - 5);
    }
};

// Times every event the GUI thread delivers (outermost only): the longest
// single piece of GUI work, told apart from time the thread spent waiting for
// a CPU (on a loaded 2-core machine the scheduler causes stalls too).
class TimedApplication final : public QApplication
{
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (QThread::currentThread() != thread()) // other threads' events: not ours to time
            return QApplication::notify(receiver, event);
        if (m_depth > 0)
            return deliver(receiver, event);
        QElapsedTimer t;
        t.start();
        const double cpu0 = cpuNow();
        const int type = event->type();
        const char *cls = receiver->metaObject()->className();
        const bool result = deliver(receiver, event);
        const qint64 us = t.nsecsElapsed() / 1000;
        const qint64 cpuUs = qint64((cpuNow() - cpu0) * 1e6);
        ++events;
        if (us > longestUs) {
            longestUs = us;
            longestWhat = QByteArray(cls) + " event " + QByteArray::number(type);
        }
        if (cpuUs > longestCpuUs) {
            longestCpuUs = cpuUs;
            longestCpuWhat = QByteArray(cls) + " event " + QByteArray::number(type);
        }
        return result;
    }
    void resetLongest()
    {
        longestUs = longestCpuUs = 0;
        longestWhat.clear();
        longestCpuWhat.clear();
        events = 0;
    }
    qint64 events = 0;
    qint64 longestUs = 0; // wall time, preemption included
    QByteArray longestWhat;
    qint64 longestCpuUs = 0; // the GUI thread's own CPU time
    QByteArray longestCpuWhat;

private:
    static double cpuNow()
    {
        timespec ts {};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
    }
    bool deliver(QObject *receiver, QEvent *event)
    {
        ++m_depth;
        const bool result = QApplication::notify(receiver, event);
        --m_depth;
        return result;
    }
    int m_depth = 0;
};

double threadCpuSeconds()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

std::atomic<bool> g_stop {false};
std::atomic<qint64> g_bytesUp {0}, g_bytesDown {0}, g_health {0}, g_uploadsStored {0};

// One blocking client on its own thread.
QThread *client(quint16 port, QByteArray token, int kind)
{
    return QThread::create([port, token, kind] {
        while (!g_stop) {
            QTcpSocket s;
            s.connectToHost(QHostAddress::LocalHost, port);
            if (!s.waitForConnected(2000))
                continue;
            if (kind == 0) { // upload: 32 MiB of text through the real upload path
                constexpr qint64 total = 32LL * 1024 * 1024;
                static std::atomic<int> n {0};
                s.write("PUT /uploads/bench-" + QByteArray::number(++n)
                        + ".txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                        + "\r\nContent-Length: " + QByteArray::number(total) + "\r\n\r\n");
                QByteArray piece;
                while (piece.size() < 256 * 1024)
                    piece += "sluice,benchmark,line\n";
                piece.truncate(256 * 1024);
                for (qint64 sent = 0; sent < total && !g_stop; sent += piece.size()) {
                    s.write(piece);
                    while (s.bytesToWrite() > 1024 * 1024 && !g_stop)
                        s.waitForBytesWritten(100);
                    g_bytesUp += piece.size();
                }
                if (s.waitForReadyRead(10'000) && s.readAll().startsWith("HTTP/1.1 201"))
                    ++g_uploadsStored;
            } else if (kind == 1) { // export: 64 MiB generated download
                s.write("GET /bytes/67108864 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                while (!g_stop && s.state() == QAbstractSocket::ConnectedState) {
                    if (s.waitForReadyRead(500))
                        g_bytesDown += s.readAll().size();
                }
            } else { // health checks, back to back
                s.write("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                s.waitForDisconnected(2000);
                ++g_health;
            }
        }
    });
}

} // namespace

int main(int argc, char **argv)
{
    TimedApplication app(argc, argv);
    const int loadSeconds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 15;
    QTemporaryDir dir(QDir(u"/dev/shm"_s).exists()
                          ? u"/dev/shm/bench_guistall-XXXXXX"_s
                          : QDir::tempPath() + u"/bench_guistall-XXXXXX"_s);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.filePath(u"settings"_s));
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded || !loaded->firstRunToken)
        return 1;
    config::Limits &l = loaded->config.limits;
    l.maxQueueDepth = 100'000;
    l.maxJobsPerAccount = 100'000;
    l.maxActiveJobs = 8;
    loaded->config.save(configPath);

    // 10,000 finished jobs already in the store: the table starts full.
    constexpr int storedJobs = 10'000;
    {
        auto store = jobs::SqliteJobStore::open(dir.filePath(u"jobs.db"_s));
        if (!store)
            return 1;
        const QDateTime t0 = QDateTime::currentDateTimeUtc().addSecs(-3600);
        for (int i = 0; i < storedJobs; ++i) {
            jobs::JobRecord job;
            job.id = jobs::newJobId();
            job.kind = u"selftest"_s;
            job.owner = i % 3 ? u"alice"_s : u"reports"_s;
            job.state = i % 10 ? jobs::JobState::Succeeded : jobs::JobState::Failed;
            job.createdAt = job.queuedAt = t0.addMSecs(i * 300);
            job.startedAt = job.createdAt.addMSecs(50);
            job.finishedAt = job.startedAt.addMSecs(200);
            job.attempts = 1;
            job.progressRows = 4;
            job.progressFraction = 1;
            if (job.state == jobs::JobState::Failed)
                job.lastError = u"failing attempt 1 on purpose"_s;
            if (!(*store)->insert(job))
                return 1;
        }
    }
    service::Service::Options options {
        dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}, {}};
    options.extraRoutes = [](http::Router &router) {
        test::addTestRoutes(router);
    };
    service::Service service(options, *loaded);
    ui::MainWindow window(service);
    window.resize(1400, 900);
    window.show();
    service.start();
    QElapsedTimer wait;
    wait.start();
    while (service.status().state != service::ServiceState::Running && wait.elapsed() < 10'000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    const quint16 port = quint16(service.status().listenAddress.section(u':', -1).toUInt());

    StallProbe idle;
    idle.run(3000);

    // 2,000 quick jobs, kept flowing by 8 chains of submissions (each submits
    // the next when the engine answers), so the engine's queue of requests
    // stays short and its change batches keep coming.
    constexpr int jobCount = 2000;
    std::atomic<int> accepted {0};
    int submitted = 0;
    QObject context;
    std::function<void()> submitNext = [&] {
        if (submitted >= jobCount || g_stop)
            return;
        ++submitted;
        service.jobEngine()->submit(u"selftest"_s, {{u"steps"_s, 4}, {u"step_ms"_s, 25}},
                                    {u"bench"_s, true}, &context, [&](const jobs::SubmitResult &r) {
                                        accepted += r.job ? 1 : 0;
                                        submitNext();
                                    });
    };
    for (int i = 0; i < 8; ++i)
        submitNext();
    const QByteArray token = loaded->firstRunToken->toLatin1();
    QList<QThread *> clients;
    for (int i = 0; i < 4; ++i)
        clients << client(port, token, 0);
    for (int i = 0; i < 2; ++i)
        clients << client(port, token, 1);
    for (int i = 0; i < 4; ++i)
        clients << client(port, token, 2);
    for (QThread *t : std::as_const(clients)) {
        t->setObjectName(u"bench-client"_s); // out of the GUI thread's name in profiles
        t->start();
    }

    // Half the time on the dashboard (charts repaint), half on the jobs table.
    window.tabs()->setCurrentIndex(0);
    StallProbe busyDashboard;
    app.resetLongest();
    double cpu = threadCpuSeconds();
    busyDashboard.run(loadSeconds * 500);
    const double dashboardCpu = threadCpuSeconds() - cpu;
    const qint64 dashboardLongest = app.longestUs;
    const QByteArray dashboardWhat = app.longestWhat;
    const qint64 dashboardLongestCpu = app.longestCpuUs;
    const QByteArray dashboardCpuWhat = app.longestCpuWhat;
    window.tabs()->setCurrentIndex(1);
    StallProbe busyJobs;
    app.resetLongest();
    cpu = threadCpuSeconds();
    busyJobs.run(loadSeconds * 500);
    const double jobsCpu = threadCpuSeconds() - cpu;

    g_stop = true;
    for (QThread *t : std::as_const(clients)) {
        t->wait();
        delete t;
    }
    std::printf("GUI event-loop stall, idle 3 s:      max %lld ms, p99 %.1f ms (%lld ticks)\n",
                qint64(idle.maxStallMs()), idle.p99StallMs(), qint64(idle.gapsUs.size()));
    std::printf("GUI event-loop stall, busy, dashboard tab, %.1f s: max %lld ms, p99 %.1f ms "
                "(%lld ticks)\n",
                loadSeconds / 2.0, qint64(busyDashboard.maxStallMs()), busyDashboard.p99StallMs(),
                qint64(busyDashboard.gapsUs.size()));
    std::printf("GUI event-loop stall, busy, jobs tab, %.1f s:      max %lld ms, p99 %.1f ms "
                "(%lld ticks)\n",
                loadSeconds / 2.0, qint64(busyJobs.maxStallMs()), busyJobs.p99StallMs(),
                qint64(busyJobs.gapsUs.size()));
    std::printf(
        "GUI thread work, dashboard tab: %.0f%% of a core; longest event %.1f ms wall (%s), "
        "%.1f ms CPU (%s)\n",
        dashboardCpu * 100.0 / (loadSeconds / 2.0), double(dashboardLongest) / 1000.0,
        dashboardWhat.constData(), double(dashboardLongestCpu) / 1000.0,
        dashboardCpuWhat.constData());
    std::printf(
        "GUI thread work, jobs tab:      %.0f%% of a core; longest event %.1f ms wall (%s), "
        "%.1f ms CPU (%s)\n",
        jobsCpu * 100.0 / (loadSeconds / 2.0), double(app.longestUs) / 1000.0,
        app.longestWhat.constData(), double(app.longestCpuUs) / 1000.0,
        app.longestCpuWhat.constData());
    std::printf("load: %d stored jobs, %d selftest jobs accepted while measuring, %d rows in the "
                "jobs table; 4 uploaders sent %.0f MiB (%lld uploads stored), 2 downloaders got "
                "%.0f MiB, %lld health checks\n",
                storedJobs, accepted.load(), window.jobsPage()->model()->rowCount(),
                double(g_bytesUp) / 1048576.0, qint64(g_uploadsStored),
                double(g_bytesDown) / 1048576.0, qint64(g_health));
    return 0;
}
