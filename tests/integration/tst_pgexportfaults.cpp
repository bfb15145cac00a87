// A PostgreSQL server that stops in the middle of an export (pg_ctl stop -m
// fast: every session is ended), against the real service. A live export
// is cut short: its chunked body never gets the last chunk, whatever was
// sent is correct as far as it goes. An export job stopped inside a FETCH
// fails, is retried with backoff (decision 0004) and succeeds once the
// server is back, or fails naming the cause when its attempts run out
// first, and then succeeds on a manual retry. A cancel request that a proxy
// swallows neither freezes the HTTP thread nor delays the export's 503.
#include "exporttesting.h"
#include "pgcluster.h"
#include "pgproxy.h"
#include "testsupport.h"

#include "config/config.h"
#include "export/exportcatalog.h"
#include "export/queryinterrupter.h"
#include "service/service.h"

#include <QDirIterator>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using sluice::exports::QueryInterrupter;
using namespace Qt::StringLiterals;

namespace {

constexpr int kRows = 300'000; // one every 10 s from 2025-01-01: about 13 MiB of CSV
constexpr int kBatch = 500;
constexpr int kLockedRow = 5000; // the `locked` dataset waits for a lock on this row
constexpr qint64 kLockKey = 4242;
constexpr qint64 kRetryBaseMs = 250;
constexpr qint64 kRetryMaxMs = 2000;
const QString kOracle = u"SELECT id, at, label FROM big ORDER BY at"_s;

struct Fixture : JobClient
{
    QTemporaryDir dir;
    std::unique_ptr<service::Service> service;
    QString alice;

    // dbPort: where the datasets connect (a proxy's), the cluster's by default.
    Fixture(const PgCluster &pg, int maxAttempts, quint16 dbPort = 0,
            const std::function<void(config::Limits &)> &adjust = {})
    {
        const QString path = dir.filePath(u"config.json"_s);
        auto loaded = config::loadOrCreate(path);
        QVERIFY(loaded);
        config::Limits &l = loaded->config.limits;
        l.minFreeDiskBytes = 0;
        l.exportBatchRows = kBatch;
        l.liveExportMaxDays = 60;
        l.liveExportMaxRows = 1'000'000;
        l.maxAttempts = maxAttempts;
        l.retryBaseDelayMs = kRetryBaseMs;
        l.retryMaxDelayMs = kRetryMaxMs;
        if (adjust)
            adjust(l);
        alice = *loaded->config.addToken(u"alice"_s, false);
        token = alice;
        timeoutMs = 30'000;
        config::Dataset big;
        big.name = u"big"_s;
        big.driver = u"QPSQL"_s;
        big.database = u"postgres"_s;
        big.host = u"127.0.0.1"_s;
        big.port = dbPort ? dbPort : pg.port();
        big.user = pg.user();
        big.table = u"big"_s;
        big.timeColumn = u"at"_s;
        big.columns = {u"id"_s, u"at"_s, u"label"_s};
        big.neutralizeFormulas = false;
        // The same rows; reading row kLockedRow takes a shared advisory lock
        // (void::text is ''), so a FETCH waits there while a session holds it.
        config::Dataset locked = big;
        locked.name = u"locked"_s;
        locked.table.clear();
        locked.query = u"SELECT * FROM big WHERE id <> %1 OR "
                       "pg_advisory_xact_lock_shared(%2)::text = ''"_s.arg(kLockedRow)
                           .arg(kLockKey);
        loaded->config.datasets = {big, locked};
        QVERIFY(loaded->config.save(path));
        service = std::make_unique<service::Service>(
            service::Service::Options {
                dir.path(), path, service::ListenAddress {QHostAddress::LocalHost, 0}, {}},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }

    QStringList filesUnder(const QString &sub) const { return test::filesUnder(dir.filePath(sub)); }
    exports::ExportStats &exportStats() const { return service->exportCatalog()->stats(); }
};

// A session of the test's own on the cluster (to hold the advisory lock).
QSqlDatabase session(const PgCluster &pg, const QString &name)
{
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, name);
    db.setHostName(u"127.0.0.1"_s);
    db.setPort(pg.port());
    db.setUserName(pg.user());
    db.setDatabaseName(u"postgres"_s);
    db.open();
    return db;
}

QDateTime timeOf(const QJsonValue &entry, const QString &key)
{
    return QDateTime::fromString(entry.toObject().value(key).toString(), Qt::ISODateWithMs);
}

} // namespace

class tst_PgExportFaults : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void cleanupTestCase() { m_pg.stop(); }
    void liveExportIsTruncated();
    void jobIsRetriedUntilTheServerIsBack_data();
    void jobIsRetriedUntilTheServerIsBack();
    void hungCancelDoesNotBlockHttp();
    void stoppedJobEndsItsStatement_data();
    void stoppedJobEndsItsStatement();

private:
    PgCluster m_pg;
};

void tst_PgExportFaults::initTestCase()
{
    if (PgCluster::binDir().isEmpty() && ::geteuid() != 0) {
        qWarning("*** PostgreSQL is not installed and this is not root: SKIPPING the PostgreSQL "
                 "fault tests. Run packaging/install-deps.sh to run them. ***");
        QSKIP("no PostgreSQL server binaries");
    }
    const QString error = m_pg.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));
    {
        QSqlDatabase db = session(m_pg, u"setup"_s);
        QVERIFY2(db.isOpen(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        for (const QString &sql :
             {u"CREATE TABLE big (id int PRIMARY KEY, at timestamp NOT NULL, label text)"_s,
              u"INSERT INTO big SELECT n, timestamp '2025-01-01' + n * interval '10 seconds', "
              "'row ' || n || ', \"quoted\"' FROM generate_series(1, %1) AS n"_s.arg(kRows),
              u"CREATE INDEX big_at ON big (at)"_s, u"ANALYZE big"_s})
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
    }
    QSqlDatabase::removeDatabase(u"setup"_s);
}

void tst_PgExportFaults::init()
{
    const QString error = m_pg.startServer(); // a test that failed may have left it stopped
    QVERIFY2(error.isEmpty(), qPrintable(error));
}

void tst_PgExportFaults::liveExportIsTruncated()
{
    Fixture f(m_pg, 3);
    if (QTest::currentTestFailed())
        return;
    const quint64 stallsBefore = f.exportStats().stalls;
    // A client that reads nothing for now: the socket's buffers fill and the
    // export waits for them between two FETCHes (decision 0008).
    RawClient client(f.port, 16 * 1024);
    client.send(get("/exports/big.csv?from=2025-01-01&to=2025-02-28", bearer(f.alice)));
    quint64 rowsRead = 0;
    QDeadlineTimer deadline(15'000);
    for (quint64 before = 0; (rowsRead == 0 || rowsRead != before) && !deadline.hasExpired();) {
        before = rowsRead;
        QTest::qWait(300);
        rowsRead = f.exportStats().rowsRead;
    }
    qInfo("the export waits for the client after %llu of %d rows", rowsRead, kRows);
    QVERIFY(rowsRead > 0);
    QVERIFY2(rowsRead < quint64(kRows),
             "the export is not waiting for the client: are the socket buffers above 13 MiB?");

    const QString stopped = m_pg.stopServer();
    QVERIFY2(stopped.isEmpty(), qPrintable(stopped));
    QElapsedTimer timer;
    timer.start();
    const Reply r = client.read(20'000); // now everything, until the server closes
    // Truncated: chunked, no last chunk, closed; not the stall timeout (30 s)
    // nor this read's timeout, but the database's error.
    QCOMPARE(r.status, 0);
    QCOMPARE(r.header("transfer-encoding"), QByteArray("chunked"));
    QVERIFY(client.waitForClose(1000));
    QVERIFY(timer.elapsed() < 15'000);
    QCOMPARE(f.exportStats().stalls.load(), stallsBefore);
    QTRY_COMPARE(f.exportStats().liveInFlight.load(), 0);
    // What was sent is right as far as it goes.
    const qsizetype lastLine = r.body.lastIndexOf("\r\n");
    QVERIFY(lastLine > 0);
    const auto got = parseCsv(r.body.first(lastLine + 2));
    QVERIFY(got);
    qInfo("the client got %lld of %d rows", qint64(got->size() - 1), kRows);
    QVERIFY(got->size() > 1 && got->size() < kRows + 1);
    QCOMPARE(f.call("GET", "/healthz").status, 200);

    const QString started = m_pg.startServer();
    QVERIFY2(started.isEmpty(), qPrintable(started));
    const auto expected = parseCsv(m_pg.psqlCsv(kOracle));
    QVERIFY(expected && expected->size() == kRows + 1);
    QCOMPARE(*got, expected->first(got->size()));
    // The server is back: the next live export is whole.
    const Reply again = f.call("GET", "/exports/big.csv?from=2025-01-02&to=2025-01-02");
    QCOMPARE(again.status, 200);
    const auto day = parseCsv(again.body);
    QVERIFY(day);
    QCOMPARE(day->size(), 1 + 24 * 360);
    QCOMPARE(day->at(1).at(1), u"2025-01-02 00:00:00"_s);
}

void tst_PgExportFaults::jobIsRetriedUntilTheServerIsBack_data()
{
    QTest::addColumn<int>("maxAttempts");

    QTest::addRow("back before the attempts run out: an automatic retry succeeds") << 20;
    QTest::addRow("back after: failed, naming the cause; a manual retry succeeds") << 2;
}

void tst_PgExportFaults::jobIsRetriedUntilTheServerIsBack()
{
    QFETCH(int, maxAttempts);

    Fixture f(m_pg, maxAttempts);
    if (QTest::currentTestFailed())
        return;
    const QString holderName = u"holder"_s;
    const auto removeHolder = qScopeGuard([&] { QSqlDatabase::removeDatabase(holderName); });
    {
        QSqlDatabase holder = session(m_pg, holderName);
        QVERIFY2(holder.isOpen(), qPrintable(holder.lastError().text()));
        QSqlQuery lock(holder);
        QVERIFY(lock.exec(u"SELECT pg_advisory_lock(%1)"_s.arg(kLockKey)));
    }
    const Reply submitted = f.call("POST", "/exports",
                                   R"({"dataset":"locked","from":"2025-01-01","to":"2025-02-28"})");
    QCOMPARE(submitted.status, 202);
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
    const QByteArray path = "/jobs/" + id.toLatin1();

    // Mid-way: rows written, and a FETCH waiting for the lock in the server.
    QTRY_COMPARE_WITH_TIMEOUT(
        m_pg.psqlCsv(
            u"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"_s),
        QByteArray("count\n1\n"), 15'000);
    QTRY_COMPARE(f.job(id).value(u"progress"_s).toObject().value(u"rows"_s).toInteger(),
                 (kLockedRow - 1) / kBatch * kBatch);
    QCOMPARE(f.state(id), u"running"_s);
    const QString stopped = m_pg.stopServer(); // the lock's holder goes with it
    QVERIFY2(stopped.isEmpty(), qPrintable(stopped));

    // The FETCH fails, then connecting does: each a failed attempt, retried after a backoff.
    const auto failures = [&] {
        int n = 0;
        for (const QJsonValue &e : f.job(id).value(u"attempt_log"_s).toArray())
            n += e.toObject().value(u"outcome"_s).toString() == u"failed"_s ? 1 : 0;
        return n;
    };
    QTRY_VERIFY_WITH_TIMEOUT(failures() >= 2, 15'000);
    QCOMPARE(f.call("GET", path + "/result").status, 409);
    if (maxAttempts == 2) {
        QTRY_COMPARE(f.state(id), u"failed"_s);
        const QJsonObject failed = f.job(id);
        QCOMPARE(failed.value(u"attempts"_s).toInt(), 2);
        QVERIFY2(failed.value(u"error"_s).toString().contains(u"cannot open the database"_s),
                 qPrintable(failed.value(u"error"_s).toString()));
        // The driver's reason names the server's address: the account sees none of it.
        const QString error = QString::fromUtf8(f.call("GET", path).body);
        QVERIFY2(!error.contains(u"port %1"_s.arg(m_pg.port())) && !error.contains(u"127.0.0.1"_s)
                     && !error.contains(u"refused"_s),
                 qPrintable(error));
        QTRY_VERIFY(f.filesUnder(u"tmp/jobs"_s).isEmpty());
    } else {
        const QString state = f.state(id); // waiting for its next attempt, or in it
        QVERIFY2(state == u"queued"_s || state == u"running"_s, qPrintable(state));
    }

    const QString started = m_pg.startServer();
    QVERIFY2(started.isEmpty(), qPrintable(started));
    if (maxAttempts == 2)
        QCOMPARE(f.call("POST", path + "/retry").status, 200);
    QTRY_COMPARE_WITH_TIMEOUT(f.state(id), u"succeeded"_s, 20'000);

    const QJsonObject done = f.job(id);
    const QJsonArray log = done.value(u"attempt_log"_s).toArray();
    qInfo() << "attempts:" << done.value(u"attempts"_s).toInt();
    for (const QJsonValue &e : log)
        qInfo().noquote() << e.toObject().value(u"outcome"_s).toString()
                          << e.toObject().value(u"error"_s).toString();
    QVERIFY(log.size() >= 3);
    QCOMPARE(log.last().toObject().value(u"outcome"_s).toString(), u"succeeded"_s);
    // The first failure is the FETCH the stop ended, the next ones could not connect.
    QVERIFY2(log.at(0).toObject().value(u"error"_s).toString().contains(u"fetching rows failed"_s),
             qPrintable(log.at(0).toObject().value(u"error"_s).toString()));
    QVERIFY2(
        log.at(1).toObject().value(u"error"_s).toString().contains(u"cannot open the database"_s),
        qPrintable(log.at(1).toObject().value(u"error"_s).toString()));
    // Automatic retries waited at least the lower bound of their backoff
    // (base * 2^(n-1), capped, equal jitter: half of it is fixed).
    const qsizetype automatic = maxAttempts == 2 ? 2 : log.size();
    for (qsizetype i = 0; i + 1 < automatic; ++i) {
        const qint64 backoff = std::min<qint64>(kRetryMaxMs, kRetryBaseMs << i);
        const qint64 waited
            = timeOf(log.at(i), u"finished"_s).msecsTo(timeOf(log.at(i + 1), u"started"_s));
        QVERIFY2(
            waited >= backoff / 2 - 2,
            qPrintable(u"attempt %1 started %2 ms after the failure"_s.arg(i + 2).arg(waited)));
    }
    const auto got = parseCsv(f.call("GET", path + "/result").body);
    const auto expected = parseCsv(m_pg.psqlCsv(kOracle));
    QVERIFY(got && expected);
    QCOMPARE(got->size(), kRows + 1);
    QCOMPARE(*got, *expected);
    QTRY_VERIFY(f.filesUnder(u"tmp/jobs"_s).isEmpty());
    QCOMPARE(f.filesUnder(u"results"_s).size(), 1);
}

// Issue 17, item 1: PQcancel() opens a connection of its own with no
// timeout. A proxy that swallows it must not freeze the HTTP thread (which
// asks for the cancel when a live export stalls) nor delay the export's 503.
void tst_PgExportFaults::hungCancelDoesNotBlockHttp()
{
    PgProxy proxy(m_pg.port());
    QVERIFY(proxy.port() != 0);
    constexpr qint64 stallMs = 1000;
    Fixture f(m_pg, 3, proxy.port(), [](config::Limits &l) { l.exportStallTimeoutMs = stallMs; });
    if (QTest::currentTestFailed())
        return;
    const QString holderName = u"holder"_s;
    const auto removeHolder = qScopeGuard([&] { QSqlDatabase::removeDatabase(holderName); });
    QSqlDatabase holder = session(m_pg, holderName);
    QVERIFY2(holder.isOpen(), qPrintable(holder.lastError().text()));
    QSqlQuery lock(holder);
    QVERIFY(lock.exec(u"SELECT pg_advisory_lock(%1)"_s.arg(kLockKey)));
    // Whatever fails below: the export's statement and the trapped cancel
    // end before the service shuts down.
    const auto release = qScopeGuard([&] {
        QSqlQuery(holder).exec(u"SELECT pg_advisory_unlock_all()"_s);
        proxy.releaseCancels();
    });

    // Counting the rows waits for the lock: the count stalls, the service
    // cancels the statement, the proxy holds the cancel.
    QElapsedTimer timer;
    timer.start();
    RawClient client(f.port);
    client.send(get("/exports/locked.csv?from=2025-01-01&to=2025-01-31", bearer(f.alice)));
    QTRY_VERIFY_WITH_TIMEOUT(proxy.trappedCancels() == 1, 15'000);
    QCOMPARE(request(f.port, get("/healthz"), 2000).status, 200);
    const Reply r = client.read(5000);
    QCOMPARE(r.status, 503);
    QVERIFY2(r.body.contains("export_stall_timeout_ms"), r.body.constData());
    qInfo("503 after %lld ms (export_stall_timeout_ms %lld)", timer.elapsed(), stallMs);
    QVERIFY(timer.elapsed() < stallMs + 4000);
    QCOMPARE(QueryInterrupter::pendingCancels(), 1);

    // The statement ends (the lock goes), the reader with it; the cancel's
    // thread still holds its PGcancel and frees it when the proxy lets go.
    QVERIFY(QSqlQuery(holder).exec(u"SELECT pg_advisory_unlock_all()"_s));
    QTRY_COMPARE(f.exportStats().liveInFlight.load(), 0);
    QCOMPARE(QueryInterrupter::pendingCancels(), 1);
    proxy.releaseCancels();
    QTRY_COMPARE(QueryInterrupter::pendingCancels(), 0);
    QCOMPARE(f.call("GET", "/healthz").status, 200);
}

void tst_PgExportFaults::stoppedJobEndsItsStatement_data()
{
    QTest::addColumn<bool>("cancel");

    QTest::addRow("cancelled") << true;
    QTest::addRow("over job_max_runtime_ms") << false;
}

// Issue 17, item 6: a job's cancel or timeout interrupts the statement it is
// waiting in, instead of leaving a worker and a connection to a hung database.
void tst_PgExportFaults::stoppedJobEndsItsStatement()
{
    QFETCH(bool, cancel);

    constexpr qint64 runtimeMs = 2000;
    Fixture f(m_pg, 1, 0, [&](config::Limits &l) {
        if (!cancel)
            l.jobMaxRuntimeMs = runtimeMs;
    });
    if (QTest::currentTestFailed())
        return;
    const QString holderName = u"holder"_s;
    const auto removeHolder = qScopeGuard([&] { QSqlDatabase::removeDatabase(holderName); });
    QSqlDatabase holder = session(m_pg, holderName);
    QVERIFY2(holder.isOpen(), qPrintable(holder.lastError().text()));
    QSqlQuery lock(holder);
    QVERIFY(lock.exec(u"SELECT pg_advisory_lock(%1)"_s.arg(kLockKey)));
    const auto unlock
        = qScopeGuard([&] { QSqlQuery(holder).exec(u"SELECT pg_advisory_unlock_all()"_s); });
    const QString waiting
        = u"SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"_s;

    const Reply submitted = f.call("POST", "/exports",
                                   R"({"dataset":"locked","from":"2025-01-01","to":"2025-02-28"})");
    QCOMPARE(submitted.status, 202);
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
    QTRY_COMPARE_WITH_TIMEOUT(m_pg.psqlCsv(waiting), QByteArray("count\n1\n"), 15'000);
    if (cancel)
        QCOMPARE(f.call("POST", "/jobs/" + id.toLatin1() + "/cancel").status, 200);

    // The lock is still held: only a cancelled statement stops waiting. The
    // attempt then returns and its partial file goes.
    QTRY_COMPARE_WITH_TIMEOUT(m_pg.psqlCsv(waiting), QByteArray("count\n0\n"), 10'000);
    QCOMPARE(f.state(id), cancel ? u"cancelled"_s : u"failed"_s);
    QTRY_VERIFY(f.filesUnder(u"tmp/jobs"_s).isEmpty());
}

QTEST_GUILESS_MAIN(tst_PgExportFaults)
#include "tst_pgexportfaults.moc"
