// What the SqliteJobStore leaves on disk: the file, its schema, and every
// field of a record exactly as it was written.

#include "jobstoretesting.h"
#include "legacydata.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>
#include <QRegularExpression>

using namespace Qt::StringLiterals;
using namespace sluice::jobs;
using sluice::test::failureOf;
using sluice::test::makeJob;
using sluice::test::RawDatabase;
using sluice::test::TemporaryStore;

namespace {

JobRecord fullRecord()
{
    JobRecord job = makeJob(newJobId(), JobState::Running);
    job.kind = u"upload.process"_s;
    job.owner = u"zoë"_s;
    job.ownerId = u"name:zoë"_s;
    job.params = QJsonObject {
        {u"dataset"_s, u"sensors"_s},
        {u"from"_s, u"2024-01-01T00:00:00Z"_s},
        {u"big"_s, qint64(1) << 53},
        {u"ratio"_s, 0.1},
        {u"flag"_s, true},
        {u"nothing"_s, QJsonValue::Null},
        {u"filters"_s, QJsonArray {u"a"_s, 2, QJsonObject {{u"nested"_s, u"\u00e9\"\n"_s}}}},
    };
    job.attempts = 2;
    job.maxAttempts = 7;
    job.createdAt = QDateTime(QDate(2024, 2, 29), QTime(23, 59, 59, 999), Qt::UTC);
    job.queuedAt = job.createdAt.addMSecs(1);
    job.startedAt = job.createdAt.addMSecs(1001);
    job.finishedAt = job.createdAt.addDays(400);
    job.notBefore = job.createdAt.addMSecs(-1);
    job.progressRows = (qint64(1) << 40) + 3;
    job.progressBytes = (qint64(1) << 50) + 5;
    job.progressFraction = 0.123456789012345;
    job.lastError = u"row 7: \u2018x\u2019 is not a number"_s;
    job.errorReason = u"error"_s;
    job.resultPath = u"/var/lib/sluice/results/a b.csv"_s;
    job.resultSize = qint64(5) << 32;
    job.resultName = u"sensors 2024.csv"_s;
    job.resultMime = u"text/csv"_s;
    job.resultExpiresAt = QDateTime::fromMSecsSinceEpoch(1, Qt::UTC);
    job.attemptLog = QJsonArray {
        QJsonObject {{u"attempt"_s, 1}, {u"outcome"_s, u"failed"_s}, {u"error"_s, u"x"_s}},
        QJsonObject {{u"attempt"_s, 2}, {u"started"_s, u"2024-03-01T00:00:00.001Z"_s}},
    };
    return job;
}

void compareTime(const QDateTime &actual, const QDateTime &expected, const char *field)
{
    QVERIFY2(actual.isValid() == expected.isValid(), field);
    if (expected.isValid()) {
        QVERIFY2(actual.toMSecsSinceEpoch() == expected.toMSecsSinceEpoch(), field);
        QVERIFY2(actual.timeSpec() == Qt::UTC, field);
    }
}

void compareText(const QString &actual, const QString &expected, const char *field)
{
    QVERIFY2(actual == expected, field);
    QVERIFY2(actual.isNull() == expected.isNull(), field);
}

} // namespace

class tst_JobStorePersistence : public QObject
{
    Q_OBJECT

private slots:
    void init();

    void recordRoundTrips_data();
    void recordRoundTrips();
    void openCreatesPrivateFileAndDirectories();
    void persistsAcrossReopen();
    void usesWalJournal();
    void schemaIsAtCurrentVersion();
    void refusesNewerSchema();
    void migratesVersionZeroDatabase_data();
    void migratesVersionZeroDatabase();
    void migratesNameOwnersToAccountIds();
    void refusesFileThatIsNoDatabase();
    void releasesItsConnection();
};

void tst_JobStorePersistence::init()
{
    QTest::failOnWarning(QRegularExpression(u".*"_s));
}

void tst_JobStorePersistence::recordRoundTrips_data()
{
    QTest::addColumn<JobRecord>("job");

    QTest::addRow("every field set") << fullRecord();
    QTest::addRow("defaults: null times and strings") << makeJob(newJobId());

    JobRecord empty = fullRecord();
    for (QString *text :
         {&empty.kind, &empty.owner, &empty.ownerId, &empty.lastError, &empty.errorReason,
          &empty.resultPath, &empty.resultName, &empty.resultMime})
        *text = u""_s;
    empty.params = {};
    empty.attemptLog = {};
    QTest::addRow("empty, not null, strings") << empty;

    JobRecord epoch
        = makeJob(newJobId(), JobState::Expired, QDateTime::fromMSecsSinceEpoch(0, Qt::UTC));
    epoch.notBefore = epoch.startedAt = epoch.createdAt;
    epoch.resultExpiresAt = QDateTime::fromMSecsSinceEpoch(-1, Qt::UTC);
    epoch.progressFraction = 0;
    epoch.resultSize = 0;
    QTest::addRow("times at and before the epoch, zeros") << epoch;

    JobRecord offset = makeJob(newJobId(), JobState::Failed);
    offset.finishedAt = QDateTime(QDate(2024, 6, 1), QTime(2, 30, 0, 5), Qt::OffsetFromUTC, 5400);
    QTest::addRow("time given with an offset") << offset;
}

void tst_JobStorePersistence::recordRoundTrips()
{
    QFETCH(JobRecord, job);
    TemporaryStore store;
    QVERIFY(store.isOpen());
    QVERIFY2(store->insert(job), "insert failed");
    store.reopen(); // nothing may survive in memory only

    const auto found = store->find(job.id);
    QVERIFY2(found, failureOf(found).constData());
    QVERIFY(found->has_value());
    const JobRecord &read = **found;

    compareText(read.id, job.id, "id");
    compareText(read.kind, job.kind, "kind");
    compareText(read.owner, job.owner, "owner");
    compareText(read.ownerId, job.ownerId, "ownerId");
    QVERIFY(read.params == job.params);
    QCOMPARE(toString(read.state), toString(job.state));
    QCOMPARE(read.attempts, job.attempts);
    QCOMPARE(read.maxAttempts, job.maxAttempts);
    compareTime(read.createdAt, job.createdAt, "createdAt");
    compareTime(read.queuedAt, job.queuedAt, "queuedAt");
    compareTime(read.startedAt, job.startedAt, "startedAt");
    compareTime(read.finishedAt, job.finishedAt, "finishedAt");
    compareTime(read.notBefore, job.notBefore, "notBefore");
    QCOMPARE(read.progressRows, job.progressRows);
    QCOMPARE(read.progressBytes, job.progressBytes);
    QCOMPARE(read.progressFraction, job.progressFraction); // exact, not fuzzy
    compareText(read.lastError, job.lastError, "lastError");
    compareText(read.errorReason, job.errorReason, "errorReason");
    compareText(read.resultPath, job.resultPath, "resultPath");
    QCOMPARE(read.resultSize, job.resultSize);
    compareText(read.resultName, job.resultName, "resultName");
    compareText(read.resultMime, job.resultMime, "resultMime");
    compareTime(read.resultExpiresAt, job.resultExpiresAt, "resultExpiresAt");
    QVERIFY(read.attemptLog == job.attemptLog);
    QVERIFY(read == job); // and no field was forgotten above
}

void tst_JobStorePersistence::openCreatesPrivateFileAndDirectories()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"a/b/jobs.sqlite"_s);
    auto store = SqliteJobStore::open(path);
    QVERIFY2(store, failureOf(store).constData());
    QCOMPARE((*store)->path(), QFileInfo(path).absoluteFilePath());
    QVERIFY(QFileInfo(path).isFile());
    const auto others = QFile::ReadGroup | QFile::WriteGroup | QFile::ExeGroup | QFile::ReadOther
        | QFile::WriteOther | QFile::ExeOther;
    QCOMPARE(QFile::permissions(path) & others, QFile::Permissions());
    QCOMPARE(QFile::permissions(dir.filePath(u"a/b"_s)) & others, QFile::Permissions());
}

void tst_JobStorePersistence::persistsAcrossReopen()
{
    TemporaryStore store;
    const JobRecord job = makeJob(newJobId());
    QVERIFY(store->insert(job));
    const auto moved = store->transition(job.id, JobState::Queued, JobState::Running,
                                         [](JobRecord &j) { j.attempts = 1; });
    QVERIFY(moved);
    store.close();

    store.reopen();
    QVERIFY(store.isOpen());
    const auto found = store->find(job.id);
    QVERIFY(found && found->has_value());
    QVERIFY(**found == *moved);
    QCOMPARE(toString((*found)->state), u"running"_s);
}

void tst_JobStorePersistence::usesWalJournal()
{
    TemporaryStore store;
    QVERIFY(store.isOpen());
    RawDatabase raw(store.path());
    QCOMPARE(raw.value(u"PRAGMA journal_mode"_s).toString(), u"wal"_s);
}

void tst_JobStorePersistence::schemaIsAtCurrentVersion()
{
    TemporaryStore store;
    QVERIFY(store.isOpen());
    QVERIFY(SqliteJobStore::schemaVersion() >= 1);
    RawDatabase raw(store.path());
    QCOMPARE(raw.value(u"PRAGMA user_version"_s).toInt(), SqliteJobStore::schemaVersion());
    QCOMPARE(raw.column(u"SELECT name FROM sqlite_master WHERE type = 'index'"
                        " AND tbl_name = 'jobs' AND sql IS NOT NULL ORDER BY name"_s),
             QStringList({u"jobs_created_at"_s, u"jobs_owner_id_started_at"_s,
                          u"jobs_owner_id_state"_s, u"jobs_state_not_before"_s}));
}

void tst_JobStorePersistence::refusesNewerSchema()
{
    TemporaryStore store;
    const JobRecord job = makeJob(newJobId());
    QVERIFY(store->insert(job));
    store.close();
    const int newer = SqliteJobStore::schemaVersion() + 1;
    QVERIFY(RawDatabase(store.path()).exec(u"PRAGMA user_version = "_s + QString::number(newer)));

    const auto refused = SqliteJobStore::open(store.path());
    QVERIFY(!refused);
    const QString message = refused.error().message;
    QVERIFY2(message.contains(store.path()), qPrintable(message));
    QVERIFY2(message.contains(u"schema version "_s + QString::number(newer)), qPrintable(message));
    QVERIFY2(message.contains(u"up to "_s + QString::number(SqliteJobStore::schemaVersion())),
             qPrintable(message));

    RawDatabase raw(store.path());
    QCOMPARE(raw.value(u"PRAGMA user_version"_s).toInt(), newer);
    QCOMPARE(raw.value(u"SELECT id FROM jobs"_s).toString(), job.id);
}

void tst_JobStorePersistence::migratesVersionZeroDatabase_data()
{
    QTest::addColumn<bool>("withOtherTable");
    QTest::addRow("empty file") << false;
    QTest::addRow("database with an unrelated table") << true;
}

void tst_JobStorePersistence::migratesVersionZeroDatabase()
{
    QFETCH(bool, withOtherTable);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"jobs.sqlite"_s);
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    if (withOtherTable) {
        RawDatabase raw(path);
        QVERIFY(raw.exec(u"CREATE TABLE notes (text TEXT)"_s));
        QVERIFY(raw.exec(u"INSERT INTO notes VALUES ('kept')"_s));
        QCOMPARE(raw.value(u"PRAGMA user_version"_s).toInt(), 0);
    }

    auto store = SqliteJobStore::open(path);
    QVERIFY2(store, failureOf(store).constData());
    const JobRecord job = makeJob(newJobId());
    QVERIFY((*store)->insert(job));
    QVERIFY((*store)->find(job.id)->has_value());

    RawDatabase raw(path);
    QCOMPARE(raw.value(u"PRAGMA user_version"_s).toInt(), SqliteJobStore::schemaVersion());
    if (withOtherTable)
        QCOMPARE(raw.value(u"SELECT text FROM notes"_s).toString(), u"kept"_s);
}

// Version 1 jobs were owned by a name; version 2 by an account id. A name's
// jobs go to the id its account gets from a version 1 config file.
void tst_JobStorePersistence::migratesNameOwnersToAccountIds()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"jobs.db"_s);
    const QString aliceJob = newJobId(), goneJob = newJobId();
    const QString error
        = sluice::test::writeVersion1JobStore(path,
                                              {{aliceJob, u"alice"_s, u"queued"_s, {}, -1},
                                               {goneJob, u"gone"_s, u"succeeded"_s, {}, -1}});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    auto store = SqliteJobStore::open(path);
    QVERIFY2(store, failureOf(store).constData());
    const auto alice = (*store)->find(aliceJob);
    QVERIFY(alice && alice->has_value());
    QCOMPARE((*alice)->owner, u"alice"_s);
    QCOMPARE((*alice)->ownerId, u"name:alice"_s);
    QCOMPARE((*store)->find(goneJob)->value().ownerId, u"name:gone"_s);

    JobQuery mine;
    mine.ownerId = u"name:alice"_s;
    QCOMPARE((*store)->list(mine)->total, 1);
    mine.ownerId = u"alice"_s; // the name alone owns nothing any more
    QCOMPARE((*store)->list(mine)->total, 0);
    const QHash<QString, int> active = {{u"name:alice"_s, 1}};
    QCOMPARE((*store)->counts()->activeByOwner, active);

    // New rows keep their id; reopening migrates nothing twice.
    JobRecord fresh = makeJob(newJobId());
    fresh.ownerId = u"AAAAAAAAAAAAAAAAAAAAAA"_s;
    QVERIFY((*store)->insert(fresh));
    store->reset();
    auto again = SqliteJobStore::open(path);
    QVERIFY2(again, failureOf(again).constData());
    QCOMPARE((*again)->find(fresh.id)->value().ownerId, fresh.ownerId);
    QCOMPARE((*again)->find(aliceJob)->value().ownerId, u"name:alice"_s);
    RawDatabase raw(path);
    QCOMPARE(raw.value(u"PRAGMA user_version"_s).toInt(), SqliteJobStore::schemaVersion());
}

void tst_JobStorePersistence::refusesFileThatIsNoDatabase()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"jobs.sqlite"_s);
    const QByteArray content(4096, 'x');
    {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        QCOMPARE(file.write(content), content.size());
    }
    const auto refused = SqliteJobStore::open(path);
    QVERIFY(!refused);
    QVERIFY2(refused.error().message.contains(path), qPrintable(refused.error().message));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), content);
}

void tst_JobStorePersistence::releasesItsConnection()
{
    const QStringList before = QSqlDatabase::connectionNames();
    {
        TemporaryStore first;
        TemporaryStore second; // a second instance needs a connection of its own
        QVERIFY(first.isOpen() && second.isOpen());
        QCOMPARE(QSqlDatabase::connectionNames().size(), before.size() + 2);
        QVERIFY(first->insert(makeJob(newJobId())));
        QCOMPARE(second->list({})->total, 0);
    }
    QCOMPARE(QSqlDatabase::connectionNames(), before);

    // A store that failed to open releases its connection too.
    TemporaryStore store;
    store.close();
    QVERIFY(RawDatabase(store.path()).exec(u"PRAGMA user_version = 999"_s));
    QVERIFY(!SqliteJobStore::open(store.path()));
    QCOMPARE(QSqlDatabase::connectionNames(), before);
}

QTEST_GUILESS_MAIN(tst_JobStorePersistence)
#include "tst_jobstore_persistence.moc"
