// kill -9 of sluiced while an export job writes its file, then a restart on
// the same data dir. Decision 0004's crash policy: the job goes back to the
// queue (the interrupted attempt counts) and completes, or fails with reason
// "crash" when that was its last attempt. Checked as well: start-up removes
// the partial file, GET /jobs/{id}/result never serves a partial file, and
// jobs.db opens cleanly. The export is made slow without a user function
// (sluiced is a separate process): a correlated subquery over a `pad` table
// in the dataset's WHERE costs a scan of it per row and changes no row.
#include "daemon.h"
#include "exporttesting.h"
#include "testsupport.h"

#include "config/config.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kRows = 5000; // one a minute from 2025-01-01
constexpr int kPadRows = 50'000; // per exported row: a scan of this many (about a ms)
constexpr int kBatch = 50;
const QString kSelect = u"SELECT id, at, label FROM t ORDER BY at"_s; // what the export holds

// The dataset's database: t(id, at, label) with an index on `at`, and `pad`.
QString createSource(const QString &path)
{
    return createSqliteDatabase(
        path,
        {u"CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, label TEXT)"_s,
         u"CREATE INDEX t_at ON t (at)"_s, u"CREATE TABLE pad (v INTEGER)"_s,
         u"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1) "
         "INSERT INTO t SELECT i, strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || i || "
         "' minutes'), 'row ' || i || ', \"quoted\"' FROM n"_s.arg(kRows),
         u"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1) "
         "INSERT INTO pad SELECT i FROM n"_s.arg(kPadRows)});
}

// One statement on a SQLite file (the source, or jobs.db beside a stopped sluiced).
QVariant sqliteValue(const QString &path, const QString &sql, bool readOnly)
{
    QVariant value;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, u"peek"_s);
        db.setDatabaseName(path);
        if (readOnly)
            db.setConnectOptions(u"QSQLITE_OPEN_READONLY"_s);
        if (db.open()) {
            QSqlQuery q(db);
            if (q.exec(sql) && q.next())
                value = q.value(0);
            else if (q.lastError().isValid())
                value = QString(u"error: "_s + q.lastError().text());
        }
    }
    QSqlDatabase::removeDatabase(u"peek"_s);
    return value;
}

// The data dir's config.json: the slow dataset over `source`; returns the admin token.
QByteArray writeConfig(const QString &dataDir, const QString &source, int maxAttempts)
{
    const QString path = dataDir + u"/config.json"_s;
    auto loaded = config::loadOrCreate(path);
    if (!loaded)
        return {};
    config::Dataset d;
    d.name = u"slow"_s;
    d.database = source;
    d.query = u"SELECT * FROM t WHERE (SELECT count(*) FROM pad WHERE pad.v <> t.id) >= 0"_s;
    d.timeColumn = u"at"_s;
    d.columns = {u"id"_s, u"at"_s, u"label"_s};
    d.neutralizeFormulas = false;
    loaded->config.datasets = {d};
    loaded->config.limits.minFreeDiskBytes = 0;
    loaded->config.limits.exportBatchRows = kBatch;
    loaded->config.limits.maxAttempts = maxAttempts;
    loaded->config.limits.retryBaseDelayMs = 100;
    if (!loaded->config.save(path))
        return {};
    return loaded->firstRunToken ? loaded->firstRunToken->toLatin1() : QByteArray();
}

// Submits an export job; its id, or "" (with the answer in the log).
QString submit(const JobClient &client, const QByteArray &body)
{
    const Reply r = client.call("POST", "/exports", body);
    if (r.status != 202)
        qWarning() << r.status << r.body;
    return QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString();
}

qint64 rowsOf(const QJsonObject &job)
{
    return job.value(u"progress"_s).toObject().value(u"rows"_s).toInteger();
}

} // namespace

class tst_ExportCrash : public QObject
{
    Q_OBJECT
private slots:
    void killedDuringExportJob_data();
    void killedDuringExportJob();
};

void tst_ExportCrash::killedDuringExportJob_data()
{
    QTest::addColumn<int>("maxAttempts");
    QTest::addColumn<bool>("gzip");

    QTest::addRow("attempts left: re-queued, completes (csv)") << 3 << false;
    QTest::addRow("last attempt: failed, reason crash (csv.gz)") << 1 << true;
}

void tst_ExportCrash::killedDuringExportJob()
{
    QFETCH(int, maxAttempts);
    QFETCH(bool, gzip);

    QTemporaryDir dir;
    QTemporaryDir sourceDir; // outside the data dir
    const QString source = sourceDir.filePath(u"source.sqlite"_s);
    const QString error = createSource(source);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QByteArray token = writeConfig(dir.path(), source, maxAttempts);
    QVERIFY(!token.isEmpty());
    const QByteArray body = R"({"dataset":"slow","from":"2025-01-01","to":"2025-01-31","format":")"
        + QByteArray(gzip ? "csv.gz" : "csv") + "\"}";
    const QString jobsDb = dir.filePath(u"jobs.db"_s);

    QString id;
    QStringList partial; // what the killed attempt was writing
    {
        Daemon first;
        QVERIFY2(first.start(dir.path()), first.output.constData());
        const JobClient client {first.port, QString::fromLatin1(token)};
        id = submit(client, body);
        QVERIFY(!id.isEmpty());
        // Mid-way: running, some batches written, a partial file in its attempt folder.
        QTRY_VERIFY_WITH_TIMEOUT(rowsOf(client.job(id)) >= 2 * kBatch, 15'000);
        const QJsonObject running = client.job(id);
        QCOMPARE(running.value(u"state"_s).toString(), u"running"_s);
        partial = filesUnder(dir.filePath(u"tmp/jobs"_s));
        QCOMPARE(partial.size(), 1);
        QCOMPARE(client.call("GET", "/jobs/" + id.toLatin1() + "/result").status, 409);
        first.kill9();
        QCOMPARE(first.process.exitStatus(), QProcess::CrashExit);
        qInfo("killed at %lld of %d rows", rowsOf(running), kRows);
        QVERIFY(rowsOf(running) < kRows);
    }

    // What the kill left: the row still says running, the partial file is
    // there, nothing is in results/, and jobs.db is intact.
    QVERIFY(QFileInfo::exists(partial.first()));
    QVERIFY(filesUnder(dir.filePath(u"results"_s)).isEmpty());
    QCOMPARE(sqliteValue(jobsDb, u"PRAGMA integrity_check"_s, true).toString(), u"ok"_s);
    QCOMPARE(
        sqliteValue(jobsDb, u"SELECT state FROM jobs WHERE id = '%1'"_s.arg(id), true).toString(),
        u"running"_s);
    // The database is fast from now on, so that the recovered attempt does
    // not take seconds; `pad` only slows the WHERE, the rows stay the same.
    sqliteValue(source, u"DELETE FROM pad"_s, false);
    QCOMPARE(sqliteValue(source, u"SELECT count(*) FROM pad"_s, true).toInt(), 0);

    Daemon second;
    QVERIFY2(second.start(dir.path()), second.output.constData());
    QVERIFY2(!second.output.contains("job engine:"), second.output.constData());
    const JobClient client {second.port, QString::fromLatin1(token)};
    // Start-up recovered before it listened: the partial file is gone already.
    QVERIFY2(!QFileInfo::exists(partial.first()), qPrintable(partial.first()));

    const QByteArray expected = sqliteShellCsv(source, kSelect);
    QVERIFY(expected.size() > 100'000);
    const auto whole = [&](const QByteArray &result) {
        const auto csv = gzip ? gunzip(result) : std::optional(result);
        return csv && parseCsv(*csv) == parseCsv(expected);
    };
    // Whenever the result is served, it is whole; until then, it is not served.
    QString state;
    QDeadlineTimer deadline(20'000);
    do {
        state = client.job(id).value(u"state"_s).toString();
        const Reply result = client.call("GET", "/jobs/" + id.toLatin1() + "/result");
        QVERIFY2(result.status == 409 || (result.status == 200 && whole(result.body)),
                 qPrintable(u"%1 while the job is %2"_s.arg(result.status).arg(state)));
        if (state == u"queued"_s || state == u"running"_s)
            QTest::qWait(50);
    } while ((state == u"queued"_s || state == u"running"_s) && !deadline.hasExpired());

    const QJsonObject job = client.job(id);
    const QJsonArray log = job.value(u"attempt_log"_s).toArray();
    QCOMPARE(log.first().toObject().value(u"outcome"_s).toString(), u"interrupted"_s);
    if (maxAttempts > 1) {
        QCOMPARE(state, u"succeeded"_s);
        QCOMPARE(job.value(u"attempts"_s).toInt(), 2);
        QCOMPARE(log.size(), 2);
        QVERIFY(whole(client.call("GET", "/jobs/" + id.toLatin1() + "/result").body));
        QCOMPARE(filesUnder(dir.filePath(u"results"_s)).size(), 1);
    } else {
        QCOMPARE(state, u"failed"_s);
        QCOMPARE(job.value(u"error_reason"_s).toString(), u"crash"_s);
        QCOMPARE(job.value(u"error"_s).toString(), u"the service stopped while the job ran"_s);
        QCOMPARE(client.call("GET", "/jobs/" + id.toLatin1() + "/result").status, 409);
        QVERIFY(filesUnder(dir.filePath(u"results"_s)).isEmpty());
        // An owner's retry runs it again, to completion.
        QCOMPARE(client.call("POST", "/jobs/" + id.toLatin1() + "/retry").status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(client.job(id).value(u"state"_s).toString(), u"succeeded"_s,
                                  20'000);
        QVERIFY(whole(client.call("GET", "/jobs/" + id.toLatin1() + "/result").body));
    }
    QTRY_VERIFY(filesUnder(dir.filePath(u"tmp/jobs"_s)).isEmpty());

    // The store takes new work.
    const QString next
        = submit(client, R"({"dataset":"slow","from":"2025-01-02","to":"2025-01-02"})");
    QVERIFY(!next.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(client.job(next).value(u"state"_s).toString(), u"succeeded"_s,
                              20'000);
    QCOMPARE(parseCsv(client.call("GET", "/jobs/" + next.toLatin1() + "/result").body)->size(),
             1 + 24 * 60);
}

QTEST_GUILESS_MAIN(tst_ExportCrash)
#include "tst_exportcrash.moc"
