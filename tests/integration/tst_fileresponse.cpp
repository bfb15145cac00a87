// File downloads over real sockets: whole, ranged, conditional, HEAD, missing,
// a slow reader on a large file (bounded server memory), and a file deleted
// or truncated while it is being sent.
#include "http/exchange.h"
#include "http/fileproducer.h"
#include "http/fileresponse.h"
#include "testsupport.h"

#include <QElapsedTimer>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

namespace {

QByteArray pseudoRandom(qint64 size, quint32 seed)
{
    QByteArray data((size + 3) / 4 * 4, Qt::Uninitialized);
    QRandomGenerator(seed).fillRange(reinterpret_cast<quint32 *>(data.data()), data.size() / 4);
    data.truncate(size);
    return data;
}

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

// Serves `path` at /file; remembers the producer of the last response so that
// the test can read its position on the server thread.
struct FileServer
{
    explicit FileServer(const QString &path, http::FileResponseOptions options = {})
        : server([this, path, options](http::Router &r) {
            r.add("GET", u"/file"_s, http::Access::Public,
                  [this, path, options](http::Exchange &ex) {
                      http::Response response = http::fileResponse(ex.request(), path, options);
                      producer = std::dynamic_pointer_cast<http::FileProducer>(response.producer);
                      ex.respond(std::move(response));
                  });
        })
    { }
    // Bytes the last producer has read from disk, -1 once it is gone.
    qint64 produced() const
    {
        qint64 n = -1;
        server.run([&] {
            if (const auto p = producer.lock())
                n = p->bytesRead();
        });
        return n;
    }

    std::weak_ptr<http::FileProducer> producer; // server thread only
    ServerThread server;
};

QByteArray rangeHeader(const QByteArray &range)
{
    return "Range: " + range + "\r\n";
}

} // namespace

class tst_FileResponse : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void fullDownload();
    void ranges_data();
    void ranges();
    void unsatisfiableRange();
    void conditional_data();
    void conditional();
    void etagFollowsTheFile();
    void headHasHeadersAndNoBody();
    void missingFileIs404Json();
    void optionsShapeTheHeaders();
    void emptyFile();
    void slowReaderKeepsServerBufferBounded();
    void fileDeletedMidDownloadStillCompletes();
    void fileTruncatedMidDownloadCutsTheResponse();
    void sentFromThePageCacheAsWhenReadAndWritten();
    void clientGoneWhileTheSocketIsFullEndsTheResponse();
    void clientThatStopsReadingTimesOutWhileTheSocketIsFull();
    void clientThatReadsNothingForTheIdleTimeoutIsClosed();

private:
    // Starts a download of `path` that a client holding only 4 KiB does not
    // read, and waits until the producer has stopped (the loopback buffers are full).
    qint64 stallDownload(FileServer &fs, RawClient &client);

    QTemporaryDir m_dir;
    QString m_smallPath;
    QByteArray m_small;
    QString m_bigPath;
    QByteArray m_big;
};

void tst_FileResponse::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_small = pseudoRandom(3 * 1024 * 1024 + 17, 0x9e3779b9u);
    m_smallPath = m_dir.filePath(u"data.bin"_s);
    QVERIFY(writeFile(m_smallPath, m_small));
    m_big = pseudoRandom(64 * 1024 * 1024, 0x2545f491u);
    m_bigPath = m_dir.filePath(u"big.bin"_s);
    QVERIFY(writeFile(m_bigPath, m_big));
}

void tst_FileResponse::fullDownload()
{
    FileServer fs(m_smallPath);
    RawClient c(fs.server.port());
    c.send(get("/file"));
    const Reply r = c.read(30'000);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-length").toLongLong(), m_small.size());
    QVERIFY(r.body == m_small);
    QCOMPARE(r.header("accept-ranges"), QByteArray("bytes"));
    QCOMPARE(r.header("content-type"), QByteArray("application/octet-stream"));
    QCOMPARE(r.header("content-disposition"), QByteArray(R"(attachment; filename="data.bin")"));
    QCOMPARE(r.header("x-content-type-options"), QByteArray("nosniff"));
    QCOMPARE(r.header("cache-control"), QByteArray("private"));
    QVERIFY(!r.headers.contains("content-range"));
    QVERIFY2(QRegularExpression(u"^\"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+\"$"_s)
                 .match(QString::fromLatin1(r.header("etag")))
                 .hasMatch(),
             r.header("etag").constData());
    const QDateTime modified = QFileInfo(m_smallPath).lastModified().toUTC();
    QCOMPARE(r.header("last-modified"),
             QLocale::c().toString(modified, u"ddd, dd MMM yyyy hh:mm:ss 'GMT'"_s).toLatin1());
    // The framing was exact: the connection serves the next request.
    c.send(get("/file", rangeHeader("bytes=0-9")));
    const Reply next = c.read();
    QCOMPARE(next.status, 206);
    QCOMPARE(next.body, m_small.first(10));
}

void tst_FileResponse::ranges_data()
{
    QTest::addColumn<QByteArray>("range");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");
    const qint64 size = 3 * 1024 * 1024 + 17;
    QTest::addRow("first byte") << QByteArray("bytes=0-0") << 0LL << 0LL;
    QTest::addRow("middle") << QByteArray("bytes=100000-1199999") << 100000LL << 1199999LL;
    QTest::addRow("open-ended") << QByteArray("bytes=3000000-") << 3000000LL << size - 1;
    QTest::addRow("suffix") << QByteArray("bytes=-500") << size - 500 << size - 1;
    QTest::addRow("suffix beyond size") << QByteArray("bytes=-99999999") << 0LL << size - 1;
    QTest::addRow("clamped") << QByteArray("bytes=3145000-99999999999") << 3145000LL << size - 1;
    QTest::addRow("last byte") << QByteArray("bytes=" + QByteArray::number(size - 1) + '-')
                               << size - 1 << size - 1;
}

void tst_FileResponse::ranges()
{
    QFETCH(QByteArray, range);
    QFETCH(qint64, first);
    QFETCH(qint64, last);
    FileServer fs(m_smallPath);
    const Reply r = request(fs.server.port(), get("/file", rangeHeader(range)), 30'000);
    QCOMPARE(r.status, 206);
    QCOMPARE(r.header("content-range"),
             QByteArray("bytes " + QByteArray::number(first) + '-' + QByteArray::number(last) + '/'
                        + QByteArray::number(m_small.size())));
    QCOMPARE(r.header("content-length").toLongLong(), last - first + 1);
    QVERIFY(r.body == m_small.sliced(first, last - first + 1));
}

void tst_FileResponse::unsatisfiableRange()
{
    FileServer fs(m_smallPath);
    RawClient c(fs.server.port());
    const QByteArray range = "bytes=" + QByteArray::number(m_small.size()) + '-';
    c.send(get("/file", rangeHeader(range)));
    const Reply r = c.read();
    QCOMPARE(r.status, 416);
    QCOMPARE(r.header("content-range"),
             QByteArray("bytes */" + QByteArray::number(m_small.size())));
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    QVERIFY2(o.value("error"_L1).toString().contains(QString::fromLatin1(range)),
             r.body.constData());
    QCOMPARE(o.value("value"_L1).toString(), QString::fromLatin1(range));
    c.send(get("/file", rangeHeader("bytes=-3"))); // still usable
    QCOMPARE(c.read().body, m_small.last(3));
}

void tst_FileResponse::conditional_data()
{
    QTest::addColumn<QByteArray>("headers"); // "%E" stands for our ETag
    QTest::addColumn<int>("status");
    QTest::addColumn<qint64>("bodySize"); // -1: the whole file

    QTest::addRow("If-None-Match ours") << QByteArray("If-None-Match: %E\r\n") << 304 << 0LL;
    QTest::addRow("If-None-Match weak ours") << QByteArray("If-None-Match: W/%E\r\n") << 304 << 0LL;
    QTest::addRow("If-None-Match in list")
        << QByteArray("If-None-Match: \"x,y\", %E\r\n") << 304 << 0LL;
    QTest::addRow("If-None-Match star") << QByteArray("If-None-Match: *\r\n") << 304 << 0LL;
    QTest::addRow("If-None-Match other")
        << QByteArray("If-None-Match: \"nope\"\r\n") << 200 << -1LL;
    QTest::addRow("If-None-Match beats Range")
        << QByteArray("If-None-Match: %E\r\nRange: bytes=0-9\r\n") << 304 << 0LL;
    QTest::addRow("If-Range ours")
        << QByteArray("If-Range: %E\r\nRange: bytes=10-19\r\n") << 206 << 10LL;
    QTest::addRow("If-Range mismatch")
        << QByteArray("If-Range: \"old\"\r\nRange: bytes=10-19\r\n") << 200 << -1LL;
    QTest::addRow("If-Range weak")
        << QByteArray("If-Range: W/%E\r\nRange: bytes=10-19\r\n") << 200 << -1LL;
    QTest::addRow("If-Range date")
        << QByteArray("If-Range: Sun, 06 Nov 2094 08:49:37 GMT\r\nRange: bytes=10-19\r\n") << 200
        << -1LL;
    QTest::addRow("If-Range mismatch, unsatisfiable")
        << QByteArray("If-Range: \"old\"\r\nRange: bytes=99999999-\r\n") << 200 << -1LL;
}

void tst_FileResponse::conditional()
{
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QFETCH(qint64, bodySize);
    FileServer fs(m_smallPath);
    RawClient c(fs.server.port());
    c.send("HEAD /file HTTP/1.1\r\nHost: t\r\n\r\n");
    const QByteArray etag = c.read(5'000, true).header("etag");
    QVERIFY(!etag.isEmpty());
    c.send(get("/file", QByteArray(headers).replace("%E", etag)));
    const Reply r = c.read(30'000);
    QCOMPARE(r.status, status);
    QCOMPARE(r.body.size(), bodySize < 0 ? m_small.size() : bodySize);
    QCOMPARE(r.header("etag"), etag);
    if (status == 304)
        QVERIFY(!r.headers.contains("content-length"));
    if (status == 206)
        QCOMPARE(r.body, m_small.sliced(10, 10));
    // Nothing stray followed the response on the connection.
    c.send(get("/file", rangeHeader("bytes=0-3")));
    QCOMPARE(c.read().body, m_small.first(4));
}

void tst_FileResponse::etagFollowsTheFile()
{
    const QString path = m_dir.filePath(u"changing.bin"_s);
    QVERIFY(writeFile(path, "version one"));
    FileServer fs(path);
    const QByteArray before = request(fs.server.port(), get("/file")).header("etag");
    QVERIFY(writeFile(path, "version two, longer"));
    const Reply after = request(fs.server.port(),
                                get("/file", "If-Range: " + before + "\r\nRange: bytes=0-6\r\n"));
    QVERIFY(after.header("etag") != before);
    QCOMPARE(after.status, 200); // the old validator no longer selects a range
    QCOMPARE(after.body, QByteArray("version two, longer"));
}

void tst_FileResponse::headHasHeadersAndNoBody()
{
    FileServer fs(m_smallPath);
    RawClient c(fs.server.port());
    c.send("HEAD /file HTTP/1.1\r\nHost: t\r\n\r\n");
    const Reply r = c.read(5'000, true);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-length").toLongLong(), m_small.size());
    QCOMPARE(r.header("accept-ranges"), QByteArray("bytes"));
    QVERIFY(!r.header("etag").isEmpty());
    QVERIFY(!r.header("content-disposition").isEmpty());
    c.send("HEAD /file HTTP/1.1\r\nHost: t\r\nRange: bytes=5-9\r\n\r\n");
    const Reply ranged = c.read(5'000, true);
    QCOMPARE(ranged.status, 206);
    QCOMPARE(ranged.header("content-range"),
             QByteArray("bytes 5-9/" + QByteArray::number(m_small.size())));
    // Had a body been sent, this would read file bytes instead of a status line.
    c.send(get("/file", rangeHeader("bytes=0-1")));
    const Reply next = c.read();
    QCOMPARE(next.status, 206);
    QCOMPARE(next.body, m_small.first(2));
}

void tst_FileResponse::missingFileIs404Json()
{
    FileServer fs(m_dir.filePath(u"no-such-file.csv"_s));
    const Reply r = request(fs.server.port(), get("/file"));
    QCOMPARE(r.status, 404);
    QCOMPARE(r.header("content-type"), QByteArray("application/json"));
    const QString error = QJsonDocument::fromJson(r.body).object().value("error"_L1).toString();
    QVERIFY2(error.contains("no-such-file.csv"_L1), qPrintable(error));
    QVERIFY2(!r.body.contains(m_dir.path().toUtf8()), r.body.constData()); // no server path leaks
}

void tst_FileResponse::optionsShapeTheHeaders()
{
    http::FileResponseOptions options;
    options.downloadName = u"../Bericht Mai.csv"_s;
    options.mimeType = "text/csv; charset=utf-8";
    options.etag = "\"result-42\"";
    options.attachment = false;
    FileServer fs(m_smallPath, options);
    const Reply r = request(fs.server.port(), get("/file", rangeHeader("bytes=0-0")));
    QCOMPARE(r.status, 206);
    QCOMPARE(r.header("etag"), QByteArray("\"result-42\""));
    QCOMPARE(r.header("content-type"), QByteArray("text/csv; charset=utf-8"));
    QCOMPARE(r.header("content-disposition"), QByteArray(R"(inline; filename="Bericht Mai.csv")"));

    options.etag = "W/\"weak\""; // not a strong tag: a derived one is used instead
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"not a strong entity tag"_s));
    FileServer weak(m_smallPath, options);
    QVERIFY(request(weak.server.port(), get("/file")).header("etag").startsWith("\""));
}

void tst_FileResponse::emptyFile()
{
    const QString path = m_dir.filePath(u"empty.txt"_s);
    QVERIFY(writeFile(path, {}));
    FileServer fs(path);
    const Reply r = request(fs.server.port(), get("/file", rangeHeader("bytes=0-")));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("content-length"), QByteArray("0"));
    QVERIFY(r.body.isEmpty());
}

qint64 tst_FileResponse::stallDownload(FileServer &fs, RawClient &client)
{
    client.send(get("/file"));
    if (!QTest::qWaitFor([&] { return fs.server.stats().writePauses >= 1; }, 10'000))
        return -1;
    qint64 last = -2;
    const auto settled = [&] {
        const qint64 now = fs.produced();
        return std::exchange(last, now) == now;
    };
    return QTest::qWaitFor(settled, 20'000) ? last : -1;
}

void tst_FileResponse::slowReaderKeepsServerBufferBounded()
{
    FileServer fs(m_bigPath);
    RawClient c(fs.server.port(), 4096);
    const qint64 produced = stallDownload(fs, c);
    QVERIFY2(produced > 0 && produced < m_big.size(), qPrintable(QString::number(produced)));
    const config::Limits defaults;
    const http::ServerStats s = fs.server.stats();
    QVERIFY2(s.peakBytesToWrite <= defaults.responseHighWaterBytes + 64 * 1024 + 16,
             qPrintable(u"peak unsent bytes %1"_s.arg(s.peakBytesToWrite)));

    c.socket().setReadBufferSize(0);
    const Reply r = c.read(60'000);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body.size(), m_big.size());
    QVERIFY(r.body == m_big);
    QTRY_COMPARE(fs.produced(), -1); // the producer (and its file) went with the response
}

void tst_FileResponse::fileDeletedMidDownloadStillCompletes()
{
    const QString path = m_dir.filePath(u"victim.bin"_s);
    QVERIFY(QFile::copy(m_bigPath, path));
    FileServer fs(path);
    RawClient c(fs.server.port(), 4096);
    const qint64 produced = stallDownload(fs, c);
    QVERIFY2(produced > 0 && produced < m_big.size(), qPrintable(QString::number(produced)));
    QVERIFY(QFile::remove(path));
    QVERIFY(!QFileInfo::exists(path));

    c.socket().setReadBufferSize(0);
    const Reply r = c.read(60'000);
    QCOMPARE(r.status, 200);
    QVERIFY(r.body == m_big);
}

void tst_FileResponse::fileTruncatedMidDownloadCutsTheResponse()
{
    const QString path = m_dir.filePath(u"shrinking.bin"_s);
    QVERIFY(QFile::copy(m_bigPath, path));
    FileServer fs(path);
    RawClient c(fs.server.port(), 4096);
    const qint64 produced = stallDownload(fs, c);
    QVERIFY2(produced > 0 && produced < m_big.size(), qPrintable(QString::number(produced)));
    // Expected before the file shrinks: the server thread may notice at once.
    QTest::ignoreMessage(QtWarningMsg,
                         QRegularExpression(u"response body failed: .*bytes short"_s));
    QVERIFY(QFile::resize(path, produced + 1000)); // shorter than the Content-Length sent

    c.socket().setReadBufferSize(0);
    const Reply r = c.read(60'000);
    QCOMPARE(r.status, 0); // never a complete-looking response
    QVERIFY(c.waitForClose());
    QTRY_COMPARE(fs.produced(), -1);
}

// sendfile(2) and the pulled path give the same bytes, and file bodies take
// the first: the server then holds nothing of them in user space.
void tst_FileResponse::sentFromThePageCacheAsWhenReadAndWritten()
{
    FileServer fs(m_smallPath);
    const auto fetch = [&](const QByteArray &extra) {
        RawClient c(fs.server.port());
        c.send(get("/file", extra));
        return c.read(30'000);
    };
    const QList<QByteArray> ranges {{},
                                    rangeHeader("bytes=0-0"),
                                    rangeHeader("bytes=1000-"),
                                    rangeHeader("bytes=-70000"),
                                    rangeHeader("bytes=65535-2097152")};
    QList<Reply> direct;
    for (const QByteArray &range : ranges)
        direct.append(fetch(range));
    const quint64 sentDirect = fs.server.stats().sentDirectBytes;
    QVERIFY(fs.server.stats().peakBytesToWrite < 4096); // only heads were in user space
    fs.server.setSendDirect(false);
    qint64 bodies = 0;
    for (qsizetype i = 0; i < ranges.size(); ++i) {
        const Reply pulled = fetch(ranges[i]);
        QVERIFY(direct[i].status == 200 || direct[i].status == 206);
        QCOMPARE(direct[i].status, pulled.status);
        QCOMPARE(direct[i].header("content-range"), pulled.header("content-range"));
        QCOMPARE(direct[i].body.size(), pulled.body.size());
        QVERIFY(direct[i].body == pulled.body);
        bodies += direct[i].body.size();
    }
    QCOMPARE(direct[0].body.size(), m_small.size());
    QVERIFY(direct[0].body == m_small);
    QCOMPARE(sentDirect, quint64(bodies)); // every body byte went by sendfile...
    QCOMPARE(fs.server.stats().sentDirectBytes, sentDirect); // ...and none once it was off
}

void tst_FileResponse::clientGoneWhileTheSocketIsFullEndsTheResponse()
{
    FileServer fs(m_bigPath);
    RawClient c(fs.server.port(), 4096);
    const qint64 produced = stallDownload(fs, c);
    QVERIFY2(produced > 0 && produced < m_big.size(), qPrintable(QString::number(produced)));
    QVERIFY(fs.server.stats().sentDirectBytes > 0);
    c.socket().abort();
    QTRY_COMPARE(fs.server.stats().connections, 0);
    QCOMPARE(fs.produced(), -1); // the producer, and its file, are gone
}

void tst_FileResponse::clientThatStopsReadingTimesOutWhileTheSocketIsFull()
{
    FileServer fs(m_bigPath);
    // A client that reads nothing falls below the minimum rate once the
    // socket is full: the server closes, and does not mistake the full socket
    // for a producer with nothing ready (which would not count against the
    // client, leaving only body_idle_timeout_ms, 30 s).
    config::Limits limits;
    limits.minTransferRateBytesPerS = 1024 * 1024;
    limits.minTransferRateWindowMs = 500;
    fs.server.setLimits(limits);
    RawClient c(fs.server.port(), 4096);
    c.send(get("/file"));
    // Waited for at the server: the client's own waitForDisconnected() would read.
    QTRY_VERIFY_WITH_TIMEOUT(fs.server.stats().sentDirectBytes > 0, 5'000);
    QTRY_COMPARE_WITH_TIMEOUT(fs.server.stats().connections, 0, 10'000);
    QVERIFY(fs.server.stats().sentDirectBytes < quint64(m_big.size()));
    QCOMPARE(fs.produced(), -1);
}

// body_idle_timeout_ms while sendfile(2) waits for the socket: progress
// moves the deadline (it does not re-arm the timer each time), so the timer
// must still end a client that then reads nothing, and not before.
void tst_FileResponse::clientThatReadsNothingForTheIdleTimeoutIsClosed()
{
    FileServer fs(m_bigPath);
    config::Limits limits;
    limits.bodyIdleTimeoutMs = 1'500;
    fs.server.setLimits(limits); // the minimum rate stays at its default: not what ends it
    RawClient c(fs.server.port(), 4096);
    QElapsedTimer clock;
    clock.start();
    c.send(get("/file"));
    QTRY_VERIFY_WITH_TIMEOUT(fs.server.stats().sentDirectBytes > 0, 5'000);
    QTRY_COMPARE_WITH_TIMEOUT(fs.server.stats().connections, 0, 10'000);
    QVERIFY2(clock.elapsed() >= limits.bodyIdleTimeoutMs,
             qPrintable(QString::number(clock.elapsed())));
    QCOMPARE(fs.produced(), -1);
}

QTEST_GUILESS_MAIN(tst_FileResponse)
#include "tst_fileresponse.moc"
