// A revoked token ends what it has in flight (issue 18, finding 5), against a
// real sluiced revoked with `sluiced token revoke`: a live export to a slow
// reader, a download and an upload stop within a second or two of the
// command, with their usual cleanup, while another account's go on.
#include "accounttesting.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>

#include <algorithm>

using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

// A client that reads nothing until told to: its kernel buffers fill and the
// server stops sending (the slow reader).
std::unique_ptr<RawClient> slowReader(quint16 port, const QByteArray &request)
{
    auto client = std::make_unique<RawClient>(port, 16 * 1024);
    client->socket().setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 32 * 1024);
    client->send(request);
    return client;
}

struct Drained
{
    QByteArray bytes;
    bool closed = false; // by the server, before the deadline
};

bool isCompleteChunked(const QByteArray &bytes)
{
    return bytes.endsWith("\r\n0\r\n\r\n");
}

// Reads everything until the server closes the connection, a chunked
// response is complete (the connection then stays open), or the deadline.
Drained drain(RawClient &client, int timeoutMs)
{
    Drained d;
    QDeadlineTimer deadline(timeoutMs);
    QTcpSocket &socket = client.socket();
    while (!deadline.hasExpired() && !isCompleteChunked(d.bytes)) {
        d.bytes += socket.readAll();
        if (socket.state() != QAbstractSocket::ConnectedState) {
            d.bytes += socket.readAll();
            d.closed = true;
            break;
        }
        socket.waitForReadyRead(int(std::clamp<qint64>(deadline.remainingTime(), 1, 100)));
    }
    return d;
}

// Waits until the response head has come (the transfer is under way).
bool headArrived(RawClient &client)
{
    return QTest::qWaitFor(
        [&] {
            client.socket().waitForReadyRead(50);
            return client.socket().bytesAvailable() > 0;
        },
        15'000);
}

} // namespace

class tst_Revocation : public QObject
{
    Q_OBJECT
private slots:
    void revokeEndsExportAndDownload();
    void revokeEndsUpload();
};

void tst_Revocation::revokeEndsExportAndDownload()
{
    AccountDaemon s;
    QVERIFY(s.prepare(400'000));
    // A live export far larger than what the kernel buffers on loopback (MiBs).
    QVERIFY(sluice::config::updateConfigFile(s.configPath(), [](sluice::config::Config &c) {
        c.limits.liveExportMaxDays = 366;
        c.limits.liveExportMaxRows = 1'000'000;
        return sluice::Expected<void> {};
    }));
    const QString dave = s.add(u"dave"_s);
    const QString erin = s.add(u"erin"_s);
    QVERIFY2(s.start(), s.daemon.output.constData());

    // A stored file large enough to outlast the socket buffers.
    QByteArray big(24 * 1024 * 1024, '\0');
    for (qsizetype i = 0; i < big.size(); ++i)
        big[i] = char('a' + i % 26);
    const Reply uploaded = s.send("PUT", "/uploads/big.txt", dave, big, "text/plain");
    QCOMPARE(uploaded.status, 201);
    const QByteArray content = "/uploads/"
        + AccountDaemon::json(uploaded).value(u"id"_s).toString().toLatin1() + "/content";

    // The demo database first (a 503 while it is generated).
    const QByteArray exportPath = "/exports/orders.csv?from=2025-01-01&to=2025-12-31";
    QTRY_VERIFY_WITH_TIMEOUT(
        s.call("GET", "/exports/orders.csv?from=2025-01-01&to=2025-01-02", erin).status == 200,
        60'000);

    auto export_ = slowReader(s.port(), AccountDaemon::head("GET", exportPath, dave));
    auto download = slowReader(s.port(), AccountDaemon::head("GET", content, dave));
    auto bystander = slowReader(s.port(), AccountDaemon::head("GET", exportPath, erin));
    for (RawClient *c : {export_.get(), download.get(), bystander.get()})
        QVERIFY(headArrived(*c));
    QTest::qWait(300); // every response stalls on a full socket

    QVERIFY(s.revoke(u"dave"_s));
    QElapsedTimer sinceRevoke;
    sinceRevoke.start();
    QTest::qWait(1500); // still reading nothing: the reload comes within 200 ms

    // dave's transfers have ended: what the kernel held arrives, then the close...
    const Drained exported = drain(*export_, 1500);
    QVERIFY2(exported.closed, "the live export went on after its token was revoked");
    QVERIFY(sinceRevoke.elapsed() < 3500);
    QVERIFY(exported.bytes.startsWith("HTTP/1.1 200"));
    QVERIFY2(!isCompleteChunked(exported.bytes), "the whole export arrived");
    const Drained downloaded = drain(*download, 1500);
    QVERIFY2(downloaded.closed, "the download went on after its token was revoked");
    QVERIFY(downloaded.bytes.startsWith("HTTP/1.1 200"));
    QVERIFY2(downloaded.bytes.size() < big.size(), "the whole file arrived");
    qInfo("after the revoke: export closed with %lld bytes, download with %lld of %lld",
          qint64(exported.bytes.size()), qint64(downloaded.bytes.size()), qint64(big.size()));

    // ...while erin's export, on the same limits, goes on to its end.
    const Drained other = drain(*bystander, 30'000);
    QVERIFY2(isCompleteChunked(other.bytes), "another account's export was cut off");
    QVERIFY(!other.closed);
}

void tst_Revocation::revokeEndsUpload()
{
    AccountDaemon s;
    QVERIFY(s.prepare());
    const QString dave = s.add(u"dave"_s);
    const QString erin = s.add(u"erin"_s);
    QVERIFY2(s.start(), s.daemon.output.constData());

    // An upload under way: the head and a first part of a much longer body.
    const qint64 declared = 64 * 1024 * 1024;
    RawClient upload(s.port());
    upload.send(AccountDaemon::head(
        "PUT", "/uploads/slow.txt", dave,
        "Content-Type: text/plain\r\nContent-Length: " + QByteArray::number(declared) + "\r\n"));
    upload.send(QByteArray(1024 * 1024, 'x'));
    QTRY_VERIFY_WITH_TIMEOUT(!s.uploadTempFiles().isEmpty(), 10'000);

    QVERIFY(s.revoke(u"dave"_s));
    QElapsedTimer sinceRevoke;
    sinceRevoke.start();
    // The answer comes at once, and says why; the client need not send the rest.
    const Reply refused = upload.read(3000);
    QCOMPARE(refused.status, 401);
    QVERIFY2(refused.body.contains("revoked"), refused.body.constData());
    QVERIFY(sinceRevoke.elapsed() < 3000);
    QVERIFY(upload.waitForClose(5000));
    // Its temp file is gone and its slot free again.
    QTRY_VERIFY_WITH_TIMEOUT(s.uploadTempFiles().isEmpty(), 2000);
    QCOMPARE(s.send("PUT", "/uploads/after.txt", erin, "fine\n", "text/plain").status, 201);
    QCOMPARE(s.call("GET", "/jobs", dave).status, 401);
}

QTEST_GUILESS_MAIN(tst_Revocation)
#include "tst_revocation.moc"
