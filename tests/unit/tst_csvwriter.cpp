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
    void hiddenFormulas_data();
    void hiddenFormulas();
    void everyCodePointFoldsAsNfkc();
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

// Issue 18, finding 7: what a spreadsheet skips or folds before it looks for
// a formula. Each bypass that passed unprefixed before is a row here.
void tst_CsvWriter::hiddenFormulas_data()
{
    QTest::addColumn<QString>("cell");
    QTest::addColumn<bool>("formula");
    QTest::addRow("leading space") << u" =1+1"_s << true;
    QTest::addRow("leading LF") << u"\n=1+1"_s << true;
    QTest::addRow("leading CRLF") << u"\r\n=1+1"_s << true;
    QTest::addRow("no-break space") << u"\u00a0=1+1"_s << true;
    QTest::addRow("ideographic space") << u"\u3000=1+1"_s << true;
    QTest::addRow("BOM") << u"\ufeff=1+1"_s << true;
    QTest::addRow("zero-width space") << u"\u200b=1+1"_s << true;
    QTest::addRow("full-width equals") << u"\uff1d1+1"_s << true;
    QTest::addRow("full-width plus") << u"\uff0b1"_s << true;
    QTest::addRow("full-width minus") << u"\uff0d1"_s << true;
    QTest::addRow("full-width at") << u"\uff20SUM(A1)"_s << true;
    QTest::addRow("small equals") << u"\ufe661+1"_s << true;
    QTest::addRow("superscript plus") << u"\u207a1"_s << true;
    QTest::addRow("several invisibles, then full-width")
        << u"\u2060\u200d \u3000\t\uff1dcmd|' /C calc'!A0"_s << true;
    QTest::addRow("space, then minus") << u" -5"_s << true;
    QTest::addRow("NEL, then at") << u"\u0085@x"_s << true;
    QTest::addRow("space, then text") << u" abc"_s << false;
    QTest::addRow("only blanks") << u" \u00a0\u3000\u200b"_s << false;
    QTest::addRow("no-break space, then letter") << u"\u00a0M\u00fcller"_s << false;
    QTest::addRow("accented letter") << u"\u00c4rger"_s << false;
    QTest::addRow("not-equal sign") << u"\u22601"_s << false;
    QTest::addRow("full-width digits") << u"\uff11\uff12"_s << false;
    QTest::addRow("full-width later") << u"a\uff1db"_s << false;
    QTest::addRow("CJK") << u"\u6771\u4eac"_s << false;
    QTest::addRow("emoji") << u"\U0001f600=1"_s << false;
}

void tst_CsvWriter::hiddenFormulas()
{
    QFETCH(QString, cell);
    QFETCH(bool, formula);
    const QByteArray utf8 = cell.toUtf8();
    QCOMPARE(CsvWriter::needsNeutralizing(utf8), formula);
    CsvWriter w(true);
    w.text(utf8);
    const auto parsed = test::parseCsv(w.buffer() + "\r\n");
    QVERIFY(parsed && parsed->size() == 1 && parsed->first().size() == 1);
    // Neutralised the way a plain "=" is: one apostrophe before the value as it was.
    QCOMPARE(parsed->first().first(), formula ? u"'"_s + cell : cell);
    CsvWriter off(false);
    off.text(utf8);
    QVERIFY(off.buffer().contains(utf8));
    QVERIFY(!off.buffer().startsWith('\'') && !off.buffer().startsWith("\"'"));
}

// Against a reference that folds the whole value with NFKC and skips white
// space, controls and format characters, for every code point first (tab and
// CR are triggers of their own): the folding decides as the reference does,
// and every blank or format character is skipped before a "=".
void tst_CsvWriter::everyCodePointFoldsAsNfkc()
{
    const auto skipped = [](QChar c) {
        return c.isSpace() || c.category() == QChar::Other_Control
            || c.category() == QChar::Other_Format;
    };
    const auto reference = [&](const QString &value) {
        const QString folded = value.normalized(QString::NormalizationForm_KC);
        for (const QChar c : folded) {
            if (c == u'=' || c == u'+' || c == u'-' || c == u'@')
                return true;
            if (!skipped(c))
                return false;
        }
        return false;
    };
    int mismatches = 0;
    const auto expect = [&](char32_t c, const QString &value, bool formula) {
        if (CsvWriter::needsNeutralizing(value.toUtf8()) != formula && ++mismatches < 20)
            qWarning("U+%04X in '%s': the reference says %s", unsigned(c), qPrintable(value),
                     formula ? "formula" : "text");
    };
    for (char32_t c = 0; c <= 0x10ffff; ++c) {
        if ((c >= 0xd800 && c <= 0xdfff) || c == U'\t' || c == U'\r')
            continue;
        const QString head = QString::fromUcs4(&c, 1);
        expect(c, head + u"x"_s, reference(head + u"x"_s));
        if (head.size() == 1 && skipped(head.front()))
            expect(c, head + u"=x"_s, true);
    }
    QCOMPARE(mismatches, 0);
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
