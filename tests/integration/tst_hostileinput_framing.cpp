// The hostile input catalogue: raw bytes over a socket against the real
// service, one row per attack, each named after the RFC section it exercises.
// After every row the service still answers /healthz, holds no temp file, and
// a rejected request has created no upload and no job (the checks are in
// tests/support/hostilecatalogue.cpp, shared by every part of the catalogue).
//
// This part: message framing and smuggling (Content-Length, Transfer-Encoding,
// chunked bodies and trailers), limits, methods and versions, Host, Expect,
// pipelining and the connection's life.
#include "hostilecatalogue.h"

#include <QTest>

using namespace sluice::test;
using namespace sluice::test::hostile;

class tst_HostileInputFraming : public QObject
{
    Q_OBJECT
private slots:
    void catalogue_data();
    void catalogue() { runRow(m_service); }
    void cleanupTestCase() { m_service.reset(); }

private:
    void addFraming();
    void addChunked();
    void addLimitsMethodsVersions();
    void addHost();
    void addExpect();
    void addPipelining();
    void addConnection();

    std::unique_ptr<CatalogueService> m_service;
};

void tst_HostileInputFraming::catalogue_data()
{
    addColumns();
    addFraming();
    addChunked();
    addLimitsMethodsVersions();
    addHost();
    addExpect();
    addPipelining();
    addConnection();
}

void tst_HostileInputFraming::addFraming()
{
    const auto job = [](const QByteArray &fields, const QByteArray &body = "{}") -> QByteArray {
        return "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin") + fields + "\r\n" + body;
    };
    const After closed = After::Closed;
    row("RFC9112 6.1 CL and TE together",
        job("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE and CL together",
        job("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n"), {400}, closed);
    row("RFC9112 6.3 duplicate CL, same value", job("Content-Length: 2\r\nContent-Length: 2\r\n"),
        {400}, closed);
    row("RFC9112 6.3 duplicate CL, different values",
        job("Content-Length: 2\r\nContent-Length: 20\r\n"), {400}, closed);
    row("RFC9112 6.3 CL as a list", job("Content-Length: 2, 2\r\n"), {400}, closed);
    row("RFC9112 6.3 signed CL", job("Content-Length: +2\r\n"), {400}, closed);
    row("RFC9112 6.3 negative CL", job("Content-Length: -1\r\n"), {400}, closed);
    row("RFC9112 6.3 hex CL", job("Content-Length: 0x2\r\n"), {400}, closed);
    row("RFC9112 6.3 huge CL (20 digits)", job("Content-Length: 18446744073709551617\r\n"), {400},
        closed);
    row("RFC9112 6.3 CL with an inner space", job("Content-Length: 1 0\r\n"), {400}, closed);
    row("RFC9112 6.3 CL of 18 digits is syntax, refused by max_upload_bytes",
        putHead("big.txt") + "Content-Length: 999999999999999999\r\n\r\n", {413}, After::Either);
    // No CL and no TE: an empty body (curl -X POST), answered by the route;
    // an upload says it needs a length.
    row("RFC9112 6.3 POST without a length is an empty body", job({}, {}), {400}, After::Usable);
    row("RFC9112 6.3 PUT /uploads without a length", putHead("empty.txt") + "\r\n", {411},
        After::Usable);
    row("RFC9112 6.1 TE gzip alone", job("Transfer-Encoding: gzip\r\n"), {400}, closed);
    row("RFC9112 6.1 TE chunked twice", job("Transfer-Encoding: chunked, chunked\r\n"), {400},
        closed);
    row("RFC9112 6.1 TE gzip before chunked", job("Transfer-Encoding: gzip, chunked\r\n"), {501},
        closed);
    row("RFC9112 6.1 TE chunked not last", job("Transfer-Encoding: chunked, gzip\r\n"), {400},
        closed);
    row("RFC9112 6.1 TE in two fields",
        job("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE lookalike xchunked", job("Transfer-Encoding: xchunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE on HTTP/1.0",
        "POST /jobs HTTP/1.0\r\n" + auth("admin")
            + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        {400}, closed);
    row("RFC9112 5.2 obs-fold", "GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", {400},
        closed);
    row("RFC9112 5.2 obs-fold hiding TE", job("Transfer-Encoding: gzip\r\n chunked\r\n"), {400},
        closed);
    row("RFC9112 2.2 bare LF line ends", "GET /healthz HTTP/1.1\nHost: t\n\n", {400}, closed);
    row("RFC9112 2.2 bare CR in a field value",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", {400}, closed);
    row("RFC9112 2.2 bare CR ending the head", "GET /healthz HTTP/1.1\r\nHost: t\r\n\rX\r\n\r\n",
        {400}, closed);
    row("RFC9112 5.1 space before colon", job("Content-Length : 2\r\n"), {400}, closed);
    row("RFC9112 5.1 tab before colon", job("Transfer-Encoding\t: chunked\r\n"), {400}, closed);
    row("RFC9112 5 field line without colon", "GET /healthz HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
        {400}, closed);
    row("RFC9112 5 field line with empty name", "GET /healthz HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n",
        {400}, closed);
    row("RFC9110 5.5 NUL in a field value",
        bytes("GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n"), {400}, closed);
    row("RFC9110 5.5 control character 0x01 in a field value",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\x01z\r\n\r\n", {400}, closed);
    row("RFC9110 5.1 DEL in a field name", "GET /healthz HTTP/1.1\r\nHost: t\r\nX\x7fY: a\r\n\r\n",
        {400}, closed);
    row("RFC9110 5.1 non-token character in a field name",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX(Y): a\r\n\r\n", {400}, closed);
    row("RFC9112 3 NUL in the request target", bytes("GET /heal\0thz HTTP/1.1\r\nHost: t\r\n\r\n"),
        {400}, closed);
    row("RFC9112 3 two spaces in the request line", "GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 3 tab as separator in the request line",
        "GET\t/healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400}, closed);
}

void tst_HostileInputFraming::addChunked()
{
    const After closed = After::Closed;
    row("RFC9112 7.1 chunk size not hex", chunkedPut("5\r\nhello\r\nzz\r\nabc\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size overflow (17 hex digits)",
        chunkedPut("5\r\nhello\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk size overflow in a JSON body",
        chunkedJob("100000000000000002\r\n{}\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 negative chunk size", chunkedPut("-5\r\nhello\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk size with 0x prefix", chunkedPut("0x5\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size with leading space", chunkedPut(" 5\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size with trailing space", chunkedPut("5 \r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 empty chunk size line", chunkedPut("\r\nhello\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.1 chunk extension ended by bare LF", chunkedPut("5;a=b\nhello\r\n0\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.1 chunk line ended by bare LF", chunkedPut("5\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1.1 oversized chunk extension",
        chunkedPut("5;x=" + QByteArray(17 * 1024, 'e') + "\r\nhello\r\n0\r\n\r\n"), {413}, closed);
    row("RFC9112 7.1 missing CRLF after chunk data", chunkedPut("5\r\nhelloXX0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 bare LF after chunk data", chunkedPut("5\r\nhello\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk data longer than its size", chunkedPut("3\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 bad chunk in a JSON body creates no job", chunkedJob("2\r\n{}XX0\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.2 trailer with Content-Length",
        chunkedPut("5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.2 trailer with Transfer-Encoding",
        chunkedPut("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.2 trailer with Host", chunkedPut("5\r\nhello\r\n0\r\nHost: evil\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.2 trailer with Authorization",
        chunkedPut("5\r\nhello\r\n0\r\nAuthorization: Bearer x\r\n\r\n"), {400}, closed);
    // RFC 9112 §5.2 lets a server replace an obs-fold with SP instead of
    // rejecting it; Beast does that, and trailer fields are not used anyway
    // (those whose names matter are refused above). The fold cannot start a
    // field of its own:
    row("RFC9112 5.2 obs-fold in a trailer is unfolded, not a new field",
        chunkedPut("5\r\nhello\r\n0\r\nX-A: a\r\n Content-Length: 5\r\n\r\n"), {201}, After::Usable,
        1);
    row("RFC9112 5.1 trailer with space before colon",
        chunkedPut("5\r\nhello\r\n0\r\nX-A : a\r\n\r\n"), {400}, closed);
    row("RFC9112 2.2 trailer with bare LF", chunkedPut("5\r\nhello\r\n0\r\nX-A: a\n\r\n"), {400},
        closed);
    row("RFC9110 5.5 trailer with NUL", chunkedPut(bytes("5\r\nhello\r\n0\r\nX-A: a\0b\r\n\r\n")),
        {400}, closed);
    row("RFC9112 7.1.2 harmless trailer is ignored",
        chunkedPut("5\r\nhello\r\n0\r\nX-Note: fine\r\n\r\n"), {201}, After::Usable, 1);
}

void tst_HostileInputFraming::addLimitsMethodsVersions()
{
    const After closed = After::Closed;
    row("RFC9112 3 request line over max_request_line_bytes: 414",
        getAs("alice", "/jobs/" + QByteArray(9000, 'a')), {414}, closed);
    row("RFC9112 3 upload file name over max_request_line_bytes: 414",
        put(QByteArray(9000, 'n') + ".txt"), {414}, closed);
    row("RFC6585 5 field section over max_header_bytes: 431",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(17 * 1024, 'b') + "\r\n\r\n",
        {431}, closed);
    QByteArray many;
    for (int i = 0; i < 101; ++i)
        many += "X-F" + QByteArray::number(i) + ": v\r\n";
    row("RFC6585 5 more than max_header_fields: 431",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n" + many + "\r\n", {431}, closed);

    row("RFC9110 9.1 unknown method: 501", "FOO /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {501},
        closed);
    row("RFC9110 9.1 methods are case-sensitive: 501", "get /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {501}, closed);
    row("RFC9110 9.3.8 TRACE: 501", "TRACE /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {501}, closed);
    row("RFC9110 9.3.6 CONNECT: 501", "CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n", {501},
        closed);
    row("RFC9110 9.1 method with a non-token character",
        "GE(T /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400}, closed);
    row("RFC9110 15.5.6 DELETE /healthz: 405", "DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {405},
        After::Usable);
    row("RFC9110 15.5.6 PUT /jobs: 405", withBody("PUT /jobs HTTP/1.1\r\nHost: t\r\n", "{}"), {405},
        After::Either);
    row("RFC9110 15.5.6 POST /uploads/{id}: 405",
        withBody("POST /uploads/{alice-upload} HTTP/1.1\r\nHost: t\r\n" + auth("alice"), "x"),
        {405}, After::Either);
    row("RFC9110 15.5.6 PATCH /jobs/{id}: 405",
        withBody("PATCH /jobs/{alice-job} HTTP/1.1\r\nHost: t\r\n" + auth("alice"), "{}"), {405},
        After::Either);
    row("RFC9112 2.3 HTTP/2.0: 505", "GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", {505}, closed);
    row("RFC9112 2.3 HTTP/1.2: 505", "GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n", {505}, closed);
    row("RFC9113 3.4 HTTP/2 connection preface: 505", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {505},
        closed);
    row("RFC9112 2.3 version is case-sensitive", "GET /healthz http/1.1\r\nHost: t\r\n\r\n", {400},
        closed);
    row("RFC9112 2.3 malformed version HTTP/1.1x", "GET /healthz HTTP/1.1x\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 2.3 malformed version HTTP/01.1", "GET /healthz HTTP/01.1\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 2.3 HTTP/0.9 simple request", "GET /healthz\r\n\r\n", {400}, closed);
    row("RFC9112 2.3 HTTP/1.0 without Host is served", "GET /healthz HTTP/1.0\r\n\r\n", {200},
        closed);
}

void tst_HostileInputFraming::addHost()
{
    const After closed = After::Closed;
    row("RFC9112 3.2 missing Host", "GET /healthz HTTP/1.1\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 two Host fields", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 two Host fields on HTTP/1.0",
        "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 Host as a list", "GET /healthz HTTP/1.1\r\nHost: a, b\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 Host with a space", "GET /healthz HTTP/1.1\r\nHost: exa mple\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with userinfo", "GET /healthz HTTP/1.1\r\nHost: user@evil\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with a path", "GET /healthz HTTP/1.1\r\nHost: t/evil\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with a bad port", "GET /healthz HTTP/1.1\r\nHost: t:80x\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with IPv6 literal and port",
        "GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", {200}, After::Usable);
    row("RFC9112 3.2 empty Host is allowed", "GET /healthz HTTP/1.1\r\nHost:\r\n\r\n", {200},
        After::Usable);
    row("RFC9112 3.2.2 absolute-form: its authority wins",
        "GET http://other.example/healthz HTTP/1.1\r\nHost: t\r\n\r\n", {200}, After::Usable);
    row("RFC9112 3.2.4 asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\nHost: t\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2.3 authority-form outside CONNECT", "GET t:80 HTTP/1.1\r\nHost: t\r\n\r\n",
        {400}, closed);
}

void tst_HostileInputFraming::addExpect()
{
    // Only the head is sent: each answer must come without the body, and
    // never as 100 Continue.
    const QByteArray expect = "Expect: 100-continue\r\n";
    row("RFC9110 10.1.1 Expect, over max_upload_bytes: 413 before the body",
        putHead("big.txt") + expect + "Content-Length: 2000000\r\n\r\n", {413}, After::Either);
    row("RFC9110 10.1.1 Expect, no token: 401 before the body",
        "PUT /uploads/a.txt HTTP/1.1\r\nHost: t\r\n" + expect + "Content-Length: 1000\r\n\r\n",
        {401}, After::Either);
    row("RFC9110 10.1.1 Expect, wrong token: 401 before the body",
        "PUT /uploads/a.txt HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\n" + expect
            + "Content-Length: 1000\r\n\r\n",
        {401}, After::Either);
    row("RFC9110 10.1.1 Expect, not an admin: 403 before the body",
        "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("bob") + expect + "Content-Length: 100\r\n\r\n",
        {403}, After::Either);
    row("RFC9110 10.1.1 Expect, type not allowed: 415 before the body",
        putHead("a.so") + expect
            + "Content-Type: application/x-sharedlib\r\nContent-Length: 1000\r\n\r\n",
        {415}, After::Either);
    row("RFC9110 10.1.1 Expect, no route: 404 before the body",
        "PUT /nowhere HTTP/1.1\r\nHost: t\r\n" + expect + "Content-Length: 1000\r\n\r\n", {404},
        After::Either);
    row("RFC9110 10.1.1 unknown expectation: 417",
        putHead("a.txt") + "Expect: 200-ok\r\nContent-Length: 1000\r\n\r\n", {417}, After::Closed);
    row("RFC9110 10.1.1 Expect with a list: 417",
        putHead("a.txt") + "Expect: 100-continue, x\r\nContent-Length: 1000\r\n\r\n", {417},
        After::Closed);
    row("RFC9110 10.1.1 Expect on HTTP/1.0 is ignored",
        "GET /healthz HTTP/1.0\r\nExpect: 200-ok\r\n\r\n", {200}, After::Closed);
    row("RFC9110 10.1.1 body sent without waiting for 100 Continue",
        withBody(putHead("eager.txt") + expect, "eager body\n"), {100, 201}, After::Usable, 1);
}

void tst_HostileInputFraming::addPipelining()
{
    row("RFC9112 9.3 pipelined requests are answered in order",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + getAs("alice", "/jobs/nope")
            + "GET /api/status HTTP/1.1\r\nHost: t\r\n\r\n",
        {200, 404, 401}, After::Usable);
    row("RFC9112 9.3 a bad request after a good one",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {200, 400}, After::Closed);
    row("RFC9112 9.3 a smuggling attempt after a good one",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            + withBody("POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin")
                           + "Transfer-Encoding: chunked\r\n",
                       "0\r\n\r\n"),
        {200, 400}, After::Closed);
    row("RFC9112 6.3 a request inside a GET body is not served",
        withBody("GET /healthz HTTP/1.1\r\nHost: t\r\n",
                 "GET /api/status HTTP/1.1\r\nHost: t\r\n\r\n"),
        {200}, After::Either);
    row("RFC9112 6.3 bytes after the body are the next request",
        put("next.txt", "hello") + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {201, 200},
        After::Usable, 1);
    row("RFC9112 9.3 a pipelined request after a refused upload is not served",
        putHead("big.txt") + "Content-Length: 2000000\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {413}, After::Either);
}

void tst_HostileInputFraming::addConnection()
{
    row("RFC9112 9.5 idle connection is closed without a response", {}, {}, After::Closed);
    row("RFC9112 9.6 client half-closes inside the head",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n" + Shut.toByteArray(), {}, After::Closed);
    row("RFC9112 6.3 body shorter than Content-Length, client half-closes",
        putHead("short.txt") + "Content-Length: 100000\r\n\r\n" + QByteArray(3000, 's')
            + Shut.toByteArray(),
        {}, After::Closed);
    row("RFC9112 9.5 head not complete within header_deadline_ms: 408",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n", {408}, After::Closed);
    row("RFC9112 9.5 body stalls for body_idle_timeout_ms: 408",
        putHead("stall.txt") + "Content-Length: 100000\r\n\r\n" + QByteArray(3000, 's'), {408},
        After::Closed);
    row("RFC9112 2.2 a few empty lines before the request are skipped",
        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {200}, After::Usable);
    row("RFC9112 2.2 many empty lines before the request",
        QByteArray("\r\n").repeated(40) + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400},
        After::Closed);
    row("RFC8446 5.1 TLS ClientHello on the plain port",
        bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), {400}, After::Closed);
}

QTEST_GUILESS_MAIN(tst_HostileInputFraming)
#include "tst_hostileinput_framing.moc"
