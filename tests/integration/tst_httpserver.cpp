// The HTTP core against real sockets: hostile framing, keep-alive and
// pipelining, timeouts, auth, 100-continue and connection caps.
#include "testroutes.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>
#include <QTimer>

using namespace sluice;
using namespace sluice::test;

class tst_HttpServer : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void healthz();
    void headHasNoBody();
    void badInput_data();
    void badInput();
    void notFoundAndMethodNotAllowed();
    void keepAliveReusesConnection();
    void http10ClosesByDefault();
    void pipelinedResponsesStayInOrder();
    void badRequestAfterGoodOnePipelined();
    void slowlorisGets408AtDeadline();
    void idleKeepAliveConnectionIsClosed();
    void connectionCloseAfterLargeResponseIsPrompt();
    void bodyIdleTimeoutAbortsSink();
    void auth_data();
    void auth();
    void expectContinueAccepted();
    void bodylessPostIsAnEmptyBody();
    void expectContinueRefused_data();
    void expectContinueRefused();
    void connectionCapPerClient();
    void connectionCapTotal();
};

void tst_HttpServer::healthz()
{
    ServerThread server(addTestRoutes);
    const Reply r = request(server.port(), get("/healthz"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok\n"));
    QVERIFY(!r.header("date").isEmpty());
    QVERIFY(!r.header("x-request-id").isEmpty());
}

void tst_HttpServer::headHasNoBody()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("HEAD /bytes/1000 HTTP/1.1\r\nHost: t\r\n\r\n");
    const Reply r = c.read(5000, true);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-length"), QByteArray("1000"));
    // The next response must follow directly: no body bytes in between.
    c.send(get("/healthz"));
    QCOMPARE(c.read().body, QByteArray("ok\n"));
}

void tst_HttpServer::badInput_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    const QByteArray h = "Host: t\r\n";
    QTest::addRow("CL+TE") << QByteArray(
        "PUT /sink HTTP/1.1\r\n" + h
        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
                           << 400;
    QTest::addRow("differing CL") << QByteArray(
        "PUT /sink HTTP/1.1\r\n" + h + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello")
                                  << 400;
    QTest::addRow("TE gzip") << QByteArray("PUT /sink HTTP/1.1\r\n" + h
                                           + "Transfer-Encoding: gzip, chunked\r\n\r\n")
                             << 501;
    QTest::addRow("TE HTTP/1.0") << QByteArray(
        "PUT /sink HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << 400;
    QTest::addRow("no Host") << QByteArray("GET /healthz HTTP/1.1\r\n\r\n") << 400;
    QTest::addRow("two Hosts") << QByteArray("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n")
                               << 400;
    QTest::addRow("long request line")
        << QByteArray("GET /" + QByteArray(9000, 'x') + " HTTP/1.1\r\n" + h + "\r\n") << 414;
    QTest::addRow("big header") << QByteArray("GET / HTTP/1.1\r\n" + h
                                              + "X: " + QByteArray(17 * 1024, 'x') + "\r\n\r\n")
                                << 431;
    QByteArray many = "GET / HTTP/1.1\r\n" + h;
    for (int i = 0; i < 120; ++i)
        many += "X-" + QByteArray::number(i) + ": 1\r\n";
    QTest::addRow("many fields") << QByteArray(many + "\r\n") << 431;
    QTest::addRow("chunk ext") << QByteArray("PUT /sink HTTP/1.1\r\n" + h + bearer(adminToken())
                                             + "Transfer-Encoding: chunked\r\n\r\n1;"
                                             + QByteArray(17 * 1024, 'e') + "\r\n")
                               << 413;
    QTest::addRow("unknown method") << QByteArray("BREW / HTTP/1.1\r\n" + h + "\r\n") << 501;
    QTest::addRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
    QTest::addRow("bare CR") << QByteArray("GET /healthz HTTP/1.1\r\nHost: t\rX: y\r\n\r\n") << 400;
    QTest::addRow("bare LF") << QByteArray("GET /healthz HTTP/1.1\nHost: t\n\n") << 400;
    QTest::addRow("CRLF CR X") << QByteArray("GET /healthz HTTP/1.1\r\nHost: t\r\n\rX") << 400;
    QTest::addRow("obs-fold") << QByteArray(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n")
                              << 400;
    QTest::addRow("space before colon")
        << QByteArray("GET /healthz HTTP/1.1\r\nHost : t\r\n\r\n") << 400;
    QTest::addRow("NUL") << QByteArrayLiteral("GET /healthz HTTP/1.1\r\nHost: t\r\nX: \0\r\n\r\n")
                         << 400;
    QTest::addRow("bad chunk size")
        << QByteArray("PUT /sink HTTP/1.1\r\n" + h + bearer(adminToken())
                      + "Transfer-Encoding: chunked\r\n\r\nxyz\r\n")
        << 400;
    QTest::addRow("overflowing chunk size")
        << QByteArray("PUT /sink HTTP/1.1\r\n" + h + bearer(adminToken())
                      + "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n")
        << 400;
}

void tst_HttpServer::badInput()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(raw);
    const Reply r = c.read();
    QCOMPARE(r.status, status);
    QCOMPARE(r.header("connection"), QByteArray("close"));
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QJsonObject body = QJsonDocument::fromJson(r.body).object();
    QVERIFY2(!body.value(QLatin1String("error")).toString().isEmpty(), r.body.constData());
    QVERIFY(c.waitForClose());
    // The server keeps serving others.
    QCOMPARE(request(server.port(), get("/healthz")).status, 200);
    QCOMPARE(probe().sinkFinishes.load(), 0);
}

void tst_HttpServer::notFoundAndMethodNotAllowed()
{
    ServerThread server(addTestRoutes);
    QCOMPARE(request(server.port(), get("/nope")).status, 404);
    const Reply r = request(server.port(), "DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(r.status, 405);
    QCOMPARE(r.header("allow"), QByteArray("GET"));
}

void tst_HttpServer::keepAliveReusesConnection()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    for (int i = 0; i < 5; ++i) {
        c.send(get("/fast/" + QByteArray::number(i)));
        const Reply r = c.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, "fast " + QByteArray::number(i));
        QVERIFY(r.header("connection").isEmpty());
    }
    QVERIFY(c.isOpen());
    QCOMPARE(server.stats().connections, 1);
}

void tst_HttpServer::http10ClosesByDefault()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("GET /healthz HTTP/1.0\r\n\r\n");
    const Reply r = c.read();
    QCOMPARE(r.status, 200);
    QVERIFY(c.waitForClose());
}

void tst_HttpServer::pipelinedResponsesStayInOrder()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    // The first answer comes late, the others at once: order must hold anyway.
    c.send(get("/slow/150") + get("/fast/2") + get("/slow/10") + get("/fast/4"));
    QCOMPARE(c.read().body, QByteArray("slow 150"));
    QCOMPARE(c.read().body, QByteArray("fast 2"));
    QCOMPARE(c.read().body, QByteArray("slow 10"));
    QCOMPARE(c.read().body, QByteArray("fast 4"));
}

void tst_HttpServer::badRequestAfterGoodOnePipelined()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(get("/fast/1") + "GET /x HTTP/1.1\r\nHost : t\r\n\r\n" + get("/fast/3"));
    QCOMPARE(c.read().body, QByteArray("fast 1"));
    const Reply bad = c.read();
    QCOMPARE(bad.status, 400);
    QVERIFY(c.waitForClose());
}

void tst_HttpServer::slowlorisGets408AtDeadline()
{
    config::Limits limits;
    limits.headerDeadlineMs = 400;
    ServerThread server(addTestRoutes, limits);
    RawClient c(server.port());
    // One byte every 50 ms keeps the connection busy but never finishes the
    // head: the deadline is absolute, so it must still fire.
    const QByteArray head = "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: " + QByteArray(200, 'a');
    QElapsedTimer clock;
    clock.start();
    qsizetype sent = 0;
    QTimer drip;
    QObject::connect(&drip, &QTimer::timeout, [&] {
        if (sent < head.size())
            c.send(head.mid(sent++, 1));
    });
    drip.start(50);
    QTRY_VERIFY_WITH_TIMEOUT(c.socket().bytesAvailable() > 0 || !c.isOpen(), 5000);
    drip.stop();
    QVERIFY(clock.elapsed() >= limits.headerDeadlineMs);
    const Reply r = c.read();
    QCOMPARE(r.status, 408);
    QVERIFY(r.body.contains("header_deadline_ms"));
    QVERIFY(c.waitForClose());
}

void tst_HttpServer::idleKeepAliveConnectionIsClosed()
{
    config::Limits limits;
    limits.keepAliveIdleTimeoutMs = 300;
    ServerThread server(addTestRoutes, limits);
    RawClient c(server.port());
    c.send(get("/healthz"));
    QCOMPARE(c.read().status, 200);
    QVERIFY(c.waitForClose(5000));
    QTRY_COMPARE(server.stats().connections, 0);
}

// "Connection: close" after a response large enough to finish inside Qt's
// bytesWritten signal: the close must follow the last byte, not wait for
// body_idle_timeout_ms (it did, once finishResponse() flushed from inside
// that signal, where Qt does not report what a flush writes).
void tst_HttpServer::connectionCloseAfterLargeResponseIsPrompt()
{
    config::Limits limits;
    limits.bodyIdleTimeoutMs = 20'000;
    ServerThread server(addTestRoutes, limits);
    constexpr qint64 Bytes = 8 * 1024 * 1024;
    for (int i = 0; i < 10; ++i) {
        RawClient c(server.port(), 256 * 1024);
        c.send(get("/bytes/" + QByteArray::number(Bytes), "Connection: close\r\n"));
        const Reply r = c.read(10'000);
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body.size(), Bytes);
        QElapsedTimer afterBody;
        afterBody.start();
        QVERIFY2(c.waitForClose(5'000), "the server kept the connection after its response");
        QVERIFY2(afterBody.elapsed() < 2'000, QByteArray::number(afterBody.elapsed()).constData());
    }
}

void tst_HttpServer::bodyIdleTimeoutAbortsSink()
{
    config::Limits limits;
    limits.bodyIdleTimeoutMs = 300;
    ServerThread server(addTestRoutes, limits);
    RawClient c(server.port());
    c.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
           + "Content-Length: 100\r\n\r\n0123456789");
    const Reply r = c.read();
    QCOMPARE(r.status, 408);
    QVERIFY(r.body.contains("body_idle_timeout_ms"));
    QTRY_COMPARE(probe().sinkAborts.load(), 1);
    QCOMPARE(probe().sinkFinishes.load(), 0);
}

void tst_HttpServer::auth_data()
{
    QTest::addColumn<QByteArray>("path");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::addRow("no token") << QByteArray("/secure") << QByteArray() << 401;
    QTest::addRow("wrong token") << QByteArray("/secure") << bearer(QStringLiteral("sluice_nope"))
                                 << 401;
    QTest::addRow("basic scheme") << QByteArray("/secure")
                                  << QByteArray("Authorization: Basic dXNlcjpwYXNz\r\n") << 401;
    QTest::addRow("viewer") << QByteArray("/secure") << bearer(viewerToken()) << 200;
    QTest::addRow("viewer on admin route")
        << QByteArray("/admin-only") << bearer(viewerToken()) << 403;
    QTest::addRow("admin on admin route")
        << QByteArray("/admin-only") << bearer(adminToken()) << 200;
    QTest::addRow("healthz is public") << QByteArray("/healthz") << QByteArray() << 200;
}

void tst_HttpServer::auth()
{
    QFETCH(QByteArray, path);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    ServerThread server(addTestRoutes);
    const Reply r = request(server.port(), get(path, headers));
    QCOMPARE(r.status, status);
    if (status == 401)
        QVERIFY(r.header("www-authenticate").startsWith("Bearer"));
}

// RFC 9112 §6.3: curl -X POST sends neither Content-Length nor
// Transfer-Encoding, which means an empty body, not 411; the connection stays
// in sync for the next pipelined request.
void tst_HttpServer::bodylessPostIsAnEmptyBody()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
           + "\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    const Reply first = c.read();
    QCOMPARE(first.status, 201);
    QCOMPARE(QJsonDocument::fromJson(first.body).object().value(QLatin1String("bytes")).toInt(-1),
             0);
    QCOMPARE(c.read().status, 200);
    QCOMPARE(probe().sinkFinishes, 1);
}

void tst_HttpServer::expectContinueAccepted()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
           + "Expect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    QCOMPARE(c.read().status, 100);
    c.send("hello");
    const Reply r = c.read();
    QCOMPARE(r.status, 201);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QLatin1String("bytes")).toInt(), 5);
    QVERIFY(c.isOpen()); // the body was read: the connection stays usable
}

void tst_HttpServer::expectContinueRefused_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addRow("rejected by handler")
        << QByteArray("PUT /reject HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: "
                      "1000000\r\n\r\n")
        << 413;
    QTest::addRow("not authorized") << QByteArray(
        "PUT /sink HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 1000000\r\n\r\n")
                                    << 401;
    QTest::addRow("unknown expectation") << QByteArray(
        "PUT /sink HTTP/1.1\r\nHost: t\r\nExpect: something\r\nContent-Length: 10\r\n\r\n")
                                         << 417;
}

void tst_HttpServer::expectContinueRefused()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(raw);
    const Reply r = c.read();
    QCOMPARE(r.status, status); // the final answer, never 100 first
    QCOMPARE(r.header("connection"), QByteArray("close"));
    QVERIFY(c.waitForClose());
    QCOMPARE(probe().sinkBytes.load(), 0);
}

void tst_HttpServer::connectionCapPerClient()
{
    config::Limits limits;
    limits.maxConnectionsPerClient = 2;
    ServerThread server(addTestRoutes, limits);
    RawClient a(server.port());
    RawClient b(server.port());
    QTRY_COMPARE(server.stats().connections, 2);
    RawClient c(server.port());
    const Reply r = c.read();
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("retry-after"), QByteArray("1"));
    QVERIFY(r.body.contains("max_connections_per_client"));
    // The admitted ones still work.
    a.send(get("/healthz"));
    QCOMPARE(a.read().status, 200);
}

void tst_HttpServer::connectionCapTotal()
{
    config::Limits limits;
    limits.maxConnections = 3;
    ServerThread server(addTestRoutes, limits);
    RawClient a(server.port());
    RawClient b(server.port());
    RawClient c(server.port());
    QTRY_COMPARE(server.stats().connections, 3);
    RawClient d(server.port());
    const Reply r = d.read();
    QCOMPARE(r.status, 503);
    QVERIFY(r.body.contains("\"max_connections\""));
    QVERIFY(d.waitForClose());
    // Room again once one leaves.
    a.socket().abort();
    QTRY_COMPARE(server.stats().connections, 2);
    QCOMPARE(request(server.port(), get("/healthz")).status, 200);
}

QTEST_GUILESS_MAIN(tst_HttpServer)
#include "tst_httpserver.moc"
