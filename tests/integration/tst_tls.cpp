// HTTPS on the embedded server (docs/decisions/0027-tls.md): the handshake,
// hostile handshakes that close their connection only, the header deadline
// over the handshake, admission of connections still in their handshake,
// and backpressure through TLS.
#include "config/selfsigned.h"
#include "http/exchange.h"
#include "http/fileresponse.h"
#include "http/tlsserver.h"
#include "testroutes.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

namespace {

// An HTTPS client that trusts the test's certificate and nothing else.
class TlsClient
{
public:
    TlsClient(quint16 port, const QSslCertificate &trusted,
              QSsl::SslProtocol protocol = QSsl::TlsV1_2OrLater)
    {
        QSslConfiguration c = QSslConfiguration::defaultConfiguration();
        c.setCaCertificates({trusted});
        c.setProtocol(protocol);
        m_socket.setSslConfiguration(c);
        m_socket.connectToHostEncrypted(u"127.0.0.1"_s, port);
    }
    QSslSocket &socket() { return m_socket; }
    bool waitForEncrypted() { return m_socket.waitForEncrypted(5'000); }
    // Sends a request with "Connection: close" and reads until the server closes.
    QByteArray fetch(const QByteArray &path, int timeoutMs = 10'000)
    {
        m_socket.write(get(path, "Connection: close\r\n"));
        QByteArray out;
        QElapsedTimer clock;
        clock.start();
        while (m_socket.state() == QAbstractSocket::ConnectedState && clock.elapsed() < timeoutMs) {
            m_socket.waitForReadyRead(100);
            out += m_socket.readAll();
        }
        out += m_socket.readAll();
        return out;
    }

private:
    QSslSocket m_socket;
};

QByteArray bodyOf(const QByteArray &response)
{
    const qsizetype end = response.indexOf("\r\n\r\n");
    return end < 0 ? QByteArray() : response.mid(end + 4);
}

} // namespace

class tst_Tls : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init() { probe().reset(); }
    void healthzOverHttps();
    void tls11IsRefused();
    void configurationErrorsNameTheFile();
    void plainHttpToTheTlsPortIsClosed();
    void garbageClientHelloIsClosed();
    void stalledHandshakeClosedAtHeaderDeadline_data();
    void stalledHandshakeClosedAtHeaderDeadline();
    void connectionsInTheirHandshakeAreAdmittedAndEvicted();
    void fileDownloadDoesNotUseSendfile();
    void slowHttpsReaderKeepsServerBufferBounded();
    void fullSinkStopsReadingThroughTls();

private:
    QTemporaryDir m_dir;
    QString m_certificatePath;
    QString m_keyPath;
    QSslCertificate m_certificate;
    QSslConfiguration m_tls;
};

void tst_Tls::initTestCase()
{
    QVERIFY(QSslSocket::supportsSsl());
    const auto made = config::makeSelfSignedCertificate({});
    QVERIFY2(made, made ? "" : qPrintable(made.error().message));
    m_certificatePath = m_dir.filePath(u"certificate.pem"_s);
    m_keyPath = m_dir.filePath(u"key.pem"_s);
    for (const auto &[path, data] : {std::pair {m_certificatePath, made->certificatePem},
                                     std::pair {m_keyPath, made->privateKeyPem}}) {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(data);
    }
    m_certificate = QSslCertificate(made->certificatePem, QSsl::Pem);
    QVERIFY(!m_certificate.isNull());
    const auto loaded = http::loadTlsConfiguration(m_certificatePath, m_keyPath);
    QVERIFY2(loaded, loaded ? "" : qPrintable(loaded.error().message));
    m_tls = *loaded;
    QCOMPARE(m_tls.protocol(), QSsl::TlsV1_2OrLater);
}

void tst_Tls::healthzOverHttps()
{
    ServerThread server(addTestRoutes, {}, m_tls);
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.socket().sessionProtocol() >= QSsl::TlsV1_2);
    const QByteArray response = client.fetch("/healthz");
    QVERIFY2(response.startsWith("HTTP/1.1 200"), response.left(200).constData());
    QTRY_COMPARE(server.stats().connections, 0);
}

void tst_Tls::tls11IsRefused()
{
    ServerThread server(addTestRoutes, {}, m_tls);
    QT_WARNING_PUSH
    QT_WARNING_DISABLE_DEPRECATED
    TlsClient old(server.port(), m_certificate, QSsl::TlsV1_1);
    QT_WARNING_POP
    QVERIFY(!old.waitForEncrypted());
    // Only that connection: the next client is served.
    TlsClient client(server.port(), m_certificate, QSsl::TlsV1_2);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.fetch("/healthz").startsWith("HTTP/1.1 200"));
}

void tst_Tls::configurationErrorsNameTheFile()
{
    const QString missing = m_dir.filePath(u"missing.pem"_s);
    auto loaded = http::loadTlsConfiguration(missing, m_keyPath);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(missing), qPrintable(loaded.error().message));

    // A key where the certificate should be, and the other way round.
    loaded = http::loadTlsConfiguration(m_keyPath, m_keyPath);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(u"certificate "_s + m_keyPath),
             qPrintable(loaded.error().message));
    loaded = http::loadTlsConfiguration(m_certificatePath, m_certificatePath);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(u"private key "_s + m_certificatePath),
             qPrintable(loaded.error().message));

    // A key that is not the certificate's.
    const auto other = config::makeSelfSignedCertificate({u"other.example"_s});
    QVERIFY(other);
    const QString otherKey = m_dir.filePath(u"other-key.pem"_s);
    QFile f(otherKey);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(other->privateKeyPem);
    f.close();
    loaded = http::loadTlsConfiguration(m_certificatePath, otherKey);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(u"does not belong"_s),
             qPrintable(loaded.error().message));
}

void tst_Tls::plainHttpToTheTlsPortIsClosed()
{
    config::Limits limits;
    limits.headerDeadlineMs = 10'000;
    ServerThread server(addTestRoutes, limits, m_tls);
    RawClient plain(server.port());
    QElapsedTimer clock;
    clock.start();
    plain.send(get("/healthz"));
    QVERIFY(plain.waitForClose(5'000));
    QVERIFY2(clock.elapsed() < 5'000, "closed at once, not at the header deadline");
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.fetch("/healthz").startsWith("HTTP/1.1 200"));
    QTRY_COMPARE(server.stats().connections, 0);
}

void tst_Tls::garbageClientHelloIsClosed()
{
    config::Limits limits;
    limits.headerDeadlineMs = 10'000;
    ServerThread server(addTestRoutes, limits, m_tls);
    // A handshake record whose body is noise.
    RawClient garbage(server.port());
    garbage.send(QByteArray("\x16\x03\x01\x00\x40", 5) + QByteArray(64, '\xa5'));
    QVERIFY(garbage.waitForClose(5'000));
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.fetch("/healthz").startsWith("HTTP/1.1 200"));
    QTRY_COMPARE(server.stats().connections, 0);
}

void tst_Tls::stalledHandshakeClosedAtHeaderDeadline_data()
{
    QTest::addColumn<QByteArray>("sent");
    QTest::addRow("nothing") << QByteArray();
    // The record header of a ClientHello of 512 bytes, and no more.
    QTest::addRow("part of a ClientHello") << QByteArray("\x16\x03\x01\x02\x00\x01", 6);
}

void tst_Tls::stalledHandshakeClosedAtHeaderDeadline()
{
    QFETCH(QByteArray, sent);
    config::Limits limits;
    limits.headerDeadlineMs = 700;
    limits.keepAliveIdleTimeoutMs = 30'000;
    ServerThread server(addTestRoutes, limits, m_tls);
    RawClient stalled(server.port());
    QElapsedTimer clock;
    clock.start();
    if (!sent.isEmpty())
        stalled.send(sent);
    QVERIFY(stalled.waitForClose(5'000));
    QVERIFY2(clock.elapsed() >= 500 && clock.elapsed() < 3'000,
             qPrintable(u"closed after %1 ms"_s.arg(clock.elapsed())));
    QTRY_COMPARE(server.stats().connections, 0);

    // A handshake done in time leaves the first request what is left of it.
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.fetch("/healthz").startsWith("HTTP/1.1 200"));
}

// A connection in its handshake is a connection: it counts, and a full
// unauthenticated pool makes room by closing the quietest of them.
void tst_Tls::connectionsInTheirHandshakeAreAdmittedAndEvicted()
{
    config::Limits limits;
    limits.maxUnauthenticatedConnections = 3;
    limits.healthReserveConnections = 0;
    ServerThread server(addTestRoutes, limits, m_tls);
    std::vector<std::unique_ptr<RawClient>> stalled;
    for (int i = 0; i < 3; ++i)
        stalled.push_back(std::make_unique<RawClient>(server.port()));
    QTRY_COMPARE(server.stats().connections, 3);
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    QVERIFY(client.fetch("/healthz").startsWith("HTTP/1.1 200"));
    QVERIFY(stalled.front()->waitForClose(5'000)); // the quietest
    QVERIFY(stalled.back()->isOpen());
}

void tst_Tls::fileDownloadDoesNotUseSendfile()
{
    QByteArray content(3 * 1024 * 1024, Qt::Uninitialized);
    for (qsizetype i = 0; i < content.size(); ++i)
        content[i] = char((i * 7919) >> 8);
    const QString path = m_dir.filePath(u"download.bin"_s);
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(content);
    f.close();
    ServerThread server(
        [path](http::Router &r) {
            r.add("GET", u"/file"_s, http::Access::Public, [path](http::Exchange &ex) {
                ex.respond(http::fileResponse(ex.request(), path));
            });
        },
        {}, m_tls);
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    const QByteArray response = client.fetch("/file", 30'000);
    QVERIFY2(response.startsWith("HTTP/1.1 200"), response.left(200).constData());
    QVERIFY(bodyOf(response) == content);
    QCOMPARE(server.stats().sentDirectBytes, quint64(0));
}

// As tst_Backpressure::slowReaderKeepsServerBufferBounded, through TLS: what
// the server holds counts the records encrypted and not yet sent too.
void tst_Tls::slowHttpsReaderKeepsServerBufferBounded()
{
    config::Limits limits;
    limits.responseHighWaterBytes = 128 * 1024;
    ServerThread server(addTestRoutes, limits, m_tls);
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    client.socket().setReadBufferSize(4096);
    client.socket().write(get("/stream"));
    QTRY_VERIFY_WITH_TIMEOUT(server.stats().writePauses >= 1, 10'000);
    qint64 last = -1;
    const auto settled = [&] {
        const qint64 now = probe().produced;
        return std::exchange(last, now) == now;
    };
    QTRY_VERIFY_WITH_TIMEOUT(settled(), 10'000);
    const qint64 producedAtPause = probe().produced;
    QVERIFY2(producedAtPause < 32 * 1024 * 1024, qPrintable(QString::number(producedAtPause)));
    const http::ServerStats s = server.stats();
    const qint64 chunkFraming = 16;
    const qint64 recordOverhead = 4 * 1024; // TLS records of 16 KiB, a few dozen bytes each
    const qint64 bound = limits.responseHighWaterBytes + http::Connection::PieceBytes + chunkFraming
        + recordOverhead;
    QVERIFY2(s.peakBytesToWrite <= bound,
             qPrintable(u"peak unsent bytes %1, bound %2"_s.arg(s.peakBytesToWrite).arg(bound)));
    QVERIFY2(s.sendBufferPeakBytes <= bound,
             qPrintable(u"send budget peak %1, bound %2"_s.arg(s.sendBufferPeakBytes).arg(bound)));
    // Held now, in user space: the plaintext Qt holds and the records it has not sent.
    QVERIFY2(s.sendBufferBytes > 0 && s.sendBufferBytes <= bound,
             qPrintable(u"held %1, bound %2"_s.arg(s.sendBufferBytes).arg(bound)));

    // Reading resumes the producer.
    client.socket().setReadBufferSize(0);
    QTRY_VERIFY_WITH_TIMEOUT(
        (client.socket().readAll(), probe().produced > producedAtPause + 1024 * 1024), 10'000);
    client.socket().abort();
    QTRY_COMPARE(probe().producerAborts.load(), 1);
    QTRY_COMPARE(server.stats().connections, 0);
}

// As tst_Backpressure::fullSinkStopsReadingAndResumes, through TLS: the TLS
// socket's buffers are bounded too, so the client cannot send it all.
void tst_Tls::fullSinkStopsReadingThroughTls()
{
    config::Limits limits;
    limits.socketReadBufferBytes = 64 * 1024;
    ServerThread server(addTestRoutes, limits, m_tls);
    probe().holdSink = true;
    probe().sinkCapacity = 128 * 1024;
    const qint64 total = 48 * 1024 * 1024;
    QByteArray body(total, Qt::Uninitialized);
    for (qint64 i = 0; i < total; ++i)
        body[i] = char(i * 7 + 3);
    TlsClient client(server.port(), m_certificate);
    QVERIFY2(client.waitForEncrypted(), qPrintable(client.socket().errorString()));
    client.socket().write("PUT /sink HTTP/1.1\r\nHost: t\r\n" + bearer(adminToken())
                          + "Content-Length: " + QByteArray::number(total) + "\r\n\r\n");
    client.socket().write(body);

    QTRY_VERIFY_WITH_TIMEOUT(server.stats().readPauses >= 1, 10'000);
    for (int i = 0; i < 5; ++i) {
        QTest::qWait(20);
        QVERIFY(probe().sinkBytes <= probe().sinkCapacity + 64 * 1024);
    }
    const auto unsent = [&] {
        return client.socket().bytesToWrite() + client.socket().encryptedBytesToWrite();
    };
    QVERIFY2(unsent() > total / 2, qPrintable(QString::number(unsent())));

    server.run([] { CountingSink::current->release(); });
    QByteArray response;
    QElapsedTimer clock;
    clock.start();
    while (!QJsonDocument::fromJson(bodyOf(response)).isObject() && clock.elapsed() < 30'000) {
        client.socket().waitForReadyRead(100);
        response += client.socket().readAll();
    }
    QVERIFY2(response.startsWith("HTTP/1.1 201"), response.left(300).constData());
    const QJsonObject o = QJsonDocument::fromJson(bodyOf(response)).object();
    QCOMPARE(o.value(QLatin1String("bytes")).toInteger(), total);
}

QTEST_GUILESS_MAIN(tst_Tls)
#include "tst_tls.moc"
