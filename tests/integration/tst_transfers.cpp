// What HttpServer reports about requests in flight (the operator's Transfers
// pane), and abortConnection(): the connection closes and the body sink
// cleans up as on a client disconnect.
#include "testroutes.h"
#include "testsupport.h"

#include <QDir>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

class tst_Transfers : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void reportsUploadInProgress();
    void reportsDownloadInProgress();
    void abortRemovesTempFileAndClosesConnection();
    void idleConnectionIsNoTransfer();
};

void tst_Transfers::reportsUploadInProgress()
{
    QTemporaryDir spool;
    ServerThread server([&](http::Router &r) { addTempFileRoute(r, spool.path()); });
    RawClient client(server.port());
    client.send("PUT /tempfile HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    client.send(QByteArray(300'000, 'a'));
    QTRY_VERIFY(!server.transfers().isEmpty() && server.transfers().first().bytesIn == 300'000);
    const http::Transfer t = server.transfers().first();
    QCOMPARE(t.method, u"PUT"_s);
    QCOMPARE(t.route, u"/tempfile"_s);
    QCOMPARE(t.path, u"/tempfile"_s);
    QCOMPARE(http::toString(t.phase), u"receiving"_s);
    QCOMPARE(t.totalIn, 1'000'000);
    QCOMPARE(t.totalOut, -1);
    QVERIFY(t.client.startsWith(u"127.0.0.1:"_s));
    QVERIFY(t.connectionId > 0);
    QVERIFY(qAbs(t.startedMs - QDateTime::currentMSecsSinceEpoch()) < 10'000);

    client.send(QByteArray(700'000, 'a'));
    QCOMPARE(client.read().status, 201);
    QTRY_VERIFY(server.transfers().isEmpty()); // answered: no longer in flight
}

void tst_Transfers::reportsDownloadInProgress()
{
    config::Limits limits;
    limits.responseHighWaterBytes = 64 * 1024;
    ServerThread server([](http::Router &r) { addTestRoutes(r); }, limits);
    RawClient client(server.port(), 16 * 1024); // reads nothing: the response stalls
    client.send(get("/bytes/50000000"));
    QTRY_VERIFY(!server.transfers().isEmpty() && server.transfers().first().writePauses > 0);
    const http::Transfer t = server.transfers().first();
    QCOMPARE(http::toString(t.phase), u"sending"_s);
    QCOMPARE(t.route, u"/bytes/{n}"_s);
    QVERIFY2(t.totalOut > 50'000'000 && t.totalOut < 50'000'400,
             qPrintable(QString::number(t.totalOut)));
    QVERIFY(t.bytesOut > 0 && t.bytesOut < t.totalOut);
    QCOMPARE(t.totalIn, 0);
}

void tst_Transfers::abortRemovesTempFileAndClosesConnection()
{
    QTemporaryDir spool;
    ServerThread server([&](http::Router &r) { addTempFileRoute(r, spool.path()); });
    RawClient client(server.port());
    client.send("PUT /tempfile HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    client.send(QByteArray(10'000, 'a'));
    QTRY_COMPARE(QDir(spool.path()).entryList(QDir::Files).size(), 1);
    QTRY_COMPARE(server.transfers().size(), 1);

    QVERIFY(!server.abortConnection(server.transfers().first().connectionId + 1000));
    QCOMPARE(probe().sinkAborts.load(), 0);
    QVERIFY(server.abortConnection(server.transfers().first().connectionId));
    QCOMPARE(probe().sinkAborts.load(), 1);
    QVERIFY(QDir(spool.path()).entryList(QDir::Files).isEmpty());
    QVERIFY(client.waitForClose());
    QTRY_COMPARE(server.stats().connections, 0);
    QVERIFY(server.transfers().isEmpty());
}

void tst_Transfers::idleConnectionIsNoTransfer()
{
    ServerThread server([](http::Router &r) { addTestRoutes(r); });
    RawClient client(server.port());
    client.send(get("/healthz"));
    QCOMPARE(client.read().status, 200);
    QTRY_COMPARE(server.stats().connections, 1); // kept alive
    QVERIFY(server.transfers().isEmpty());
}

QTEST_MAIN(tst_Transfers)
#include "tst_transfers.moc"
