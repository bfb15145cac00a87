// Export throughput and memory (docs/benchmarks.md). Not a test: it prints
// figures. Usage: bench_export [rows, default 1000000] [slow seconds, default 10]
//                              [--node-peer server.js] [--qhttpserver-peer peer_qhttpserver]
//  1. the demo database: generation time;
//  2. reading rows: the sqlite3 handle vs QSqlQuery values (no HTTP);
//  3. a slow client (1.5 MiB/s) on the first export of Sluice, of the
//     Node.js peer (tests/bench/peers/node-export) and of the QHttpServer peer
//     (tests/bench/peers/qhttpserver), on the same database file:
//     RSS growth, rows read vs rows received, and /healthz latency meanwhile
//     (HealthProbe, 20 Hz, fresh connections);
//  4. a fast client exporting everything from each, vs `sqlite3 -csv` of the
//     same query to /dev/null, run before and after them;
//  5. the slow client again, now that each has exported everything once;
//  6. PostgreSQL through Sluice's cursor;
//  7. a table of 3-5 against the goals of issue 6.
// Sluice runs in this process, so its RSS is the bench's (clients and probe
// included); each peer's is its own process's.
// tests/bench/run-exports.sh builds this, installs the peer's packages, runs it.
#include "exportclients.h"
#include "peerprocess.h"
#include "pgcluster.h"
#include "rsswatch.h"
#include "testsupport.h"

#include "export/demodata.h"
#include "export/exportcatalog.h"
#include "export/rowreader.h"
#include "http/router.h"
#include "service/exportroutes.h"
#include "service/systemroutes.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTemporaryDir>

#include <algorithm>
#include <cstdio>
#include <optional>

#include <unistd.h>

using namespace sluice;
using namespace sluice::bench;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr double MiB = 1024.0 * 1024.0;
constexpr double SlowBytesPerSecond = 1.5 * MiB;
constexpr double ProbeHz = 20;
// Issue 6's goals.
constexpr double GoalShareOfShell = 0.70;
constexpr double GoalSlowRssGrowthMiB = 16;
constexpr double GoalHealthP99Ms = 10;

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

// The same query through the shell, to /dev/null; seconds.
double shellExport(const QString &db)
{
    const QString sql = u"SELECT id, created_at, customer, status, amount, currency, note FROM "
                        "orders WHERE created_at >= '2025-01-01' AND created_at < '2026-07-01' "
                        "ORDER BY created_at"_s;
    QProcess shell;
    shell.setStandardOutputFile(QProcess::nullDevice());
    QElapsedTimer t;
    t.start();
    shell.start(u"sqlite3"_s, {u"-csv"_s, u"-header"_s, db, sql});
    shell.waitForFinished(600'000);
    return double(t.elapsed()) / 1000.0;
}

QByteArray grouped(double value)
{
    return QLocale(QLocale::English).toString(qint64(value + 0.5)).toLatin1();
}

// A count a server reports, or "unknown" (-1: QHttpServer says nothing).
QByteArray known(qint64 count)
{
    return count < 0 ? "unknown" : grouped(double(count));
}

const char *verdict(bool met)
{
    return met ? "met" : "NOT met";
}

struct Measured
{
    ExportServer server;
    QByteArray rssOf; // whose RSS it is
    std::optional<FastExport> fast;
    // The slow client on the server's first export over HTTP, and again after the fast one.
    std::optional<SlowExport> slowFirst;
    std::optional<SlowExport> slowWarm;
};

constexpr const char *SlowFirst = "slow client, first export";
constexpr const char *SlowWarm = "slow client, after the fast export";

void printFast(const Measured &m, qint64 rows, double shellRate)
{
    const FastExport &f = *m.fast;
    const double rate = double(rows) / f.seconds;
    std::printf(
        "[%s] fast client: %s rows, %.1f MiB of CSV in %.2f s = %s rows/s = %.0f %% of "
        "sqlite3 -csv%s\n",
        m.server.name.constData(), grouped(double(f.lines - 1)).constData(),
        double(f.bodyBytes) / MiB, f.seconds, grouped(rate).constData(), 100.0 * rate / shellRate,
        f.complete && f.status == 200 && f.lines - 1 == rows
            ? ""
            : qPrintable(u" (INCOMPLETE: status %1, expected %2 rows)"_s.arg(f.status).arg(rows)));
    std::printf("[%s] fast client: RSS growth %.1f MiB (%s, sampled every 10 ms)\n",
                m.server.name.constData(), f.rssGrowthMiB, m.rssOf.constData());
}

void printSlow(const Measured &m, const SlowExport &s, const char *which, int seconds)
{
    const char *name = m.server.name.constData();
    std::printf("[%s] %s (1.5 MiB/s, %d s): received %.1f MiB, %s rows (status %d)\n", name, which,
                seconds, double(s.bodyBytes) / MiB, grouped(double(s.rowsReceived)).constData(),
                s.status);
    std::printf("[%s] %s: rows read from the database %s, at most %s ahead of the client "
                "(sampled every 50 ms)\n",
                name, which, known(s.rowsRead).constData(), known(s.maxAhead).constData());
    std::printf("[%s] %s: RSS growth %.1f MiB (%.1f MiB before, peak %.1f MiB; %s)\n", name, which,
                s.rssPeakMiB - s.rssBeforeMiB, s.rssBeforeMiB, s.rssPeakMiB, m.rssOf.constData());
    std::printf("[%s] %s: /healthz at %.0f Hz on fresh connections: p50 %.2f ms, p99 %.2f ms, "
                "max %.2f ms (due %.2f s in) over %d probes, %d failed; probe thread %s\n",
                name, which, ProbeHz, s.health.p50Ms, s.health.p99Ms, s.health.maxMs,
                s.slowestProbeAtS, s.health.probes, s.health.failures,
                s.health.realtime ? "SCHED_FIFO" : "at normal priority");
}

void printTable(const QList<Measured> &servers, qint64 rows, double shellSeconds, int slowSeconds)
{
    const double shellRate = double(rows) / shellSeconds;
    std::printf("\n| %s rows, whole range | ", grouped(double(rows)).constData());
    for (const Measured &m : servers)
        std::printf("%s | ", m.server.name.constData());
    std::printf("sqlite3 -csv | goal (issue 6) |\n|---|");
    for (qsizetype i = 0; i < servers.size() + 2; ++i)
        std::printf("---|");
    std::printf("\n");
    const auto row = [&](const char *what, auto cell, const char *shell, const char *goal) {
        std::printf("| %s | ", what);
        for (const Measured &m : servers)
            std::printf("%s | ",
                        m.fast && m.slowFirst && m.slowWarm ? cell(m).constData() : "not measured");
        std::printf("%s | %s |\n", shell, goal);
    };
    row(
        "fast client, rows/s",
        [&](const Measured &m) -> QByteArray { return grouped(double(rows) / m.fast->seconds); },
        grouped(shellRate).constData(), "");
    row(
        "share of sqlite3 -csv",
        [&](const Measured &m) -> QByteArray {
            const double share = double(rows) / m.fast->seconds / shellRate;
            return QByteArray::number(100.0 * share, 'f', 0) + " % ("
                + verdict(share >= GoalShareOfShell) + ")";
        },
        "100 %", "≥ 70 %");
    row(
        "fast client, RSS growth MiB",
        [](const Measured &m) -> QByteArray {
            return QByteArray::number(m.fast->rssGrowthMiB, 'f', 1);
        },
        "–", "");
    for (const auto &[which, run] :
         {std::pair {SlowFirst, &Measured::slowFirst}, std::pair {SlowWarm, &Measured::slowWarm}}) {
        const QByteArray slow
            = which + ", "_ba + QByteArray::number(slowSeconds) + " s at 1.5 MiB/s: ";
        row(
            QByteArray(slow + "RSS growth MiB").constData(),
            [run](const Measured &m) -> QByteArray {
                const SlowExport &s = *(m.*run);
                const double growth = s.rssPeakMiB - s.rssBeforeMiB;
                return QByteArray::number(growth, 'f', 1) + " ("
                    + verdict(growth < GoalSlowRssGrowthMiB) + ")";
            },
            "–", "< 16 MiB");
        row(
            QByteArray(slow + "rows read / received (most ahead)").constData(),
            [run](const Measured &m) -> QByteArray {
                const SlowExport &s = *(m.*run);
                return known(s.rowsRead) + " / " + grouped(double(s.rowsReceived)) + " ("
                    + known(s.maxAhead) + ")";
            },
            "–", "");
        row(
            QByteArray(slow + "/healthz p50 / p99 / max ms").constData(),
            [run](const Measured &m) -> QByteArray {
                const HealthProbe::Summary &h = (m.*run)->health;
                return QByteArray::number(h.p50Ms, 'f', 2) + " / "
                    + QByteArray::number(h.p99Ms, 'f', 2) + " / "
                    + QByteArray::number(h.maxMs, 'f', 1) + " ("
                    + verdict(h.p99Ms <= GoalHealthP99Ms && h.failures == 0) + ")";
            },
            "–", "p99 ≤ 10 ms");
    }
    std::printf("\nsqlite3 -csv: the faster of its two runs (%.2f s). Sluice's RSS is this "
                "process's (the server runs in-process, after the bench generated and read the "
                "database); each peer's is its own process's, from its start.\n",
                shellSeconds);
}

// The same rows in a PostgreSQL table, exported live through Sluice's cursor.
void measurePostgres(const config::Dataset &orders, const config::Limits &limits, qint64 rows,
                     const QString &dir)
{
    PgCluster pg;
    if (const QString error = pg.start(); !error.isEmpty()) {
        std::printf("PostgreSQL: not measured (%s)\n", qPrintable(error));
        return;
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
        = std::make_shared<exports::ExportCatalog>(QList<config::Dataset> {pgOrders}, dir);
    ServerThread pgServer(
        [pgCatalog, limits](http::Router &router) {
            service::addExportRoutes(router, pgCatalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    const ExportServer server {"sluice-pg", pgServer.port(), ::getpid(), bearer(viewerToken()), [] {
                                   return qint64(-1);
                               }};
    const FastExport f = exportFast(server, "/exports/pgorders.csv?from=2025-01-01&to=2026-06-30");
    std::printf("PostgreSQL cursor, fast client: %lld rows, %.1f MiB in %.2f s = %.0f rows/s; "
                "RSS growth during the export %.1f MiB (the result set is %.1f MiB of CSV)\n",
                f.lines - 1, double(f.bodyBytes) / MiB, f.seconds, double(rows) / f.seconds,
                f.rssGrowthMiB, double(f.bodyBytes) / MiB);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addPositionalArgument(u"rows"_s, u"Rows of demo data, default 1000000."_s);
    parser.addPositionalArgument(u"seconds"_s, u"Seconds of the slow client, default 10."_s);
    parser.addOption(
        {u"qhttpserver-peer"_s,
         u"The QHttpServer peer's executable (peer_qhttpserver); empty: not measured."_s,
         u"path"_s});
    parser.addOption({u"node-peer"_s, u"The Node.js peer's server.js; empty: not measured."_s,
                      u"path"_s, QStringLiteral(SLUICE_NODE_EXPORT_PEER)});
    parser.addHelpOption();
    parser.process(app);
    const QStringList args = parser.positionalArguments();
    const qint64 rows = args.size() > 0 ? args[0].toLongLong() : 1'000'000;
    const int slowSeconds = args.size() > 1 ? args[1].toInt() : 10;
    QTemporaryDir dir;
    const QString db = dir.filePath(u"orders.sqlite"_s);

    QElapsedTimer t;
    t.start();
    if (!exports::generateDemoOrders(db, rows)) {
        std::fprintf(stderr, "generation failed\n");
        return 1;
    }
    std::printf("demo database: %lld rows generated in %.2f s (%.1f MiB)\n", rows,
                double(t.elapsed()) / 1000.0, double(QFile(db).size()) / MiB);

    config::Dataset orders = config::Dataset::demoOrders();
    orders.database = db;
    orders.demoRows = 0;
    qint64 n = 0;
    const double handleRate = readerRate(orders, db, false, &n);
    const double qtRate = readerRate(orders, db, true, &n);
    std::printf("reading + CSV encoding, no HTTP: sqlite3 handle %.0f rows/s, QSqlQuery values "
                "%.0f rows/s (%lld rows)\n",
                handleRate, qtRate, n);

    config::Limits limits;
    limits.liveExportMaxDays = 1000;
    limits.liveExportMaxRows = 100'000'000;
    const auto catalog
        = std::make_shared<exports::ExportCatalog>(QList<config::Dataset> {orders}, dir.path());
    ServerThread server(
        [catalog, limits](http::Router &router) {
            service::addSystemRoutes(router, [](const http::Request &) { return QJsonObject(); });
            service::addExportRoutes(router, catalog, nullptr, nullptr,
                                     [limits] { return limits; });
        },
        limits);
    QList<Measured> servers;
    const auto sluiceRowsRead = [catalog] {
        return qint64(catalog->stats().rowsRead);
    };
    servers.append(
        Measured {{"sluice", server.port(), ::getpid(), bearer(viewerToken()), sluiceRowsRead},
                  "the bench process's: Sluice runs in it, with the clients and the probe",
                  {},
                  {},
                  {}});

    NodeExportPeer node;
    const QString nodePeer = parser.value(u"node-peer"_s);
    if (nodePeer.isEmpty()) {
        std::printf("[node] not measured: no --node-peer\n");
    } else if (const QString why = node.start(nodePeer, db); !why.isEmpty()) {
        std::printf("[node] not measured: %s\n", qPrintable(why));
    } else {
        std::printf("[node] Node.js %s, better-sqlite3, pid %d, port %d\n",
                    qPrintable(node.nodeVersion()), int(node.pid()), int(node.port()));
        const auto nodeRowsRead = [&node] {
            return node.rowsRead();
        };
        servers.append(Measured {
            {"node", node.port(), node.pid(), {}, nodeRowsRead}, "the node process's", {}, {}, {}});
    }
    // Qt's QHttpServer (tests/bench/peers/qhttpserver): the export is built
    // in memory as one QByteArray and sent as one response; it does not say
    // how many rows it has read.
    PeerProcess qhttp;
    const QString qhttpPeer = parser.value(u"qhttpserver-peer"_s);
    if (qhttpPeer.isEmpty()) {
        std::printf("[qhttpserver] not measured: no --qhttpserver-peer\n");
    } else if (const QString why = qhttp.start(
                   qhttpPeer,
                   {u"--data-dir"_s, dir.path(), u"--db"_s, db, u"--listen"_s, u"127.0.0.1:0"_s});
               !why.isEmpty()) {
        std::printf("[qhttpserver] not measured: %s\n", qPrintable(why));
    } else {
        std::printf("[qhttpserver] QHttpServer (Qt %s), pid %d, port %d\n", qVersion(),
                    int(qhttp.pid()), int(qhttp.port()));
        servers.append(Measured {{"qhttpserver",
                                  qhttp.port(),
                                  qhttp.pid(),
                                  {},
                                  [] {
                                      return -1LL;
                                  }},
                                 "its own process's",
                                 {},
                                 {},
                                 {}});
    }
    const QByteArray target = "/exports/orders.csv?from=2025-01-01&to=2026-06-30";
    const auto slowClients = [&](std::optional<SlowExport> Measured::*run, const char *which) {
        for (Measured &m : servers) {
            m.*run = exportSlow(m.server, target, SlowBytesPerSecond, slowSeconds, ProbeHz);
            printSlow(m, *(m.*run), which, slowSeconds);
        }
    };

    // First a slow client on each server's first export: a process's memory
    // grows most on its first export; the same again after the fast one.
    slowClients(&Measured::slowFirst, SlowFirst);

    // Fast clients, between two runs of the shell: the machine is shared, and
    // the faster shell run is the one the servers are held to.
    const double shellFirst = shellExport(db);
    for (Measured &m : servers)
        m.fast = exportFast(m.server, target);
    const double shellSecond = shellExport(db);
    const double shellSeconds = std::min(shellFirst, shellSecond);
    std::printf("sqlite3 -csv -header > /dev/null: %.2f s and %.2f s = %s and %s rows/s\n",
                shellFirst, shellSecond, grouped(double(rows) / shellFirst).constData(),
                grouped(double(rows) / shellSecond).constData());
    for (const Measured &m : servers)
        printFast(m, rows, double(rows) / shellSeconds);
    for (qsizetype i = 1; i < servers.size(); ++i) {
        const bool same = servers[0].fast->bodyBytes == servers[i].fast->bodyBytes;
        std::printf("bodies of %s and %s: %s (%lld and %lld bytes)\n",
                    servers[0].server.name.constData(), servers[i].server.name.constData(),
                    same ? "the same size" : "DIFFERENT sizes", servers[0].fast->bodyBytes,
                    servers[i].fast->bodyBytes);
    }

    slowClients(&Measured::slowWarm, SlowWarm);
    node.stop();
    qhttp.stop();

    measurePostgres(orders, limits, rows, dir.path());
    printTable(servers, rows, shellSeconds, slowSeconds);
    return 0;
}
