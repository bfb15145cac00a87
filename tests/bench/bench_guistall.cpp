// How long the GUI thread's event loop stalls while the service is busy: the
// operator window (all tabs) in front of the real Service, with selftest jobs
// moving through the queue and heavy HTTP traffic on loopback. Prints the
// longest and the 99th-percentile stall, idle and under load, in the same run.
//
// The load: 4 large uploads through the real upload route (PUT /uploads/{name}:
// writer, hash, store, processing job) and 2 exports of the whole `orders`
// demo dataset (1,000,000 rows, generated into the data dir at the first
// export request): one live GET /exports/orders.csv read by a fast client,
// one export job (POST /exports, polled, its result downloaded, then
// deleted), each in a loop; plus back-to-back health checks.
//
// The data dir is on /dev/shm when there is one: the job store syncs every
// transaction, and what is measured here is the GUI thread, not the disk.
//
// Measured twice in one run, under the same load: the window on the service
// embedded in this process, then the window attached through
// RemoteServiceFacade to a sluiced child process on the same data dir
// (SLUICE_BIN_DIR names where sluiced is). A third argument sets the size of
// each upload in MiB (default 32).
//
// Usage: bench_guistall [seconds-under-load] [embedded|remote|both] [upload-MiB]
//        (offscreen: QT_QPA_PLATFORM=offscreen)
#include "daemon.h"
#include "jobsmodel.h"
#include "jobspage.h"
#include "mainwindow.h"
#include "serviceload.h"

#include "config/config.h"
#include "export/exportcatalog.h"
#include "jobs/jobengine.h"
#include "jobs/sqlitejobstore.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMetaEnum>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QSet>
#include <QSettings>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <functional>
#include <memory>

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
// a CPU (on a loaded 2-core machine the scheduler causes stalls too). Counts
// the widgets' paint events (nested in the window's UpdateRequest) as proof
// that the window keeps repainting.
class TimedApplication final : public QApplication
{
public:
    using QApplication::QApplication;
    bool notify(QObject *receiver, QEvent *event) override
    {
        if (QThread::currentThread() != thread()) // other threads' events: not ours to time
            return QApplication::notify(receiver, event);
        if (event->type() == QEvent::Paint)
            ++paints;
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
            longestWhat = describe(cls, type);
        }
        if (cpuUs > longestCpuUs) {
            longestCpuUs = cpuUs;
            longestCpuWhat = describe(cls, type);
        }
        return result;
    }
    void resetLongest()
    {
        longestUs = longestCpuUs = 0;
        longestWhat.clear();
        longestCpuWhat.clear();
        events = paints = 0;
    }
    qint64 events = 0; // outermost ones
    qint64 paints = 0;
    qint64 longestUs = 0; // wall time, preemption included
    QByteArray longestWhat;
    qint64 longestCpuUs = 0; // the GUI thread's own CPU time
    QByteArray longestCpuWhat;

private:
    static QByteArray describe(const char *cls, int type)
    {
        const char *name = QMetaEnum::fromType<QEvent::Type>().valueToKey(type);
        return QByteArray(cls) + ' ' + (name ? QByteArray(name) : QByteArray::number(type));
    }
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

// Selftest jobs (4 steps of 25 ms) kept at `inFlight` queued or running: the
// engine's change batches keep coming, and the queue (first in, first out)
// stays short enough that an export job submitted meanwhile starts at once
// instead of behind thousands of them. Submitted by `submit` (straight to the
// engine for the embedded service, POST /jobs for a remote one), which
// answers with the new job's id or an empty one when refused; ends are seen
// in the facade's job changes, by `owner`.
class SelftestFeeder final
{
public:
    using Submit = std::function<void(QObject *context, std::function<void(const QString &id)>)>;
    SelftestFeeder(service::ServiceFacade &service, QString owner, Submit submit, int inFlight)
        : m_owner(std::move(owner))
        , m_submit(std::move(submit))
        , m_inFlight(inFlight)
    {
        QObject::connect(&service, &service::ServiceFacade::jobsChanged, &m_context,
                         [this](const QList<jobs::JobRecord> &changed, const QStringList &) {
                             for (const jobs::JobRecord &job : changed) {
                                 if (job.owner == m_owner && jobs::isTerminal(job.state)
                                     && !m_open.remove(job.id))
                                     m_endedEarly.insert(job.id); // before its answer came
                             }
                             topUp();
                         });
    }
    void start()
    {
        m_running = true;
        topUp();
    }
    void stop() { m_running = false; }
    int accepted() const { return m_accepted; }
    int refused() const { return m_refused; }

private:
    void topUp()
    {
        while (m_running && m_awaitingAnswer + m_open.size() < m_inFlight) {
            ++m_awaitingAnswer;
            m_submit(&m_context, [this](const QString &id) {
                --m_awaitingAnswer;
                if (!id.isEmpty()) {
                    ++m_accepted;
                    if (!m_endedEarly.remove(id))
                        m_open.insert(id);
                } else {
                    ++m_refused;
                }
                topUp();
            });
        }
    }
    QString m_owner;
    Submit m_submit;
    QObject m_context;
    int m_inFlight;
    bool m_running = false;
    int m_awaitingAnswer = 0;
    QSet<QString> m_open, m_endedEarly;
    int m_accepted = 0, m_refused = 0;
};

const QJsonObject kSelftestParams {{u"steps"_s, 4}, {u"step_ms"_s, 25}};

// The window on `service`, measured idle and under load.
int measure(TimedApplication &app, const char *label, service::ServiceFacade &service,
            const QByteArray &token, int loadSeconds, qint64 uploadBytes, int storedJobs,
            SelftestFeeder &feeder)
{
    ui::MainWindow window(service);
    window.resize(1400, 900);
    window.show();
    QElapsedTimer wait;
    wait.start();
    while (service.status().state != service::ServiceState::Running && wait.elapsed() < 15'000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    if (service.status().state != service::ServiceState::Running) {
        std::fprintf(stderr, "%s: the service did not run within 15 s\n", label);
        return 1;
    }
    const quint16 port = quint16(service.status().listenAddress.section(u':', -1).toUInt());
    const qint64 demoMs = bench::waitForDemoDataset(port, token);
    if (demoMs < 0)
        return 1;
    // The jobs table filled (a remote window fetches it in pages).
    wait.restart();
    while (window.jobsPage()->model()->rowCount() < storedJobs && wait.elapsed() < 30'000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);

    StallProbe idle;
    app.resetLongest();
    idle.run(3000);
    const qint64 idleEvents = app.events, idlePaints = app.paints;

    const qint64 rowsBefore = qint64(service.latestSample().rowsExportedTotal);
    feeder.start();
    bench::ServiceLoad load(port, token);
    load.setUploadBytes(uploadBytes);
    load.start(4, 1, 1, 4); // uploads, live exports, export jobs, health checks

    // Half the time on the dashboard (charts repaint), half on the jobs table.
    window.tabs()->setCurrentIndex(0);
    StallProbe busyDashboard;
    app.resetLongest();
    double cpu = threadCpuSeconds();
    busyDashboard.run(loadSeconds * 500);
    const double dashboardCpu = threadCpuSeconds() - cpu;
    const qint64 dashboardEvents = app.events, dashboardPaints = app.paints;
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

    feeder.stop();
    load.stop();
    const bench::ServiceLoad::Counters &done = load.counters();
    std::printf("== %s ==\n", label);
    std::printf("demo dataset ready after %.1f s (first export request to a 200)\n",
                double(demoMs) / 1000.0);
    std::printf("GUI event-loop stall, idle 3 s:      max %lld ms, p99 %.1f ms (%lld ticks, "
                "%lld events, %lld paints)\n",
                qint64(idle.maxStallMs()), idle.p99StallMs(), qint64(idle.gapsUs.size()),
                idleEvents, idlePaints);
    std::printf("GUI event-loop stall, busy, dashboard tab, %.1f s: max %lld ms, p99 %.1f ms "
                "(%lld ticks, %lld events, %lld paints)\n",
                loadSeconds / 2.0, qint64(busyDashboard.maxStallMs()), busyDashboard.p99StallMs(),
                qint64(busyDashboard.gapsUs.size()), dashboardEvents, dashboardPaints);
    std::printf("GUI event-loop stall, busy, jobs tab, %.1f s:      max %lld ms, p99 %.1f ms "
                "(%lld ticks, %lld events, %lld paints)\n",
                loadSeconds / 2.0, qint64(busyJobs.maxStallMs()), busyJobs.p99StallMs(),
                qint64(busyJobs.gapsUs.size()), app.events, app.paints);
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
    std::printf("load: %d stored jobs, %d selftest jobs accepted (%d refused) while measuring, "
                "%d rows in the jobs table; 4 uploaders of %lld MiB files sent %.0f MiB (%lld "
                "uploads stored), %lld health checks\n",
                storedJobs, feeder.accepted(), feeder.refused(),
                window.jobsPage()->model()->rowCount(), uploadBytes / 1048576,
                double(done.uploadBytes) / 1048576.0, qint64(done.uploadsStored),
                qint64(done.healthChecks));
    std::printf("exports: live whole range %lld complete (%lld refused or cut), %.0f MiB read; "
                "export jobs whole range %lld downloaded (%lld refused or failed), %.0f MiB; "
                "%lld rows read from the database\n",
                qint64(done.liveDone), qint64(done.liveRefused), double(done.liveBytes) / 1048576.0,
                qint64(done.jobsDone), qint64(done.jobsRefused), double(done.jobBytes) / 1048576.0,
                qint64(service.latestSample().rowsExportedTotal) - rowsBefore);
    std::fflush(stdout);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    TimedApplication app(argc, argv);
    const int loadSeconds = argc > 1 ? std::max(2, std::atoi(argv[1])) : 15;
    const QByteArray mode = argc > 2 ? QByteArray(argv[2]) : QByteArray("both");
    const qint64 uploadBytes = (argc > 3 ? std::max(1, std::atoi(argv[3])) : 32) * 1048576LL;
    if (mode != "embedded" && mode != "remote" && mode != "both") {
        std::fprintf(stderr,
                     "usage: bench_guistall [seconds] [embedded|remote|both] [upload-MiB]\n");
        return 2;
    }
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
    // Each selftest leaves a result: without this the feed stops at 250.
    l.maxResultsPerAccount = 1'000'000;
    // The whole demo range (546 days, 1,000,000 rows) served live too.
    l.liveExportMaxDays = 3660;
    l.liveExportMaxRows = 2'000'000;
    l.maxUploadBytes = std::max(l.maxUploadBytes, uploadBytes);
    loaded->config.save(configPath); // datasets: the default, the `orders` demo
    const QByteArray token = loaded->firstRunToken->toLatin1();
    const QString admin = loaded->config.accounts.value(0).name;

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

    if (mode != "remote") {
        const service::Service::Options options {
            dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}, {}};
        service::Service service(options, *loaded);
        SelftestFeeder feeder(
            service, u"bench"_s,
            [&service](QObject *context, std::function<void(const QString &)> answer) {
                service.jobEngine()->submit(u"selftest"_s, kSelftestParams,
                                            {u"bench"_s, u"bench"_s, true}, context,
                                            [answer](const jobs::SubmitResult &r) {
                                                answer(r.job ? r.job->id : QString());
                                            });
            },
            16);
        service.start();
        if (const int failed = measure(app, "embedded service (this process)", service, token,
                                       loadSeconds, uploadBytes, storedJobs, feeder))
            return failed;
        service.stop();
        QElapsedTimer wait;
        wait.start();
        while (service.status().state != service::ServiceState::Stopped && wait.elapsed() < 30'000)
            QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    }
    if (mode != "embedded") {
        test::Daemon daemon;
        if (!daemon.start(dir.path())) {
            std::fprintf(stderr, "sluiced did not start: %s\n", daemon.output.constData());
            return 1;
        }
        remote::RemoteOptions options;
        options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(daemon.port));
        options.token = QString::fromLatin1(token);
        remote::RemoteServiceFacade facade(options);
        QNetworkAccessManager network;
        const QUrl jobsUrl(u"http://127.0.0.1:%1/jobs"_s.arg(daemon.port));
        SelftestFeeder feeder(
            facade, admin,
            [&](QObject *context, std::function<void(const QString &)> answer) {
                QNetworkRequest req(jobsUrl);
                req.setRawHeader("Authorization", "Bearer " + token);
                req.setRawHeader("Content-Type", "application/json");
                QNetworkReply *reply
                    = network.post(req,
                                   QJsonDocument(QJsonObject {{u"kind"_s, u"selftest"_s},
                                                              {u"params"_s, kSelftestParams}})
                                       .toJson(QJsonDocument::Compact));
                QObject::connect(reply, &QNetworkReply::finished, context, [reply, answer] {
                    reply->deleteLater();
                    answer(QJsonDocument::fromJson(reply->readAll())
                               .object()
                               .value(u"id"_s)
                               .toString());
                });
            },
            16);
        if (const int failed = measure(app, "sluiced child, window through RemoteServiceFacade",
                                       facade, token, loadSeconds, uploadBytes, storedJobs, feeder))
            return failed;
    }
    return 0;
}
