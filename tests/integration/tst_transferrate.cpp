// The minimum transfer rate (issue 18; docs/decisions/0020): a request body
// or a response that moves slower than min_transfer_rate_bytes_per_s over
// min_transfer_rate_window_ms is ended with the usual cleanup, although it
// moves often enough to keep body_idle_timeout_ms from firing; one that is
// slow but above the minimum is served to its end.
#include "testroutes.h"
#include "testsupport.h"

#include <QDir>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;

namespace {

constexpr int WindowMs = 2'000;

config::Limits rateLimits(qint64 minBytesPerS)
{
    config::Limits limits;
    limits.minTransferRateBytesPerS = minBytesPerS;
    limits.minTransferRateWindowMs = WindowMs;
    limits.bodyIdleTimeoutMs = 30'000; // never reached: every trickle resets it
    return limits;
}

QStringList filesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::Files);
}

// A client that reads its answer slowly: a small receive buffer in the kernel
// and in Qt, so that what it has not read holds the server back soon.
class SlowReader
{
public:
    explicit SlowReader(quint16 port)
    {
        m_socket.bind(QHostAddress::LocalHost);
        m_socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 16 * 1024);
        m_socket.setReadBufferSize(4 * 1024);
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        m_socket.waitForConnected(5'000);
    }
    void send(const QByteArray &bytes)
    {
        m_socket.write(bytes);
        m_socket.flush();
    }
    // Reads up to `bytes` each 100 ms until done() or timeoutMs.
    template<typename Done> void readEvery100Ms(qint64 bytes, int timeoutMs, Done done)
    {
        QElapsedTimer clock;
        clock.start();
        while (!done() && clock.elapsed() < timeoutMs) {
            QTest::qWait(100);
            m_received += m_socket.read(bytes);
        }
    }
    qint64 bodyBytes() const
    {
        const qsizetype head = m_received.indexOf("\r\n\r\n");
        return head < 0 ? 0 : m_received.size() - head - 4;
    }
    const QByteArray &received() const { return m_received; }

private:
    QTcpSocket m_socket;
    QByteArray m_received;
};

} // namespace

class tst_TransferRate : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void tricklingUploadGets408AndLosesItsTempFile();
    void uploadAboveTheMinimumIsStored();
    void tricklingReaderIsCutOff();
    void readerAboveTheMinimumGetsEverything();
};

void tst_TransferRate::tricklingUploadGets408AndLosesItsTempFile()
{
    QTemporaryDir dir;
    ServerThread server(
        [&](http::Router &r) {
            addTestRoutes(r);
            addTempFileRoute(r, dir.path());
        },
        rateLimits(1'000));
    RawClient c(server.port());
    c.send("PUT /tempfile HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\nx");
    QTRY_COMPARE(filesIn(dir.path()).size(), 1);
    // One byte every 100 ms: 10 bytes/s against a minimum of 1000.
    QElapsedTimer clock;
    clock.start();
    while (c.socket().bytesAvailable() == 0 && c.isOpen() && clock.elapsed() < 5 * WindowMs) {
        c.send("x");
        QTest::qWait(100);
    }
    const Reply r = c.read();
    QCOMPARE(r.status, 408);
    QVERIFY2(r.body.contains("\"min_transfer_rate_bytes_per_s\""), r.body.constData());
    QVERIFY2(clock.elapsed() < 3 * WindowMs, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(c.waitForClose());
    QTRY_COMPARE(probe().sinkAborts.load(), 1);
    QCOMPARE(probe().sinkFinishes.load(), 0);
    QTRY_COMPARE(filesIn(dir.path()), QStringList());
    QTRY_COMPARE(server.stats().requestsInFlight, 0);
    QTRY_COMPARE(server.stats().connections, 0);
}

// 4000 bytes/s against a minimum of 500, for two and a half windows.
void tst_TransferRate::uploadAboveTheMinimumIsStored()
{
    QTemporaryDir dir;
    ServerThread server(
        [&](http::Router &r) {
            addTestRoutes(r);
            addTempFileRoute(r, dir.path());
        },
        rateLimits(500));
    constexpr int Pieces = 5 * WindowMs / 2 / 100;
    RawClient c(server.port());
    c.send("PUT /tempfile HTTP/1.1\r\nHost: t\r\nContent-Length: "
           + QByteArray::number(Pieces * 400) + "\r\n\r\n");
    for (int i = 0; i < Pieces && c.isOpen(); ++i) {
        c.send(QByteArray(400, 'x'));
        QTest::qWait(100);
    }
    const Reply r = c.read();
    QCOMPARE(r.status, 201);
    QCOMPARE(probe().sinkFinishes.load(), 1);
    QCOMPARE(probe().sinkAborts.load(), 0);
}

// An endless response read at 10 KiB/s against a minimum of 64 KiB/s: the
// client reads often, so body_idle_timeout_ms never fires; the rate does.
void tst_TransferRate::tricklingReaderIsCutOff()
{
    ServerThread server(addTestRoutes, rateLimits(64 * 1024));
    SlowReader c(server.port());
    c.send(get("/stream"));
    QElapsedTimer clock;
    clock.start();
    c.readEvery100Ms(1024, 10 * WindowMs, [] { return probe().producerAborts.load() > 0; });
    QVERIFY2(probe().producerAborts.load() == 1,
             QByteArray::number(c.received().size()).constData());
    QVERIFY2(clock.elapsed() < 4 * WindowMs, QByteArray::number(clock.elapsed()).constData());
    QVERIFY(c.bodyBytes() > 0); // it was being served before
    QTRY_COMPARE(server.stats().requestsInFlight, 0);
    QTRY_COMPARE(server.stats().connections, 0);
    QVERIFY(server.transfers().isEmpty());
}

// Read at about 60 KiB/s against a minimum of 8 KiB/s: slow enough that the
// client, not the buffers, sets the pace for longer than a window.
void tst_TransferRate::readerAboveTheMinimumGetsEverything()
{
    ServerThread server(addTestRoutes, rateLimits(8 * 1024));
    constexpr qint64 Bytes = 320 * 1024;
    SlowReader c(server.port());
    c.send(get("/bytes/" + QByteArray::number(Bytes)));
    QElapsedTimer clock;
    clock.start();
    c.readEvery100Ms(6 * 1024, 30'000, [&] { return c.bodyBytes() >= Bytes; });
    QCOMPARE(c.bodyBytes(), Bytes);
    QVERIFY(c.received().startsWith("HTTP/1.1 200 "));
    QCOMPARE(probe().producerAborts.load(), 0);
    QVERIFY2(clock.elapsed() > 2 * WindowMs, QByteArray::number(clock.elapsed()).constData());
}

QTEST_GUILESS_MAIN(tst_TransferRate)
#include "tst_transferrate.moc"
