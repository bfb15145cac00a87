// Misbehaving handlers, sinks, producers and clients: the connection must
// neither crash, hang, desynchronise nor leak its slot.
#include "testroutes.h"
#include "testsupport.h"

#include <QTest>

#include <sys/socket.h>

using namespace sluice;
using namespace sluice::test;

class tst_ConnectionFaults : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void producerFailingInsideReadTruncates();
    void producerLongerThanDeclaredIsCut();
    void producerShorterThanDeclaredAborts();
    void sinkRejectingInLastWriteClosesConnection();
    void handlerThatNeverAnswersGets503AtDeadline();
    void headThenBadRequestHasBody();
    void earlyRejectReachesClientStillSending();
    void absoluteFormTargetIsServed();
    void halfClosedClientIsTreatedAsGone();
};

void tst_ConnectionFaults::producerFailingInsideReadTruncates()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(get("/fail-in-read"));
    const Reply r = c.read(3000);
    QCOMPARE(r.status, 0); // head announced 100 bytes, none came: incomplete
    QVERIFY(c.waitForClose());
    QTRY_COMPARE(server.stats().connections, 0);
    QCOMPARE(request(server.port(), get("/healthz")).status, 200);
}

void tst_ConnectionFaults::producerLongerThanDeclaredIsCut()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(get("/lying/10/20") + get("/fast/2"));
    const Reply first = c.read();
    QCOMPARE(first.status, 200);
    QCOMPARE(first.body, QByteArray(10, 'x'));
    const Reply second = c.read(); // framing intact: the next response follows
    QCOMPARE(second.status, 200);
    QCOMPARE(second.body, QByteArray("fast 2"));
}

void tst_ConnectionFaults::producerShorterThanDeclaredAborts()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send(get("/lying/20/10") + get("/fast/2"));
    QCOMPARE(c.read(3000).status, 0); // never presented as complete
    QVERIFY(c.waitForClose());
}

void tst_ConnectionFaults::sinkRejectingInLastWriteClosesConnection()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("PUT /limited HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n01234567890123456789");
    const Reply r = c.read();
    QCOMPARE(r.status, 413);
    QCOMPARE(r.header("connection"), QByteArray("close"));
    QVERIFY(c.waitForClose());
    QTRY_COMPARE(server.stats().connections, 0);
    const http::ServerStats s = server.stats();
    QCOMPARE(s.requestsInFlight, 0);
    QCOMPARE(s.requestsTotal, quint64(1));
    QCOMPARE(probe().sinkFinishes.load(), 0);
    QCOMPARE(probe().sinkAborts.load(), 1);
}

void tst_ConnectionFaults::handlerThatNeverAnswersGets503AtDeadline()
{
    config::Limits limits;
    limits.responseDeadlineMs = 300;
    ServerThread server(addTestRoutes, limits);
    RawClient c(server.port());
    c.send(get("/never"));
    const Reply r = c.read();
    QCOMPARE(r.status, 503);
    QVERIFY(r.body.contains("response_deadline_ms"));
    QVERIFY(c.waitForClose());

    // A client that leaves while the handler works frees its slot long before
    // the deadline, even with a pipeline behind the request.
    ServerThread patient(addTestRoutes); // default deadline: minutes
    RawClient gone(patient.port());
    gone.send(get("/never") + QByteArray(100 * 1024, 'j'));
    QTRY_COMPARE(patient.stats().requestsInFlight, 1);
    gone.socket().abort();
    QTRY_COMPARE(patient.stats().connections, 0);
    QCOMPARE(patient.stats().requestsInFlight, 0);
}

void tst_ConnectionFaults::headThenBadRequestHasBody()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    c.send("HEAD /healthz HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(c.read(5000, true).status, 200);
    c.send("GET /healthz HTTP/1.1\r\n\r\n"); // no Host
    const Reply r = c.read();
    QCOMPARE(r.status, 400);
    QVERIFY(r.body.contains("Host"));
}

void tst_ConnectionFaults::earlyRejectReachesClientStillSending()
{
    ServerThread server(addTestRoutes);
    RawClient c(server.port());
    // The client sends its whole body without waiting; the server answers
    // 413 at once and must not reset the connection under the client.
    c.send("PUT /reject HTTP/1.1\r\nHost: t\r\nContent-Length: 8388608\r\n\r\n");
    c.socket().write(QByteArray(8 * 1024 * 1024, 'b'));
    const Reply r = c.read(10000);
    QCOMPARE(r.status, 413);
    QVERIFY(c.waitForClose(10000));
    QTRY_COMPARE(server.stats().connections, 0);
}

void tst_ConnectionFaults::absoluteFormTargetIsServed()
{
    ServerThread server(addTestRoutes);
    const Reply r = request(server.port(), "GET http://t/fast/7 HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("fast 7"));
}

// Decision 0015: a client that shuts down its sending side is treated as
// gone once the server reads the end of its stream (QTcpSocket closes the
// connection there). An answer written before that still arrives; a handler
// that answers later finds no connection, and its request is cleaned up.
void tst_ConnectionFaults::halfClosedClientIsTreatedAsGone()
{
    ServerThread server(addTestRoutes);
    {
        RawClient c(server.port());
        c.send(get("/healthz"));
        ::shutdown(int(c.socket().socketDescriptor()), SHUT_WR);
        QCOMPARE(c.read().status, 200); // answered within the read that saw the request
    }
    RawClient late(server.port());
    late.send(get("/slow/300"));
    ::shutdown(int(late.socket().socketDescriptor()), SHUT_WR);
    QVERIFY(late.waitForClose(2000)); // closed at once, not after the handler
    QTRY_COMPARE(server.stats().connections, 0);
    QCOMPARE(server.stats().requestsInFlight, 0);
    QTest::qWait(400); // the handler's answer comes to nothing, harmlessly
    QCOMPARE(request(server.port(), get("/healthz")).status, 200);
}

QTEST_GUILESS_MAIN(tst_ConnectionFaults)
#include "tst_connectionfaults.moc"
