// Job states, ids and the SqliteJobStore's write operations.

#include "jobstoretesting.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using namespace sluice::jobs;
using sluice::test::failureOf;
using sluice::test::labelledId;
using sluice::test::makeJob;

namespace {

const QList<JobState> AllStates = {JobState::Queued, JobState::Running,   JobState::Succeeded,
                                   JobState::Failed, JobState::Cancelled, JobState::Expired};

// The table of job.h, written out again so that the code is checked against it.
const QList<std::pair<JobState, JobState>> LegalMoves = {
    {JobState::Queued, JobState::Running},    {JobState::Queued, JobState::Cancelled},
    {JobState::Running, JobState::Succeeded}, {JobState::Running, JobState::Failed},
    {JobState::Running, JobState::Cancelled}, {JobState::Running, JobState::Queued},
    {JobState::Succeeded, JobState::Expired}, {JobState::Failed, JobState::Queued},
    {JobState::Cancelled, JobState::Queued},  {JobState::Expired, JobState::Queued},
};

} // namespace

class tst_JobStore : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void stateNames();
    void newJobIdShape();
    void isValidJobId_data();
    void isValidJobId();

    void transitions_data();
    void transitions();
    void transitionOfMissingJob();
    void transitionWithStaleFrom();
    void editCannotChangeIdOrState();
    void updateOfMissingJob();
    void updateProgressOnlyWhileRunning_data();
    void updateProgressOnlyWhileRunning();
    void progressFractionIsKeptInRange_data();
    void progressFractionIsKeptInRange();
    void insertRefuses_data();
    void insertRefuses();
    void removeDeletes();
};

void tst_JobStore::init()
{
    QTest::failOnWarning(QRegularExpression(u".*"_s));
}

void tst_JobStore::stateNames()
{
    const QStringList names
        = {u"queued"_s, u"running"_s, u"succeeded"_s, u"failed"_s, u"cancelled"_s, u"expired"_s};
    for (int i = 0; i < AllStates.size(); ++i) {
        QCOMPARE(toString(AllStates[i]), names[i]);
        QCOMPARE(sluice::test::nameOf(jobStateFromString(names[i])), names[i]);
        QCOMPARE(isTerminal(AllStates[i]), i >= 2);
    }
    QCOMPARE(sluice::test::nameOf(jobStateFromString(u"Queued")), u"none"_s);
    QCOMPARE(sluice::test::nameOf(jobStateFromString(u"")), u"none"_s);
    QCOMPARE(sluice::test::nameOf(jobStateFromString(u"queued ")), u"none"_s);
}

void tst_JobStore::newJobIdShape()
{
    QSet<QString> seen;
    for (int i = 0; i < 1000; ++i) {
        const QString id = newJobId();
        QCOMPARE(id.size(), 22);
        QVERIFY2(sluice::jobs::isValidJobId(id), qPrintable(id));
        seen.insert(id);
    }
    QCOMPARE(seen.size(), 1000);
}

void tst_JobStore::isValidJobId_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("valid");

    const QString a21(21, u'a');
    QTest::addRow("22 letters") << QString(22, u'A') << true;
    QTest::addRow("every kind of character") << u"azAZ09-_bcdefghijklmno"_s << true;
    QTest::addRow("a fresh id") << newJobId() << true;
    QTest::addRow("empty") << QString() << false;
    QTest::addRow("21 characters") << a21 << false;
    QTest::addRow("23 characters") << a21 + u"bb"_s << false;
    QTest::addRow("../x") << u"../x"_s << false;
    QTest::addRow("../x padded to 22") << u"../x"_s + QString(18, u'a') << false;
    QTest::newRow("%2e") << u"%2e"_s << false;
    QTest::newRow("%2e padded to 22") << u"%2e"_s + QString(19, u'a') << false;
    QTest::addRow("slash") << u"/"_s + a21 << false;
    QTest::addRow("plus (base64, not base64url)") << u"+"_s + a21 << false;
    QTest::addRow("padding") << a21 + u"="_s << false;
    QTest::addRow("NUL") << a21.left(10) + QChar(u'\0') + a21.left(11) << false;
    QTest::addRow("space") << a21 + u" "_s << false;
    QTest::addRow("non-ASCII letter") << a21 + u"\u00e9"_s << false;
}

void tst_JobStore::isValidJobId()
{
    QFETCH(QString, id);
    QFETCH(bool, valid);
    QCOMPARE(sluice::jobs::isValidJobId(id), valid);
}

void tst_JobStore::transitions_data()
{
    QTest::addColumn<JobState>("from");
    QTest::addColumn<JobState>("to");
    QTest::addColumn<bool>("legal");
    for (JobState from : AllStates) {
        for (JobState to : AllStates) {
            QTest::addRow("%s -> %s", qPrintable(toString(from)), qPrintable(toString(to)))
                << from << to << LegalMoves.contains({from, to});
        }
    }
}

void tst_JobStore::transitions()
{
    QFETCH(JobState, from);
    QFETCH(JobState, to);
    QFETCH(bool, legal);
    QCOMPARE(isLegalTransition(from, to), legal);

    sluice::test::TemporaryStore store;
    QVERIFY(store.isOpen());
    const JobRecord before = makeJob(newJobId(), from);
    QVERIFY2(store->insert(before), "insert failed");

    bool edited = false;
    const auto moved = store->transition(before.id, from, to, [&](JobRecord &job) {
        edited = true;
        job.lastError = u"edited"_s;
    });
    const auto after = store->find(before.id);
    QVERIFY2(after, failureOf(after).constData());
    QVERIFY(after->has_value());
    if (legal) {
        QVERIFY2(moved, failureOf(moved).constData());
        QCOMPARE(toString(moved->state), toString(to));
        QCOMPARE(moved->lastError, u"edited"_s);
        QVERIFY(**after == *moved);
    } else {
        QVERIFY(!moved);
        QCOMPARE(moved.error().message,
                 u"illegal transition "_s + toString(from) + u" -> "_s + toString(to)
                     + u" for job "_s + before.id);
        QVERIFY(!edited);
        QVERIFY(**after == before);
    }
}

void tst_JobStore::transitionOfMissingJob()
{
    sluice::test::TemporaryStore store;
    const QString id = newJobId();
    const auto moved = store->transition(id, JobState::Queued, JobState::Running);
    QVERIFY(!moved);
    QCOMPARE(moved.error().message, u"no job "_s + id);
    QCOMPARE(store->find(id)->has_value(), false);
}

void tst_JobStore::transitionWithStaleFrom()
{
    sluice::test::TemporaryStore store;
    const JobRecord job = makeJob(newJobId());
    QVERIFY(store->insert(job));
    QVERIFY(store->transition(job.id, JobState::Queued, JobState::Running));
    const JobRecord running = **store->find(job.id);

    // A second worker that still believes the job is queued.
    bool edited = false;
    const auto stale = store->transition(job.id, JobState::Queued, JobState::Running,
                                         [&](JobRecord &) { edited = true; });
    QVERIFY(!stale);
    QCOMPARE(stale.error().message, u"job "_s + job.id + u" is running, not queued"_s);
    QVERIFY(!edited);
    QVERIFY(**store->find(job.id) == running);
}

void tst_JobStore::editCannotChangeIdOrState()
{
    sluice::test::TemporaryStore store;
    const JobRecord job = makeJob(newJobId());
    QVERIFY(store->insert(job));
    const QString otherId = newJobId();

    const auto moved
        = store->transition(job.id, JobState::Queued, JobState::Running, [&](JobRecord &edited) {
              edited.id = otherId;
              edited.state = JobState::Succeeded;
              edited.attempts = 1;
          });
    QVERIFY2(moved, failureOf(moved).constData());
    QCOMPARE(moved->id, job.id);
    QCOMPARE(toString(moved->state), u"running"_s);
    QCOMPARE(moved->attempts, 1);

    const auto updated = store->update(job.id, [&](JobRecord &edited) {
        edited.id = otherId;
        edited.state = JobState::Cancelled;
        edited.lastError = u"kept"_s;
    });
    QVERIFY2(updated, failureOf(updated).constData());
    QCOMPARE(updated->id, job.id);
    QCOMPARE(toString(updated->state), u"running"_s);
    QCOMPARE(updated->lastError, u"kept"_s);

    const auto stored = store->find(job.id);
    QVERIFY(stored && stored->has_value());
    QVERIFY(**stored == *updated);
    QCOMPARE(store->find(otherId)->has_value(), false);
    QCOMPARE(store->list({})->total, 1);
}

void tst_JobStore::updateOfMissingJob()
{
    sluice::test::TemporaryStore store;
    const QString id = newJobId();
    const auto updated = store->update(id, [](JobRecord &job) { job.lastError = u"x"_s; });
    QVERIFY(!updated);
    QCOMPARE(updated.error().message, u"no job "_s + id);
}

void tst_JobStore::updateProgressOnlyWhileRunning_data()
{
    QTest::addColumn<JobState>("state");
    for (JobState state : AllStates)
        QTest::addRow("%s", qPrintable(toString(state))) << state;
}

void tst_JobStore::updateProgressOnlyWhileRunning()
{
    QFETCH(JobState, state);
    sluice::test::TemporaryStore store;
    const JobRecord job = makeJob(newJobId(), state);
    QVERIFY(store->insert(job));

    const auto result = store->updateProgress(job.id, 1234, 56789, 0.25);
    QVERIFY2(result, failureOf(result).constData());
    const JobRecord after = **store->find(job.id);
    if (state == JobState::Running) {
        QCOMPARE(after.progressRows, 1234);
        QCOMPARE(after.progressBytes, 56789);
        QCOMPARE(after.progressFraction, 0.25);
        JobRecord expected = job;
        expected.progressRows = 1234;
        expected.progressBytes = 56789;
        expected.progressFraction = 0.25;
        QVERIFY(after == expected);
    } else {
        QVERIFY(after == job);
    }
    // A job that does not exist is no job that runs: no error either.
    QVERIFY(store->updateProgress(newJobId(), 1, 1, 1));
}

void tst_JobStore::progressFractionIsKeptInRange_data()
{
    QTest::addColumn<double>("given");
    QTest::addColumn<double>("stored");
    QTest::addRow("zero") << 0.0 << 0.0;
    QTest::addRow("one") << 1.0 << 1.0;
    QTest::addRow("a third") << 1.0 / 3 << 1.0 / 3;
    QTest::addRow("unknown") << -1.0 << -1.0;
    QTest::addRow("other negative") << -0.5 << -1.0;
    QTest::addRow("above one") << 1.5 << -1.0;
    QTest::addRow("NaN") << std::numeric_limits<double>::quiet_NaN() << -1.0;
    QTest::addRow("infinity") << std::numeric_limits<double>::infinity() << -1.0;
}

void tst_JobStore::progressFractionIsKeptInRange()
{
    QFETCH(double, given);
    QFETCH(double, stored);
    sluice::test::TemporaryStore store;
    const JobRecord job = makeJob(newJobId(), JobState::Running);
    QVERIFY(store->insert(job));
    QVERIFY(store->updateProgress(job.id, 0, 0, given));
    QCOMPARE(store->find(job.id)->value().progressFraction, stored);

    // The same rule when the whole record is written.
    const auto updated = store->update(job.id, [&](JobRecord &j) { j.progressFraction = given; });
    QVERIFY2(updated, failureOf(updated).constData());
    QCOMPARE(store->find(job.id)->value().progressFraction, stored);
}

void tst_JobStore::insertRefuses_data()
{
    QTest::addColumn<QString>("id");
    QTest::addColumn<bool>("withCreationTime");
    QTest::addColumn<QString>("message");
    const QString existing = labelledId(u"existing"_s);
    QTest::addRow("invalid id") << u"../../etc/passwd"_s << true
                                << u"cannot insert job ../../etc/passwd: not a valid job id"_s;
    QTest::addRow("empty id") << QString() << true << u"cannot insert job : not a valid job id"_s;
    QTest::addRow("no creation time")
        << labelledId(u"new"_s) << false
        << u"cannot insert job "_s + labelledId(u"new"_s) + u": it has no creation time"_s;
    QTest::addRow("duplicate id") << existing << true
                                  << u"cannot insert job "_s + existing
            + u": a job with that id exists"_s;
}

void tst_JobStore::insertRefuses()
{
    QFETCH(QString, id);
    QFETCH(bool, withCreationTime);
    QFETCH(QString, message);
    sluice::test::TemporaryStore store;
    const JobRecord existing = makeJob(labelledId(u"existing"_s), JobState::Running);
    QVERIFY(store->insert(existing));

    JobRecord job = makeJob(id);
    if (!withCreationTime)
        job.createdAt = QDateTime();
    const auto inserted = store->insert(job);
    QVERIFY(!inserted);
    QCOMPARE(inserted.error().message, message);
    const auto page = store->list({});
    QCOMPARE(page->total, 1);
    QVERIFY(page->jobs.first() == existing);
}

void tst_JobStore::removeDeletes()
{
    sluice::test::TemporaryStore store;
    const JobRecord kept = makeJob(newJobId());
    const JobRecord gone = makeJob(newJobId());
    QVERIFY(store->insert(kept));
    QVERIFY(store->insert(gone));

    QVERIFY(store->remove(gone.id));
    QCOMPARE(store->find(gone.id)->has_value(), false);
    QCOMPARE(store->find(kept.id)->has_value(), true);
    const auto again = store->remove(gone.id);
    QVERIFY(!again);
    QCOMPARE(again.error().message, u"no job "_s + gone.id);
}

QTEST_GUILESS_MAIN(tst_JobStore)
#include "tst_jobstore.moc"
