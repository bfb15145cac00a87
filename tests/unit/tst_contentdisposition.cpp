// Content-Disposition for hostile and international file names (RFC 6266,
// RFC 8187): exact field values, plus invariants that hold for every input.
#include "http/contentdisposition.h"

#include <QRegularExpression>
#include <QTest>
#include <QUrl>

using namespace Qt::StringLiterals;
using namespace sluice::http;

namespace {

// The decoded filename* parameter, or a null string when there is none.
QString extValue(const QByteArray &field)
{
    const qsizetype at = field.indexOf("filename*=UTF-8''");
    if (at < 0)
        return {};
    return QUrl::fromPercentEncoding(field.sliced(at + 17));
}

QByteArray fallbackValue(const QByteArray &field)
{
    static const QRegularExpression re(u"filename=\"([^\"]*)\""_s);
    return re.match(QString::fromLatin1(field)).captured(1).toLatin1();
}

} // namespace

class tst_ContentDisposition : public QObject
{
    Q_OBJECT
private slots:
    void field_data();
    void field();
    void inlineDisposition();
    void lengthLimit_data();
    void lengthLimit();
};

void tst_ContentDisposition::field_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("expected");

    const auto row = [](const char *tag, const QString &name, const char *expected) {
        QTest::addRow("%s", tag) << name << QByteArray(expected);
    };
    row("plain", u"report.pdf"_s, R"(attachment; filename="report.pdf")");
    row("spaces and punctuation", u"Q3 report (final), v2;x=y.pdf"_s,
        R"(attachment; filename="Q3 report (final), v2;x=y.pdf")");
    row("path traversal", u"../../etc/passwd"_s, R"(attachment; filename="passwd")");
    row("absolute path", u"/etc/shadow"_s, R"(attachment; filename="shadow")");
    row("windows path", u"C:\\Users\\me\\report.pdf"_s, R"(attachment; filename="report.pdf")");
    row("mixed separators", u"a/b\\..\\c.txt"_s, R"(attachment; filename="c.txt")");
    row("trailing separator", u"dir/"_s, R"(attachment; filename="download")");
    row("header injection", u"a\r\nSet-Cookie: x"_s, R"(attachment; filename="a__Set-Cookie: x")");
    row("NUL", QStringView(u"a\0b.txt", 7).toString(), R"(attachment; filename="a_b.txt")");
    row("tab and DEL",
        u"a\tb\x7f"
        "c"_s,
        R"(attachment; filename="a_b_c")");
    row("C1 control", u"a\u0085b"_s, R"(attachment; filename="a_b")");
    row("bidi override", u"evil\u202Etxt.exe"_s, R"(attachment; filename="evil_txt.exe")");
    row("double quotes", u"say \"hi\".txt"_s,
        R"(attachment; filename="say _hi_.txt"; filename*=UTF-8''say%20%22hi%22.txt)");
    row("percent", u"%41.txt"_s, R"(attachment; filename="_41.txt"; filename*=UTF-8''%2541.txt)");
    row("latin accents and emoji", u"résumé 📄.pdf"_s,
        "attachment; filename=\"r_sum_ _.pdf\"; "
        "filename*=UTF-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf");
    row("CJK", u"报告.txt"_s,
        R"(attachment; filename="__.txt"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.txt)");
    row("diaeresis", u"Ünïcödé naïve.csv"_s,
        "attachment; filename=\"_n_c_d_ na_ve.csv\"; "
        "filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20na%C3%AFve.csv");
    row("empty", QString(), R"(attachment; filename="download")");
    row("only white space", u"  \t "_s, R"(attachment; filename="download")");
    row("hidden", u".hidden"_s, R"(attachment; filename="hidden")");
    row("dots and spaces", u". . .bashrc"_s, R"(attachment; filename="bashrc")");
    row("dot", u"."_s, R"(attachment; filename="download")");
    row("dot dot", u".."_s, R"(attachment; filename="download")");
    row("parent of parent", u"../.."_s, R"(attachment; filename="download")");
    row("surrounding spaces", u"  a.txt  "_s, R"(attachment; filename="a.txt")");
    row("lone surrogate",
        QStringView(u"a\xD800"
                    "b",
                    3)
            .toString(),
        "attachment; filename=\"a_b\"; filename*=UTF-8''a%EF%BF%BDb");
}

void tst_ContentDisposition::field()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, expected);

    const QByteArray field = contentDisposition(name);
    QCOMPARE(field, expected);

    // Invariants: safe to put in a header, the fallback is printable ASCII
    // without quotes, backslashes or separators, and filename* (when present)
    // decodes to exactly the safe name.
    for (char c : field) {
        QVERIFY2(c >= 0x20 && c < 0x7f, field.constData());
    }
    const QByteArray fallback = fallbackValue(field);
    QVERIFY(!fallback.isEmpty());
    QVERIFY(!fallback.contains('\\') && !fallback.contains('/') && !fallback.contains('%'));
    QVERIFY(!fallback.startsWith('.'));
    const QString safe = safeDownloadName(name);
    const QString ext = extValue(field);
    QCOMPARE(ext.isNull() ? QString::fromLatin1(fallback) : ext, safe);
    QVERIFY(!safe.contains(u'/') && !safe.contains(u'\\') && !safe.contains(u'\0'));
}

void tst_ContentDisposition::inlineDisposition()
{
    QCOMPARE(contentDisposition(u"a.txt"_s, false), QByteArray(R"(inline; filename="a.txt")"));
    QCOMPARE(contentDisposition(u"ä.txt"_s, false),
             QByteArray(R"(inline; filename="_.txt"; filename*=UTF-8''%C3%A4.txt)"));
}

void tst_ContentDisposition::lengthLimit_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("expected");

    QTest::addRow("300 ASCII, extension kept")
        << QString(300, u'a') + u".txt"_s << QString(196, u'a') + u".txt"_s;
    QTest::addRow("300 ASCII, no extension") << QString(300, u'a') << QString(200, u'a');
    QTest::addRow("exactly 200") << QString(196, u'b') + u".csv"_s
                                 << QString(196, u'b') + u".csv"_s;
    QTest::addRow("300 two-byte characters") << QString(300, u'é') << QString(100, u'é');
    // 199 bytes of 'x' then a 2-byte character: the character does not fit whole.
    QTest::addRow("cut before a split character")
        << QString(199, u'x') + u"éé"_s << QString(199, u'x');
    QString emoji;
    for (int i = 0; i < 150; ++i)
        emoji += u"😀"_s;
    QString emoji49;
    for (int i = 0; i < 49; ++i)
        emoji49 += u"😀"_s;
    QTest::addRow("emoji, extension kept") << emoji + u".csv"_s << emoji49 + u".csv"_s;
    QTest::addRow("long extension is not kept")
        << u"a."_s + QString(300, u'z') << u"a."_s + QString(198, u'z');
    QTest::addRow("leading white space, then short")
        << QString(300, u' ') + u"x.pdf"_s << u"x.pdf"_s;
}

void tst_ContentDisposition::lengthLimit()
{
    QFETCH(QString, name);
    QFETCH(QString, expected);

    const QString safe = safeDownloadName(name);
    QCOMPARE(safe, expected);
    QVERIFY(safe.toUtf8().size() <= 200);
    QVERIFY(QString::fromUtf8(safe.toUtf8()) == safe); // no broken surrogate pair
    QCOMPARE(extValue(contentDisposition(name)).isNull() ? safe
                                                         : extValue(contentDisposition(name)),
             safe);
}

QTEST_APPLESS_MAIN(tst_ContentDisposition)
#include "tst_contentdisposition.moc"
