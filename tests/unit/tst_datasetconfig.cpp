// The "datasets" part of the config file: the built-in demo when absent,
// validation errors that point at FILE:LINE and the key, and a round trip.
#include "config/config.h"

#include <QTest>

using namespace sluice;
using namespace sluice::config;
using namespace Qt::StringLiterals;

class tst_DatasetConfig : public QObject
{
    Q_OBJECT
private slots:
    void defaultIsDemoOrders();
    void emptyArrayMeansNone();
    void roundTrip();
    void errors_data();
    void errors();
};

void tst_DatasetConfig::defaultIsDemoOrders()
{
    const auto c = Config::fromJson(R"({"version": 1})", u"c.json"_s);
    QVERIFY(c);
    QCOMPARE(c->datasets.size(), 1);
    const Dataset *orders = c->dataset(u"orders");
    QVERIFY(orders);
    QCOMPARE(orders->driver, u"QSQLITE"_s);
    QCOMPARE(orders->database, u"demo/orders.sqlite"_s);
    QCOMPARE(orders->timeColumn, u"created_at"_s);
    QCOMPARE(orders->demoRows, Dataset::DemoRows);
    QVERIFY(orders->neutralizeFormulas);
}

void tst_DatasetConfig::emptyArrayMeansNone()
{
    const auto c = Config::fromJson(R"({"version": 1, "datasets": []})", u"c.json"_s);
    QVERIFY(c);
    QVERIFY(c->datasets.isEmpty());
    const auto again = Config::fromJson(c->toJson(), u"c.json"_s);
    QVERIFY(again);
    QVERIFY(again->datasets.isEmpty());
}

void tst_DatasetConfig::roundTrip()
{
    Config c;
    Dataset pg;
    pg.name = u"sales"_s;
    pg.driver = u"QPSQL"_s;
    pg.database = u"shop"_s;
    pg.host = u"127.0.0.1"_s;
    pg.port = 5433;
    pg.user = u"reader"_s;
    pg.password = u"p\"w"_s;
    pg.query = u"SELECT id, at, total FROM sales WHERE total > 0"_s;
    pg.timeColumn = u"at"_s;
    pg.columns = {u"id"_s, u"at"_s, u"total"_s};
    pg.filterColumns = {u"id"_s};
    pg.neutralizeFormulas = false;
    c.datasets.append(pg);
    const auto back = Config::fromJson(c.toJson(), u"c.json"_s);
    QVERIFY2(back, back ? "" : qPrintable(back.error().message));
    QCOMPARE(back->datasets, c.datasets);
}

void tst_DatasetConfig::errors_data()
{
    QTest::addColumn<QByteArray>("datasets");
    QTest::addColumn<QString>("expected");
    const QByteArray base
        = R"("database": "x.db", "table": "t", "time_column": "at", "columns": ["a"])";
    QTest::addRow("not array") << QByteArray(R"({})") << u"c.json:3: datasets: must be an array"_s;
    QTest::addRow("bad name") << QByteArray("[{\"name\": \"Bad Name\", " + base + "}]")
                              << u"c.json:4: datasets[0].name: must be 1 to 64"_s;
    QTest::addRow("bad driver") << QByteArray("[{\"name\": \"a\", \"driver\": \"QMYSQL\", " + base
                                              + "}]")
                                << u"datasets[0].driver: must be \"QSQLITE\" or \"QPSQL\""_s;
    QTest::addRow("both table and query")
        << QByteArray("[{\"name\": \"a\", \"query\": \"SELECT 1\", " + base + "}]")
        << u"datasets[0].query: give either \"table\" or \"query\""_s;
    QTest::addRow("query not select") << QByteArray(
        R"([{"name": "a", "database": "x", "query": "DELETE FROM t", "time_column": "at", "columns": ["a"]}])")
                                      << u"datasets[0].query: must be a SELECT"_s;
    QTest::addRow("two statements") << QByteArray(
        R"([{"name": "a", "database": "x", "query": "SELECT 1; DROP TABLE t", "time_column": "at", "columns": ["a"]}])")
                                    << u"without ';'"_s;
    QTest::addRow("injected column") << QByteArray(
        R"([{"name": "a", "database": "x", "table": "t", "time_column": "at", "columns": ["a\"; --"]}])")
                                     << u"datasets[0].columns[0]: must be a column name"_s;
    QTest::addRow("no columns") << QByteArray(
        R"([{"name": "a", "database": "x", "table": "t", "time_column": "at"}])")
                                << u"datasets[0].columns: missing"_s;
    QTest::addRow("unknown key") << QByteArray("[{\"name\": \"a\", \"colour\": 1, " + base + "}]")
                                 << u"datasets[0].colour: unknown key"_s;
    QTest::addRow("duplicate") << QByteArray("[{\"name\": \"a\", " + base + "}, {\"name\": \"a\", "
                                             + base + "}]")
                               << u"datasets[1].name: duplicate dataset \"a\""_s;
    QTest::addRow("demo rows on pg")
        << QByteArray("[{\"name\": \"a\", \"driver\": \"QPSQL\", \"demo_rows\": 5, " + base + "}]")
        << u"datasets[0].demo_rows: only a QSQLITE dataset"_s;
    QTest::addRow("port") << QByteArray("[{\"name\": \"a\", \"port\": 70000, " + base + "}]")
                          << u"datasets[0].port: must be an integer from 0 to 65535"_s;
}

void tst_DatasetConfig::errors()
{
    QFETCH(QByteArray, datasets);
    QFETCH(QString, expected);
    const QByteArray json = "{\n  \"version\": 1,\n  \"datasets\":\n" + datasets + "\n}\n";
    const auto c = Config::fromJson(json, u"c.json"_s);
    QVERIFY(!c);
    QVERIFY2(c.error().message.contains(expected), qPrintable(c.error().message));
    QVERIFY2(c.error().message.startsWith(u"c.json:"_s), qPrintable(c.error().message));
}

QTEST_GUILESS_MAIN(tst_DatasetConfig)
#include "tst_datasetconfig.moc"
