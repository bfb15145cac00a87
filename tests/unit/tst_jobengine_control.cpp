// The job engine's control of running work, with a real SQLite store and real
// worker threads: runtime limit, cancellation (also of jobs that ignore it),
// retries with backoff, manual retries, crash recovery and shutdown.
#include "jobenginetesting.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::jobs;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_JobEngineControl : public QObject
{
    Q_OBJECT
private slots:
    void runtimeLimitFailsWithTimeout();
    void cancelQueuedAndRunning();
    void cancelIgnoredIsStillCancelled();
    void retriesWithBackoffUntilCeiling();
    void failedAttemptIsCleanedUpBeforeItsVerdict();
    void manualRetryByOwnerOrAdminOnly();
    void recoversAfterCrash();
    void shutdownRequeuesRunningJobs();
    void retryRespectsAdmissionCaps();
    void stoppingJobHoldsItsSlotUntilItReturns();
};

void tst_JobEngineControl::runtimeLimitFailsWithTimeout()
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

void tst_JobEngineControl::cancelQueuedAndRunning()
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

void tst_JobEngineControl::cancelIgnoredIsStillCancelled()
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

void tst_JobEngineControl::retriesWithBackoffUntilCeiling()
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

void tst_JobEngineControl::failedAttemptIsCleanedUpBeforeItsVerdict()
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

void tst_JobEngineControl::manualRetryByOwnerOrAdminOnly()
{
    config::Limits limits;
    limits.maxAttempts = 1;
    Harness h(limits);
    const QString id
        = h.submit(u"selftest"_s, {{u"steps"_s, 1}, {u"step_ms"_s, 0}, {u"fail_attempts"_s, 1}})
              .job->id;
    QTRY_STATE(h, id, JobState::Failed);
    QCOMPARE(h.control(&JobEngine::retry, id, {u"mallory"_s, u"mallory"_s, false}).status,
             ControlResult::Status::NotFound);
    QCOMPARE(h.control(&JobEngine::retry, id, {u"root"_s, u"root"_s, true}).status,
             ControlResult::Status::Ok);
    QTRY_STATE(h, id, JobState::Succeeded); // attempt 2 no longer fails on purpose
    QCOMPARE(h.job(id).attempts, 2);
    QCOMPARE(h.control(&JobEngine::retry, id).status, ControlResult::Status::Conflict); // succeeded
}

void tst_JobEngineControl::recoversAfterCrash()
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
        job.owner = job.ownerId = u"alice"_s;
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

void tst_JobEngineControl::shutdownRequeuesRunningJobs()
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

void tst_JobEngineControl::retryRespectsAdmissionCaps()
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
void tst_JobEngineControl::stoppingJobHoldsItsSlotUntilItReturns()
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

QTEST_GUILESS_MAIN(tst_JobEngineControl)
#include "tst_jobengine_control.moc"
