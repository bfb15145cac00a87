// What the window asks before an export (issue 23): GET /exports lists the
// datasets with their filter columns and the days they have rows for; POST
// /exports/estimate counts what an export of the same body then delivers,
// and refuses a bad body with the words of POST /exports.
#include "exporttesting.h"
#include "testsupport.h"

#include "config/config.h"
#include "export/exportcatalog.h"
#include "service/service.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kRows = 20'000;

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<service::Service> service;
    quint16 port = 0;
    QString alice;

    explicit Fixture(const config::Limits &limits = {})
    {
        const QString path = dir.filePath(u"config.json"_s);
        auto loaded = config::loadOrCreate(path);
        loaded->config.limits = limits;
        loaded->config.limits.minFreeDiskBytes = 0;
        alice = *loaded->config.addToken(u"alice"_s, false);
        config::Dataset orders = config::Dataset::demoOrders();
        orders.demoRows = kRows;
        config::Dataset empty = config::Dataset::demoOrders(); // the same file, no rows
        empty.name = u"none"_s;
        empty.demoRows = 0;
        empty.table.clear();
        empty.query = u"SELECT * FROM orders WHERE 0"_s;
        // The same rows through a costly filter that no row passes (a
        // recursive count of 1001 per row, about 0.3 ms a row): reading its
        // days scans every row, for seconds.
        config::Dataset slow = config::Dataset::demoOrders();
        slow.name = u"slow"_s;
        slow.demoRows = 0;
        slow.table.clear();
        slow.query = u"SELECT * FROM orders WHERE (WITH RECURSIVE c(x) AS (SELECT id UNION ALL "
                     "SELECT x + 1 FROM c WHERE x < id + 1000) SELECT count(*) FROM c) > 1001"_s;
        loaded->config.datasets = {slow, orders, empty}; // slow first: its reading starts first
        QVERIFY(loaded->config.save(path));
        service = std::make_unique<service::Service>(
            service::Service::Options {dir.path(), path,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(alice);
        if (method == "POST")
            raw += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
        return request(port, raw + "\r\n" + body, 30'000);
    }
    static QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }
    QJsonObject datasetEntry(const QString &name)
    {
        const Reply r = call("GET", "/exports");
        if (r.status != 200)
            return {};
        for (const QJsonValue &d : json(r).value(u"datasets"_s).toArray()) {
            if (d.toObject().value(u"name"_s).toString() == name)
                return d.toObject();
        }
        return {};
    }
};

QByteArray body(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

class tst_ExportCatalog : public QObject
{
    Q_OBJECT
private slots:
    void catalogListsTheDemoWithItsDays();
    void estimateCountsWhatTheJobDelivers_data();
    void estimateCountsWhatTheJobDelivers();
    void estimateAboveTheCapIsALowerBound();
    void badBodiesAnswerAsPostExports_data();
    void badBodiesAnswerAsPostExports();
    void catalogReadsEachDatasetOnceAtATime();
};

void tst_ExportCatalog::catalogListsTheDemoWithItsDays()
{
    Fixture f;
    // While the demo is generated it is listed, not ready, saying why.
    const QJsonObject early = f.datasetEntry(u"orders"_s);
    QVERIFY(!early.isEmpty());
    if (!early.value(u"ready"_s).toBool()) {
        QVERIFY2(early.value(u"why"_s).toString().contains(u"being generated"_s),
                 qPrintable(early.value(u"why"_s).toString()));
        QVERIFY(early.value(u"first_day"_s).isNull());
    }
    f.service->exportCatalog()->waitForGeneration();

    const QJsonObject orders = f.datasetEntry(u"orders"_s);
    QCOMPARE(orders.value(u"ready"_s).toBool(), true);
    QVERIFY(!orders.contains(u"why"_s));
    QCOMPARE(orders.value(u"time_column"_s).toString(), u"created_at"_s);
    QCOMPARE(orders.value(u"filter_columns"_s).toArray(),
             QJsonArray({u"customer"_s, u"status"_s, u"currency"_s}));
    QVERIFY(orders.value(u"columns"_s).toArray().contains(u"amount"_s));
    // The demo spreads its rows over 2025-01-01 .. 2026-06-30.
    QCOMPARE(orders.value(u"first_day"_s).toString(), u"2025-01-01"_s);
    QCOMPARE(orders.value(u"last_day"_s).toString(), u"2026-06-30"_s);

    // No rows: no days, and still listed.
    const QJsonObject none = f.datasetEntry(u"none"_s);
    QCOMPARE(none.value(u"ready"_s).toBool(), true);
    QVERIFY(none.value(u"first_day"_s).isNull());
    QVERIFY(none.value(u"last_day"_s).isNull());
}

// Review finding: every GET /exports read every dataset's days on a live
// export thread, so a few catalog requests from one account took all of
// max_live_exports and every other account's live export got 503. Now one
// reading per dataset runs at a time and is reused.
void tst_ExportCatalog::catalogReadsEachDatasetOnceAtATime()
{
    config::Limits limits;
    limits.maxLiveExports = 2;
    limits.maxLiveExportsPerAccount = 2;
    Fixture f(limits);
    f.service->exportCatalog()->waitForGeneration();
    QList<std::shared_ptr<QTcpSocket>> askers;
    for (int i = 0; i < 3; ++i) {
        auto s = std::make_shared<QTcpSocket>();
        s->connectToHost(QHostAddress::LocalHost, f.port);
        QVERIFY(s->waitForConnected(5'000));
        s->write("GET /exports HTTP/1.1\r\nHost: t\r\n" + bearer(f.alice) + "\r\n");
        QVERIFY(s->waitForBytesWritten(5'000));
        askers.append(s);
        QTest::qWait(300); // the quick datasets' readings are done, the slow one's runs
    }
    QVERIFY2(f.service->exportCatalog()->livePool()->activeThreadCount() <= 1,
             "more than one reading of the slow dataset's days at once");
    const Reply live = f.call("GET", "/exports/orders.csv?from=2025-01-01&to=2025-01-02");
    QVERIFY2(live.status == 200, live.body.constData());
    askers.clear();
}

void tst_ExportCatalog::estimateCountsWhatTheJobDelivers_data()
{
    QTest::addColumn<QJsonObject>("request");
    QTest::addRow("a month") << QJsonObject {
        {u"dataset"_s, u"orders"_s}, {u"from"_s, u"2026-06-01"_s}, {u"to"_s, u"2026-06-30"_s}};
    QTest::addRow("a filter") << QJsonObject {
        {u"dataset"_s, u"orders"_s},
        {u"from"_s, u"2025-03-01"_s},
        {u"to"_s, u"2025-04-15"_s},
        {u"filters"_s, QJsonObject {{u"currency"_s, u"USD"_s}}}};
    QTest::addRow("a limit below the count") << QJsonObject {{u"dataset"_s, u"orders"_s},
                                                             {u"from"_s, u"2025-01-01"_s},
                                                             {u"to"_s, u"2025-12-31"_s},
                                                             {u"limit"_s, 123}};
    QTest::addRow("nothing matches") << QJsonObject {
        {u"dataset"_s, u"orders"_s}, {u"from"_s, u"2026-11-01"_s}, {u"to"_s, u"2026-11-30"_s}};
}

void tst_ExportCatalog::estimateCountsWhatTheJobDelivers()
{
    QFETCH(QJsonObject, request);
    Fixture f;
    f.service->exportCatalog()->waitForGeneration();
    const Reply estimate = f.call("POST", "/exports/estimate", body(request));
    QCOMPARE(estimate.status, 200);
    const QJsonObject e = Fixture::json(estimate);
    QVERIFY2(e.value(u"estimated_rows"_s).isDouble(), estimate.body.constData());
    QCOMPARE(e.value(u"estimate_is_lower_bound"_s).toBool(), false);
    const qint64 estimated = e.value(u"estimated_rows"_s).toInteger();

    const Reply submitted = f.call("POST", "/exports", body(request));
    QCOMPARE(submitted.status, 202);
    const QByteArray id = Fixture::json(submitted).value(u"id"_s).toString().toLatin1();
    QJsonObject job;
    QTRY_VERIFY_WITH_TIMEOUT(
        (job = Fixture::json(f.call("GET", "/jobs/" + id))).value(u"state"_s).toString()
            == u"succeeded"_s,
        20'000);
    const Reply result = f.call("GET", "/jobs/" + id + "/result");
    QCOMPARE(result.status, 200);
    const auto rows = parseCsv(result.body);
    QVERIFY(rows);
    QCOMPARE(qint64(rows->size()) - 1, estimated); // less the header
    QCOMPARE(job.value(u"progress"_s).toObject().value(u"rows"_s).toInteger(), estimated);
    if (qstrcmp(QTest::currentDataTag(), "nothing matches") != 0)
        QVERIFY(estimated > 0); // a data row that counts something
}

void tst_ExportCatalog::estimateAboveTheCapIsALowerBound()
{
    config::Limits limits;
    limits.liveExportMaxRows = 100; // counting stops at 401
    Fixture f(limits);
    f.service->exportCatalog()->waitForGeneration();
    const QJsonObject year {
        {u"dataset"_s, u"orders"_s}, {u"from"_s, u"2025-01-01"_s}, {u"to"_s, u"2025-12-31"_s}};
    Reply r = f.call("POST", "/exports/estimate", body(year));
    QCOMPARE(r.status, 200);
    QCOMPARE(Fixture::json(r).value(u"estimated_rows"_s).toInteger(), 401);
    QCOMPARE(Fixture::json(r).value(u"estimate_is_lower_bound"_s).toBool(), true);
    // The request's own limit below the cap: that many rows come, exactly.
    QJsonObject limited = year;
    limited.insert(u"limit"_s, 50);
    r = f.call("POST", "/exports/estimate", body(limited));
    QCOMPARE(r.status, 200);
    QCOMPARE(Fixture::json(r).value(u"estimated_rows"_s).toInteger(), 50);
    QCOMPARE(Fixture::json(r).value(u"estimate_is_lower_bound"_s).toBool(), false);
}

void tst_ExportCatalog::badBodiesAnswerAsPostExports_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("no dataset") << QByteArray("{}") << u"'dataset' is required"_s;
    QTest::addRow("unknown dataset")
        << QByteArray(R"({"dataset":"x"})") << u"unknown dataset 'x' (known: slow, orders, none)"_s;
    QTest::addRow("no range") << QByteArray(R"({"dataset":"orders"})") << u"date range"_s;
    QTest::addRow("to before from")
        << QByteArray(R"({"dataset":"orders","from":"2025-03-10","to":"2025-03-01"})")
        << u"'to' (2025-03-01) is before 'from' (2025-03-10)"_s;
    QTest::addRow("bad filter") << QByteArray(
        R"({"dataset":"orders","from":"2025-01-01","to":"2025-01-02","filters":{"id":1}})")
                                << u"allowed: customer, status, currency"_s;
    QTest::addRow("bad limit") << QByteArray(
        R"({"dataset":"orders","from":"2025-01-01","to":"2025-01-02","limit":0})")
                               << u"'limit' must be a whole number"_s;
    QTest::addRow("unknown field")
        << QByteArray(R"({"dataset":"orders","from":"2025-01-01","to":"2025-01-02","rows":3})")
        << u"unknown field 'rows'"_s;
    QTest::addRow("not json") << QByteArray("{") << QString();
}

void tst_ExportCatalog::badBodiesAnswerAsPostExports()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    Fixture f;
    const Reply estimate = f.call("POST", "/exports/estimate", body);
    const Reply submit = f.call("POST", "/exports", body);
    QCOMPARE(estimate.status, 400);
    QCOMPARE(submit.status, 400);
    const QString said = Fixture::json(estimate).value(u"error"_s).toString();
    QVERIFY2(!said.isEmpty(), estimate.body.constData());
    QCOMPARE(said, Fixture::json(submit).value(u"error"_s).toString());
    QVERIFY2(said.contains(mentions), qPrintable(said));
}

QTEST_GUILESS_MAIN(tst_ExportCatalog)
#include "tst_exportcatalog.moc"
