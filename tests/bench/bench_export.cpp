// Export throughput and memory (docs/benchmarks.md). Not a test: it prints
// figures. Usage: bench_export [rows, default 1000000] [slow seconds, default 10]
//  1. the demo database: generation time;
//  2. reading rows: the sqlite3 handle vs QSqlQuery values (no HTTP);
//  3. a fast client exporting everything over HTTP vs `sqlite3 -csv` of the
//     same query to /dev/null, in the same run;
//  4. a slow client (1.5 MiB/s): RSS growth, rows read vs rows received, and
//     /healthz latency meanwhile.
#include "exporttesting.h"
#include "pgcluster.h"
#include "testsupport.h"

#include "export/demodata.h"
#include "export/exportcatalog.h"
#include "export/rowreader.h"
#include "http/router.h"
#include "service/exportroutes.h"
#include "service/systemroutes.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

qint64 rssBytes()
{
    QFile f(u"/proc/self/statm"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    return f.readAll().split(' ').value(1).toLongLong() * 4096;
}

double readerRate(const config::Dataset &d, const QString &db, bool qtValues, qint64 *rowsOut)
{
    const auto request
        = exports::parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2026-06-30"_s));
    const auto query = exports::buildQuery(d, *request, 1);
    exports::RowReader reader(d, db);
    reader.setUseQtSqlValues(qtValues);
    reader.open();
    QElapsedTimer t;
    t.start();
    reader.start(query);
    exports::CsvWriter csv(d.neutralizeFormulas);
    qint64 rows = 0;
    while (!reader.atEnd()) {
        rows += *reader.readBatch(csv, 2000);
        csv.take();
    }
    *rowsOut = rows;
    return double(rows) / (double(t.nsecsElapsed()) / 1e9);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    const qint64 rows = argc > 1 ? QByteArray(argv[1]).toLongLong() : 1'000'000;
    const int slowSeconds = argc > 2 ? QByteArray(argv[2]).toInt() : 10;
    QTemporaryDir dir;
    const QString db = dir.filePath(u"orders.sqlite"_s);

    QElapsedTimer t;
    t.start();
    if (!exports::generateDemoOrders(db, rows)) {
        std::fprintf(stderr, "generation failed\n");
        return 1;
    }
    std::printf("demo database: %lld rows generated in %.2f s (%.1f MiB)\n", rows,
                double(t.elapsed()) / 1000.0, double(QFile(db).size()) / 1048576.0);

    config::Dataset orders = config::Dataset::demoOrders();
    orders.database = db;
    orders.demoRows = 0;
    qint64 n = 0;
    const double handleRate = readerRate(orders, db, false, &n);
    const double qtRate = readerRate(orders, db, true, &n);
    std::printf("reading + CSV encoding, no HTTP: sqlite3 handle %.0f rows/s, QSqlQuery values "
                "%.0f rows/s (%lld rows)\n",
                handleRate, qtRate, n);

    // The same query through the shell, to /dev/null.
    const QString sql = u"SELECT id, created_at, customer, status, amount, currency, note FROM "
                        "orders WHERE created_at >= '2025-01-01' AND created_at < '2026-07-01' "
                        "ORDER BY created_at"_s;
    QProcess shell;
    shell.setStandardOutputFile(QProcess::nullDevice());
    t.restart();
    shell.start(u"sqlite3"_s, {u"-csv"_s, u"-header"_s, db, sql});
    shell.waitForFinished(600'000);
    const double shellSeconds = double(t.elapsed()) / 1000.0;
    const double shellRate = double(rows) / shellSeconds;

    config::Limits limits;
    limits.liveExportMaxDays = 1000;
    limits.liveExportMaxRows = 100'000'000;
    const auto catalog
        = std::make_shared<exports::ExportCatalog>(QList<config::Dataset> {orders}, dir.path());
    ServerThread server(
        [catalog, limits](http::Router &router) {
            service::addSystemRoutes(router, [] { return QJsonObject(); });
            service::addExportRoutes(router, catalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    const QByteArray target = "/exports/orders.csv?from=2025-01-01&to=2026-06-30";

    // Fast client.
    {
        RawClient client(server.port(), 1 << 20);
        t.restart();
        client.send(test::get(target, bearer(viewerToken())));
        qint64 bytes = 0;
        QByteArray tail;
        while (client.socket().waitForReadyRead(30'000)) {
            const QByteArray piece = client.socket().readAll();
            bytes += piece.size();
            tail = QByteArray(tail + piece).right(16);
            if (tail.endsWith("\r\n0\r\n\r\n"))
                break;
        }
        const double seconds = double(t.elapsed()) / 1000.0;
        const double rate = double(rows) / seconds;
        std::printf("fast client: %lld rows, %.1f MiB in %.2f s = %.0f rows/s; sqlite3 -csv > "
                    "/dev/null: %.2f s = %.0f rows/s; ratio %.0f%%\n",
                    rows, double(bytes) / 1048576.0, seconds, rate, shellSeconds, shellRate,
                    100.0 * rate / shellRate);
    }

    // Slow client at 1.5 MiB/s, with /healthz probed every 20 ms meanwhile.
    {
        const qint64 rssBefore = rssBytes();
        const quint64 readBefore = catalog->stats().rowsRead;
        std::atomic_bool done {false};
        QList<double> latencies;
        std::thread health([&] {
            RawClient probe(server.port());
            QElapsedTimer h;
            while (!done) {
                h.restart();
                probe.send(test::get("/healthz"));
                if (probe.read(5000).status != 200)
                    latencies.append(5000);
                else
                    latencies.append(double(h.nsecsElapsed()) / 1e6);
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        });
        RawClient client(server.port(), 64 * 1024);
        client.send(test::get(target, bearer(viewerToken())));
        const qint64 perTick = 1536 * 1024 / 100; // 1.5 MiB/s in 10 ms ticks
        qint64 received = 0;
        qint64 rowsReceived = 0;
        qint64 peakRss = rssBefore;
        qint64 maxAhead = 0;
        QElapsedTimer wall;
        wall.start();
        while (wall.elapsed() < slowSeconds * 1000) {
            client.socket().waitForReadyRead(10);
            const QByteArray piece = client.socket().read(perTick);
            received += piece.size();
            rowsReceived += piece.count("\r\n");
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            peakRss = std::max(peakRss, rssBytes());
            maxAhead
                = std::max(maxAhead, qint64(catalog->stats().rowsRead - readBefore) - rowsReceived);
        }
        const quint64 rowsRead = catalog->stats().rowsRead - readBefore;
        client.socket().abort();
        done = true;
        health.join();
        std::sort(latencies.begin(), latencies.end());
        const double p50 = latencies.value(latencies.size() / 2);
        const double p99 = latencies.value(qsizetype(double(latencies.size()) * 0.99));
        std::printf("slow client (1.5 MiB/s, %d s): received %.1f MiB, %lld rows; rows read "
                    "from the database %llu (at most %lld ahead; batch %lld); RSS growth %.1f "
                    "MiB; /healthz p50 %.2f ms, p99 %.2f ms over %lld probes\n",
                    slowSeconds, double(received) / 1048576.0, rowsReceived, rowsRead, maxAhead,
                    limits.exportBatchRows, double(peakRss - rssBefore) / 1048576.0, p50, p99,
                    qint64(latencies.size()));
    }

    // PostgreSQL: the same rows in a table, exported live through the cursor.
    PgCluster pg;
    if (const QString error = pg.start(); !error.isEmpty()) {
        std::printf("PostgreSQL: not measured (%s)\n", qPrintable(error));
        return 0;
    }
    {
        QSqlDatabase setup = QSqlDatabase::addDatabase(u"QPSQL"_s, u"setup"_s);
        setup.setHostName(u"127.0.0.1"_s);
        setup.setPort(pg.port());
        setup.setUserName(pg.user());
        setup.setDatabaseName(u"postgres"_s);
        setup.open();
        QSqlQuery q(setup);
        if (!q.exec(u"CREATE TABLE orders AS SELECT n AS id, timestamp '2025-01-01' + n * "
                    "interval '47 seconds' AS created_at, 'customer ' || (n % 5000) AS "
                    "customer, (ARRAY['paid','shipped','refunded'])[1 + n % 3] AS status, "
                    "((n % 50000) - 20000) / 100.0 AS amount, 'EUR' AS currency, "
                    "CASE WHEN n % 7 = 0 THEN 'gift, please wrap' END AS note FROM "
                    "generate_series(1, %1) AS n"_s.arg(rows)))
            std::printf("PostgreSQL setup failed: %s\n", qPrintable(q.lastError().text()));
        q.exec(u"CREATE INDEX ON orders (created_at)"_s);
        q.exec(u"ANALYZE orders"_s);
        q.finish();
        setup.close();
    }
    QSqlDatabase::removeDatabase(u"setup"_s);
    config::Dataset pgOrders = orders;
    pgOrders.name = u"pgorders"_s;
    pgOrders.driver = u"QPSQL"_s;
    pgOrders.database = u"postgres"_s;
    pgOrders.host = u"127.0.0.1"_s;
    pgOrders.port = pg.port();
    pgOrders.user = pg.user();
    const auto pgCatalog
        = std::make_shared<exports::ExportCatalog>(QList<config::Dataset> {pgOrders}, dir.path());
    ServerThread pgServer(
        [pgCatalog, limits](http::Router &router) {
            service::addExportRoutes(router, pgCatalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    {
        const qint64 rssBefore = rssBytes();
        qint64 peakRss = rssBefore;
        RawClient client(pgServer.port(), 1 << 20);
        t.restart();
        client.send(test::get("/exports/pgorders.csv?from=2025-01-01&to=2026-06-30",
                              bearer(viewerToken())));
        qint64 bytes = 0;
        QByteArray tail;
        while (client.socket().waitForReadyRead(60'000)) {
            const QByteArray piece = client.socket().readAll();
            bytes += piece.size();
            tail = QByteArray(tail + piece).right(16);
            peakRss = std::max(peakRss, rssBytes());
            if (tail.endsWith("\r\n0\r\n\r\n"))
                break;
        }
        const double seconds = double(t.elapsed()) / 1000.0;
        std::printf("PostgreSQL cursor, fast client: %lld rows, %.1f MiB in %.2f s = %.0f rows/s; "
                    "RSS growth during the export %.1f MiB (the result set is %.1f MiB of CSV)\n",
                    rows, double(bytes) / 1048576.0, seconds, double(rows) / seconds,
                    double(peakRss - rssBefore) / 1048576.0, double(bytes) / 1048576.0);
    }
    return 0;
}
