// Header-level grammar of multipart/form-data: the boundary parameter of a
// request Content-Type, and parameterised header values.
#include "upload/multipartheaders_p.h"
#include "upload/multipartparser.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice::upload;

using Parameters = QList<std::pair<QByteArray, QByteArray>>;

class tst_MultipartHeaders : public QObject
{
    Q_OBJECT
private slots:
    void boundary_data();
    void boundary();
    void parameters_data();
    void parameters();
};

void tst_MultipartHeaders::boundary_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("boundary"); // null when refused
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("message");

    const auto ok = [](const char *tag, const QByteArray &contentType, const QByteArray &boundary) {
        QTest::addRow("%s", tag) << contentType << boundary << 0 << QString();
    };
    const auto bad
        = [](const char *tag, const QByteArray &contentType, int status, const QString &message) {
              QTest::addRow("%s", tag) << contentType << QByteArray() << status << message;
          };
    ok("token", "multipart/form-data; boundary=abc123", "abc123");
    ok("quoted with bchars", "multipart/form-data; boundary=\"a b'()+_,-./:=?z\"",
       "a b'()+_,-./:=?z");
    ok("case-insensitive names", "Multipart/Form-Data; BOUNDARY=xyz", "xyz");
    ok("after another parameter",
       "multipart/form-data; charset=utf-8; boundary=----WebKitFormBoundaryx",
       "----WebKitFormBoundaryx");
    ok("curl", "multipart/form-data; boundary=------------------------c2f6977e5136e54e",
       "------------------------c2f6977e5136e54e");
    ok("70 characters", "multipart/form-data; boundary=" + QByteArray(70, 'b'),
       QByteArray(70, 'b'));
    ok("one character", "multipart/form-data;boundary=x", "x");

    bad("missing", "multipart/form-data", 400, u"no boundary parameter"_s);
    bad("missing, other parameter", "multipart/form-data; charset=utf-8", 400,
        u"no boundary parameter"_s);
    bad("empty", "multipart/form-data; boundary=\"\"", 400, u"the boundary is empty"_s);
    bad("too long", "multipart/form-data; boundary=" + QByteArray(71, 'b'), 400,
        u"71 characters long; RFC 2046 allows at most 70"_s);
    bad("bad character", "multipart/form-data; boundary=a@b", 400, u"contains \"@\""_s);
    bad("backslash", "multipart/form-data; boundary=\"a\\b\"", 400, u"contains \"\\\""_s);
    bad("non-ASCII", "multipart/form-data; boundary=ab\xc3\xa9", 400, u"contains \"\\xc3\""_s);
    bad("ends with a space", "multipart/form-data; boundary=\"abc \"", 400, u"ends with a space"_s);
    bad("twice", "multipart/form-data; boundary=a; boundary=b", 400, u"appears twice"_s);
    bad("unterminated quote", "multipart/form-data; boundary=\"abc", 400, u"no closing quote"_s);
    bad("wrong media type", "application/json", 415, u"expected multipart/form-data"_s);
    bad("multipart/mixed", "multipart/mixed; boundary=abc", 415, u"expected multipart/form-data"_s);
    bad("form-urlencoded", "application/x-www-form-urlencoded", 415,
        u"expected multipart/form-data"_s);
    bad("empty Content-Type", "", 415, u"no Content-Type"_s);
}

void tst_MultipartHeaders::boundary()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, boundary);
    QFETCH(int, status);
    QFETCH(QString, message);

    const auto result = MultipartParser::boundaryFromContentType(contentType);
    if (!boundary.isNull()) {
        QVERIFY2(result.hasValue(),
                 qPrintable(result.hasValue() ? QString() : result.error().message));
        QCOMPARE(*result, boundary);
        return;
    }
    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(message), qPrintable(result.error().message));
    QCOMPARE(result.error().httpStatus, status);
}

void tst_MultipartHeaders::parameters_data()
{
    QTest::addColumn<QByteArray>("field");
    QTest::addColumn<QByteArray>("value"); // null when refused
    QTest::addColumn<Parameters>("parameters");

    QTest::addRow("form-data") << QByteArray("form-data; name=\"a\"; filename=\"b c.txt\"")
                               << QByteArray("form-data")
                               << Parameters {{"name", "a"}, {"filename", "b c.txt"}};
    QTest::addRow("case and spacing")
        << QByteArray("Form-Data ;NAME = tok ;  FileName=\"x\" ") << QByteArray("form-data")
        << Parameters {{"name", "tok"}, {"filename", "x"}};
    QTest::addRow("semicolon and equals inside quotes")
        << QByteArray("form-data; name=\"a;b=c\"") << QByteArray("form-data")
        << Parameters {{"name", "a;b=c"}};
    QTest::addRow("escaped quote, raw backslashes")
        << QByteArray(R"(form-data; filename="C:\dir\say \"hi\".txt")") << QByteArray("form-data")
        << Parameters {{"filename", R"(C:\dir\say "hi".txt)"}};
    QTest::addRow("empty quoted value") << QByteArray("form-data; filename=\"\"")
                                        << QByteArray("form-data") << Parameters {{"filename", ""}};
    QTest::addRow("trailing semicolon") << QByteArray("form-data; name=a;")
                                        << QByteArray("form-data") << Parameters {{"name", "a"}};
    QTest::addRow("raw UTF-8") << QByteArray("form-data; filename=\"r\xc3\xa9sum\xc3\xa9\"")
                               << QByteArray("form-data")
                               << Parameters {{"filename", "r\xc3\xa9sum\xc3\xa9"}};

    const auto bad = [](const char *tag, const QByteArray &field) {
        QTest::addRow("%s", tag) << field << QByteArray() << Parameters {};
    };
    bad("no value", "; name=a");
    bad("parameter without value", "form-data; name");
    bad("empty unquoted value", "form-data; name=");
    bad("text after quoted value", "form-data; name=\"a\"b");
    bad("duplicate, other case", "form-data; name=a; NAME=b");
    bad("unterminated quote", "form-data; name=\"a");
    bad("junk before parameters", "form data; name=a");
}

void tst_MultipartHeaders::parameters()
{
    QFETCH(QByteArray, field);
    QFETCH(QByteArray, value);
    QFETCH(Parameters, parameters);

    const auto parsed = detail::parseParameterizedValue(field);
    if (value.isNull()) {
        QVERIFY(!parsed);
        QVERIFY(!parsed.error().message.isEmpty());
        return;
    }
    QVERIFY2(parsed.hasValue(), qPrintable(parsed.hasValue() ? QString() : parsed.error().message));
    QCOMPARE(parsed->value, value);
    QCOMPARE(parsed->parameters, parameters);
}

QTEST_APPLESS_MAIN(tst_MultipartHeaders)
#include "tst_multipartheaders.moc"
