// The SqliteJobStore's read side: list, counts and the scheduler's queries.

#include "jobstoretesting.h"

#include <QRegularExpression>

using namespace Qt::StringLiterals;
using namespace sluice::jobs;
using sluice::test::atMinute;
using sluice::test::failureOf;
using sluice::test::labelledId;
using sluice::test::makeJob;
using sluice::test::TemporaryStore;

namespace {

// The label of each job: labelledId() without its padding.
QStringList labelsOf(const QList<JobRecord> &jobs)
{
    QStringList labels;
    for (const JobRecord &job : jobs)
        labels.append(QString(job.id).remove(QRegularExpression(u"x+$"_s)));
    return labels;
}

JobRecord job(const QString &label, JobState state, int createdMinute, const QString &kind,
              const QString &owner)
{
    JobRecord record = makeJob(labelledId(label), state, atMinute(createdMinute));
    record.kind = kind;
    record.owner = owner;
    record.ownerId = owner;
    return record;
}

// Newest first: j7, j6, j5 (j6 and j5 share a creation time; the id decides), j4 ... j1.
QList<JobRecord> listFixture()
{
    JobRecord j3 = job(u"j3"_s, JobState::Succeeded, 3, u"selftest"_s, u"alice"_s);
    j3.resultPath = u"/results/j3"_s;
    j3.resultSize = 100;
    JobRecord j4 = job(u"j4"_s, JobState::Failed, 4, u"export"_s, u"alice"_s);
    j4.resultPath = u""_s; // a size without a file does not count
    j4.resultSize = 50;
    JobRecord j7 = job(u"j7"_s, JobState::Cancelled, 6, u"export"_s, u"carol"_s);
    j7.resultPath = u"/results/j7"_s; // size unknown: counts as 0
    JobRecord j8 = job(u"j8"_s, JobState::Expired, 0, u"export"_s, u"carol"_s);
    j8.resultPath = u"/results/j8"_s;
    j8.resultSize = 23;
    return {
        job(u"j1"_s, JobState::Queued, 1, u"export"_s, u"alice"_s),
        job(u"j2"_s, JobState::Running, 2, u"export"_s, u"bob"_s),
        j3,
        j4,
        job(u"j5"_s, JobState::Queued, 5, u"export"_s, u"alice"_s),
        job(u"j6"_s, JobState::Queued, 5, u"upload.process"_s, u"bob"_s),
        j7,
        j8,
    };
}

bool insertAll(TemporaryStore &store, const QList<JobRecord> &jobs)
{
    for (const JobRecord &record : jobs) {
        if (!store->insert(record))
            return false;
    }
    return true;
}

} // namespace

class tst_JobStoreQueries : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void list_data();
    void list();
    void counts();
    void countsOfEmptyStore();
    void dueOrderAndNotBefore();
    void dueTakesAccountsInTurn();
    void nextDue();
    void inState();
    void withResultsOldestFinishedFirst();
    void oldest();
};

void tst_JobStoreQueries::init()
{
    QTest::failOnWarning(QRegularExpression(u".*"_s));
}

void tst_JobStoreQueries::list_data()
{
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("kind");
    QTest::addColumn<QString>("owner");
    QTest::addColumn<int>("offset");
    QTest::addColumn<int>("limit");
    QTest::addColumn<QStringList>("expected");
    QTest::addColumn<int>("total");

    const QString any;
    const QStringList all
        = {u"j7"_s, u"j6"_s, u"j5"_s, u"j4"_s, u"j3"_s, u"j2"_s, u"j1"_s, u"j8"_s};
    QTest::addRow("everything") << any << any << any << 0 << 50 << all << 8;
    QTest::addRow("state") << u"queued"_s << any << any << 0 << 50
                           << QStringList {u"j6"_s, u"j5"_s, u"j1"_s} << 3;
    QTest::addRow("kind") << any << u"export"_s << any << 0 << 50
                          << QStringList {u"j7"_s, u"j5"_s, u"j4"_s, u"j2"_s, u"j1"_s, u"j8"_s}
                          << 6;
    QTest::addRow("owner") << any << any << u"alice"_s << 0 << 50
                           << QStringList {u"j5"_s, u"j4"_s, u"j3"_s, u"j1"_s} << 4;
    QTest::addRow("owner and state")
        << u"queued"_s << any << u"alice"_s << 0 << 50 << QStringList {u"j5"_s, u"j1"_s} << 2;
    QTest::addRow("all three") << u"failed"_s << u"export"_s << u"alice"_s << 0 << 50
                               << QStringList {u"j4"_s} << 1;
    QTest::addRow("no match") << any << any << u"nobody"_s << 0 << 50 << QStringList() << 0;
    QTest::addRow("a middle page") << any << any << any << 2 << 3 << all.mid(2, 3) << 8;
    QTest::addRow("the last page") << any << any << any << 6 << 50 << all.mid(6) << 8;
    QTest::addRow("past the end") << any << any << any << 10 << 50 << QStringList() << 8;
    QTest::addRow("limit 0") << any << any << any << 0 << 0 << QStringList() << 8;
    QTest::addRow("negative offset") << any << any << any << -5 << 2 << all.mid(0, 2) << 8;
    QTest::addRow("filtered page")
        << any << u"export"_s << any << 1 << 2 << QStringList {u"j5"_s, u"j4"_s} << 6;
}

void tst_JobStoreQueries::list()
{
    QFETCH(QString, state);
    QFETCH(QString, kind);
    QFETCH(QString, owner);
    QFETCH(int, offset);
    QFETCH(int, limit);
    QFETCH(QStringList, expected);
    QFETCH(int, total);

    TemporaryStore store;
    QVERIFY(insertAll(store, listFixture()));
    JobQuery query;
    if (!state.isEmpty())
        query.state = jobStateFromString(state);
    query.kind = kind;
    query.ownerId = owner;
    query.offset = offset;
    query.limit = limit;
    const auto page = store->list(query);
    QVERIFY2(page, failureOf(page).constData());
    QCOMPARE(labelsOf(page->jobs), expected);
    QCOMPARE(page->total, total);
}

void tst_JobStoreQueries::counts()
{
    TemporaryStore store;
    QVERIFY(insertAll(store, listFixture()));
    const auto counts = store->counts();
    QVERIFY2(counts, failureOf(counts).constData());
    QCOMPARE(counts->byState.size(), 6);
    QCOMPARE(counts->byState.value(JobState::Queued), 3);
    QCOMPARE(counts->byState.value(JobState::Running), 1);
    QCOMPARE(counts->byState.value(JobState::Succeeded), 1);
    QCOMPARE(counts->byState.value(JobState::Failed), 1);
    QCOMPARE(counts->byState.value(JobState::Cancelled), 1);
    QCOMPARE(counts->byState.value(JobState::Expired), 1);
    const QHash<QString, int> active = {{u"alice"_s, 2}, {u"bob"_s, 2}};
    QCOMPARE(counts->activeByOwner, active);
    QCOMPARE(counts->resultBytes, 123);
}

void tst_JobStoreQueries::countsOfEmptyStore()
{
    TemporaryStore store;
    const auto counts = store->counts();
    QVERIFY2(counts, failureOf(counts).constData());
    QCOMPARE(counts->byState.size(), 6);
    for (int count : counts->byState)
        QCOMPARE(count, 0);
    QVERIFY(counts->activeByOwner.isEmpty());
    QCOMPARE(counts->resultBytes, 0);
}

void tst_JobStoreQueries::dueOrderAndNotBefore()
{
    TemporaryStore store;
    const QDateTime now = atMinute(100);
    const auto queued = [&](const QString &label, int queuedMinute, std::optional<int> notBefore,
                            int createdMinute) {
        JobRecord record = makeJob(labelledId(label), JobState::Queued, atMinute(createdMinute));
        record.queuedAt = atMinute(queuedMinute);
        if (notBefore)
            record.notBefore = atMinute(*notBefore);
        return record;
    };
    JobRecord running = makeJob(labelledId(u"r1"_s), JobState::Running, atMinute(0));
    running.queuedAt = atMinute(1);
    JobRecord failed = makeJob(labelledId(u"f1"_s), JobState::Failed, atMinute(0));
    failed.queuedAt = atMinute(1);
    QVERIFY(insertAll(store,
                      {
                          queued(u"q1"_s, 90, std::nullopt, 50),
                          queued(u"q2"_s, 80, 99, 50),
                          queued(u"q3"_s, 70, 105, 50),
                          queued(u"q4"_s, 95, 100, 50), // due exactly now
                          queued(u"q5"_s, 90, std::nullopt, 40), // same queuedAt, created earlier
                          running,
                          failed,
                      }));

    const auto due = store->due(now, 10);
    QVERIFY2(due, failureOf(due).constData());
    QCOMPARE(labelsOf(*due), QStringList({u"q2"_s, u"q5"_s, u"q1"_s, u"q4"_s}));
    QCOMPARE(labelsOf(*store->due(now, 2)), QStringList({u"q2"_s, u"q5"_s}));
    QCOMPARE(labelsOf(*store->due(now, 0)), QStringList());
    QCOMPARE(labelsOf(*store->due(atMinute(105), 10)),
             QStringList({u"q3"_s, u"q2"_s, u"q5"_s, u"q1"_s, u"q4"_s}));
    QCOMPARE(labelsOf(*store->due(atMinute(99).addMSecs(-1), 10)), QStringList({u"q5"_s, u"q1"_s}));

    // Kinds that must wait (exports below the disk floor) are left out by
    // the query itself, however many there are ahead of the others.
    JobRecord other = queued(u"s1"_s, 99, std::nullopt, 99);
    other.kind = u"selftest"_s;
    QVERIFY(insertAll(store, {other}));
    QCOMPARE(labelsOf(*store->due(now, 1, {u"export"_s})), QStringList({u"s1"_s}));
    QCOMPARE(labelsOf(*store->due(now, 10, {u"export"_s, u"upload.process"_s})),
             QStringList({u"s1"_s}));
    QCOMPARE(labelsOf(*store->due(now, 1)), QStringList({u"q2"_s}));
}

// Review (issue 18, F7): due() went oldest first whatever the owner, so
// alice's backlog of 20 jobs held both workers and bob's one job waited for
// all of them. Accounts now take turns, counting the jobs they have running.
void tst_JobStoreQueries::dueTakesAccountsInTurn()
{
    TemporaryStore store;
    const auto of = [](const QString &label, const QString &owner, int minute,
                       JobState state = JobState::Queued) {
        JobRecord record = makeJob(labelledId(label), state, atMinute(minute));
        record.owner = owner;
        record.ownerId = owner + u"-id"_s;
        return record;
    };
    QVERIFY(insertAll(store,
                      {of(u"a1"_s, u"alice"_s, 1), of(u"a2"_s, u"alice"_s, 2),
                       of(u"a3"_s, u"alice"_s, 3), of(u"a4"_s, u"alice"_s, 4),
                       of(u"b1"_s, u"bob"_s, 10), of(u"b2"_s, u"bob"_s, 11),
                       of(u"c1"_s, u"carol"_s, 20)}));
    const QDateTime now = atMinute(100);
    QCOMPARE(labelsOf(*store->due(now, 10)),
             QStringList({u"a1"_s, u"b1"_s, u"c1"_s, u"a2"_s, u"b2"_s, u"a3"_s, u"a4"_s}));
    QCOMPARE(labelsOf(*store->due(now, 2)), QStringList({u"a1"_s, u"b1"_s}));
    // Alice has two running: bob and carol go first.
    QVERIFY(insertAll(store,
                      {of(u"ar1"_s, u"alice"_s, 0, JobState::Running),
                       of(u"ar2"_s, u"alice"_s, 0, JobState::Running)}));
    QCOMPARE(labelsOf(*store->due(now, 3)), QStringList({u"b1"_s, u"c1"_s, u"b2"_s}));

    // With one worker nobody has a job running between two starts: then the
    // account that started one longest ago (or never) goes first.
    TemporaryStore turns;
    JobRecord done = of(u"d1"_s, u"alice"_s, 0, JobState::Succeeded);
    done.startedAt = atMinute(50);
    JobRecord bobsDone = of(u"d2"_s, u"bob"_s, 0, JobState::Succeeded);
    bobsDone.startedAt = atMinute(60);
    JobRecord ownerless = of(u"n1"_s, QString(), 4); // no account: still due
    ownerless.owner = ownerless.ownerId = QString();
    QVERIFY(insertAll(turns,
                      {done, bobsDone, of(u"a1"_s, u"alice"_s, 1), of(u"b1"_s, u"bob"_s, 2),
                       of(u"c1"_s, u"carol"_s, 3), ownerless}));
    QCOMPARE(labelsOf(*turns->due(now, 10)), QStringList({u"c1"_s, u"n1"_s, u"a1"_s, u"b1"_s}));
}

void tst_JobStoreQueries::nextDue()
{
    TemporaryStore store;
    QCOMPARE(store->nextDue(atMinute(0))->has_value(), false);

    JobRecord soon = makeJob(labelledId(u"soon"_s));
    soon.notBefore = atMinute(5).addMSecs(1);
    JobRecord later = makeJob(labelledId(u"later"_s));
    later.notBefore = atMinute(7);
    JobRecord running = makeJob(labelledId(u"running"_s), JobState::Running);
    running.notBefore = atMinute(1); // not queued: not the scheduler's business
    JobRecord unset = makeJob(labelledId(u"unset"_s));
    QVERIFY(insertAll(store, {soon, later, running, unset}));

    const auto next = store->nextDue(atMinute(0));
    QVERIFY2(next, failureOf(next).constData());
    QVERIFY(next->has_value());
    QCOMPARE(**next, soon.notBefore);
    QCOMPARE((*next)->timeSpec(), Qt::UTC);
    // A job due exactly now is due, not next.
    QCOMPARE(**store->nextDue(soon.notBefore), later.notBefore);
    QCOMPARE(store->nextDue(atMinute(7))->has_value(), false);
}

void tst_JobStoreQueries::inState()
{
    TemporaryStore store;
    QVERIFY(insertAll(store, listFixture()));
    const auto queued = store->inState(JobState::Queued);
    QVERIFY2(queued, failureOf(queued).constData());
    QCOMPARE(labelsOf(*queued), QStringList({u"j1"_s, u"j5"_s, u"j6"_s}));
    QCOMPARE(labelsOf(*store->inState(JobState::Running)), QStringList({u"j2"_s}));
}

void tst_JobStoreQueries::withResultsOldestFinishedFirst()
{
    TemporaryStore store;
    QList<JobRecord> jobs;
    const QList<std::pair<QString, int>> finished
        = {{u"c"_s, 30}, {u"a"_s, 10}, {u"d"_s, 40}, {u"b"_s, 20}};
    for (const auto &[label, minute] : finished) {
        JobRecord record = makeJob(labelledId(label), JobState::Succeeded);
        record.finishedAt = atMinute(minute);
        record.resultPath = u"/results/"_s + label;
        jobs.append(record);
    }
    JobRecord noFile = makeJob(labelledId(u"nofile"_s), JobState::Succeeded);
    noFile.finishedAt = atMinute(1);
    noFile.resultPath = u""_s;
    JobRecord nullPath = makeJob(labelledId(u"nullpath"_s), JobState::Failed);
    nullPath.finishedAt = atMinute(1);
    jobs << noFile << nullPath;
    QVERIFY(insertAll(store, jobs));

    const auto results = store->withResults();
    QVERIFY2(results, failureOf(results).constData());
    QCOMPARE(labelsOf(*results), QStringList({u"a"_s, u"b"_s, u"c"_s, u"d"_s}));
}

void tst_JobStoreQueries::oldest()
{
    TemporaryStore store;
    const auto none = store->oldest();
    QVERIFY2(none, failureOf(none).constData());
    QVERIFY(!none->first.has_value() && !none->second.has_value());

    const auto withTimes = [](const QString &label, JobState state, int queued, int started) {
        JobRecord record = makeJob(labelledId(label), state);
        record.queuedAt = atMinute(queued);
        record.startedAt = atMinute(started);
        return record;
    };
    QVERIFY(insertAll(store,
                      {
                          withTimes(u"q1"_s, JobState::Queued, 3, 50),
                          withTimes(u"q2"_s, JobState::Queued, 7, 1),
                          withTimes(u"r1"_s, JobState::Running, 1, 9),
                          withTimes(u"r2"_s, JobState::Running, 2, 8),
                          withTimes(u"s1"_s, JobState::Succeeded, 0, 0),
                      }));
    const auto oldest = store->oldest();
    QVERIFY2(oldest, failureOf(oldest).constData());
    QCOMPARE(oldest->first, std::optional(atMinute(3)));
    QCOMPARE(oldest->second, std::optional(atMinute(8)));
}

QTEST_GUILESS_MAIN(tst_JobStoreQueries)
#include "tst_jobstore_queries.moc"
