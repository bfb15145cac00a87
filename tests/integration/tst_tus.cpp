// tus 1.0 resumable uploads (issue 24) on the wire, against a child sluiced:
// every status of the core protocol and of each extension announced in
// Tus-Extension, a PATCH that takes over from one in flight, expiry, the
// upload gate's budget, and kill -9 mid-PATCH then a resume from the
// acknowledged offset. The official clients are in tst_tusclients.
#include "tustesting.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

using namespace sluice::test::tus;

class tst_Tus : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void optionsAnnouncesEveryExtension();
    void otherVersionsAre412();
    void createHeadPatchAndStore();
    void creationRefusals();
    void patchRefusals();
    void creationWithUpload();
    void deferredLength();
    void checksums();
    void checksumTrailer();
    void termination();
    void concatenation();
    void methodOverride();
    void expiry();
    void unfinishedUploadsHoldTheirBytes();
    void aSecondPatchTakesOver();
    void aCutPatchKeepsItsBytesUnlessChecksummed();
    void killedMidPatchResumesFromTheAcknowledgedOffset();
};

void tst_Tus::initTestCase()
{
    if (sluicedPath().isEmpty())
        QFAIL("sluiced not found: set SLUICE_BIN_DIR");
}

void tst_Tus::optionsAnnouncesEveryExtension()
{
    Tus tus;
    QVERIFY(tus.start([](config::Limits &l) { l.maxUploadBytes = 5 * 1024 * 1024; }));
    const Reply r = request(tus.daemon.port, "OPTIONS /files/ HTTP/1.1\r\nHost: t\r\n\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("tus-version"), "1.0.0");
    QCOMPARE(r.header("tus-resumable"), "1.0.0");
    QCOMPARE(r.header("tus-max-size"), QByteArray::number(5 * 1024 * 1024));
    const QList<QByteArray> extensions = r.header("tus-extension").split(',');
    for (const char *e : {"creation", "creation-with-upload", "creation-defer-length", "expiration",
                          "checksum", "checksum-trailer", "termination", "concatenation"})
        QVERIFY2(extensions.contains(e), e);
    const QList<QByteArray> algorithms = r.header("tus-checksum-algorithm").split(',');
    QVERIFY(algorithms.contains("sha1"));
    QVERIFY(algorithms.contains("sha256"));
    QVERIFY(algorithms.contains("md5"));
}

void tst_Tus::otherVersionsAre412()
{
    Tus tus;
    QVERIFY(tus.start());
    Reply r = tus.call("POST", "/files/", "Upload-Length: 10\r\n");
    QCOMPARE(r.status, 412);
    QCOMPARE(r.header("tus-version"), "1.0.0");
    r = tus.call("POST", "/files/", "Tus-Resumable: 0.2.2\r\nUpload-Length: 10\r\n");
    QCOMPARE(r.status, 412);
    QVERIFY(tus.resumableFiles().isEmpty());
}

void tst_Tus::createHeadPatchAndStore()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(3 * 1024 * 1024 + 17);
    const QByteArray path = tus.create(
        data.size(), "Upload-Metadata: filename " + base64("report.bin") + ",note\r\n");
    QVERIFY(path.startsWith("/files/u"));

    Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), "0");
    QCOMPARE(h.header("upload-length"), QByteArray::number(data.size()));
    QCOMPARE(h.header("cache-control"), "no-store");
    QCOMPARE(h.header("upload-metadata"), "filename " + base64("report.bin") + ",note");
    QVERIFY(!h.header("upload-expires").isEmpty());

    const qsizetype half = 2 * 1024 * 1024;
    Reply p = tus.patch(path, 0, data.first(half));
    QCOMPARE(p.status, 204);
    QCOMPARE(p.header("upload-offset"), QByteArray::number(half));
    QCOMPARE(p.header("tus-resumable"), "1.0.0");
    QVERIFY(!p.header("upload-expires").isEmpty());
    QCOMPARE(tus.head(path).header("upload-offset"), QByteArray::number(half));

    p = tus.patch(path, half, data.sliced(half));
    QCOMPARE(p.status, 204);
    QCOMPARE(p.header("upload-offset"), QByteArray::number(data.size()));
    QCOMPARE(tus.stored(path), data);
    const QByteArray id = idOf(path);
    const QJsonObject record
        = QJsonDocument::fromJson(tus.call("GET", "/uploads/" + id, {}).body).object();
    QCOMPARE(record.value(u"name"_s).toString(), u"report.bin"_s);
    QCOMPARE(record.value(u"sha256"_s).toString().toLatin1(),
             QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
    // Finished: HEAD still tells a client that comes back that it is done.
    h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), QByteArray::number(data.size()));
    QVERIFY(!tus.resumableFiles().contains(QString::fromLatin1(id + ".bin")));
}

void tst_Tus::creationRefusals()
{
    Tus tus;
    QVERIFY(tus.start([](config::Limits &l) { l.maxUploadBytes = 1024 * 1024; }));
    const QByteArray v = "Tus-Resumable: 1.0.0\r\n";
    QCOMPARE(tus.call("POST", "/files/", v).status, 400); // no length
    QCOMPARE(
        tus.call("POST", "/files/", v + "Upload-Length: 5\r\nUpload-Defer-Length: 1\r\n").status,
        400);
    QCOMPARE(tus.call("POST", "/files/", v + "Upload-Length: -5\r\n").status, 400);
    QCOMPARE(tus.call("POST", "/files/", v + "Upload-Defer-Length: 2\r\n").status, 400);
    Reply r = tus.call("POST", "/files/", v + "Upload-Length: 1048577\r\n");
    QCOMPARE(r.status, 413);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"limit"_s).toString(),
             u"max_upload_bytes"_s);
    QCOMPARE(
        tus.call("POST", "/files/", v + "Upload-Length: 5\r\nUpload-Metadata: a b c\r\n").status,
        400);
    QCOMPARE(
        tus.call("POST", "/files/", v + "Upload-Length: 5\r\nUpload-Metadata: a !!!\r\n").status,
        400);
    // A declared type the config does not allow.
    r = tus.call("POST", "/files/",
                 v + "Upload-Length: 5\r\nUpload-Metadata: filetype " + base64("text/html")
                     + "\r\n");
    QCOMPARE(r.status, 415);
    // A body of another type with the creation request.
    r = tus.call("POST", "/files/", v + "Upload-Length: 5\r\nContent-Type: text/plain\r\n",
                 "hello");
    QCOMPARE(r.status, 415);
    QCOMPARE(tus.call("POST", "/files/", "Upload-Length: 5\r\n", {}, "nobody").status, 401);
    QVERIFY2(tus.resumableFiles().isEmpty(), qPrintable(tus.resumableFiles().join(u' ')));
}

void tst_Tus::patchRefusals()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(10);
    QVERIFY(!path.isEmpty());
    QCOMPARE(tus.call("PATCH", path,
                      "Tus-Resumable: 1.0.0\r\nContent-Type: text/plain\r\nUpload-Offset: 0\r\n",
                      "hello")
                 .status,
             415);
    QCOMPARE(tus.call("PATCH", path,
                      "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n",
                      "hello")
                 .status,
             400);
    Reply r = tus.patch(path, 3, "hello");
    QCOMPARE(r.status, 409);
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
    QCOMPARE(tus.patch(path, 0, "hello world").status, 413); // past Upload-Length
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
    QCOMPARE(tus.patch("/files/u0123456789abcdef0123456789abcdef", 0, "x").status, 404);
    QCOMPARE(tus.patch("/files/nonsense", 0, "x").status, 404);
    // Another account does not see it.
    QCOMPARE(tus.head(path, tus.other).status, 404);
    QCOMPARE(tus.call("PATCH", path,
                      "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                      "Upload-Offset: 0\r\n",
                      "hello", tus.other)
                 .status,
             404);
    QCOMPARE(tus.patch(path, 0, "hello").status, 204);
    QCOMPARE(tus.head(path).header("upload-offset"), "5");

    // GET /files/ lists it for its account (and admins), not for others.
    const auto listed = [&](const QByteArray &bearer) {
        const QJsonArray uploads
            = QJsonDocument::fromJson(tus.call("GET", "/files/", {}, {}, bearer).body)
                  .object()
                  .value(u"uploads"_s)
                  .toArray();
        QStringList ids;
        for (const QJsonValue &u : uploads)
            ids.append(u[u"id"_s].toString() + u'@' + QString::number(u[u"offset"_s].toInteger()));
        return ids;
    };
    QCOMPARE(listed(tus.token), QStringList {QString::fromLatin1(idOf(path)) + u"@5"_s});
    QCOMPARE(listed(tus.other), QStringList {});
}

void tst_Tus::creationWithUpload()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(200'000);
    Reply r = tus.call("POST", "/files/",
                       "Tus-Resumable: 1.0.0\r\nUpload-Length: 300000\r\n"
                       "Content-Type: application/offset+octet-stream\r\n",
                       data.first(120'000));
    QCOMPARE(r.status, 201);
    QCOMPARE(r.header("upload-offset"), "120000");
    const QByteArray path = r.header("location");
    QVERIFY(path.startsWith("/files/u"));
    const QByteArray rest = randomBytes(180'000);
    QCOMPARE(tus.patch(path, 120'000, rest).status, 204);
    QCOMPARE(tus.stored(path), data.first(120'000) + rest);

    // All of it at once: 201, stored.
    r = tus.call("POST", "/files/",
                 "Tus-Resumable: 1.0.0\r\nUpload-Length: 5\r\n"
                 "Content-Type: application/offset+octet-stream\r\n",
                 "12345");
    QCOMPARE(r.status, 201);
    QCOMPARE(r.header("upload-offset"), "5");
    QCOMPARE(tus.stored(r.header("location")), "12345");
}

void tst_Tus::deferredLength()
{
    Tus tus;
    QVERIFY(tus.start());
    Reply r = tus.call("POST", "/files/", "Tus-Resumable: 1.0.0\r\nUpload-Defer-Length: 1\r\n");
    QCOMPARE(r.status, 201);
    const QByteArray path = r.header("location");
    Reply h = tus.head(path);
    QCOMPARE(h.header("upload-defer-length"), "1");
    QVERIFY(!h.headers.contains("upload-length"));
    QCOMPARE(tus.patch(path, 0, "first ").status, 204);
    // Less than what arrived already: refused.
    QCOMPARE(tus.patch(path, 6, "x", "Upload-Length: 3\r\n").status, 400);
    QCOMPARE(tus.patch(path, 6, "second", "Upload-Length: 12\r\n").status, 204);
    QCOMPARE(tus.head(path).header("upload-length"), "12");
    QCOMPARE(tus.stored(path), "first second");
}

void tst_Tus::checksums()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(15);
    Reply r
        = tus.patch(path, 0, "hello",
                    "Upload-Checksum: sha1 " + digest(QCryptographicHash::Sha1, "hellx") + "\r\n");
    QCOMPARE(r.status, 460);
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
    r = tus.patch(path, 0, "hello",
                  "Upload-Checksum: sha1 " + digest(QCryptographicHash::Sha1, "hello") + "\r\n");
    QCOMPARE(r.status, 204);
    r = tus.patch(path, 5, "brave",
                  "Upload-Checksum: sha256 " + digest(QCryptographicHash::Sha256, "brave")
                      + "\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(tus.patch(path, 10, "world", "Upload-Checksum: crc32 AAAAAA==\r\n").status, 400);
    QCOMPARE(tus.patch(path, 10, "world", "Upload-Checksum: sha1 !!\r\n").status, 400);
    r = tus.patch(path, 10, "world",
                  "Upload-Checksum: md5 " + digest(QCryptographicHash::Md5, "world") + "\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(tus.stored(path), "hellobraveworld");
}

void tst_Tus::checksumTrailer()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(10);
    const auto chunked = [&](const QByteArray &body, const QByteArray &trailer, qint64 offset) {
        QByteArray raw = "PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
            + tus.token
            + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
              "Upload-Offset: "
            + QByteArray::number(offset)
            + "\r\nTransfer-Encoding: chunked\r\nTrailer: Upload-Checksum\r\n\r\n"
            + QByteArray::number(body.size(), 16) + "\r\n" + body + "\r\n0\r\n" + trailer + "\r\n";
        return request(tus.daemon.port, raw, 30'000);
    };
    QCOMPARE(
        chunked("hello",
                "Upload-Checksum: sha256 " + digest(QCryptographicHash::Sha256, "jello") + "\r\n",
                0)
            .status,
        460);
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
    QCOMPARE(chunked("hello", {}, 0).status, 400); // announced, never sent
    QCOMPARE(chunked("hello",
                     "Upload-Checksum: sha1 " + digest(QCryptographicHash::Sha1, "hello") + "\r\n",
                     0)
                 .status,
             204);
    QCOMPARE(chunked("world",
                     "Upload-Checksum: md5 " + digest(QCryptographicHash::Md5, "world") + "\r\n", 5)
                 .status,
             204);
    QCOMPARE(tus.stored(path), "helloworld");
}

void tst_Tus::termination()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(100);
    QCOMPARE(tus.patch(path, 0, "some bytes").status, 204);
    QCOMPARE(tus.resumableFiles().size(), 2);
    QCOMPARE(tus.call("DELETE", path, "Tus-Resumable: 1.0.0\r\n", {}, tus.other).status, 404);
    const Reply r = tus.call("DELETE", path, "Tus-Resumable: 1.0.0\r\n");
    QCOMPARE(r.status, 204);
    QCOMPARE(r.header("tus-resumable"), "1.0.0");
    QCOMPARE(tus.head(path).status, 404);
    QCOMPARE(tus.patch(path, 10, "x").status, 404);
    QTRY_VERIFY(tus.resumableFiles().isEmpty());
}

void tst_Tus::concatenation()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray a = tus.create(6, "Upload-Concat: partial\r\n");
    const QByteArray b = tus.create(5, "Upload-Concat: partial\r\n");
    QVERIFY(!a.isEmpty() && !b.isEmpty());
    QCOMPARE(tus.patch(a, 0, "hello ").status, 204);
    // Not finished yet: no final upload of it.
    QCOMPARE(tus.call("POST", "/files/",
                      "Tus-Resumable: 1.0.0\r\nUpload-Concat: final;" + a + " " + b + "\r\n")
                 .status,
             400);
    QCOMPARE(tus.patch(b, 0, "world").status, 204);
    QCOMPARE(tus.head(a).header("upload-concat"), "partial");
    // A partial upload is not stored on its own.
    QCOMPARE(tus.call("GET", "/uploads/" + idOf(a), {}).status, 404);
    QCOMPARE(tus.call("POST", "/files/",
                      "Tus-Resumable: 1.0.0\r\nUpload-Concat: final;" + a + " " + b
                          + "\r\nUpload-Length: 11\r\n")
                 .status,
             400);
    QCOMPARE(tus.call("POST", "/files/",
                      "Tus-Resumable: 1.0.0\r\nUpload-Concat: final;" + a + " " + b + "\r\n", {},
                      tus.other)
                 .status,
             400);
    const Reply r
        = tus.call("POST", "/files/",
                   "Tus-Resumable: 1.0.0\r\nUpload-Concat: final;http://t" + a + " " + b + "\r\n");
    QCOMPARE(r.status, 201);
    const QByteArray final = r.header("location");
    QCOMPARE(tus.stored(final), "hello world");
    QCOMPARE(tus.patch(final, 11, "x").status, 403);
    const Reply h = tus.head(final);
    QCOMPARE(h.header("upload-offset"), "11");
    QVERIFY(h.header("upload-concat").startsWith("final;"));
    // The parts are spent.
    QTRY_COMPARE(tus.head(a).status, 404);
}

void tst_Tus::methodOverride()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(5);
    const Reply r
        = tus.call("POST", path,
                   "Tus-Resumable: 1.0.0\r\nX-HTTP-Method-Override: PATCH\r\n"
                   "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n",
                   "abcde");
    QCOMPARE(r.status, 204);
    QCOMPARE(tus.stored(path), "abcde");
    // Only under /files/: this is still POST /uploads (a form without its
    // Content-Type), not a DELETE (405).
    QCOMPARE(tus.call("POST", "/uploads", "X-HTTP-Method-Override: DELETE\r\n").status, 415);
}

void tst_Tus::expiry()
{
    Tus tus;
    QVERIFY(tus.start([](config::Limits &l) { l.resumableUploadTtlMs = 1000; }));
    const QByteArray path = tus.create(100);
    QCOMPARE(tus.patch(path, 0, "abc").status, 204);
    QCOMPARE(tus.resumableFiles().size(), 2);
    QTest::qWait(1100);
    const int status = tus.head(path).status;
    QVERIFY2(status == 410 || status == 404, QByteArray::number(status).constData());
    QTRY_COMPARE(tus.head(path).status, 404);
    QTRY_VERIFY(tus.resumableFiles().isEmpty());
}

void tst_Tus::unfinishedUploadsHoldTheirBytes()
{
    Tus tus;
    // Two accounts: each may hold half of the 4 MiB (account_share_percent).
    QVERIFY(tus.start([](config::Limits &l) { l.maxUploadTempBytes = 4 * 1024 * 1024; }));
    const QByteArray first = tus.create(2 * 1024 * 1024);
    QVERIFY(!first.isEmpty());
    QCOMPARE(tus.patch(first, 0, "started").status, 204);
    Reply r = tus.call("POST", "/files/", "Tus-Resumable: 1.0.0\r\nUpload-Length: 10\r\n");
    QCOMPARE(r.status, 507);
    QCOMPARE(QJsonDocument::fromJson(r.body).object().value(u"limit"_s).toString(),
             u"account_share_percent"_s);
    // A PUT too: the budget is shared.
    r = tus.call("PUT", "/uploads/x.bin", "Content-Type: application/octet-stream\r\n",
                 "0123456789");
    QCOMPARE(r.status, 507);
    // The other account has its own half.
    r = tus.call("POST", "/files/", "Tus-Resumable: 1.0.0\r\nUpload-Length: 2097152\r\n", {},
                 tus.other);
    QCOMPARE(r.status, 201);
    QCOMPARE(tus.call("DELETE", first, "Tus-Resumable: 1.0.0\r\n").status, 204);
    QTRY_VERIFY(!tus.create(10).isEmpty());
}

// A PATCH in flight whose client stalls; a HEAD from the client that gave up
// on it ends it, keeps its bytes so far, and the upload goes on from there.
void tst_Tus::aSecondPatchTakesOver()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(1024 * 1024);
    const QByteArray path = tus.create(data.size());
    RawClient stalled(tus.daemon.port);
    stalled.send("PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                 + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                   "Upload-Offset: 0\r\nContent-Length: "
                 + QByteArray::number(data.size()) + "\r\n\r\n" + data.first(300'000));
    // Until the service has read all of it (the Transfers tab's figure).
    QTRY_VERIFY_WITH_TIMEOUT(tus.hasRead(path, 300'000), 10'000);
    Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), "300000");
    const Reply ended = stalled.read(5000);
    QCOMPARE(ended.status, 409);
    QCOMPARE(tus.patch(path, 300'000, data.sliced(300'000)).status, 204);
    QCOMPARE(tus.stored(path), data);
}

// A client that leaves mid-chunk: its bytes so far are flushed and
// acknowledged (HEAD shows them), unless it promised a checksum for the chunk.
void tst_Tus::aCutPatchKeepsItsBytesUnlessChecksummed()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(1024 * 1024);
    for (const bool checksummed : {false, true}) {
        const QByteArray path = tus.create(data.size());
        {
            RawClient cut(tus.daemon.port);
            cut.send(
                "PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                  "Upload-Offset: 0\r\n"
                + (checksummed
                       ? "Upload-Checksum: sha1 " + digest(QCryptographicHash::Sha1, data) + "\r\n"
                       : QByteArray())
                + "Content-Length: " + QByteArray::number(data.size()) + "\r\n\r\n"
                + data.first(200'000));
            QTRY_VERIFY_WITH_TIMEOUT(tus.hasRead(path, 200'000), 10'000);
        } // closed
        const QByteArray expected = checksummed ? "0" : "200000";
        QTRY_COMPARE(tus.head(path).header("upload-offset"), expected);
        const qint64 from = expected.toLongLong();
        QCOMPARE(tus.patch(path, from, data.sliced(from)).status, 204);
        QCOMPARE(tus.stored(path), data);
    }
}

void tst_Tus::killedMidPatchResumesFromTheAcknowledgedOffset()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(2 * 1024 * 1024);
    const QByteArray path = tus.create(data.size());
    QCOMPARE(tus.patch(path, 0, data.first(1024 * 1024)).status, 204);
    {
        RawClient cut(tus.daemon.port);
        cut.send("PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                 + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                   "Upload-Offset: 1048576\r\nUpload-Checksum: sha1 "
                 + digest(QCryptographicHash::Sha1, data.sliced(1024 * 1024))
                 + "\r\nContent-Length: 1048576\r\n\r\n" + data.sliced(1024 * 1024, 500'000));
        QTRY_VERIFY_WITH_TIMEOUT(tus.hasRead(path, 500'000), 10'000); // mid-chunk, for sure
        tus.daemon.kill9();
    }
    QVERIFY(tus.daemon.start(tus.dir.path()));
    // The unchecked half chunk was never acknowledged: cut off at start-up.
    const Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), "1048576");
    QCOMPARE(
        QFileInfo(tus.dir.filePath(u"resumable/"_s + QString::fromLatin1(idOf(path)) + u".bin"_s))
            .size(),
        1024 * 1024);
    QCOMPARE(tus.patch(path, 1024 * 1024, data.sliced(1024 * 1024)).status, 204);
    QCOMPARE(tus.stored(path), data);
}

QTEST_GUILESS_MAIN(tst_Tus)
#include "tst_tus.moc"
