// tus uploads where things go wrong (issue 24's review): the store failing
// or the process killed while a whole upload is being stored, kill -9 while
// a final upload is being composed, the disk floor with an unfinished
// upload, the offset record failing on a full disk, requests queued behind
// a PATCH that a newer one ends, a final upload racing a DELETE of its part,
// crash leftovers, partial uploads in the list, and checksums in a trailer.
#include "tmpfsmount.h"
#include "tustesting.h"

#include <QElapsedTimer>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QTest>

#include <future>

using namespace sluice;
using namespace sluice::test;
using namespace sluice::test::tus;
using namespace Qt::StringLiterals;

namespace {

// Holds the uploads database's write lock (as a long transaction would), so
// that the store's insert waits out its busy timeout and fails.
class StoreLock
{
public:
    explicit StoreLock(const QString &database)
        : m_name(u"lock-%1"_s.arg(quintptr(this)))
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_name);
        db.setDatabaseName(database);
        m_locked = db.open() && QSqlQuery(db).exec(u"BEGIN IMMEDIATE"_s);
    }
    ~StoreLock() { release(); }
    bool isLocked() const { return m_locked; }
    void release()
    {
        if (!QSqlDatabase::contains(m_name))
            return;
        {
            QSqlDatabase db = QSqlDatabase::database(m_name);
            QSqlQuery(db).exec(u"ROLLBACK"_s);
            db.close();
        }
        QSqlDatabase::removeDatabase(m_name);
        m_locked = false;
    }

private:
    QString m_name;
    bool m_locked = false;
};

} // namespace

class tst_TusFaults : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void aFailedStoreKeepsEveryByte();
    void killedWhileStoringLosesNothing();
    void killedWhileComposingHoldsTheBytesOnce();
    void theDiskFloorCountsWrittenBytesOnce();
    void aFullDiskKeepsTheRecordedOffset();
    void requestsQueuedBehindAPatchEndIt();
    void aHeadRightAfterACutKeepsEveryByteSent();
    void aFinalUploadRacingADeleteOfItsPart();
    void crashLeftoversAreRemoved();
    void partialUploadsAreListedAndARefusedFirstChunkSaysWhere();
    void aTrailerCannotReplaceTheHeaderChecksum();
};

void tst_TusFaults::initTestCase()
{
    if (sluicedPath().isEmpty())
        QFAIL("sluiced not found: set SLUICE_BIN_DIR");
}

void tst_TusFaults::aFailedStoreKeepsEveryByte()
{
    Tus tus;
    // A short TTL: the sweep that tries the store again runs every second.
    QVERIFY(tus.start([](config::Limits &l) { l.resumableUploadTtlMs = 10'000; }));
    const QByteArray data = randomBytes(1024 * 1024);
    const QByteArray path = tus.create(data.size());
    QCOMPARE(tus.patch(path, 0, data.first(1000)).status, 204);
    {
        StoreLock lock(tus.dir.filePath(u"uploads.db"_s));
        QVERIFY(lock.isLocked());
        const Reply r = tus.patch(path, 1000, data.sliced(1000));
        QVERIFY2(r.status == 500 || r.status == 503, r.body.constData());
    }
    // Stored by the retry, byte for byte.
    QTRY_COMPARE_WITH_TIMEOUT(tus.call("GET", "/uploads/" + idOf(path), {}).status, 200, 15'000);
    QCOMPARE(tus.stored(path), data);
    QTRY_VERIFY(!tus.resumableFiles().contains(QString::fromLatin1(idOf(path) + ".bin")));
}

void tst_TusFaults::killedWhileStoringLosesNothing()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(1024 * 1024);
    const QByteArray path = tus.create(data.size());
    QCOMPARE(tus.patch(path, 0, data.first(1000)).status, 204);
    {
        StoreLock lock(tus.dir.filePath(u"uploads.db"_s));
        QVERIFY(lock.isLocked());
        RawClient last(tus.daemon.port);
        last.send("PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                  + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                    "Upload-Offset: 1000\r\nContent-Length: "
                  + QByteArray::number(data.size() - 1000) + "\r\n\r\n" + data.sliced(1000));
        // The store waits for the lock: kill once the record says every byte
        // is there (flushed and recorded), before the row can be written.
        QTRY_VERIFY_WITH_TIMEOUT(tus.recordedOffset(path) == data.size(), 10'000);
        tus.daemon.kill9();
    }
    QVERIFY(tus.daemon.start(tus.dir.path()));
    QTRY_COMPARE_WITH_TIMEOUT(tus.call("GET", "/uploads/" + idOf(path), {}).status, 200, 15'000);
    QCOMPARE(tus.stored(path), data);
    const Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), QByteArray::number(data.size()));
}

void tst_TusFaults::killedWhileComposingHoldsTheBytesOnce()
{
    Tus tus;
    // One account may hold all of 128 MiB (the other has no uploads).
    QVERIFY(tus.start([](config::Limits &l) {
        l.maxUploadTempBytes = 128 * 1024 * 1024;
        l.accountSharePercent = 100;
    }));
    const QByteArray part = randomBytes(32 * 1024 * 1024);
    const QByteArray a = tus.create(part.size(), "Upload-Concat: partial\r\n");
    const QByteArray b = tus.create(part.size(), "Upload-Concat: partial\r\n");
    QCOMPARE(tus.patch(a, 0, part).status, 204);
    QCOMPARE(tus.patch(b, 0, part).status, 204);
    {
        RawClient final(tus.daemon.port);
        final.send("POST /files/ HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                   + "\r\nTus-Resumable: 1.0.0\r\nUpload-Concat: final;" + a + " " + b
                   + "\r\nContent-Length: 0\r\n\r\n");
        QTest::qWait(30);
        tus.daemon.kill9();
    }
    QVERIFY(tus.daemon.start(tus.dir.path()));
    // Whatever the kill interrupted, nothing is lost: the final upload is
    // stored whole, or it is gone and both parts are still there.
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const QJsonArray uploads = QJsonDocument::fromJson(tus.call("GET", "/uploads", {}).body)
                                           .object()
                                           .value(u"uploads"_s)
                                           .toArray();
            const bool stored
                = !uploads.isEmpty() && uploads.first()[u"size"_s].toInteger() == 2 * part.size();
            const bool parts = tus.head(a).status == 200 && tus.head(b).status == 200;
            return stored != parts;
        }(),
        20'000);
    // And the bytes are reserved once: 64 MiB more fits beside the parts
    // (or beside nothing, once the final upload is stored).
    Reply r;
    (void)QTest::qWaitFor([&] {
        r = tus.call("POST", "/files/", "Tus-Resumable: 1.0.0\r\nUpload-Length: 67108864\r\n");
        return r.status == 201;
    });
    QVERIFY2(r.status == 201, QByteArray(r.body + tus.call("GET", "/files/", {}).body).constData());
}

void tst_TusFaults::theDiskFloorCountsWrittenBytesOnce()
{
    Tus tus;
    TmpfsMount disk(tus.dir.path(), 96 * 1024 * 1024);
    QVERIFY2(disk.isMounted(), qPrintable(disk.error()));
    QVERIFY(tus.start([](config::Limits &l) {
        l.minFreeDiskBytes = 8 * 1024 * 1024;
        l.accountSharePercent = 100;
        l.metricsIntervalMs = 200;
    }));
    const QByteArray data = randomBytes(48 * 1024 * 1024);
    const QByteArray path = tus.create(data.size());
    QVERIFY(!path.isEmpty());
    for (qsizetype offset = 0; offset < data.size(); offset += 12 * 1024 * 1024) {
        QTest::qWait(500); // a disk reading that shows what was written
        const Reply r = tus.patch(path, offset, data.sliced(offset, 12 * 1024 * 1024));
        QVERIFY2(r.status == 204, r.body.constData());
    }
    QCOMPARE(tus.stored(path), data);
}

void tst_TusFaults::aFullDiskKeepsTheRecordedOffset()
{
    Tus tus;
    TmpfsMount disk(tus.dir.path(), 32 * 1024 * 1024);
    QVERIFY2(disk.isMounted(), qPrintable(disk.error()));
    QVERIFY(tus.start([](config::Limits &l) { l.accountSharePercent = 100; }));
    Reply r = tus.call("POST", "/files/", "Tus-Resumable: 1.0.0\r\nUpload-Defer-Length: 1\r\n");
    QCOMPARE(r.status, 201);
    const QByteArray path = r.header("location");
    QCOMPARE(tus.patch(path, 0, QByteArray(4096, 'x')).status, 204);
    // Fill the disk, then give back exactly one chunk's room: its bytes fit,
    // the record of its offset does not.
    QFile filler(tus.dir.filePath(u"filler"_s));
    QVERIFY(filler.open(QIODevice::WriteOnly));
    const QByteArray block(64 * 1024, 'f');
    while (filler.write(block) == block.size() && filler.flush()) { }
    filler.close();
    QVERIFY(filler.resize(filler.size() - 1024 * 1024));
    r = tus.patch(path, 4096, QByteArray(1024 * 1024, 'y'));
    QVERIFY2(r.status == 507 || r.status == 204,
             QByteArray(r.body + tus.daemon.standardError().right(2000)).constData());
    if (r.status == 204)
        QSKIP("the record fitted after all (tmpfs accounting); nothing to check");
    // What HEAD says is what a restart would say: the recorded offset.
    QCOMPARE(tus.head(path).header("upload-offset"), "4096");
    QVERIFY(filler.remove());
    QCOMPARE(tus.patch(path, 4096, QByteArray(10, 'y'), "Upload-Length: 4106\r\n").status, 204);
}

// A PATCH stalls; a second PATCH and then a HEAD arrive. The HEAD is newer
// than the second PATCH, so that one ends too, and the HEAD answers at
// once rather than after the second PATCH's body idle timeout.
void tst_TusFaults::requestsQueuedBehindAPatchEndIt()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(1024 * 1024);
    const QByteArray headers = "PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
        + tus.token
        + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n";
    RawClient first(tus.daemon.port);
    first.send(headers + "Upload-Offset: 0\r\nContent-Length: 1048576\r\n\r\n"
               + QByteArray(100'000, 'a'));
    QTRY_VERIFY_WITH_TIMEOUT(tus.hasRead(path, 100'000), 10'000);
    RawClient second(tus.daemon.port);
    second.send(headers + "Upload-Offset: 100000\r\nContent-Length: 948576\r\n\r\n");
    QTest::qWait(50);
    QElapsedTimer timer;
    timer.start();
    const Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), "100000");
    QVERIFY2(timer.elapsed() < 5000, QByteArray::number(timer.elapsed()).constData());
    QCOMPARE(first.read(5000).status, 409);
    QCOMPARE(second.read(5000).status, 409);
}

// The client cuts its connection mid-PATCH and asks for the offset at once:
// what it sent before the cut still counts (nothing sent twice).
void tst_TusFaults::aHeadRightAfterACutKeepsEveryByteSent()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray data = randomBytes(16 * 1024 * 1024);
    const QByteArray path = tus.create(data.size());
    {
        RawClient cut(tus.daemon.port);
        cut.send("PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + tus.token
                 + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                   "Upload-Offset: 0\r\nContent-Length: "
                 + QByteArray::number(data.size()) + "\r\n\r\n" + data.first(8 * 1024 * 1024));
        // waitForBytesWritten() returns after any write: until all of it is
        // in the kernel, which delivers it before the close.
        while (cut.socket().bytesToWrite() > 0 && cut.socket().waitForBytesWritten(10'000)) { }
        cut.socket().disconnectFromHost();
    } // closed: the rest of its bytes may still be unread at the server
    const Reply h = tus.head(path);
    QCOMPARE(h.status, 200);
    QCOMPARE(h.header("upload-offset"), QByteArray::number(8 * 1024 * 1024));
    QCOMPARE(tus.patch(path, 8 * 1024 * 1024, data.sliced(8 * 1024 * 1024)).status, 204);
    QCOMPARE(tus.stored(path), data);
}

void tst_TusFaults::aFinalUploadRacingADeleteOfItsPart()
{
    Tus tus;
    QVERIFY(tus.start());
    for (int round = 0; round < 5; ++round) {
        const QByteArray a = tus.create(5, "Upload-Concat: partial\r\n");
        const QByteArray b = tus.create(5, "Upload-Concat: partial\r\n");
        QCOMPARE(tus.patch(a, 0, "hello").status, 204);
        QCOMPARE(tus.patch(b, 0, "world").status, 204);
        auto final = std::async(std::launch::async, [&] {
            return tus.call("POST", "/files/",
                            "Tus-Resumable: 1.0.0\r\nUpload-Concat: final;" + a + " " + b + "\r\n");
        });
        auto deleted = std::async(
            std::launch::async, [&] { return tus.call("DELETE", b, "Tus-Resumable: 1.0.0\r\n"); });
        const Reply f = final.get();
        const Reply d = deleted.get();
        // One of them wins cleanly: the final upload (then the part is gone)
        // or the DELETE (then the final upload names a part that is not).
        if (f.status == 201) {
            QCOMPARE(d.status, 404);
            QCOMPARE(tus.stored(f.header("location")), "helloworld");
        } else {
            QVERIFY2(f.status == 400, f.body.constData());
            QCOMPARE(d.status, 204);
        }
    }
}

void tst_TusFaults::crashLeftoversAreRemoved()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(10);
    QCOMPARE(tus.patch(path, 0, "abc").status, 204);
    tus.daemon.kill9();
    // What writeFileDurably() leaves when a crash comes between its write
    // and its rename, and a data file whose record never came.
    const QString dir = tus.dir.filePath(u"resumable/"_s);
    for (const QString &name :
         {QString(u"."_s + QString::fromLatin1(idOf(path)) + u".json.tmp-AbC123"_s),
          u"u0123456789abcdef0123456789abcdef.bin"_s}) {
        QFile file(dir + name);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("left over");
    }
    QVERIFY(tus.daemon.start(tus.dir.path()));
    QCOMPARE(QDir(dir).entryList(QDir::Files | QDir::Hidden),
             (QStringList {QString::fromLatin1(idOf(path)) + u".bin"_s,
                           QString::fromLatin1(idOf(path)) + u".json"_s}));
    QCOMPARE(tus.head(path).header("upload-offset"), "3");
}

void tst_TusFaults::partialUploadsAreListedAndARefusedFirstChunkSaysWhere()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray part = tus.create(5, "Upload-Concat: partial\r\n");
    QCOMPARE(tus.patch(part, 0, "hello").status, 204);
    // Finished, it still holds its bytes: listed, so that it can be deleted.
    const QJsonArray listed = QJsonDocument::fromJson(tus.call("GET", "/files/", {}).body)
                                  .object()
                                  .value(u"uploads"_s)
                                  .toArray();
    QCOMPARE(listed.size(), 1);
    QCOMPARE(listed.first()[u"concat"_s].toString(), u"partial"_s);
    QCOMPARE(listed.first()[u"offset"_s].toInteger(), 5);

    // creation-with-upload whose first chunk fails its checksum: the upload
    // exists, so the answer says where.
    const Reply r = tus.call("POST", "/files/",
                             "Tus-Resumable: 1.0.0\r\nUpload-Length: 5\r\n"
                             "Content-Type: application/offset+octet-stream\r\n"
                             "Upload-Checksum: sha1 "
                                 + digest(QCryptographicHash::Sha1, "other") + "\r\n",
                             "hello");
    QCOMPARE(r.status, 460);
    const QByteArray path = r.header("location");
    QVERIFY(path.startsWith("/files/u"));
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
}

void tst_TusFaults::aTrailerCannotReplaceTheHeaderChecksum()
{
    Tus tus;
    QVERIFY(tus.start());
    const QByteArray path = tus.create(5);
    const QByteArray raw = "PATCH " + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
        + tus.token
        + "\r\nTus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
          "Upload-Offset: 0\r\nUpload-Checksum: sha1 "
        + digest(QCryptographicHash::Sha1, "wrong")
        + "\r\nTransfer-Encoding: chunked\r\nTrailer: Upload-Checksum\r\n\r\n5\r\nhello\r\n0\r\n"
          "Upload-Checksum: md5 "
        + digest(QCryptographicHash::Md5, "hello") + "\r\n\r\n";
    QCOMPARE(request(tus.daemon.port, raw, 30'000).status, 400);
    QCOMPARE(tus.head(path).header("upload-offset"), "0");
}

QTEST_GUILESS_MAIN(tst_TusFaults)
#include "tst_tus_faults.moc"
