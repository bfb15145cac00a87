// Export requests: what a client may ask (validation with the allowed values
// named), and the SQL built from it (names quoted, values bound).
#include "export/exportrequest.h"

#include <QJsonDocument>
#include <QTest>

using namespace sluice;
using namespace sluice::exports;
using namespace Qt::StringLiterals;

class tst_ExportRequest : public QObject
{
    Q_OBJECT
private slots:
    void liveRejects_data();
    void liveRejects();
    void liveAccepts();
    void jobRejects_data();
    void jobRejects();
    void jobParamsRoundTrip();
    void queryBindsValues();
    void queryOverSelect();
};

void tst_ExportRequest::liveRejects_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("no range") << u""_s << u"date range is required"_s;
    QTest::addRow("no to") << u"from=2025-01-01"_s << u"date range is required"_s;
    QTest::addRow("bad from") << u"from=2025-1-1&to=2025-01-02"_s << u"'from' must be a date"_s;
    QTest::addRow("bad to") << u"from=2025-01-01&to=2025-02-30"_s << u"'to' must be a date"_s;
    QTest::addRow("reversed") << u"from=2025-02-01&to=2025-01-01"_s << u"before 'from'"_s;
    QTest::addRow("twice") << u"from=2025-01-01&from=2025-01-02&to=2025-01-03"_s
                           << u"more than once"_s;
    QTest::addRow("unknown column")
        << u"from=2025-01-01&to=2025-01-02&amount=5"_s << u"allowed: from, to, limit"_s;
    QTest::addRow("unknown lists filters")
        << u"from=2025-01-01&to=2025-01-02&amount=5"_s << u"customer, status, currency"_s;
    QTest::addRow("limit zero") << u"from=2025-01-01&to=2025-01-02&limit=0"_s
                                << u"'limit' must be a whole number"_s;
    QTest::addRow("limit text") << u"from=2025-01-01&to=2025-01-02&limit=ten"_s
                                << u"'limit' must be a whole number"_s;
    QTest::addRow("long value") << u"from=2025-01-01&to=2025-01-02&status="_s + QString(300, u'x')
                                << u"at most 256 characters"_s;
    QTest::addRow("filter twice") << u"from=2025-01-01&to=2025-01-02&status=a&status=b"_s
                                  << u"more than once"_s;
}

void tst_ExportRequest::liveRejects()
{
    QFETCH(QString, query);
    QFETCH(QString, mentions);
    const auto r = parseLiveRequest(config::Dataset::demoOrders(), QUrlQuery(query));
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(mentions), qPrintable(r.error().message));
}

void tst_ExportRequest::liveAccepts()
{
    const auto r = parseLiveRequest(
        config::Dataset::demoOrders(),
        QUrlQuery(
            u"from=2025-01-01&to=2025-01-31&status=paid&customer=O%27Brien%2C%20A&limit=9"_s));
    QVERIFY2(r, r ? "" : qPrintable(r.error().message));
    QCOMPARE(r->days(), 31);
    QCOMPARE(r->limit, 9);
    QCOMPARE(r->filters.size(), 2);
    QCOMPARE(r->filters[1].second, u"O'Brien, A"_s);
}

void tst_ExportRequest::jobRejects_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("unknown field")
        << QByteArray(R"({"from":"2025-01-01","to":"2025-01-02","x":1})") << u"unknown field 'x'"_s;
    QTest::addRow("bad format") << QByteArray(
        R"({"from":"2025-01-01","to":"2025-01-02","format":"xlsx"})")
                                << u"\"csv\" or \"csv.gz\""_s;
    QTest::addRow("filters not object")
        << QByteArray(R"({"from":"2025-01-01","to":"2025-01-02","filters":[1]})")
        << u"allowed columns: customer"_s;
    QTest::addRow("unknown filter")
        << QByteArray(R"({"from":"2025-01-01","to":"2025-01-02","filters":{"note":"x"}})")
        << u"unknown filter column 'note'"_s;
    QTest::addRow("filter bool") << QByteArray(
        R"({"from":"2025-01-01","to":"2025-01-02","filters":{"status":true}})")
                                 << u"string or a whole number"_s;
    QTest::addRow("from number") << QByteArray(R"({"from":20250101,"to":"2025-01-02"})")
                                 << u"must be strings"_s;
    QTest::addRow("no range") << QByteArray(R"({})") << u"date range is required"_s;
    QTest::addRow("limit fraction")
        << QByteArray(R"({"from":"2025-01-01","to":"2025-01-02","limit":1.5})")
        << u"'limit' must be"_s;
}

void tst_ExportRequest::jobRejects()
{
    QFETCH(QByteArray, body);
    QFETCH(QString, mentions);
    const auto r
        = parseJobRequest(config::Dataset::demoOrders(), QJsonDocument::fromJson(body).object());
    QVERIFY(!r);
    QVERIFY2(r.error().message.contains(mentions), qPrintable(r.error().message));
}

void tst_ExportRequest::jobParamsRoundTrip()
{
    const auto live
        = parseLiveRequest(config::Dataset::demoOrders(),
                           QUrlQuery(u"from=2025-03-01&to=2025-04-15&currency=EUR&limit=100"_s));
    QVERIFY(live);
    ExportRequest r = *live;
    r.format = Format::CsvGzip;
    const auto back = parseJobRequest(config::Dataset::demoOrders(), r.toJobParams());
    QVERIFY(back);
    QCOMPARE(back->from, r.from);
    QCOMPARE(back->to, r.to);
    QCOMPARE(back->filters, r.filters);
    QCOMPARE(back->limit, r.limit);
    QVERIFY(back->format == Format::CsvGzip);
    QCOMPARE(exportFileName(*back), u"orders-2025-03-01-2025-04-15.csv.gz"_s);
}

void tst_ExportRequest::queryBindsValues()
{
    const auto r
        = parseLiveRequest(config::Dataset::demoOrders(),
                           QUrlQuery(u"from=2025-01-01&to=2025-01-31&status=x%27%20OR%201=1--"_s));
    QVERIFY(r);
    const ExportQuery q = buildQuery(config::Dataset::demoOrders(), *r, 1001);
    QCOMPARE(q.select,
             u"SELECT \"id\", \"created_at\", \"customer\", \"status\", \"amount\", \"currency\", "
             "\"note\" FROM \"orders\" WHERE \"created_at\" >= ? AND \"created_at\" < ? AND "
             "\"status\" = ? ORDER BY \"created_at\""_s);
    QVERIFY(!q.select.contains(u"OR 1=1"_s));
    QCOMPARE(q.bindings, (QVariantList {u"2025-01-01"_s, u"2025-02-01"_s, u"x' OR 1=1--"_s}));
    QVERIFY(q.count.contains(u"LIMIT 1001"_s));
    QCOMPARE(q.countCap, 1001);
}

void tst_ExportRequest::queryOverSelect()
{
    config::Dataset d = config::Dataset::demoOrders();
    d.table.clear();
    d.query = u"SELECT * FROM orders WHERE currency <> 'CHF'"_s;
    const auto r = parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2025-01-01&limit=5"_s));
    QVERIFY(r);
    const ExportQuery q = buildQuery(d, *r, 1000);
    QVERIFY(q.select.contains(
        u"FROM (SELECT * FROM orders WHERE currency <> 'CHF') AS sluice_source"_s));
    QVERIFY(q.select.endsWith(u" LIMIT 5"_s));
    QCOMPARE(q.countCap, 5); // never counts past the requested limit
}

QTEST_GUILESS_MAIN(tst_ExportRequest)
#include "tst_exportrequest.moc"
