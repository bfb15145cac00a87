// Parser glue: every framing rule of RFC 9112 that the server enforces, fed
// whole and byte by byte (a rule must not depend on how TCP splits the input).
#include "http/requestparser.h"

#include <QTest>

using namespace sluice::http;

namespace {

struct Outcome
{
    int status = 0; // 0: parsed fine
    QByteArray body;
    bool complete = false;
    QString error;
};

Outcome parseAll(const QByteArray &input, qsizetype split)
{
    ParserLimits limits;
    limits.maxChunkExtensionBytes = 1024;
    RequestParser parser(limits);
    Outcome out;
    QByteArray pending;
    qsizetype offset = 0;
    while (true) {
        if (offset < input.size()) {
            pending += input.mid(offset, split);
            offset += split;
        }
        qsizetype used = 0;
        const auto status = parser.feed(pending, &used);
        pending.remove(0, used);
        out.body += parser.takeBody();
        if (status == RequestParser::Status::Failed) {
            out.status = parser.error().status;
            out.error = parser.error().message;
            return out;
        }
        if (status == RequestParser::Status::Complete) {
            out.complete = true;
            return out;
        }
        if (status == RequestParser::Status::HeadComplete && !parser.request().hasBody()) {
            out.complete = parser.isComplete();
            return out;
        }
        if (used == 0 && offset >= input.size() && status == RequestParser::Status::NeedMore)
            return out; // stalled: incomplete input
    }
}

} // namespace

class tst_RequestParser : public QObject
{
    Q_OBJECT
private slots:
    void rejects_data();
    void rejects();
    void accepts_data();
    void accepts();
    void headFields();
    void pipelinedBytesStayWithCaller();
    void bodyPiecesAreBounded();
};

void tst_RequestParser::rejects_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<int>("status");

    const QByteArray host = "Host: x\r\n";
    QTest::addRow("6.1 CL and TE") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n")
                                   << 400;
    QTest::addRow("6.1 TE and CL") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n")
                                   << 400;
    QTest::addRow("6.3 differing CL") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 4\r\n\r\n")
                                      << 400;
    QTest::addRow("6.3 duplicate CL") << QByteArray(
        "POST / HTTP/1.1\r\n" + host + "Content-Length: 3\r\nContent-Length: 3\r\n\r\n")
                                      << 400;
    QTest::addRow("6.3 CL list") << QByteArray("POST / HTTP/1.1\r\n" + host
                                               + "Content-Length: 3, 3\r\n\r\n")
                                 << 400;
    QTest::addRow("6.3 signed CL")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Content-Length: +3\r\n\r\n") << 400;
    QTest::addRow("6.3 hex CL") << QByteArray("POST / HTTP/1.1\r\n" + host
                                              + "Content-Length: 0x10\r\n\r\n")
                                << 400;
    QTest::addRow("6.3 huge CL") << QByteArray("POST / HTTP/1.1\r\n" + host
                                               + "Content-Length: 99999999999999999999999\r\n\r\n")
                                 << 400;
    QTest::addRow("6.1 TE gzip,chunked")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: gzip, chunked\r\n\r\n")
        << 501;
    QTest::addRow("6.1 TE gzip") << QByteArray("POST / HTTP/1.1\r\n" + host
                                               + "Transfer-Encoding: gzip\r\n\r\n")
                                 << 400;
    QTest::addRow("6.1 TE chunked,gzip")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked, gzip\r\n\r\n")
        << 400;
    QTest::addRow("6.1 TE chunked twice")
        << QByteArray("POST / HTTP/1.1\r\n" + host
                      + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n")
        << 400;
    QTest::addRow("6.1 TE xchunked")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: xchunked\r\n\r\n") << 400;
    QTest::addRow("6.1 TE on HTTP/1.0")
        << QByteArray("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
    QTest::addRow("3.2 missing Host") << QByteArray("GET / HTTP/1.1\r\n\r\n") << 400;
    QTest::addRow("3.2 duplicate Host")
        << QByteArray("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") << 400;
    QTest::addRow("3 request line too long")
        << QByteArray("GET /" + QByteArray(9000, 'a') + " HTTP/1.1\r\n" + host + "\r\n") << 414;
    QTest::addRow("5 header block too big")
        << QByteArray("GET / HTTP/1.1\r\n" + host + "X-Big: " + QByteArray(17000, 'a') + "\r\n\r\n")
        << 431;
    QByteArray many = "GET / HTTP/1.1\r\n" + host;
    for (int i = 0; i < 101; ++i)
        many += "X-F" + QByteArray::number(i) + ": v\r\n";
    QTest::addRow("5 too many fields") << QByteArray(many + "\r\n") << 431;
    QTest::addRow("7.1.1 chunk ext too long")
        << QByteArray("POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n5;a="
                      + QByteArray(2000, 'b') + "\r\nhello\r\n0\r\n\r\n")
        << 413;
    QTest::addRow("9.1 unknown method") << QByteArray("BREW / HTTP/1.1\r\n" + host + "\r\n") << 501;
    QTest::addRow("9.1 CONNECT") << QByteArray("CONNECT x:443 HTTP/1.1\r\n" + host + "\r\n") << 501;
    QTest::addRow("2.3 HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
    QTest::addRow("2.3 HTTP/1.2") << QByteArray("GET / HTTP/1.2\r\n" + host + "\r\n") << 505;
    QTest::addRow("2.3 HTTP/3") << QByteArray("GET / HTTP/3\r\n" + host + "\r\n") << 505;
    QTest::addRow("2.3 malformed version 1.1x")
        << QByteArray("GET / HTTP/1.1x\r\n" + host + "\r\n") << 400;
    QTest::addRow("2.3 malformed version 01.1")
        << QByteArray("GET / HTTP/01.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("9.1 method not a token")
        << QByteArray("GE(T / HTTP/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("3 tab between method and target")
        << QByteArray("GET\t/ HTTP/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("3.2 Host with a space")
        << QByteArray("GET / HTTP/1.1\r\nHost: a b\r\n\r\n") << 400;
    QTest::addRow("3.2 Host with userinfo")
        << QByteArray("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n") << 400;
    QTest::addRow("3.2 Host with a bad port")
        << QByteArray("GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n") << 400;
    QTest::addRow("3.2 Host with a bad percent escape")
        << QByteArray("GET / HTTP/1.1\r\nHost: a%zz\r\n\r\n") << 400;
    QTest::addRow("5.3 two Authorization fields") << QByteArray(
        "GET / HTTP/1.1\r\n" + host + "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n")
                                                  << 400;
    QTest::addRow("5.3 two Content-Type fields") << QByteArray(
        "GET / HTTP/1.1\r\n" + host + "Content-Type: text/plain\r\ncontent-type: text/csv\r\n\r\n")
                                                 << 400;
    QTest::addRow("7.1.2 bare LF in a trailer")
        << QByteArray("PUT /x HTTP/1.1\r\n" + host
                      + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-A: a\n\r\n")
        << 400;
    QTest::addRow("7.1.2 bare CR in a trailer")
        << QByteArray("PUT /x HTTP/1.1\r\n" + host
                      + "Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-A: a\rb\r\n\r\n")
        << 400;
    QTest::addRow("2.3 HTTX") << QByteArray("GET / HTTX/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("2.2 bare CR in field")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n") << 400;
    QTest::addRow("2.2 bare CR header end")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n\rX") << 400;
    QTest::addRow("2.2 bare LF in field")
        << QByteArray("GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n") << 400;
    QTest::addRow("2.2 bare LF line ends") << QByteArray("GET / HTTP/1.1\nHost: x\n\n") << 400;
    QTest::addRow("5.2 obs-fold") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n")
                                  << 400;
    QTest::addRow("5.1 space before colon")
        << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << 400;
    QTest::addRow("5.1 tab before colon")
        << QByteArray("GET / HTTP/1.1\r\nHost\t: x\r\n\r\n") << 400;
    QTest::addRow("5.5 NUL in value")
        << QByteArrayLiteral("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n") << 400;
    QTest::addRow("5.5 CTL in value") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01"
                                                    "b\r\n\r\n")
                                      << 400;
    QTest::addRow("5.5 DEL in name") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX\x7f"
                                                   "A: b\r\n\r\n")
                                     << 400;
    QTest::addRow("5 no colon") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n")
                                << 400;
    QTest::addRow("5 empty name") << QByteArray("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n") << 400;
    QTest::addRow("3 authority-form on GET")
        << QByteArray("GET x:80 HTTP/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("10.1.1 two Expect fields")
        << QByteArray("PUT /x HTTP/1.1\r\n" + host
                      + "Expect: 100-continue\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        << 417;
    QTest::addRow("3 NUL in path") << QByteArray("GET /a%00b HTTP/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("3 overlong UTF-8 path")
        << QByteArray("GET /%c0%ae%c0%ae/ HTTP/1.1\r\n" + host + "\r\n") << 400;
    QTest::addRow("10.1.1 unknown expectation")
        << QByteArray("PUT /x HTTP/1.1\r\n" + host + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\n")
        << 417;
    const QByteArray chunkedHead
        = "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\n";
    QTest::addRow("7.1 bad chunk size")
        << QByteArray(chunkedHead + "zz\r\nhello\r\n0\r\n\r\n") << 400;
    QTest::addRow("7.1 negative chunk size")
        << QByteArray(chunkedHead + "-5\r\nhello\r\n0\r\n\r\n") << 400;
    QTest::addRow("7.1 overflowing chunk size")
        << QByteArray(chunkedHead + "fffffffffffffffffff\r\nhello\r\n0\r\n\r\n") << 400;
    QTest::addRow("7.1 chunk ext bare LF")
        << QByteArray(chunkedHead + "5;a=b\nhello\r\n0\r\n\r\n") << 400;
    QTest::addRow("7.1 missing CRLF after data")
        << QByteArray(chunkedHead + "5\r\nhelloXX0\r\n\r\n") << 400;
    QTest::addRow("7.1 chunk size bare LF")
        << QByteArray(chunkedHead + "5\nhello\r\n0\r\n\r\n") << 400;
    QTest::addRow("7.1.2 trailer with Content-Length")
        << QByteArray(chunkedHead + "5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n") << 400;
    QTest::addRow("7.1.2 trailer with Host")
        << QByteArray(chunkedHead + "5\r\nhello\r\n0\r\nHost: evil\r\n\r\n") << 400;
}

void tst_RequestParser::rejects()
{
    QFETCH(QByteArray, input);
    QFETCH(int, status);
    const Outcome whole = parseAll(input, input.size());
    QCOMPARE(whole.status, status);
    QVERIFY2(!whole.error.isEmpty(), "an error must say what is wrong");
    const Outcome bytewise = parseAll(input, 1);
    QCOMPARE(bytewise.status, status);
}

void tst_RequestParser::accepts_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("body");

    QTest::addRow("GET") << QByteArray("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray();
    QTest::addRow("HTTP/1.0 without Host") << QByteArray("GET / HTTP/1.0\r\n\r\n") << QByteArray();
    QTest::addRow("absolute-form")
        << QByteArray("GET http://x/healthz?a=1 HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray();
    QTest::addRow("Host IPv6 literal with port")
        << QByteArray("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n") << QByteArray();
    QTest::addRow("Host with sub-delims and escape")
        << QByteArray("GET / HTTP/1.1\r\nHost: a-b_c~d!$&'()*+,;=%41:80\r\n\r\n") << QByteArray();
    QTest::addRow("empty Host") << QByteArray("GET / HTTP/1.1\r\nHost:\r\n\r\n") << QByteArray();
    QTest::addRow("leading CRLF") << QByteArray("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n")
                                  << QByteArray();
    QTest::addRow("CL body") << QByteArray(
        "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                             << QByteArray("hello");
    QTest::addRow("CL 0") << QByteArray("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
                          << QByteArray();
    // RFC 9112 §6.3: neither Content-Length nor Transfer-Encoding is an empty
    // body (curl -X POST sends neither); the bytes after the head are the next
    // request's.
    QTest::addRow("6.3 POST without length")
        << QByteArray("POST /x HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray();
    QTest::addRow("6.3 PUT without length")
        << QByteArray("PUT /x HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray();
    QTest::addRow("6.3 PATCH without length")
        << QByteArray("PATCH /x HTTP/1.1\r\nHost: x\r\n\r\n") << QByteArray();
    QTest::addRow("chunked") << QByteArray(
        "PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n")
                             << QByteArray("hello world");
    QTest::addRow("chunked uppercase hex")
        << QByteArray("PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n"
                      "A\r\n0123456789\r\n0\r\n\r\n")
        << QByteArray("0123456789");
    QTest::addRow("chunked with trailer")
        << QByteArray("PUT /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "3\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n")
        << QByteArray("abc");
    QTest::addRow("binary body") << QByteArrayLiteral(
        "PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n\0\r\n\x7f")
                                 << QByteArrayLiteral("\0\r\n\x7f");
}

void tst_RequestParser::accepts()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, body);
    for (qsizetype split : {input.size(), qsizetype(1), qsizetype(7)}) {
        const Outcome o = parseAll(input, split);
        QVERIFY2(o.status == 0, qPrintable(o.error));
        QVERIFY(o.complete);
        QCOMPARE(o.body, body);
    }
}

void tst_RequestParser::headFields()
{
    RequestParser parser({});
    const QByteArray in
        = "PUT /up%20load/a?x=1&y=two HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
          "Connection: close\r\nContent-Length: 10\r\n\r\n";
    qsizetype used = 0;
    QCOMPARE(parser.feed(in, &used), RequestParser::Status::HeadComplete);
    QCOMPARE(used, in.size());
    const Request &r = parser.request();
    QCOMPARE(r.method, QByteArray("PUT"));
    QCOMPARE(r.path, QStringLiteral("/up load/a"));
    QCOMPARE(r.query.queryItemValue(QStringLiteral("y")), QStringLiteral("two"));
    QCOMPARE(r.contentLength, std::optional<quint64>(10));
    QVERIFY(r.expectContinue);
    QVERIFY(!r.keepAlive);
    QVERIFY(!r.chunked);
}

void tst_RequestParser::pipelinedBytesStayWithCaller()
{
    RequestParser parser({});
    const QByteArray first = "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc";
    const QByteArray second = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
    QByteArray in = first + second;
    qsizetype used = 0;
    QCOMPARE(parser.feed(in, &used), RequestParser::Status::HeadComplete);
    in.remove(0, used);
    QCOMPARE(parser.feed(in, &used), RequestParser::Status::Complete);
    in.remove(0, used);
    QCOMPARE(parser.takeBody(), QByteArray("abc"));
    QCOMPARE(in, second);
}

void tst_RequestParser::bodyPiecesAreBounded()
{
    RequestParser parser({});
    const QByteArray body(300'000, 'z');
    QByteArray in = "PUT /a HTTP/1.1\r\nHost: x\r\nContent-Length: 300000\r\n\r\n" + body;
    qsizetype used = 0;
    QCOMPARE(parser.feed(in, &used), RequestParser::Status::HeadComplete);
    in.remove(0, used);
    QByteArray received;
    int pieces = 0;
    for (;;) {
        const auto status = parser.feed(in, &used, 4096);
        in.remove(0, used);
        const QByteArray piece = parser.takeBody();
        QVERIFY(piece.size() <= 4096);
        received += piece;
        ++pieces;
        if (status == RequestParser::Status::Complete)
            break;
        QCOMPARE(status, RequestParser::Status::BodyData);
    }
    QCOMPARE(received, body);
    QVERIFY(pieces >= 300'000 / 4096);
}

QTEST_APPLESS_MAIN(tst_RequestParser)
#include "tst_requestparser.moc"
