// CsvWriter (RFC 4180 quoting, CRLF, formula neutralisation) and GzipEncoder
// (a streamed gzip member that zlib decodes to the same bytes).
#include "exporttesting.h"

#include "export/csvwriter.h"
#include "export/gzipencoder.h"

#include <QRandomGenerator>
#include <QTest>

using namespace sluice;
using namespace sluice::exports;
using namespace Qt::StringLiterals;

class tst_CsvWriter : public QObject
{
    Q_OBJECT
private slots:
    void quoting_data();
    void quoting();
    void rowsAndHeader();
    void neutralisation_data();
    void neutralisation();
    void roundTripThroughParser();
    void gzipDecodesToInput();
    void gzipOfNothing();
};

void tst_CsvWriter::quoting_data()
{
    QTest::addColumn<QByteArray>("cell");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("plain") << QByteArray("abc") << QByteArray("abc");
    QTest::addRow("empty") << QByteArray("") << QByteArray("");
    QTest::addRow("comma") << QByteArray("a,b") << QByteArray("\"a,b\"");
    QTest::addRow("quote") << QByteArray("say \"hi\"") << QByteArray("\"say \"\"hi\"\"\"");
    QTest::addRow("only quote") << QByteArray("\"") << QByteArray("\"\"\"\"");
    QTest::addRow("lf") << QByteArray("a\nb") << QByteArray("\"a\nb\"");
    QTest::addRow("crlf") << QByteArray("a\r\nb") << QByteArray("\"a\r\nb\"");
    QTest::addRow("spaces kept") << QByteArray(" a ") << QByteArray(" a ");
    QTest::addRow("utf-8") << QByteArray("Grüße") << QByteArray("Grüße");
    QTest::addRow("semicolon") << QByteArray("a;b") << QByteArray("a;b");
}

void tst_CsvWriter::quoting()
{
    QFETCH(QByteArray, cell);
    QFETCH(QByteArray, expected);
    CsvWriter w(true);
    w.text(cell);
    QCOMPARE(w.buffer(), expected);
}

void tst_CsvWriter::rowsAndHeader()
{
    CsvWriter w;
    w.header({u"id"_s, u"note"_s, u"amount"_s});
    w.number("1");
    w.null();
    w.number("-2.5");
    w.endRow();
    w.text("x");
    w.text("y,z");
    w.null();
    w.endRow();
    QCOMPARE(w.take(), QByteArray("id,note,amount\r\n1,,-2.5\r\nx,\"y,z\",\r\n"));
    QVERIFY(w.buffer().isEmpty());
}

void tst_CsvWriter::neutralisation_data()
{
    QTest::addColumn<QByteArray>("cell");
    QTest::addColumn<bool>("enabled");
    QTest::addColumn<QByteArray>("expected");
    QTest::addRow("equals") << QByteArray("=1+1") << true << QByteArray("'=1+1");
    QTest::addRow("plus") << QByteArray("+1") << true << QByteArray("'+1");
    QTest::addRow("minus") << QByteArray("-1") << true << QByteArray("'-1");
    QTest::addRow("at") << QByteArray("@cmd") << true << QByteArray("'@cmd");
    QTest::addRow("tab") << QByteArray("\tx") << true << QByteArray("'\tx");
    QTest::addRow("cr, quoted") << QByteArray("\rx") << true << QByteArray("\"'\rx\"");
    QTest::addRow("formula with quotes") << QByteArray("=HYPERLINK(\"u\",\"c\")") << true
                                         << QByteArray("\"'=HYPERLINK(\"\"u\"\",\"\"c\"\")\"");
    QTest::addRow("later equals") << QByteArray("a=b") << true << QByteArray("a=b");
    QTest::addRow("disabled") << QByteArray("=1+1") << false << QByteArray("=1+1");
}

void tst_CsvWriter::neutralisation()
{
    QFETCH(QByteArray, cell);
    QFETCH(bool, enabled);
    QFETCH(QByteArray, expected);
    CsvWriter w(enabled);
    w.text(cell);
    QCOMPARE(w.buffer(), expected);
    // Numbers are the database's numbers: never altered.
    CsvWriter n(true);
    n.number("-12.50");
    QCOMPARE(n.buffer(), QByteArray("-12.50"));
}

void tst_CsvWriter::roundTripThroughParser()
{
    // Random cells made of the characters that matter, written and parsed back.
    QRandomGenerator random(42);
    const char alphabet[] = {'a', ',', '"', '\r', '\n', ' ', 'z', '\xc3', '\xa9'};
    QList<QStringList> rows;
    CsvWriter w(false);
    for (int r = 0; r < 200; ++r) {
        QStringList row;
        for (int c = 0; c < 5; ++c) {
            QByteArray cell;
            const int length = int(random.bounded(8));
            for (int i = 0; i < length; ++i) {
                const char ch = alphabet[random.bounded(int(sizeof alphabet))];
                if (ch == '\xc3')
                    cell.append("\xc3\xa9");
                else if (ch != '\xa9')
                    cell.append(ch);
            }
            row.append(QString::fromUtf8(cell));
            w.text(cell);
        }
        w.endRow();
        rows.append(row);
    }
    const auto parsed = test::parseCsv(w.buffer());
    QVERIFY(parsed);
    QCOMPARE(*parsed, rows);
}

void tst_CsvWriter::gzipDecodesToInput()
{
    QByteArray input;
    QByteArray compressed;
    GzipEncoder gz;
    QVERIFY(gz.isValid());
    QRandomGenerator random(7);
    for (int piece = 0; piece < 50; ++piece) {
        QByteArray part;
        for (int i = 0; i < 5000; ++i)
            part.append(char('a' + random.bounded(4)));
        if (piece % 7 == 0) // incompressible pieces grow the output beyond the input
            for (int i = 0; i < 70'000; ++i)
                part.append(char(random.bounded(256)));
        input += part;
        compressed += gz.compress(part, piece == 10);
    }
    compressed += gz.finish();
    QVERIFY(gz.finish().isEmpty());
    QCOMPARE(compressed.left(2), QByteArray("\x1f\x8b")); // a gzip member (RFC 1952)
    const auto decoded = test::gunzip(compressed);
    QVERIFY(decoded);
    QCOMPARE(decoded->size(), input.size());
    QCOMPARE(*decoded, input);
}

void tst_CsvWriter::gzipOfNothing()
{
    GzipEncoder gz;
    const QByteArray out = gz.compress({}) + gz.finish();
    const auto decoded = test::gunzip(out);
    QVERIFY(decoded);
    QVERIFY(decoded->isEmpty());
}

QTEST_GUILESS_MAIN(tst_CsvWriter)
#include "tst_csvwriter.moc"
