// Upload storage and its faults, and the processing state of stored uploads
// following their jobs against the real service: the temp sweeper
// (at start, after the TTL, sparing a live upload's finished parts), shutdown
// mid-upload, a full disk, and server faults whose answers name no server
// path.
#include "tmpfsmount.h"
#include "uploadtesting.h"

#include "jobs/jobengine.h"
#include "upload/uploadstore.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <csignal>
#include <sys/resource.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_UploadsStorage : public QObject
{
    Q_OBJECT
private slots:
    void tempFilesAreSweptAtStartAndAfterTtl();
    void sweeperSparesFinishedPartsOfALiveUpload();
    void shutdownDuringUploadCleansUp();
    void diskFull();
    void serverFaultsNameNoServerPath_data();
    void serverFaultsNameNoServerPath();
    void processingIsDoneOnlyOnceItsJobIs();
    void lateJobRecordDoesNotUndoAVerdict();
};

void tst_UploadsStorage::tempFilesAreSweptAtStartAndAfterTtl()
{
    QTemporaryDir dir;
    QDir(dir.path()).mkpath(u"tmp"_s);
    QDir(dir.path()).mkpath(u"uploads"_s);
    const auto touch = [](const QString &path) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("left behind");
    };
    touch(dir.filePath(u"tmp/upload-AbC123.part"_s)); // a crash mid-upload
    touch(dir.filePath(u"uploads/u0123456789abcdef0123456789abcdef"_s)); // renamed, no row
    touch(dir.filePath(u"tmp/unrelated.txt"_s));

    config::Limits limits = UploadFixture::defaultLimits();
    limits.tempFileTtlMs = 60'000;
    UploadFixture f(limits, dir.path());
    QVERIFY(f.tempFiles().isEmpty());
    QVERIFY(f.storedFiles().isEmpty());
    QVERIFY(QFileInfo::exists(dir.filePath(u"tmp/unrelated.txt"_s)));

    // While running: an orphan older than the TTL goes within a tenth of it.
    const QString old = dir.filePath(u"tmp/upload-Old000.part"_s);
    const QString fresh = dir.filePath(u"tmp/upload-New000.part"_s);
    touch(old);
    touch(fresh);
    QFile oldFile(old);
    QVERIFY(oldFile.open(QIODevice::ReadWrite));
    QVERIFY(oldFile.setFileTime(QDateTime::currentDateTime().addSecs(-120),
                                QFileDevice::FileModificationTime));
    oldFile.close();
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(old), 10'000);
    QVERIFY(QFileInfo::exists(fresh));
}

void tst_UploadsStorage::sweeperSparesFinishedPartsOfALiveUpload()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.tempFileTtlMs = 60'000; // the minimum; swept every 6 s
    UploadFixture f(limits);
    const QByteArray a = QByteArray("a line\n").repeated(1000);
    const QByteArray b = QByteArray("b line\n").repeated(2000);
    MultipartBuilder form;
    form.file("a", "a.txt", "text/plain", a);
    form.file("b", "b.txt", "text/plain", b);
    const QByteArray body = form.body();
    const qsizetype cut = body.indexOf(b) + 1000; // A whole, B begun
    RawClient client(f.port);
    client.send(f.head("POST", "/uploads", f.alice,
                       "Content-Type: " + form.contentType()
                           + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n")
                + body.first(cut));

    const QString tmp = f.dataDir + u"/tmp/"_s;
    const auto fileOfA = [&]() -> QString {
        for (const QString &name : f.tempFiles()) {
            if (QFileInfo(tmp + name).size() == a.size())
                return tmp + name;
        }
        return QString();
    };
    QTRY_VERIFY(!fileOfA().isEmpty());
    const QString partA = fileOfA();
    // Older than the TTL, as if B had trickled for minutes; and an orphan as
    // old, whose removal shows that a sweep ran.
    const QString orphan = tmp + u"upload-Orphan.part"_s;
    {
        QFile file(orphan);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("left behind");
    }
    for (const QString &path : {partA, orphan}) {
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadWrite));
        QVERIFY(file.setFileTime(QDateTime::currentDateTime().addSecs(-120),
                                 QFileDevice::FileModificationTime));
    }
    QTRY_VERIFY_WITH_TIMEOUT(!QFileInfo::exists(orphan), 15'000);
    QVERIFY(QFileInfo::exists(partA));

    client.send(body.sliced(cut));
    const Reply r = client.read(15'000);
    QVERIFY2(r.status == 201, r.body.constData());
    const QJsonArray uploads = f.json(r).value(u"uploads"_s).toArray();
    QCOMPARE(uploads.size(), 2);
    QCOMPARE(uploads[0].toObject().value(u"sha256"_s).toString(), hexSha256(a));
    QCOMPARE(uploads[1].toObject().value(u"sha256"_s).toString(), hexSha256(b));
    QVERIFY(f.tempFiles().isEmpty());
}

void tst_UploadsStorage::shutdownDuringUploadCleansUp()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.shutdownGraceMs = 200;
    UploadFixture f(limits);
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/long.txt", f.alice, "Content-Length: 1000000\r\n")
                + QByteArray(10'000, 'z'));
    QTRY_COMPARE(f.tempFiles().size(), 1);
    f.service->stop();
    QTRY_VERIFY(f.service->status().state == service::ServiceState::Stopped);
    QTRY_VERIFY(f.tempFiles().isEmpty());
    QVERIFY(f.storedFiles().isEmpty());
}

void tst_UploadsStorage::diskFull()
{
    // A small file system of its own; needs the right to mount (root, as in CI).
    QTemporaryDir mountPoint;
    const TmpfsMount disk(mountPoint.path(), 4 * 1024 * 1024);
    if (!disk.isMounted())
        QSKIP(qPrintable(disk.error()
                         + u" (not root?): disk full is covered by tst_uploadwriter_faults with "
                           "an injected ENOSPC"_s));
    {
        // One account may fill it (else its share of the disk stops it first).
        config::Limits limits = UploadFixture::defaultLimits();
        limits.accountSharePercent = 100;
        UploadFixture f(limits, mountPoint.path());
        QByteArray body;
        for (int i = 0; body.size() < 6 * 1024 * 1024; ++i)
            body += "a line of text number " + QByteArray::number(i) + "\n";

        // Declared: refused before the body, naming the free space. With
        // "Expect: 100-continue", as curl sends for a large body: a client
        // that pushes 6 MiB regardless may see the connection reset once
        // the lingering close has discarded its 4 MiB.
        RawClient client(f.port);
        client.send(f.head("PUT", "/uploads/big.txt", f.alice,
                           "Content-Length: " + QByteArray::number(body.size())
                               + "\r\nExpect: 100-continue\r\n"));
        const Reply early = client.read();
        QCOMPARE(early.status, 507);
        QCOMPARE(f.json(early).value(u"limit"_s).toString(), u"min_free_disk_bytes"_s);

        // Chunked: the disk fills mid-stream; 507, the partial file is removed.
        // The gate's estimate of the free disk (the last reading less what
        // growing bodies took since) usually refuses just before ENOSPC does.
        const Reply late
            = request(f.port,
                      f.head("PUT", "/uploads/big.txt", f.alice, "Transfer-Encoding: chunked\r\n")
                          + chunked(body, 64 * 1024),
                      15'000);
        QCOMPARE(late.status, 507);
        QVERIFY2(f.json(late).value(u"error"_s).toString().contains(u"disk is full"_s)
                     || f.json(late).value(u"limit"_s).toString() == u"min_free_disk_bytes"_s,
                 late.body.constData());
        QTRY_VERIFY(f.tempFiles().isEmpty());
        QVERIFY(f.storedFiles().isEmpty());
        QCOMPARE(f.call("GET", "/healthz", {}).status, 200);
        // Space is back (the partial file is gone): once the once-a-second
        // disk reading has seen it, a small upload works.
        QTRY_VERIFY_WITH_TIMEOUT(f.service->latestSample().diskFreeBytes > 2 * 1024 * 1024, 5000);
        const Reply small = f.put("small.txt", "fits", f.alice);
        QVERIFY2(small.status == 201, small.body.constData());
    }
}

void tst_UploadsStorage::serverFaultsNameNoServerPath_data()
{
    QTest::addColumn<QString>("fault");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("error");

    QTest::addRow("temp folder gone")
        << u"tmp"_s << 507 << u"cannot create a temp file for x.txt"_s;
    QTest::addRow("uploads folder gone")
        << u"uploads"_s << 500
        << u"cannot move x.txt into the uploads folder: No such file or directory"_s;
    QTest::addRow("write fails") << u"fsize"_s << 500
                                 << u"cannot store x.txt: writing its temp file failed"_s;
}

void tst_UploadsStorage::serverFaultsNameNoServerPath()
{
    QFETCH(QString, fault);
    QFETCH(int, status);
    QFETCH(QString, error);

    UploadFixture f;
    QByteArray body;
    for (int i = 0; body.size() < 2 * 1024 * 1024; ++i)
        body += "line " + QByteArray::number(i) + "\n";
    rlimit saved {};
    QVERIFY(::getrlimit(RLIMIT_FSIZE, &saved) == 0);
    if (fault == u"fsize"_s) {
        // Writes past 1 MiB fail with EFBIG: an I/O error that is not ENOSPC.
        std::signal(SIGXFSZ, SIG_IGN);
        rlimit small = saved;
        small.rlim_cur = 1024 * 1024;
        QVERIFY(::setrlimit(RLIMIT_FSIZE, &small) == 0);
    } else {
        QVERIFY(QDir(f.dataDir).rename(fault, fault + u".gone"_s));
    }
    const Reply r = f.put("x.txt", body, f.alice);
    QVERIFY(::setrlimit(RLIMIT_FSIZE, &saved) == 0);
    if (fault != u"fsize"_s)
        QVERIFY(QDir(f.dataDir).rename(fault + u".gone"_s, fault));

    QCOMPARE(r.status, status);
    const QString message = f.json(r).value(u"error"_s).toString();
    QCOMPARE(message, error);
    QVERIFY2(!r.body.contains(f.dataDir.toUtf8()) && !message.contains(u'/'), r.body.constData());
    QTRY_VERIFY(f.tempFiles().isEmpty());
    QVERIFY(f.storedFiles().isEmpty());
}

namespace { } // namespace

// An upload says its processing is done only once the engine has recorded
// its job as succeeded: a client that sees "done" and then reads, or
// deletes, the job never finds it still running (tst_crashrecovery got 409
// from DELETE /jobs/{id} that way).
void tst_UploadsStorage::processingIsDoneOnlyOnceItsJobIs()
{
    UploadFixture f;
    const QByteArray csv = bigCsv(24 * 1024 * 1024); // processing takes a while
    const Reply r = f.put("big.csv", csv, f.alice);
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    const auto jobState = [&] {
        return f.json(f.call("GET", "/jobs/" + job, f.alice)).value(u"state"_s).toString();
    };
    QString state;
    QVERIFY(QTest::qWaitFor(
        [&] {
            state = jobState();
            return state != u"queued"_s;
        },
        10'000));
    QCOMPARE(state, u"running"_s);

    // The engine cannot record the outcome while held; the job finishes its
    // work on its worker meanwhile and records what it found.
    ThreadHold engine(f.service->jobEngine());
    QJsonObject row;
    QVERIFY(QTest::qWaitFor(
        [&] {
            row = uploadRow(f.dataDir, id);
            return row.value(u"outcome"_s).toObject().contains(u"rows"_s);
        },
        15'000));
    QCOMPARE(row.value(u"processing"_s).toString(), u"pending"_s);
    engine.release();

    QTRY_COMPARE(f.processing(id), u"done"_s);
    QCOMPARE(jobState(), u"succeeded"_s);
    QCOMPARE(f.upload(id, f.alice).value(u"processing"_s).toObject().value(u"rows"_s).toInteger(),
             csv.count("\r\n") - 1);
    QCOMPARE(f.call("DELETE", "/jobs/" + job, f.alice).status, 204);
}

// The store records an upload's job when the engine answers its submission.
// If the job has run before that answer is handled, recording it must not
// undo what the job found (it used to set the upload back to pending for
// ever).
void tst_UploadsStorage::lateJobRecordDoesNotUndoAVerdict()
{
    UploadFixture f;
    std::optional<ThreadHold> engine(std::in_place, f.service->jobEngine());
    RawClient client(f.port);
    const QByteArray csv = "a,b\r\n1,2\r\n";
    client.send(f.head("PUT", "/uploads/small.csv", f.alice,
                       "Content-Length: " + QByteArray::number(csv.size()) + "\r\n")
                + csv);
    // The row is in (the store then waits for the engine's answer).
    QString id;
    QVERIFY(QTest::qWaitFor(
        [&] {
            QDir uploads(f.dataDir + u"/uploads"_s);
            const QStringList files = uploads.entryList(QDir::Files);
            id = files.isEmpty() ? QString() : files.first();
            return !id.isEmpty() && !uploadRow(f.dataDir, id).isEmpty();
        },
        10'000));
    // The store is held before the engine answers, then the engine runs the job.
    std::optional<ThreadHold> store(std::in_place, f.service->uploadStore());
    engine.reset();
    QVERIFY(QTest::qWaitFor(
        [&] { return uploadRow(f.dataDir, id).value(u"outcome"_s).toObject().contains(u"rows"_s); },
        10'000));
    store.reset();

    const Reply r = client.read(10'000);
    QCOMPARE(r.status, 201);
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QVERIFY(!job.isEmpty());
    QTRY_COMPARE(f.processing(id), u"done"_s);
    QCOMPARE(uploadRow(f.dataDir, id).value(u"job"_s).toString(), QString::fromLatin1(job));
    QCOMPARE(f.json(f.call("GET", "/jobs/" + job, f.alice)).value(u"state"_s).toString(),
             u"succeeded"_s);
}

QTEST_GUILESS_MAIN(tst_UploadsStorage)
#include "tst_uploads_storage.moc"
