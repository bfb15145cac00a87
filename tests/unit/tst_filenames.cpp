// sanitizeFileName for names sent by clients: path traversal, injection,
// control characters, length and Unicode, plus invariants for every row.
#include "upload/filenames.h"

#include <QTest>

#include <string_view>

using namespace Qt::StringLiterals;
using namespace sluice::upload;

class tst_FileNames : public QObject
{
    Q_OBJECT
private slots:
    void sanitize_data();
    void sanitize();
    void length_data();
    void length();
};

void tst_FileNames::sanitize_data()
{
    QTest::addColumn<QString>("raw");
    QTest::addColumn<QString>("expected");

    const auto row = [](const char *tag, const QString &raw, const QString &expected) {
        QTest::addRow("%s", tag) << raw << expected;
    };
    row("plain", u"report.pdf"_s, u"report.pdf"_s);
    row("path traversal", u"../../etc/passwd"_s, u"passwd"_s);
    row("absolute path", u"/etc/shadow"_s, u"shadow"_s);
    row("windows traversal", u"..\\..\\win.ini"_s, u"win.ini"_s);
    row("windows drive path", u"C:\\Users\\me\\report.pdf"_s, u"report.pdf"_s);
    row("mixed separators", u"a/b\\..\\c.txt"_s, u"c.txt"_s);
    row("trailing separator", u"dir/"_s, u"upload"_s);
    row("CR LF injection", u"a.txt\r\nSet-Cookie: x=1"_s, u"a.txtSet-Cookie_ x=1"_s);
    // The '/' in the injected value is a separator like any other.
    row("CR LF injection with a slash", u"a.txt\r\nContent-Type: text/html"_s, u"html"_s);
    row("NUL", QStringView(u"evil.php\0.jpg", 13).toString(), u"evil.php.jpg"_s);
    row("NUL before separator", QStringView(u"x\0/y.txt", 8).toString(), u"y.txt"_s);
    row("tab DEL and C1",
        u"a\tb\x7f"
        "c\u0085d"_s,
        u"abcd"_s);
    row("bidi override", u"evil\u202Etxt.exe"_s, u"eviltxt.exe"_s);
    row("line separator", u"a\u2028b"_s, u"ab"_s);
    row("unsafe characters", u"a<b>c:d\"e|f?g*h.txt"_s, u"a_b_c_d_e_f_g_h.txt"_s);
    row("only dots", u"..."_s, u"upload"_s);
    row("dot", u"."_s, u"upload"_s);
    row("dot dot", u".."_s, u"upload"_s);
    row("parent of parent", u"../.."_s, u"upload"_s);
    row("hidden file", u".bashrc"_s, u"bashrc"_s);
    row("dots and spaces", u". . .htaccess"_s, u"htaccess"_s);
    row("trailing dots and spaces", u"name.txt. . "_s, u"name.txt"_s);
    row("surrounding white space", u"  a b.txt \t"_s, u"a b.txt"_s);
    row("empty", QString(), u"upload"_s);
    row("only white space", u" \t "_s, u"upload"_s);
    row("only controls", u"\r\n\t"_s, u"upload"_s);
    row("emoji", u"📄 résumé.pdf"_s, u"📄 résumé.pdf"_s);
    row("CJK", u"报告.txt"_s, u"报告.txt"_s);
    row("decomposed to composed", u"re\u0301sume\u0301.txt"_s, u"résumé.txt"_s);
    row("lone surrogate",
        QStringView(u"a\xD800"
                    "b",
                    3)
            .toString(),
        u"ab"_s);
    row("windows device name", u"CON"_s, u"_CON"_s);
    row("windows device name with extension", u"nul.txt"_s, u"_nul.txt"_s);
    row("windows serial port", u"com1.log"_s, u"_com1.log"_s);
    row("not a device name", u"console.txt"_s, u"console.txt"_s);
}

void tst_FileNames::sanitize()
{
    QFETCH(QString, raw);
    QFETCH(QString, expected);

    const QString safe = sanitizeFileName(raw);
    QCOMPARE(safe, expected);

    // Invariants for every input.
    QVERIFY(!safe.isEmpty());
    QVERIFY(safe.toUtf8().size() <= kMaxFileNameBytes);
    QVERIFY(!safe.startsWith(u'.'));
    QCOMPARE(safe.trimmed(), safe);
    for (const char32_t c : safe.toUcs4()) {
        const bool forbidden
            = std::u32string_view(U"/\\<>:\"|?*").find(c) != std::u32string_view::npos;
        QVERIFY2(c >= 0x20 && c != 0x7f && !forbidden, qPrintable(safe));
    }
    QCOMPARE(QString::fromUtf8(safe.toUtf8()), safe); // no broken surrogate pair
    QCOMPARE(sanitizeFileName(safe), safe); // idempotent
}

void tst_FileNames::length_data()
{
    QTest::addColumn<QString>("raw");
    QTest::addColumn<QString>("expected");

    QTest::addRow("300 characters, extension kept")
        << QString(296, u'a') + u".txt"_s << QString(251, u'a') + u".txt"_s;
    QTest::addRow("300 characters, no extension") << QString(300, u'b') << QString(255, u'b');
    QTest::addRow("exactly 255 bytes")
        << QString(251, u'c') + u".csv"_s << QString(251, u'c') + u".csv"_s;
    QTest::addRow("two-byte characters") << QString(300, u'é') << QString(127, u'é');
    // 254 bytes of 'x', then a 2-byte character that does not fit whole.
    QTest::addRow("cut before a split character")
        << QString(254, u'x') + u"éé"_s << QString(254, u'x');
    QString emoji;
    QString emoji62;
    for (int i = 0; i < 100; ++i) {
        emoji += u"😀"_s;
        if (i < 62)
            emoji62 += u"😀"_s;
    }
    // 62 * 4 + 4 = 252 bytes: a 63rd emoji would take 256.
    QTest::addRow("emoji, extension kept") << emoji + u".csv"_s << emoji62 + u".csv"_s;
    // "e" + combining acute is one grapheme: it is not split from its mark.
    QTest::addRow("combining mark kept with its letter")
        << QString(254, u'x') + u"\u0301\u0301"_s << QString(253, u'x');
    QTest::addRow("long extension is not kept")
        << u"a."_s + QString(300, u'z') << u"a."_s + QString(253, u'z');
    QTest::addRow("long after a path") << u"../../"_s + QString(300, u'p') << QString(255, u'p');
}

void tst_FileNames::length()
{
    QFETCH(QString, raw);
    QFETCH(QString, expected);

    const QString safe = sanitizeFileName(raw);
    QCOMPARE(safe, expected);
    QVERIFY(safe.toUtf8().size() <= kMaxFileNameBytes);
    QCOMPARE(QString::fromUtf8(safe.toUtf8()), safe);
}

QTEST_APPLESS_MAIN(tst_FileNames)
#include "tst_filenames.moc"
