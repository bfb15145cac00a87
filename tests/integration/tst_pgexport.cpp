// PostgreSQL datasets against a real server started for the test: a
// server-side cursor read in batches (a table larger than the batch), the
// live route over it compared with psql's own CSV, a cancelled statement,
// and UTC days with fractional seconds on a server that is not in UTC.
#include "exporttesting.h"
#include "pgcluster.h"
#include "testsupport.h"

#include "export/exportcatalog.h"
#include "export/rowreader.h"
#include "http/router.h"
#include "service/exportroutes.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <thread>

#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr int kRows = 25'000;
constexpr qint64 kBatch = 1000;

} // namespace

class tst_PgExport : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void cursorReadsInBatches();
    void liveRouteEqualsPsql();
    void interruptCancelsStatement();
    void utcDaysAndFractionalSeconds_data();
    void utcDaysAndFractionalSeconds();

private:
    config::Dataset dataset() const
    {
        config::Dataset d;
        d.name = u"big"_s;
        d.driver = u"QPSQL"_s;
        d.database = u"postgres"_s;
        d.host = u"127.0.0.1"_s;
        d.port = m_pg.port();
        d.user = m_pg.user();
        d.table = u"big"_s;
        d.timeColumn = u"at"_s;
        d.columns = {u"id"_s, u"at"_s, u"label"_s, u"amount"_s};
        d.filterColumns = {u"label"_s};
        d.neutralizeFormulas = false; // psql does not neutralise
        return d;
    }

    PgCluster m_pg;
};

void tst_PgExport::initTestCase()
{
    if (PgCluster::binDir().isEmpty() && ::geteuid() != 0) {
        qWarning("*** PostgreSQL is not installed and this is not root: SKIPPING the PostgreSQL "
                 "export tests. Run packaging/install-deps.sh to run them. ***");
        QSKIP("no PostgreSQL server binaries");
    }
    const QString error = m_pg.start();
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, u"setup"_s);
    db.setHostName(u"127.0.0.1"_s);
    db.setPort(m_pg.port());
    db.setUserName(m_pg.user());
    db.setDatabaseName(u"postgres"_s);
    QVERIFY2(db.open(), qPrintable(db.lastError().text()));
    QSqlQuery q(db);
    QVERIFY2(q.exec(u"CREATE TABLE big (id int PRIMARY KEY, at timestamp NOT NULL, label text, "
                    "amount numeric(10,2))"_s),
             qPrintable(q.lastError().text()));
    // Labels with commas, quotes, newlines, a formula and non-ASCII text; negative amounts.
    QVERIFY2(
        q.exec(u"INSERT INTO big SELECT n, timestamp '2025-01-01' + n * interval '1 minute', "
               "(ARRAY['plain', 'a, b', 'say \"hi\"', E'two\\nlines', '=1+1', 'Grüße', "
               "NULL])[1 + n % 7], (n % 1000 - 500) / 4.0 FROM generate_series(1, %1) AS n"_s.arg(
                   kRows)),
        qPrintable(q.lastError().text()));
    // A database whose sessions default to New York time: export days must
    // still be UTC days, whatever the server's or database's zone.
    for (const QString &sql :
         {u"CREATE DATABASE tz"_s, u"ALTER DATABASE tz SET timezone TO 'America/New_York'"_s})
        QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
    q.finish();
    db.close();
    db = QSqlDatabase();
    QSqlDatabase::removeDatabase(u"setup"_s);
}

void tst_PgExport::cleanupTestCase()
{
    m_pg.stop();
}

void tst_PgExport::cursorReadsInBatches()
{
    const config::Dataset d = dataset();
    const auto request
        = exports::parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2025-12-31"_s));
    QVERIFY(request);
    const exports::ExportQuery query = exports::buildQuery(d, *request, 1'000'000);
    exports::RowReader reader(d, d.database);
    const auto opened = reader.open();
    QVERIFY2(opened, opened ? "" : qPrintable(opened.error().message));
    QCOMPARE(*reader.count(query), kRows);
    QVERIFY(reader.start(query));
    exports::CsvWriter csv(false);
    csv.header(d.columns);
    int batches = 0;
    qint64 rows = 0;
    while (!reader.atEnd()) {
        const auto n = reader.readBatch(csv, kBatch);
        QVERIFY2(n, n ? "" : qPrintable(n.error().message));
        QVERIFY(*n <= kBatch); // the cursor hands over one FETCH at a time
        rows += *n;
        ++batches;
    }
    QCOMPARE(rows, kRows);
    QVERIFY(batches >= kRows / kBatch);
    const auto got = parseCsv(csv.take());
    const auto expected
        = parseCsv(m_pg.psqlCsv(u"SELECT id, at, label, amount FROM big ORDER BY at"_s));
    QVERIFY(got && expected);
    QCOMPARE(got->size(), kRows + 1);
    QCOMPARE(*got, *expected);
}

void tst_PgExport::liveRouteEqualsPsql()
{
    config::Limits limits;
    limits.exportBatchRows = kBatch;
    const auto catalog = std::make_shared<exports::ExportCatalog>(
        QList<config::Dataset> {dataset()}, QDir::tempPath());
    ServerThread server(
        [catalog, limits](http::Router &router) {
            service::addExportRoutes(router, catalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    const Reply r = request(server.port(),
                            test::get("/exports/big.csv?from=2025-01-03&to=2025-01-12&label=a,%20b",
                                      bearer(viewerToken())),
                            30'000);
    QCOMPARE(r.status, 200);
    const auto got = parseCsv(r.body);
    const auto expected = parseCsv(m_pg.psqlCsv(
        u"SELECT id, at, label, amount FROM big WHERE at >= '2025-01-03' AND at < '2025-01-13' "
        "AND label = 'a, b' ORDER BY at"_s));
    QVERIFY(got && expected);
    QVERIFY(expected->size() > 1000);
    QCOMPARE(*got, *expected);
    QTRY_COMPARE(catalog->stats().liveInFlight.load(), 0);
}

void tst_PgExport::interruptCancelsStatement()
{
    config::Dataset d = dataset();
    d.table.clear();
    // Row 3000 takes 30 s to pass the filter: the FETCH that reaches it blocks.
    d.query = u"SELECT * FROM big WHERE id <> 3000 OR pg_sleep(30)::text = ''"_s;
    const auto request
        = exports::parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2025-12-31"_s));
    const auto interrupter = std::make_shared<exports::QueryInterrupter>();
    Expected<qint64> result = qint64(0);
    QElapsedTimer timer;
    timer.start();
    std::thread worker([&] {
        exports::RowReader reader(d, d.database, interrupter);
        if (auto opened = reader.open(); !opened) {
            result = opened.error();
            return;
        }
        if (auto started = reader.start(exports::buildQuery(d, *request, 1)); !started) {
            result = started.error();
            return;
        }
        exports::CsvWriter csv;
        while (result && !reader.atEnd())
            result = reader.readBatch(csv, 5000);
    });
    QTest::qWait(500);
    interrupter->interrupt();
    worker.join();
    QVERIFY(!result);
    qInfo() << "after cancel:" << result.error().message;
    QVERIFY2(timer.elapsed() < 10'000, "the statement was not cancelled");
}

void tst_PgExport::utcDaysAndFractionalSeconds_data()
{
    QTest::addColumn<QString>("timeColumn");

    QTest::addRow("timestamptz") << u"at"_s;
    QTest::addRow("timestamp") << u"naive"_s;
}

// Issue 17, item 7: from/to are UTC days for timestamp and timestamptz
// columns alike, and timestamps keep the digits the database has.
void tst_PgExport::utcDaysAndFractionalSeconds()
{
    QFETCH(QString, timeColumn);

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QPSQL"_s, u"tzsetup"_s);
        db.setHostName(u"127.0.0.1"_s);
        db.setPort(m_pg.port());
        db.setUserName(m_pg.user());
        db.setDatabaseName(u"tz"_s);
        QVERIFY2(db.open(), qPrintable(db.lastError().text()));
        QSqlQuery q(db);
        // `naive` holds the UTC wall-clock time of `at`.
        for (const QString &sql :
             {u"DROP TABLE IF EXISTS events"_s,
              u"CREATE TABLE events (id int, at timestamptz, naive timestamp)"_s,
              u"INSERT INTO events SELECT n, t, t AT TIME ZONE 'UTC' FROM (VALUES "
              "(1, timestamptz '2024-12-31 23:59:59.999999+00'), "
              "(2, '2025-01-01 00:00:00+00'), (3, '2025-01-01 02:00:00.5+00'), "
              "(4, '2025-01-31 23:59:59.987654+00'), (5, '2025-02-01 00:00:00+00'), "
              "(6, '2025-02-01 03:00:00+00')) AS v(n, t)"_s})
            QVERIFY2(q.exec(sql), qPrintable(q.lastError().text()));
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(u"tzsetup"_s);

    config::Dataset d = dataset();
    d.name = u"events"_s;
    d.database = u"tz"_s;
    d.table = u"events"_s;
    d.timeColumn = timeColumn;
    d.columns = {u"id"_s, u"at"_s, u"naive"_s};
    d.filterColumns.clear();
    const auto catalog
        = std::make_shared<exports::ExportCatalog>(QList<config::Dataset> {d}, QDir::tempPath());
    config::Limits limits;
    ServerThread server(
        [catalog, limits](http::Router &router) {
            service::addExportRoutes(router, catalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    const Reply r = request(
        server.port(),
        test::get("/exports/events.csv?from=2025-01-01&to=2025-01-31", bearer(viewerToken())),
        30'000);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body,
             QByteArray("id,at,naive\r\n"
                        "2,2025-01-01 00:00:00,2025-01-01 00:00:00\r\n"
                        "3,2025-01-01 02:00:00.5,2025-01-01 02:00:00.5\r\n"
                        "4,2025-01-31 23:59:59.987654,2025-01-31 23:59:59.987654\r\n"));
    QTRY_COMPARE(catalog->stats().liveInFlight.load(), 0);
}

QTEST_GUILESS_MAIN(tst_PgExport)
#include "tst_pgexport.moc"
