// The job engine with a real SQLite store and real worker threads: admission,
// the active cap, results and their expiry, live limits, batched changes.
// Cancellation, retries, timeouts, crash recovery and shutdown are in
// tst_jobengine_control.cpp.
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

class tst_JobEngine : public QObject
{
    Q_OBJECT
private slots:
    void runsToSuccessAndPublishesResult();
    void rejectsUnknownKindAndBadParams();
    void queueDepthCap();
    void perAccountCap();
    void resultBytesCapAndEviction();
    void evictionTakesFromTheAccountOverItsShare();
    void activeCapIsNeverExceeded();
    void backlogOfOneAccountDoesNotHoldBackAnother();
    void resultsExpireAfterTtl();
    void liveLimitChangeTakesEffect();
    void changesAreBatched();
    void removalsNameTheirOwner();
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
    // All results together are over the budget: others are refused as well;
    // the owner first for its own share.
    const auto refused = h.submit(u"selftest"_s, quick(), u"bob"_s);
    QVERIFY(refused.refusal);
    QCOMPARE(refused.refusal->reason, Refusal::Reason::ResultSpace);
    QCOMPARE(refused.refusal->limit, u"max_result_bytes"_s);
    const auto own = h.submit(u"selftest"_s, quick());
    QVERIFY(own.refusal);
    QCOMPARE(own.refusal->reason, Refusal::Reason::AccountResults);
    QCOMPARE(own.refusal->limit, u"account_share_percent"_s);

    // Younger than result_eviction_floor_ms: kept, however full.
    const QString path = h.job(big.job->id).resultPath;
    h.engine->sweepNow();
    QCOMPARE(toString(h.state(big.job->id)), toString(JobState::Succeeded));
    limits.resultEvictionFloorMs = 0;
    h.engine->setLimits(limits); // sweeps
    QTRY_COMPARE(toString(h.state(big.job->id)), toString(JobState::Expired));
    QCOMPARE(h.job(big.job->id).errorReason, u"evicted"_s);
    QVERIFY(h.job(big.job->id).lastError.contains(u"alice"_s));
    QVERIFY(!QFile::exists(path));
    QVERIFY(h.submit(u"selftest"_s, quick()).job);
}

// The account over its share loses its own oldest result as soon as its
// newest is recorded; another account's older result stays.
void tst_JobEngine::evictionTakesFromTheAccountOverItsShare()
{
    config::Limits limits;
    limits.maxResultsPerAccount = 2;
    limits.resultEvictionFloorMs = 0;
    limits.expirySweepIntervalMs = 60 * 60'000;
    Harness h(limits);
    const auto bobs = h.submit(u"selftest"_s, quick(), u"bob"_s);
    QTRY_STATE(h, bobs.job->id, JobState::Succeeded);
    QStringList alices;
    for (int i = 0; i < 2; ++i) {
        const auto job = h.submit(u"selftest"_s, quick());
        QVERIFY(job.job);
        QTRY_STATE(h, job.job->id, JobState::Succeeded);
        alices.append(job.job->id);
    }
    const auto refused = h.submit(u"selftest"_s, quick());
    QVERIFY(refused.refusal);
    QCOMPARE(refused.refusal->limit, u"max_results_per_account"_s);
    // One more finishes past the share (admitted before, e.g. by a lower limit later).
    limits.maxResultsPerAccount = 1;
    h.engine->setLimits(limits);
    QTRY_COMPARE(toString(h.state(alices.first())), toString(JobState::Expired));
    QCOMPARE(toString(h.state(alices.last())), toString(JobState::Succeeded));
    QCOMPARE(toString(h.state(bobs.job->id)),
             toString(JobState::Succeeded)); // older, other account
}

// Review (issue 18, F7): the worker went to the oldest due job whatever
// its owner, so bob's one job waited behind all of alice's backlog. With one
// worker, bob's job now starts as soon as alice's running one is done.
void tst_JobEngine::backlogOfOneAccountDoesNotHoldBackAnother()
{
    config::Limits limits;
    limits.maxActiveJobs = 1;
    Harness h(limits);
    // Alice's first job holds the worker until released; her backlog and
    // then bob's job queue behind it.
    const QString first = h.submit(u"probe"_s).job->id;
    QTRY_STATE(h, first, JobState::Running);
    QStringList alices;
    for (int i = 0; i < 2; ++i)
        alices << h.submit(u"selftest"_s, quick()).job->id;
    const QString bobs = h.submit(u"selftest"_s, quick(), u"bob"_s).job->id;
    g_probe.release = true;
    for (const QString &id : alices)
        QTRY_STATE(h, id, JobState::Succeeded);
    QTRY_STATE(h, bobs, JobState::Succeeded);
    const QDateTime bobStarted = h.job(bobs).startedAt;
    QVERIFY2(bobStarted <= h.job(alices.at(0)).startedAt,
             qPrintable(bobStarted.toString(Qt::ISODateWithMs) + u" vs "_s
                        + h.job(alices.at(0)).startedAt.toString(Qt::ISODateWithMs)));
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

// The live stream tells an account about its own removals only: the engine
// names the owner of each removed job (a job that has not changed since
// start is otherwise unknown to any listener).
void tst_JobEngine::removalsNameTheirOwner()
{
    Harness h;
    const QString bob = h.submit(u"selftest"_s, quick(1), u"bob"_s).job->id;
    const QString carol = h.submit(u"selftest"_s, quick(1), u"carol"_s).job->id;
    QTRY_STATE(h, bob, JobState::Succeeded);
    QTRY_STATE(h, carol, JobState::Succeeded);
    QSignalSpy spy(h.engine.get(), &JobEngine::jobsChanged);
    QCOMPARE(h.control(&JobEngine::remove, carol, {u"carol"_s, u"carol"_s, false}).status,
             ControlResult::Status::Ok);
    QCOMPARE(h.control(&JobEngine::remove, bob, {u"bob"_s, u"bob"_s, false}).status,
             ControlResult::Status::Ok);
    QStringList removed, owners;
    QTRY_VERIFY((
        removed.clear(), owners.clear(),
        [&] {
            for (const auto &args : std::as_const(spy)) {
                removed += args.at(1).toStringList();
                owners += args.at(2).toStringList();
            }
        }(),
        removed.size() == 2));
    QCOMPARE(owners.at(removed.indexOf(bob)), u"bob"_s);
    QCOMPARE(owners.at(removed.indexOf(carol)), u"carol"_s);
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
    engine.submit(u"selftest"_s, quick(), {u"alice"_s, u"alice"_s, false}, &replyTo,
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
    h.engine->openResult(id, {u"alice"_s, u"alice"_s, false}, &h.replyTo,
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
    h.engine->openResult(id, {u"bob"_s, u"bob"_s, false}, &h.replyTo,
                         [&](ResultLookup r) { other = std::move(r); });
    QTRY_VERIFY(other.has_value());
    QVERIFY(!other->job && !other->file);
}

QTEST_GUILESS_MAIN(tst_JobEngine)
#include "tst_jobengine.moc"
