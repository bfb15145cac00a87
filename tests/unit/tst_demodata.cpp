// The demo orders database and RowReader over SQLite: what is generated,
// that it is deterministic, and that both ways of reading rows print exactly
// what the sqlite3 shell prints for the same query.
#include "exporttesting.h"

#include "export/demodata.h"
#include "export/exportrequest.h"
#include "export/rowreader.h"

#include <QCryptographicHash>
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::exports;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 kRows = 20'000;

QByteArray readAll(RowReader &reader, const ExportQuery &q, bool neutralize, qint64 batch,
                   qint64 *batches = nullptr)
{
    CsvWriter csv(neutralize);
    csv.header(config::Dataset::demoOrders().columns);
    if (!reader.start(q))
        return "start failed";
    while (!reader.atEnd()) {
        const auto n = reader.readBatch(csv, batch);
        if (!n)
            return "read failed: " + n.error().message.toUtf8();
        if (batches)
            ++*batches;
    }
    return csv.take();
}

} // namespace

class tst_DemoData : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void contents();
    void deterministic();
    void readersMatchTheShell_data();
    void readersMatchTheShell();
    void neutralisesOnlyText();
    void countIsCapped();
    void stopLeavesNothing();

private:
    QTemporaryDir m_dir;
    QString m_db;
};

void tst_DemoData::initTestCase()
{
    m_db = m_dir.filePath(u"demo/orders.sqlite"_s);
    const auto made = generateDemoOrders(m_db, kRows);
    QVERIFY2(made, made ? "" : qPrintable(made.error().message));
    QVERIFY(!QFile::exists(m_db + u".generating"_s));
}

void tst_DemoData::contents()
{
    const auto summary = test::parseCsv(
        test::sqliteShellCsv(m_db,
                             u"SELECT COUNT(*), MIN(created_at) >= '2025-01-01', MAX(created_at) < "
                             "'2026-07-01', MIN(id), MAX(id) FROM orders"_s));
    QVERIFY(summary && summary->size() == 2);
    QCOMPARE(summary->at(1), (QStringList {u"20000"_s, u"1"_s, u"1"_s, u"1"_s, u"20000"_s}));
    const QByteArray index = test::sqliteShellCsv(
        m_db, u"SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'"_s);
    QVERIFY2(index.contains("orders_created_at"), index.constData());
    // The notes that CSV must get right are there.
    const QByteArray tricky = test::sqliteShellCsv(
        m_db,
        u"SELECT SUM(note LIKE '%,%'), SUM(note LIKE '%\"%'), SUM(note LIKE '%' || char(10) "
        "|| '%'), SUM(note LIKE '=%'), SUM(amount < 0) FROM orders"_s);
    const auto parsed = test::parseCsv(tricky);
    QVERIFY(parsed && parsed->size() == 2);
    for (const QString &count : parsed->at(1))
        QVERIFY2(count.toInt() > 100, qPrintable(parsed->at(1).join(u' ')));
}

void tst_DemoData::deterministic()
{
    QTemporaryDir other;
    const QString path = other.filePath(u"o.sqlite"_s);
    QVERIFY(generateDemoOrders(path, kRows));
    const QString sql = u"SELECT * FROM orders ORDER BY id"_s;
    const QByteArray a = test::sqliteShellCsv(m_db, sql);
    QVERIFY(a.size() > kRows * 40);
    QCOMPARE(QCryptographicHash::hash(test::sqliteShellCsv(path, sql), QCryptographicHash::Sha256),
             QCryptographicHash::hash(a, QCryptographicHash::Sha256));
}

void tst_DemoData::readersMatchTheShell_data()
{
    QTest::addColumn<bool>("qtValues");
    QTest::addColumn<qint64>("batch");
    QTest::addRow("sqlite handle, batch 1000") << false << qint64(1000);
    QTest::addRow("sqlite handle, batch 7") << false << qint64(7);
    QTest::addRow("QSqlQuery values, batch 1000") << true << qint64(1000);
}

void tst_DemoData::readersMatchTheShell()
{
    QFETCH(bool, qtValues);
    QFETCH(qint64, batch);
    config::Dataset d = config::Dataset::demoOrders();
    d.neutralizeFormulas = false; // the shell does not neutralise
    const auto request
        = parseLiveRequest(d, QUrlQuery(u"from=2025-02-01&to=2025-03-15&status=paid"_s));
    QVERIFY(request);
    const ExportQuery q = buildQuery(d, *request, 1'000'000);
    RowReader reader(d, m_db);
    reader.setUseQtSqlValues(qtValues);
    QVERIFY(reader.open());
    qint64 batches = 0;
    const QByteArray ours = readAll(reader, q, false, batch, &batches);

    QString shellSql = q.select;
    for (const QVariant &v : q.bindings)
        shellSql.replace(shellSql.indexOf(u'?'), 1, u"'"_s + v.toString() + u"'"_s);
    const auto expected = test::parseCsv(test::sqliteShellCsv(m_db, shellSql));
    const auto got = test::parseCsv(ours);
    QVERIFY(expected && got);
    QVERIFY(expected->size() > 500);
    QCOMPARE(got->size(), expected->size());
    QCOMPARE(*got, *expected);
    QVERIFY(batches >= (expected->size() - 1) / batch);
    const auto count = reader.count(q);
    QVERIFY(count);
    QCOMPARE(*count, expected->size() - 1);
}

void tst_DemoData::neutralisesOnlyText()
{
    config::Dataset d = config::Dataset::demoOrders();
    const auto request = parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2026-06-30"_s));
    RowReader reader(d, m_db);
    QVERIFY(reader.open());
    const auto rows = test::parseCsv(readAll(reader, buildQuery(d, *request, 1), true, 5000));
    QVERIFY(rows);
    QCOMPARE(rows->size(), kRows + 1);
    int formulas = 0, negatives = 0;
    for (const QStringList &row : *rows) {
        const QString &note = row.at(6);
        QVERIFY2(!note.startsWith(u'=') && !note.startsWith(u'-') && !note.startsWith(u'@')
                     && !note.startsWith(u'+'),
                 qPrintable(note));
        formulas += note.startsWith(u"'="_s);
        negatives += row.at(4).startsWith(u'-');
    }
    QVERIFY(formulas > 100);
    QVERIFY(negatives > 100); // refunds stay numbers
}

void tst_DemoData::countIsCapped()
{
    config::Dataset d = config::Dataset::demoOrders();
    const auto request = parseLiveRequest(d, QUrlQuery(u"from=2025-01-01&to=2026-06-30"_s));
    RowReader reader(d, m_db);
    QVERIFY(reader.open());
    QCOMPARE(*reader.count(buildQuery(d, *request, 1234)), 1234);
    QCOMPARE(*reader.count(buildQuery(d, *request, 1'000'000)), kRows);
}

void tst_DemoData::stopLeavesNothing()
{
    QTemporaryDir dir;
    std::atomic_bool stop {true};
    const auto made = generateDemoOrders(dir.filePath(u"x.sqlite"_s), 200'000, &stop);
    QVERIFY(!made);
    QVERIFY(made.error().message.contains(u"stopped"_s));
    QCOMPARE(QDir(dir.path()).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList());
}

QTEST_GUILESS_MAIN(tst_DemoData)
#include "tst_demodata.moc"
