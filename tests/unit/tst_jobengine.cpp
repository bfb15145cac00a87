// The job engine with a real SQLite store and real worker threads: admission,
// the active cap, runtime limit, cancellation, retries, expiry, live limits,
// crash recovery and shutdown.
#include "jobs/jobengine.h"
#include "jobs/selftestjob.h"
#include "jobs/sqlitejobstore.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <atomic>

using namespace sluice;
using namespace sluice::jobs;
using namespace Qt::StringLiterals;

namespace {

// Blocks until released (or stopped), and counts how many run at once.
struct ProbeState
{
    std::atomic<int> running {0};
    std::atomic<int> maxRunning {0};
    std::atomic<bool> release {false};
};
ProbeState g_probe;

class ProbeJob final : public JobKind
{
public:
    QString name() const override { return u"probe"_s; }
    QString validate(const QJsonObject &) const override { return {}; }
    JobOutcome run(JobContext &context) const override
    {
        const int now = ++g_probe.running;
        int seen = g_probe.maxRunning;
        while (now > seen && !g_probe.maxRunning.compare_exchange_weak(seen, now)) { }
        while (!g_probe.release && !context.isStopRequested())
            QThread::msleep(2); // the job's own wait, not the test's
        --g_probe.running;
        if (context.isStopRequested())
            return JobOutcome::failure(u"stopped"_s);
        const auto file = context.createTempFile(u".txt"_s);
        QFile f(*file);
        f.open(QIODevice::WriteOnly);
        f.write("probe\n");
        return JobOutcome::success(*file, u"probe.txt"_s, u"text/plain"_s);
    }
};

// Ignores stop requests: returns only when released (a decode or a driver
// call that cannot be interrupted).
std::atomic<bool> g_hangRelease {false};

class HangJob final : public JobKind
{
public:
    QString name() const override { return u"hang"_s; }
    QString validate(const QJsonObject &) const override { return {}; }
    JobOutcome run(JobContext &) const override
    {
        while (!g_hangRelease)
            QThread::msleep(2);
        return JobOutcome::failure(u"released"_s);
    }
};

struct Harness
{
    QTemporaryDir dir;
    std::unique_ptr<JobEngine> engine;
    QObject replyTo;

    explicit Harness(config::Limits limits = {})
    {
        g_probe.running = 0;
        g_probe.maxRunning = 0;
        g_probe.release = false;
        g_hangRelease = false;
        create(limits);
    }
    void create(const config::Limits &limits)
    {
        engine = std::make_unique<JobEngine>(
            JobEngine::Paths {dir.filePath(u"jobs.db"_s), dir.filePath(u"tmp/jobs"_s),
                              dir.filePath(u"results"_s), dir.path()},
            limits);
        engine->registerKind(std::make_unique<SelftestJob>());
        engine->registerKind(std::make_unique<ProbeJob>());
        engine->registerKind(std::make_unique<HangJob>());
        const auto started = engine->start();
        if (!started)
            qFatal("%s", qPrintable(started.error().message));
    }
    SubmitResult submit(const QString &kind, const QJsonObject &params = {},
                        const QString &owner = u"alice"_s)
    {
        std::optional<SubmitResult> result;
        engine->submit(kind, params, {owner, false}, &replyTo, [&](SubmitResult r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
            qWarning("no reply from the job engine within 5 s");
        return result.value_or(SubmitResult {});
    }
    ControlResult control(void (JobEngine::*method)(const QString &, const Principal &, QObject *,
                                                    std::function<void(ControlResult)>),
                          const QString &id, Principal who = {u"alice"_s, false})
    {
        std::optional<ControlResult> result;
        (engine.get()->*method)(id, who, &replyTo, [&](ControlResult r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
            qWarning("no reply from the job engine within 5 s");
        return result.value_or(ControlResult {});
    }
    JobRecord job(const QString &id) { return engine->store()->find(id)->value_or(JobRecord {}); }
    JobState state(const QString &id) { return job(id).state; }
    QStringList tempEntries()
    {
        return QDir(dir.filePath(u"tmp/jobs"_s)).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    }
    QStringList resultFiles() { return QDir(dir.filePath(u"results"_s)).entryList(QDir::Files); }
};

QJsonObject quick(int steps = 2)
{
    return {{u"steps"_s, steps}, {u"step_ms"_s, 1}};
}

} // namespace

#define QTRY_STATE(h, id, s) QTRY_COMPARE_WITH_TIMEOUT(toString((h).state(id)), toString(s), 10000)

class tst_JobEngine : public QObject
{
    Q_OBJECT
private slots:
    void runsToSuccessAndPublishesResult();
    void rejectsUnknownKindAndBadParams();
    void queueDepthCap();
    void perAccountCap();
    void resultBytesCapAndEviction();
    void activeCapIsNeverExceeded();
    void runtimeLimitFailsWithTimeout();
    void cancelQueuedAndRunning();
    void cancelIgnoredIsStillCancelled();
    void retriesWithBackoffUntilCeiling();
    void failedAttemptIsCleanedUpBeforeItsVerdict();
    void manualRetryByOwnerOrAdminOnly();
    void resultsExpireAfterTtl();
    void liveLimitChangeTakesEffect();
    void recoversAfterCrash();
    void shutdownRequeuesRunningJobs();
    void changesAreBatched();
    void retryRespectsAdmissionCaps();
    void stoppingJobHoldsItsSlotUntilItReturns();
    void relativePathsWork();
    void openedResultOutlivesItsDeletion();
};

void tst_JobEngine::runsToSuccessAndPublishesResult()
{
    Harness h;
    const auto r
        = h.submit(u"selftest"_s, {{u"steps"_s, 3}, {u"step_ms"_s, 1}, {u"bytes_per_step"_s, 100}});
    QVERIFY(r.job);
    QCOMPARE(toString(r.job->state), toString(JobState::Queued));
    QTRY_STATE(h, r.job->id, JobState::Succeeded);
    const JobRecord done = h.job(r.job->id);
    QCOMPARE(done.attempts, 1);
    QCOMPARE(done.progressFraction, 1.0);
    QCOMPARE(done.resultSize, 300);
    QVERIFY(done.resultExpiresAt > QDateTime::currentDateTimeUtc());
    QVERIFY(QFileInfo(done.resultPath).absolutePath()
            == QFileInfo(h.dir.filePath(u"results"_s)).absoluteFilePath());
    QCOMPARE(QFileInfo(done.resultPath).size(), 300);
    QCOMPARE(done.attemptLog.size(), 1);
    QCOMPARE(done.attemptLog.at(0)[u"outcome"_s].toString(), u"succeeded"_s);
    QTRY_VERIFY(h.tempEntries().isEmpty());
    const EngineStats stats = h.engine->stats(); // the disk reading travels with the stats
    QVERIFY(stats.disk.has_value());
    QVERIFY(stats.disk->freeBytes > 0);
    QCOMPARE(stats.disk->tempFiles, 0);
}

void tst_JobEngine::rejectsUnknownKindAndBadParams()
{
    Harness h;
    QCOMPARE(h.submit(u"nope"_s).refusal->reason, Refusal::Reason::BadRequest);
    const auto bad = h.submit(u"selftest"_s, {{u"steps"_s, -1}});
    QCOMPARE(bad.refusal->reason, Refusal::Reason::BadRequest);
    QVERIFY(bad.refusal->message.contains(u"steps"_s));
    QCOMPARE(h.engine->store()->list({})->total, 0);
}

void tst_JobEngine::queueDepthCap()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    limits.maxQueueDepth = 2;
    Harness h(limits);
    const auto running = h.submit(u"probe"_s);
    QTRY_STATE(h, running.job->id, JobState::Running);
    QVERIFY(h.submit(u"probe"_s, {}, u"bob"_s).job);
    QVERIFY(h.submit(u"probe"_s, {}, u"carol"_s).job);
    const auto refused = h.submit(u"probe"_s, {}, u"dave"_s);
    QVERIFY(refused.refusal);
    QCOMPARE(refused.refusal->reason, Refusal::Reason::QueueFull);
    QCOMPARE(refused.refusal->limit, u"max_queue_depth"_s);
    g_probe.release = true;
}

void tst_JobEngine::perAccountCap()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    limits.maxJobsPerAccount = 2;
    Harness h(limits);
    QVERIFY(h.submit(u"probe"_s).job);
    QVERIFY(h.submit(u"probe"_s).job);
    const auto refused = h.submit(u"probe"_s);
    QCOMPARE(refused.refusal->reason, Refusal::Reason::AccountBusy);
    QCOMPARE(refused.refusal->limit, u"max_jobs_per_account"_s);
    QVERIFY(refused.refusal->message.contains(u"alice"_s));
    QVERIFY(h.submit(u"probe"_s, {}, u"bob"_s).job); // other accounts are not held back
    g_probe.release = true;
}

void tst_JobEngine::resultBytesCapAndEviction()
{
    config::Limits limits;
    limits.maxResultBytes = 1024 * 1024;
    limits.expirySweepIntervalMs = 60 * 60'000; // only when asked
    Harness h(limits);
    const auto big = h.submit(
        u"selftest"_s, {{u"steps"_s, 3}, {u"step_ms"_s, 0}, {u"bytes_per_step"_s, 512 * 1024}});
    QTRY_STATE(h, big.job->id, JobState::Succeeded);
    const auto refused = h.submit(u"selftest"_s, quick());
    QVERIFY(refused.refusal);
    QCOMPARE(refused.refusal->reason, Refusal::Reason::ResultSpace);
    QCOMPARE(refused.refusal->limit, u"max_result_bytes"_s);

    const QString path = h.job(big.job->id).resultPath;
    h.engine->sweepNow();
    QCOMPARE(toString(h.state(big.job->id)), toString(JobState::Expired));
    QCOMPARE(h.job(big.job->id).errorReason, u"evicted"_s);
    QVERIFY(!QFile::exists(path));
    QVERIFY(h.submit(u"selftest"_s, quick()).job);
}

void tst_JobEngine::activeCapIsNeverExceeded()
{
    config::Limits limits;
    limits.maxActiveJobs = 2;
    Harness h(limits);
    QStringList ids;
    for (int i = 0; i < 6; ++i)
        ids << h.submit(u"probe"_s, {}, u"user%1"_s.arg(i)).job->id;
    QTRY_COMPARE(g_probe.running.load(), 2);
    QCOMPARE(h.engine->stats().running, 2);
    g_probe.release = true;
    for (const QString &id : ids)
        QTRY_STATE(h, id, JobState::Succeeded);
    QCOMPARE(g_probe.maxRunning.load(), 2);
}

void tst_JobEngine::runtimeLimitFailsWithTimeout()
{
    config::Limits limits;
    limits.jobMaxRuntimeMs = 1000;
    Harness h(limits);
    const auto r = h.submit(u"selftest"_s, {{u"steps"_s, 100'000}, {u"step_ms"_s, 5}});
    QTRY_STATE(h, r.job->id, JobState::Failed);
    const JobRecord j = h.job(r.job->id);
    QCOMPARE(j.errorReason, u"timeout"_s);
    QVERIFY(j.lastError.contains(u"job_max_runtime_ms"_s));
    QCOMPARE(j.attempts, 1); // a timeout is not retried
    QTRY_VERIFY(h.tempEntries().isEmpty());
    QVERIFY(h.resultFiles().isEmpty());
}

void tst_JobEngine::cancelQueuedAndRunning()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    Harness h(limits);
    const QString running = h.submit(u"probe"_s).job->id;
    QTRY_STATE(h, running, JobState::Running);
    const QString queued = h.submit(u"probe"_s).job->id;

    QCOMPARE(h.control(&JobEngine::cancel, queued).status, ControlResult::Status::Ok);
    QCOMPARE(toString(h.state(queued)), toString(JobState::Cancelled));
    QCOMPARE(h.control(&JobEngine::cancel, running).status, ControlResult::Status::Ok);
    QCOMPARE(toString(h.state(running)),
             toString(JobState::Cancelled)); // at once, before the worker returns
    QTRY_VERIFY(h.tempEntries().isEmpty());
    QTRY_COMPARE(h.engine->stats().running, 0);
    QCOMPARE(h.job(queued).attempts, 0); // it never ran
    QVERIFY(h.resultFiles().isEmpty());
    QCOMPARE(h.control(&JobEngine::cancel, running).status, ControlResult::Status::Conflict);
}

void tst_JobEngine::cancelIgnoredIsStillCancelled()
{
    config::Limits limits;
    limits.cancelGraceMs = 100;
    Harness h(limits);
    QSignalSpy events(h.engine.get(), &JobEngine::event);
    const QString id
        = h.submit(u"selftest"_s, {{u"steps"_s, 40}, {u"step_ms"_s, 20}, {u"ignore_stop"_s, true}})
              .job->id;
    QTRY_STATE(h, id, JobState::Running);
    QCOMPARE(h.control(&JobEngine::cancel, id).status, ControlResult::Status::Ok);
    QCOMPARE(toString(h.state(id)), toString(JobState::Cancelled));
    QTRY_VERIFY_WITH_TIMEOUT(
        std::any_of(events.cbegin(), events.cend(),
                    [](const QList<QVariant> &e) { return e.at(0).toString() == u"stuck"_s; }),
        5000);
    QTRY_COMPARE_WITH_TIMEOUT(h.engine->stats().running, 0, 10000); // it returned in the end
    QCOMPARE(toString(h.state(id)), toString(JobState::Cancelled)); // and its success was discarded
    QVERIFY(h.resultFiles().isEmpty());
    QTRY_VERIFY(h.tempEntries().isEmpty());
}

void tst_JobEngine::retriesWithBackoffUntilCeiling()
{
    config::Limits limits;
    limits.maxAttempts = 3;
    limits.retryBaseDelayMs = 200;
    Harness h(limits);
    const QString id
        = h.submit(u"selftest"_s, {{u"steps"_s, 1}, {u"step_ms"_s, 0}, {u"fail_attempts"_s, 10}})
              .job->id;
    QTRY_STATE(h, id, JobState::Failed);
    const JobRecord j = h.job(id);
    QCOMPARE(j.attempts, 3);
    QCOMPARE(j.attemptLog.size(), 3);
    QVERIFY(j.lastError.contains(u"on purpose"_s));
    // Equal jitter: the wait before attempt n+1 is at least half of base * 2^(n-1).
    for (int n = 1; n < 3; ++n) {
        const auto finished = QDateTime::fromString(
            j.attemptLog.at(n - 1)[u"finished"_s].toString(), Qt::ISODateWithMs);
        const auto started
            = QDateTime::fromString(j.attemptLog.at(n)[u"started"_s].toString(), Qt::ISODateWithMs);
        const qint64 minimum = (limits.retryBaseDelayMs << (n - 1)) / 2;
        QVERIFY2(finished.msecsTo(started) >= minimum,
                 qPrintable(u"attempt %1 after %2 ms"_s.arg(n + 1).arg(finished.msecsTo(started))));
    }
    QCOMPARE(h.engine->stats().retries, quint64(2));
}

void tst_JobEngine::failedAttemptIsCleanedUpBeforeItsVerdict()
{
    // Recording a verdict writes to the store, which needs disk space: an
    // export that filled the disk must give its partial file back first, or
    // its failure cannot be recorded with its reason (tst_exportdiskfull).
    config::Limits limits;
    limits.maxAttempts = 2;
    limits.retryBaseDelayMs = 50;
    Harness h(limits);
    QStringList leftAtVerdict;
    int verdicts = 0;
    connect(
        h.engine.get(), &JobEngine::event, this,
        [&](const QString &kind) {
            if (kind == u"retry"_s || kind == u"failed"_s) {
                ++verdicts;
                leftAtVerdict += h.tempEntries();
            }
        },
        Qt::DirectConnection);
    const QString id = h.submit(u"selftest"_s,
                                {{u"steps"_s, 2},
                                 {u"step_ms"_s, 0},
                                 {u"bytes_per_step"_s, 4096},
                                 {u"fail_attempts"_s, 10}})
                           .job->id;
    QTRY_STATE(h, id, JobState::Failed);
    QCOMPARE(verdicts, 2);
    QVERIFY2(leftAtVerdict.isEmpty(), qPrintable(leftAtVerdict.join(u' ')));
}

void tst_JobEngine::manualRetryByOwnerOrAdminOnly()
{
    config::Limits limits;
    limits.maxAttempts = 1;
    Harness h(limits);
    const QString id
        = h.submit(u"selftest"_s, {{u"steps"_s, 1}, {u"step_ms"_s, 0}, {u"fail_attempts"_s, 1}})
              .job->id;
    QTRY_STATE(h, id, JobState::Failed);
    QCOMPARE(h.control(&JobEngine::retry, id, {u"mallory"_s, false}).status,
             ControlResult::Status::NotFound);
    QCOMPARE(h.control(&JobEngine::retry, id, {u"root"_s, true}).status, ControlResult::Status::Ok);
    QTRY_STATE(h, id, JobState::Succeeded); // attempt 2 no longer fails on purpose
    QCOMPARE(h.job(id).attempts, 2);
    QCOMPARE(h.control(&JobEngine::retry, id).status, ControlResult::Status::Conflict); // succeeded
}

void tst_JobEngine::resultsExpireAfterTtl()
{
    config::Limits limits;
    limits.resultTtlMs = 1000;
    limits.expirySweepIntervalMs = 100;
    Harness h(limits);
    const QString id = h.submit(u"selftest"_s, quick()).job->id;
    QTRY_STATE(h, id, JobState::Succeeded);
    const QString path = h.job(id).resultPath;
    QVERIFY(QFile::exists(path));
    QTRY_STATE(h, id, JobState::Expired);
    QVERIFY(!QFile::exists(path));
    QCOMPARE(h.job(id).errorReason, u"expired"_s);
    QVERIFY(h.job(id).resultPath.isEmpty());
    // Expired results can be produced again.
    QCOMPARE(h.control(&JobEngine::retry, id).status, ControlResult::Status::Ok);
    QTRY_STATE(h, id, JobState::Succeeded);
}

void tst_JobEngine::liveLimitChangeTakesEffect()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    Harness h(limits);
    for (int i = 0; i < 3; ++i)
        h.submit(u"probe"_s, {}, u"u%1"_s.arg(i));
    QTRY_COMPARE(g_probe.running.load(), 1);
    limits.maxActiveJobs = 3;
    h.engine->setLimits(limits);
    QTRY_COMPARE(g_probe.running.load(), 3);
    g_probe.release = true;
}

void tst_JobEngine::recoversAfterCrash()
{
    QTemporaryDir dir;
    const QString db = dir.filePath(u"jobs.db"_s);
    QString id;
    {
        // What a killed process leaves: a running job, its attempt folder
        // with a partial file, and a published result nobody recorded.
        auto store = SqliteJobStore::open(db);
        QVERIFY(store);
        JobRecord job;
        job.id = id = newJobId();
        job.kind = u"selftest"_s;
        job.owner = u"alice"_s;
        job.params = quick();
        job.state = JobState::Running;
        job.attempts = 1;
        job.maxAttempts = 3;
        job.createdAt = job.queuedAt = job.startedAt = QDateTime::currentDateTimeUtc();
        QVERIFY((*store)->insert(job));
    }
    QDir().mkpath(dir.filePath(u"tmp/jobs/"_s + id + u"-1"_s));
    QFile partial(dir.filePath(u"tmp/jobs/"_s + id + u"-1/part-1.txt"_s));
    QVERIFY(partial.open(QIODevice::WriteOnly));
    partial.write("half");
    partial.close();
    QDir().mkpath(dir.filePath(u"results"_s));
    QFile orphan(dir.filePath(u"results/orphan.csv"_s));
    QVERIFY(orphan.open(QIODevice::WriteOnly));
    orphan.close();

    JobEngine engine({db, dir.filePath(u"tmp/jobs"_s), dir.filePath(u"results"_s), dir.path()}, {});
    engine.registerKind(std::make_unique<SelftestJob>());
    QSignalSpy events(&engine, &JobEngine::event);
    QVERIFY(engine.start());
    QCOMPARE(engine.stats().recovered, quint64(1));
    QCOMPARE(engine.stats().cleanups, quint64(2)); // the attempt folder and the orphan result
    QStringList kinds;
    for (const auto &e : std::as_const(events))
        kinds << e.at(0).toString();
    QCOMPARE(kinds.count(u"cleanup"_s), 2);
    QCOMPARE(kinds.count(u"requeued"_s), 1);
    QVERIFY(!QFile::exists(partial.fileName()));
    QVERIFY(!QFile::exists(orphan.fileName()));
    QTRY_COMPARE_WITH_TIMEOUT(toString(engine.store()->find(id)->value().state), u"succeeded"_s,
                              10000);
    const JobRecord done = engine.store()->find(id)->value();
    QCOMPARE(done.attempts, 2); // the interrupted attempt counts
    QCOMPARE(done.attemptLog.at(0)[u"outcome"_s].toString(), u"interrupted"_s);
}

void tst_JobEngine::shutdownRequeuesRunningJobs()
{
    Harness h;
    const QString id = h.submit(u"probe"_s).job->id;
    QTRY_STATE(h, id, JobState::Running);
    h.engine->shutdown();
    QCOMPARE(toString(h.state(id)), toString(JobState::Queued));
    QCOMPARE(h.job(id).attempts, 0); // not the job's fault
    QVERIFY(h.tempEntries().isEmpty());
    QCOMPARE(h.submit(u"probe"_s).refusal->reason, Refusal::Reason::Unavailable);
}

void tst_JobEngine::changesAreBatched()
{
    Harness h;
    QSignalSpy spy(h.engine.get(), &JobEngine::jobsChanged);
    for (int i = 0; i < 20; ++i)
        h.submit(u"selftest"_s, quick(1), u"u%1"_s.arg(i));
    QTRY_VERIFY(!spy.isEmpty());
    QVERIFY2(spy.size() < 20, "one signal per change is not batching");
    QSet<QString> seen;
    for (const auto &args : std::as_const(spy)) {
        for (const JobRecord &j : args.at(0).value<QList<JobRecord>>())
            seen.insert(j.id);
    }
    QVERIFY(seen.size() >= 1);
}

void tst_JobEngine::retryRespectsAdmissionCaps()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    limits.maxJobsPerAccount = 2;
    Harness h(limits);
    QStringList cancelled;
    for (int i = 0; i < 3; ++i) {
        const QString id = h.submit(u"probe"_s).job->id;
        QCOMPARE(h.control(&JobEngine::cancel, id).status, ControlResult::Status::Ok);
        cancelled << id;
    }
    QVERIFY(h.submit(u"probe"_s).job);
    QVERIFY(h.submit(u"probe"_s).job); // alice is at her cap now
    QTRY_COMPARE(h.engine->stats().running, 1);
    const ControlResult r = h.control(&JobEngine::retry, cancelled.first());
    QCOMPARE(int(r.status), int(ControlResult::Status::Refused));
    QCOMPARE(r.refusal->limit, u"max_jobs_per_account"_s);
    QCOMPARE(toString(h.state(cancelled.first())), toString(JobState::Cancelled));
    g_probe.release = true;
}

// A cancelled attempt that has not returned still runs: it keeps its
// max_active_jobs slot, and neither retry nor delete may start a second copy
// beside it (they used to: two attempts of one job at once).
void tst_JobEngine::stoppingJobHoldsItsSlotUntilItReturns()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    Harness h(limits);
    const auto releaseAll = qScopeGuard([] { g_hangRelease = g_probe.release = true; });
    const QString hung = h.submit(u"hang"_s).job->id;
    QTRY_STATE(h, hung, JobState::Running);
    QCOMPARE(h.control(&JobEngine::cancel, hung).status, ControlResult::Status::Ok);
    QCOMPARE(toString(h.state(hung)), toString(JobState::Cancelled));

    const ControlResult retried = h.control(&JobEngine::retry, hung);
    QCOMPARE(int(retried.status), int(ControlResult::Status::Conflict));
    QVERIFY2(retried.message.contains(u"still stopping"_s), qPrintable(retried.message));
    QCOMPARE(int(h.control(&JobEngine::remove, hung).status), int(ControlResult::Status::Conflict));
    QCOMPARE(toString(h.state(hung)), toString(JobState::Cancelled));

    // submit() returns after the engine has scheduled once: the slot is taken.
    const QString next = h.submit(u"probe"_s).job->id;
    QCOMPARE(toString(h.state(next)), toString(JobState::Queued));
    QCOMPARE(h.engine->stats().running, 1);

    g_hangRelease = true; // it returns at last: its slot goes to the next job
    QTRY_STATE(h, next, JobState::Running);
    QCOMPARE(h.engine->stats().running, 1);
    QCOMPARE(toString(h.state(hung)), toString(JobState::Cancelled)); // its failure was discarded
    QCOMPARE(h.control(&JobEngine::remove, hung).status, ControlResult::Status::Ok);
    g_probe.release = true;
    QTRY_STATE(h, next, JobState::Succeeded);
    QTRY_COMPARE_WITH_TIMEOUT(h.engine->stats().running, 0, 10000);
    QTRY_VERIFY(h.tempEntries().isEmpty());
    QCOMPARE(h.resultFiles().size(), 1); // the probe's only
}

void tst_JobEngine::relativePathsWork()
{
    QTemporaryDir dir;
    const QString previous = QDir::currentPath();
    QVERIFY(QDir::setCurrent(dir.path()));
    const auto restore = qScopeGuard([&] { QDir::setCurrent(previous); });
    JobEngine engine({u"jobs.db"_s, u"tmp/jobs"_s, u"results"_s, u"."_s}, {});
    engine.registerKind(std::make_unique<SelftestJob>());
    QVERIFY(engine.start());
    QObject replyTo;
    std::optional<SubmitResult> r;
    engine.submit(u"selftest"_s, quick(), {u"alice"_s, false}, &replyTo,
                  [&](SubmitResult s) { r = s; });
    QTRY_VERIFY(r.has_value());
    const QString id = r->job->id;
    QTRY_COMPARE_WITH_TIMEOUT(toString(engine.store()->find(id)->value().state), u"succeeded"_s,
                              10000);
    QVERIFY(QFile::exists(dir.filePath(
        u"results/"_s + QFileInfo(engine.store()->find(id)->value().resultPath).fileName())));
}

// GET /jobs/{id}/result used to look the job up, then open the path on the
// HTTP thread: a sweep or delete in between turned a 200 into a 404. The
// engine now opens the file where sweeps and deletes run, and what it opened
// reads in full whatever happens to the path afterwards.
void tst_JobEngine::openedResultOutlivesItsDeletion()
{
    Harness h;
    const QString id
        = h.submit(u"selftest"_s, {{u"steps"_s, 3}, {u"step_ms"_s, 1}, {u"bytes_per_step"_s, 1000}})
              .job->id;
    QTRY_STATE(h, id, JobState::Succeeded);
    std::optional<ResultLookup> lookup;
    h.engine->openResult(id, {u"alice"_s, false}, &h.replyTo,
                         [&](ResultLookup r) { lookup = std::move(r); });
    QTRY_VERIFY(lookup.has_value());
    QVERIFY(lookup->job && lookup->file);
    QCOMPARE(h.control(&JobEngine::remove, id).status, ControlResult::Status::Ok);
    QVERIFY(h.resultFiles().isEmpty());
    QFile file;
    QVERIFY(file.open(lookup->file->take(), QIODevice::ReadOnly, QFileDevice::AutoCloseHandle));
    QCOMPARE(file.readAll().size(), 3000);

    // Someone else's job, or one with no result: no descriptor at all.
    std::optional<ResultLookup> other;
    h.engine->openResult(id, {u"bob"_s, false}, &h.replyTo,
                         [&](ResultLookup r) { other = std::move(r); });
    QTRY_VERIFY(other.has_value());
    QVERIFY(!other->job && !other->file);
}

QTEST_GUILESS_MAIN(tst_JobEngine)
#include "tst_jobengine.moc"
