// Flow control both ways and graceful shutdown, against real sockets.
#include "testroutes.h"
#include "testsupport.h"

#include <QDeadlineTimer>
#include <QHash>
#include <QJsonDocument>
#include <QJsonObject>
#include <QScopeGuard>
#include <QTest>

#include <thread>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

class tst_Backpressure : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void slowReaderKeepsServerBufferBounded();
    void manySlowReadersShareTheSendBudget();
    void clientsThatReadNothingGiveTheBudgetBack();
    void fullSinkStopsReadingAndResumes();
    void chunkedBodyThroughFullSink();
    void clientAbortMidBodyAbortsSink();
    void clientAbortMidResponseAbortsProducer();
    void shutdownLetsRequestInFlightFinish();
    void shutdownAbortsStragglersAfterGrace();
};

void tst_Backpressure::slowReaderKeepsServerBufferBounded()
{
    config::Limits limits;
    limits.responseHighWaterBytes = 128 * 1024;
    ServerThread server(addTestRoutes, limits);
    // The client lets Qt buffer only 4 KiB and reads nothing: the kernel
    // buffers fill, then the server's socket backlog must stop growing.
    RawClient c(server.port(), 4096);
    c.send(get("/stream"));
    QTRY_VERIFY_WITH_TIMEOUT(server.stats().writePauses >= 1, 10000);
    // Once the kernel's buffers are full too, production stops for good: wait
    // until two polls agree, then check it stopped near what loopback holds.
    qint64 last = -1;
    const auto settled = [&] {
        const qint64 now = probe().produced;
        return std::exchange(last, now) == now;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 10000);
    const qint64 producedAtPause = probe().produced;
    QVERIFY2(producedAtPause < 32 * 1024 * 1024, qPrintable(QString::number(producedAtPause)));
    const http::ServerStats s = server.stats();
    const qint64 chunkFraming = 16;
    QVERIFY2(s.peakBytesToWrite <= limits.responseHighWaterBytes + 64 * 1024 + chunkFraming,
             qPrintable(QStringLiteral("peak unsent bytes %1").arg(s.peakBytesToWrite)));

    // Reading resumes the producer.
    c.socket().setReadBufferSize(0);
    QTRY_VERIFY(probe().produced > producedAtPause + 1024 * 1024);
    c.socket().abort();
    QTRY_COMPARE(probe().producerAborts.load(), 1);
    QTRY_COMPARE(server.stats().connections, 0);
}

namespace {

constexpr int SlowClients = 40;
constexpr qint64 Heads = SlowClients * 512; // response heads are counted, not held back

// Response bytes the kernel took for each /stream, by client address.
QHash<QString, qint64> streamBytesSent(const ServerThread &server)
{
    QHash<QString, qint64> sent;
    for (const http::Transfer &t : server.transfers())
        if (t.path == u"/stream"_s)
            sent.insert(t.client, t.bytesOut);
    return sent;
}

} // namespace

// The high-water mark bounds one connection; max_send_buffer_bytes bounds
// them all: 40 clients that read slowly would hold 40 high-water marks, but
// hold the budget at most, every one of them moves, and a client that reads
// fast still gets its whole answer.
void tst_Backpressure::manySlowReadersShareTheSendBudget()
{
    config::Limits limits;
    limits.maxSendBufferBytes = 1024 * 1024;
    ServerThread server(addTestRoutes, limits);
    QVERIFY2(SlowClients * limits.responseHighWaterBytes > 8 * limits.maxSendBufferBytes,
             "the connections alone would hold far more than the budget");
    std::vector<std::unique_ptr<RawClient>> slow;
    for (int i = 0; i < SlowClients; ++i) {
        slow.push_back(std::make_unique<RawClient>(server.port(), 4096));
        slow.back()->send(get("/stream"));
    }
    QTRY_VERIFY_WITH_TIMEOUT(streamBytesSent(server).size() == SlowClients, 20'000);
    // The budget is what holds them back: it filled, with each connection
    // far below its high-water mark; then, once their kernel buffers are
    // full too, only what they read moves.
    QTRY_VERIFY_WITH_TIMEOUT(server.stats().sendBufferPeakBytes
                                 > limits.maxSendBufferBytes - http::Connection::PieceBytes,
                             30'000);
    QHash<QString, qint64> before;
    QTRY_VERIFY_WITH_TIMEOUT(std::exchange(before, streamBytesSent(server)) == before, 30'000);

    // Now they read, 4 KiB each every few milliseconds, while one client reads fast.
    RawClient fast(server.port());
    fast.send(get("/bytes/4194304"));
    QByteArray fastBytes;
    const auto slowOnesRead = [&] {
        for (auto &c : slow)
            c->socket().read(4096);
    };
    QDeadlineTimer deadline(60'000);
    while (!deadline.hasExpired()) {
        slowOnesRead();
        fastBytes += fast.socket().readAll();
        const QHash<QString, qint64> now = streamBytesSent(server);
        const bool everyoneMoved
            = std::all_of(before.keyValueBegin(), before.keyValueEnd(), [&](const auto &kv) {
                  return now.value(kv.first) > kv.second + 256 * 1024;
              });
        if (everyoneMoved && fastBytes.size() >= 4194304 + 40) // head included
            break;
        QTest::qWait(5); // every client socket reads in the event loop
    }
    QVERIFY2(fastBytes.startsWith("HTTP/1.1 200"), fastBytes.left(100).constData());
    QVERIFY2(fastBytes.size() >= 4194304, qPrintable(QString::number(fastBytes.size())));
    const QHash<QString, qint64> after = streamBytesSent(server);
    for (auto it = before.cbegin(); it != before.cend(); ++it)
        QVERIFY2(after.value(it.key()) > it.value() + 256 * 1024,
                 qPrintable(u"%1 moved from %2 to %3 bytes"_s.arg(it.key())
                                .arg(it.value())
                                .arg(after.value(it.key()))));
    QVERIFY2(server.stats().sendBufferPeakBytes <= limits.maxSendBufferBytes + Heads,
             qPrintable(QString::number(server.stats().sendBufferPeakBytes)));
    for (auto &c : slow)
        c->socket().abort();
    fast.socket().abort();
    QTRY_COMPARE(server.stats().connections, 0);
    QCOMPARE(server.stats().sendBufferBytes, 0);
    QCOMPARE(server.stats().sendBufferWaiting, 0);
}

// Clients that read nothing at all hold at most the budget together, and
// give it back when body_idle_timeout_ms cuts them: nothing stays counted
// and no one stays in line.
void tst_Backpressure::clientsThatReadNothingGiveTheBudgetBack()
{
    config::Limits limits;
    limits.maxSendBufferBytes = 1024 * 1024;
    limits.bodyIdleTimeoutMs = 1'000;
    limits.responseDeadlineMs = 1'000; // for those waiting in line with nothing sent
    ServerThread server(addTestRoutes, limits);
    std::vector<std::unique_ptr<RawClient>> stalled;
    for (int i = 0; i < SlowClients; ++i) {
        stalled.push_back(std::make_unique<RawClient>(server.port(), 4096));
        stalled.back()->send(get("/stream"));
    }
    QTRY_VERIFY_WITH_TIMEOUT(server.stats().sendBufferPeakBytes
                                 > limits.maxSendBufferBytes - http::Connection::PieceBytes,
                             20'000);
    QTRY_COMPARE_WITH_TIMEOUT(server.stats().connections, 0, 30'000);
    const http::ServerStats s = server.stats();
    QVERIFY2(s.sendBufferPeakBytes <= limits.maxSendBufferBytes + Heads,
             qPrintable(QString::number(s.sendBufferPeakBytes)));
    QCOMPARE(s.sendBufferBytes, 0);
    QCOMPARE(s.sendBufferWaiting, 0);
    QCOMPARE(probe().producerAborts.load(), SlowClients);
}

void tst_Backpressure::fullSinkStopsReadingAndResumes()
{
    config::Limits limits;
    limits.socketReadBufferBytes = 64 * 1024;
    ServerThread server(addTestRoutes, limits);
    probe().holdSink = true;
    probe().sinkCapacity = 128 * 1024;
    const qint64 total = 48 * 1024 * 1024; // well above what loopback buffers hold
    QByteArray body(total, Qt::Uninitialized);
    for (qint64 i = 0; i < total; ++i)
        body[i] = char(i * 7 + 3);
    RawClient c(server.port());
    c.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
           + "Content-Length: " + QByteArray::number(total) + "\r\n\r\n");
    c.socket().write(body);

    QTRY_VERIFY_WITH_TIMEOUT(server.stats().readPauses >= 1, 10000);
    // While the sink is full the server reads no further: the sink holds at
    // most its capacity plus one piece, and the client cannot send it all.
    for (int i = 0; i < 5; ++i) {
        QTest::qWait(20);
        QVERIFY(probe().sinkBytes <= probe().sinkCapacity + 64 * 1024);
    }
    QVERIFY(probe().sinkPeakBuffered <= probe().sinkCapacity + 64 * 1024);
    QVERIFY(c.socket().bytesToWrite() > 0);

    server.run([] { CountingSink::current->release(); });
    const Reply r = c.read(30000);
    QCOMPARE(r.status, 201);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QCOMPARE(o.value(QLatin1String("bytes")).toInteger(), total);
    quint32 sum = 0;
    for (char ch : body)
        sum = sum * 31 + quint8(ch);
    QCOMPARE(o.value(QLatin1String("sum")).toInteger(), qint64(sum));
}

void tst_Backpressure::chunkedBodyThroughFullSink()
{
    ServerThread server(addTestRoutes);
    probe().holdSink = true;
    probe().sinkCapacity = 1024;
    RawClient c(server.port());
    QByteArray raw = "PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
        + "Transfer-Encoding: chunked\r\n\r\n";
    qint64 total = 0;
    for (int i = 1; i <= 200; ++i) {
        const QByteArray chunk(i * 37, char('a' + i % 26));
        raw += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
        total += chunk.size();
    }
    c.send(raw + "0\r\n\r\n");
    QTRY_VERIFY(server.stats().readPauses >= 1);
    server.run([] { CountingSink::current->release(); });
    const Reply r = c.read();
    QCOMPARE(r.status, 201);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(QLatin1String("bytes")).toInteger(),
             total);
}

void tst_Backpressure::clientAbortMidBodyAbortsSink()
{
    ServerThread server(addTestRoutes);
    {
        RawClient c(server.port());
        c.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
               + "Content-Length: 1000000\r\n\r\n" + QByteArray(5000, 'x'));
        QTRY_VERIFY(probe().sinkBytes >= 5000);
        c.socket().abort();
    }
    QTRY_COMPARE(probe().sinkAborts.load(), 1);
    QCOMPARE(probe().sinkFinishes.load(), 0);
    QTRY_COMPARE(server.stats().connections, 0);
    QCOMPARE(server.stats().requestsInFlight, 0);
}

void tst_Backpressure::clientAbortMidResponseAbortsProducer()
{
    ServerThread server(addTestRoutes);
    {
        RawClient c(server.port(), 4096);
        c.send(get("/stream"));
        QTRY_VERIFY(server.stats().writePauses >= 1);
        c.socket().abort();
    }
    QTRY_COMPARE(probe().producerAborts.load(), 1);
    QTRY_COMPARE(server.stats().connections, 0);
}

void tst_Backpressure::shutdownLetsRequestInFlightFinish()
{
    ServerThread server(addTestRoutes);
    RawClient busy(server.port());
    RawClient idle(server.port());
    busy.send(get("/slow/300"));
    QTRY_COMPARE(server.stats().requestsInFlight, 1);
    QTRY_COMPARE(server.stats().connections, 2);
    server.run([&] {}); // nothing: just make sure the request is in
    // shutdown() blocks until the server reports stopped: call it from another thread.
    std::thread stopper([&server] { server.shutdown(); });
    const auto joinOnExit = qScopeGuard([&] {
        if (stopper.joinable())
            stopper.join();
    });
    QVERIFY(idle.waitForClose()); // idle keep-alive connections go at once
    const Reply r = busy.read();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("slow 300"));
    QCOMPARE(r.header("connection"), QByteArray("close"));
    QVERIFY(busy.waitForClose());
    QTRY_COMPARE(server.stats().connections, 0);
    stopper.join();
    QCOMPARE(server.stoppedCount(), 1);
    // No longer accepting.
    RawClient late(server.port());
    QVERIFY(!late.isOpen() || late.waitForClose());
}

void tst_Backpressure::shutdownAbortsStragglersAfterGrace()
{
    config::Limits limits;
    limits.shutdownGraceMs = 300;
    ServerThread server(addTestRoutes, limits);
    RawClient never(server.port());
    never.send(get("/never"));
    RawClient uploading(server.port());
    uploading.send("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
                   + "Content-Length: 100000\r\n\r\nabc");
    QTRY_VERIFY(probe().sinkBytes >= 3);
    QVERIFY(server.shutdown(5000));
    server.run([] {}); // let anything already posted on the server thread run
    QCOMPARE(server.stoppedCount(), 1);
    QCOMPARE(probe().sinkAborts.load(), 1);
    QVERIFY(never.waitForClose());
    QVERIFY(uploading.waitForClose());
    QCOMPARE(server.stats().connections, 0);
    QCOMPARE(server.stats().requestsInFlight, 0);
}

QTEST_GUILESS_MAIN(tst_Backpressure)
#include "tst_backpressure.moc"
