// Image decoding is bounded (issue 18, finding 1): an uploaded image is
// decoded by the sluice-thumbnail helper process within image_decode_max_bytes
// and image_decode_max_ms, and a cancelled job's decode ends at once. The
// images are progressive JPEG decode bombs written by the test
// (tests/support/jpegbomb.h); the service runs in this process, so its
// memory is this process's.
#include "jpegbomb.h"
#include "uploadtesting.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QImageWriter>
#include <QJsonObject>
#include <QRegularExpression>
#include <QTest>

#include <sys/resource.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 MiB = 1024 * 1024;

// Live sluice-thumbnail processes started by this process (the service's
// job workers). /proc/PID/stat: "pid (comm) state ppid ..."; comm is cut at
// 15 characters; a zombie has ended already.
QList<qint64> helperProcesses()
{
    QList<qint64> pids;
    const qint64 self = ::getpid();
    const QStringList entries = QDir(u"/proc"_s).entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &entry : entries) {
        bool numeric = false;
        const qint64 pid = entry.toLongLong(&numeric);
        if (!numeric)
            continue;
        QFile stat(u"/proc/"_s + entry + u"/stat"_s);
        if (!stat.open(QIODevice::ReadOnly))
            continue;
        const QByteArray line = stat.readAll();
        const qsizetype open = line.indexOf('('), close = line.lastIndexOf(')');
        if (open < 0 || close < open)
            continue;
        const QByteArray comm = line.mid(open + 1, close - open - 1);
        const QList<QByteArray> rest = line.mid(close + 2).split(' ');
        if (rest.size() < 2 || comm != "sluice-thumbnai" || rest.at(0) == "Z")
            continue;
        if (rest.at(1).toLongLong() == self)
            pids.append(pid);
    }
    return pids;
}

QByteArray jpegBytes(int w, int h, bool progressive)
{
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    QImageWriter writer(&buffer, "jpeg");
    writer.setProgressiveScanWrite(progressive);
    return writer.write(image) ? bytes : QByteArray();
}

rlim_t softLimit(int resource)
{
    rlimit limit {};
    return ::getrlimit(resource, &limit) == 0 ? limit.rlim_cur : 0;
}

bool isAlive(qint64 pid)
{
    QFile stat(u"/proc/%1/stat"_s.arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    const QByteArray line = stat.readAll();
    return line.mid(line.lastIndexOf(')') + 2, 1) != "Z";
}

// This process's peak resident memory (VmHWM), after resetting the peak to
// the current size when the kernel allows it (clear_refs 5, Linux 4.0).
qint64 peakRssBytes()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmHWM:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong() * 1024;
    }
    return -1;
}

void resetPeakRss()
{
    QFile clear(u"/proc/self/clear_refs"_s);
    if (clear.open(QIODevice::WriteOnly))
        clear.write("5");
}

// Every file of the uploads folder: an upload's file and its thumbnail, if any.
QStringList uploadsFolder(const UploadFixture &f)
{
    return QDir(f.dataDir + u"/uploads"_s).entryList(QDir::Files | QDir::Hidden, QDir::Name);
}

QString state(UploadFixture &f, const QString &id)
{
    return f.processing(id);
}

// Waits for processing to end (done or failed), at most `ms`.
bool waitProcessed(UploadFixture &f, const QString &id, int ms)
{
    return QTest::qWaitFor(
        [&] {
            const QString s = state(f, id);
            return s == u"done"_s || s == u"failed"_s;
        },
        ms);
}

} // namespace

class tst_UploadsDecode : public QObject
{
    Q_OBJECT
private slots:
    void ordinaryJpegsGetThumbnails_data();
    void ordinaryJpegsGetThumbnails();
    void decodeBombFailsOnItsMemoryLimit();
    void slowDecodeIsKilledAtItsTimeLimit();
    void cancelEndsTheDecodeAndFreesTheSlot();
    void cancelAndRetryNeverDecodeTwiceAtOnce();
    void withoutTheHelperNothingIsDecodedHere();
};

void tst_UploadsDecode::ordinaryJpegsGetThumbnails_data()
{
    QTest::addColumn<bool>("progressive");
    QTest::addRow("baseline") << false;
    QTest::addRow("progressive") << true;
}

// Through the helper, at the default limits, as before.
void tst_UploadsDecode::ordinaryJpegsGetThumbnails()
{
    QFETCH(bool, progressive);
    UploadFixture f;
    const QByteArray jpeg = jpegBytes(2000, 1000, progressive);
    QVERIFY(!jpeg.isEmpty());
    const Reply r = f.put("photo.jpg", jpeg, f.alice, "Content-Type: image/jpeg\r\n");
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    QVERIFY(waitProcessed(f, id, 30'000));
    const QJsonObject processed = f.upload(id, f.alice).value(u"processing"_s).toObject();
    QVERIFY2(state(f, id) == u"done"_s, qPrintable(processed.value(u"error"_s).toString()));
    QCOMPARE(processed.value(u"width"_s).toInt(), 2000);
    QCOMPARE(processed.value(u"height"_s).toInt(), 1000);
    const Reply thumb = f.call("GET", "/uploads/" + id.toLatin1() + "/thumbnail", f.alice);
    QCOMPARE(thumb.status, 200);
    QCOMPARE(QImage::fromData(thumb.body, "PNG").size(), QSize(256, 128));
}

// 14000 x 14000 grey pixels (196 MP, under the 200 MP cap) in 380 KiB:
// libjpeg wants 392 MB of coefficients for it, more than the default
// image_decode_max_bytes (256 MiB).
void tst_UploadsDecode::decodeBombFailsOnItsMemoryLimit()
{
    UploadFixture f;
    QCOMPARE(f.service->limits().imageDecodeMaxBytes, 256 * MiB);
    const QByteArray bomb = progressiveJpegBomb(14000, 14000, 20);
    QVERIFY(bomb.size() < 512 * 1024);
    const rlim_t addressSpace = softLimit(RLIMIT_AS), cpu = softLimit(RLIMIT_CPU);
    resetPeakRss();
    const qint64 peakBefore = peakRssBytes();
    QVERIFY(peakBefore > 0);

    const Reply r = f.put("bomb.jpg", bomb, f.alice, "Content-Type: image/jpeg\r\n");
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QVERIFY(waitProcessed(f, id, 60'000));

    // The decoder's memory was another process's: this one (the service) did
    // not grow by the image (392 MB when it was decoded here).
    const qint64 grown = peakRssBytes() - peakBefore;
    QVERIFY2(grown < 100 * MiB, qPrintable(u"peak RSS grew by %1 MiB"_s.arg(grown / MiB)));
    // The limits were the helper's, not the service's.
    QCOMPARE(softLimit(RLIMIT_AS), addressSpace);
    QCOMPARE(softLimit(RLIMIT_CPU), cpu);

    QCOMPARE(state(f, id), u"failed"_s);
    const QString error
        = f.upload(id, f.alice).value(u"processing"_s).toObject().value(u"error"_s).toString();
    QVERIFY2(
        error.contains(u"the image needs more than 256 MiB to decode (image_decode_max_bytes)"_s),
        qPrintable(error));
    // Not retried: the same file would need the same memory.
    const QJsonObject jobJson = f.json(f.call("GET", "/jobs/" + job, f.alice));
    QCOMPARE(jobJson.value(u"state"_s).toString(), u"failed"_s);
    QCOMPARE(jobJson.value(u"attempts"_s).toInt(), 1);
    QVERIFY(helperProcesses().isEmpty());
}

// 4000 x 4000 grey pixels and 4,000 repeated scans in 190 KiB: some 15 s of
// CPU to decode here, with 32 MB of coefficients (well within the memory
// limit). With image_decode_max_ms at 1 s it is killed and fails.
void tst_UploadsDecode::slowDecodeIsKilledAtItsTimeLimit()
{
    auto limits = UploadFixture::defaultLimits();
    limits.imageDecodeMaxMs = 1'000;
    UploadFixture f(limits);
    const QByteArray bomb = progressiveJpegBomb(4000, 4000, 4000);

    QElapsedTimer clock;
    clock.start();
    const Reply r = f.put("slow.jpg", bomb, f.alice, "Content-Type: image/jpeg\r\n");
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QVERIFY(waitProcessed(f, id, 60'000));
    QCOMPARE(state(f, id), u"failed"_s);
    const qint64 took = clock.elapsed();
    const QString error
        = f.upload(id, f.alice).value(u"processing"_s).toObject().value(u"error"_s).toString();
    QVERIFY2(error.contains(u"decoding took longer than 1 s (image_decode_max_ms)"_s),
             qPrintable(error));
    // The limit and the time to notice it and start the helper; nowhere
    // near the decode's own 15 s.
    QVERIFY2(took < 8'000, qPrintable(u"failed after %1 ms"_s.arg(took)));
    QCOMPARE(uploadsFolder(f), QStringList {id}); // no thumbnail, nothing half-written
    const QJsonObject jobJson = f.json(f.call("GET", "/jobs/" + job, f.alice));
    QCOMPARE(jobJson.value(u"state"_s).toString(), u"failed"_s);
    QCOMPARE(jobJson.value(u"attempts"_s).toInt(), 1);
    QVERIFY(helperProcesses().isEmpty());
}

// With one job slot, a decode of some two minutes holds it; another upload's
// processing waits. Cancelling the job kills the helper at once, and the
// slot goes to the waiting job.
void tst_UploadsDecode::cancelEndsTheDecodeAndFreesTheSlot()
{
    auto limits = UploadFixture::defaultLimits();
    limits.maxActiveJobs = 1;
    limits.imageDecodeMaxMs = 600'000;
    UploadFixture f(limits);
    const QByteArray bomb = progressiveJpegBomb(4000, 4000, 30'000);

    const Reply r = f.put("long.jpg", bomb, f.alice, "Content-Type: image/jpeg\r\n");
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QList<qint64> helpers;
    QVERIFY2(QTest::qWaitFor(
                 [&] {
                     helpers = helperProcesses();
                     return !helpers.isEmpty();
                 },
                 30'000),
             "no sluice-thumbnail process decodes the upload");
    QCOMPARE(helpers.size(), 1);
    const qint64 helper = helpers.first();

    const Reply png = f.put("small.png", pngBytes(64, 64), f.bob, "Content-Type: image/png\r\n");
    QCOMPARE(png.status, 201);
    const QString pngId = f.json(png).value(u"id"_s).toString();
    const QByteArray pngJob = f.json(png).value(u"job"_s).toString().toLatin1();
    QTest::qWait(300); // a chance for a second job to start beside the decode, if it could
    QCOMPARE(f.json(f.call("GET", "/jobs/" + pngJob, f.bob)).value(u"state"_s).toString(),
             u"queued"_s);
    QVERIFY(isAlive(helper)); // so the slot was held by the decode all along

    QElapsedTimer clock;
    clock.start();
    QCOMPARE(f.call("POST", "/jobs/" + job + "/cancel", f.alice, "Content-Length: 0\r\n").status,
             200);
    QVERIFY2(QTest::qWaitFor([&] { return !isAlive(helper); }, 5'000),
             "the helper still decodes after the cancel");
    const qint64 ended = clock.elapsed();
    QVERIFY2(ended < 3'000, qPrintable(u"the helper ended %1 ms after the cancel"_s.arg(ended)));
    QVERIFY(QTest::qWaitFor([&] { return state(f, id) == u"failed"_s; }, 10'000));
    QCOMPARE(f.json(f.call("GET", "/jobs/" + job, f.alice)).value(u"state"_s).toString(),
             u"cancelled"_s);
    QCOMPARE(uploadsFolder(f).filter(id), QStringList {id}); // no thumbnail, nothing half-written

    // The slot is free: the waiting upload is processed.
    QVERIFY(waitProcessed(f, pngId, 30'000));
    QCOMPARE(state(f, pngId), u"done"_s);
    QVERIFY(helperProcesses().isEmpty());
}

// The review's sequence: cancel and retry, five times, with two job slots.
// Each retry's decode starts only once the cancelled one has ended, so one
// job never decodes twice at once (the review saw six decodes).
void tst_UploadsDecode::cancelAndRetryNeverDecodeTwiceAtOnce()
{
    auto limits = UploadFixture::defaultLimits();
    limits.maxActiveJobs = 2;
    limits.imageDecodeMaxMs = 600'000;
    UploadFixture f(limits);
    const Reply r = f.put("long.jpg", progressiveJpegBomb(4000, 4000, 30'000), f.alice,
                          "Content-Type: image/jpeg\r\n");
    QCOMPARE(r.status, 201);
    const QByteArray job = "/jobs/" + f.json(r).value(u"job"_s).toString().toLatin1();
    int most = 0;
    const auto helpersNow = [&] {
        const qsizetype n = helperProcesses().size();
        most = std::max(most, int(n));
        return n;
    };
    for (int round = 1; round <= 5; ++round) {
        QVERIFY2(QTest::qWaitFor([&] { return helpersNow() > 0; }, 30'000),
                 qPrintable(u"round %1: no decode started"_s.arg(round)));
        QCOMPARE(f.call("POST", job + "/cancel", f.alice, "Content-Length: 0\r\n").status, 200);
        int retried = 0;
        QVERIFY(QTest::qWaitFor(
            [&] {
                helpersNow();
                retried = f.call("POST", job + "/retry", f.alice, "Content-Length: 0\r\n").status;
                return retried != 409; // 409: the cancelled attempt is still stopping
            },
            10'000));
        QCOMPARE(retried, 200);
    }
    QVERIFY(QTest::qWaitFor([&] { return helpersNow() > 0; }, 30'000));
    QCOMPARE(most, 1);
    QCOMPARE(f.call("POST", job + "/cancel", f.alice, "Content-Length: 0\r\n").status, 200);
    QVERIFY(QTest::qWaitFor([&] { return helperProcesses().isEmpty(); }, 5'000));
}

// No fallback to decoding in the service: a missing helper fails processing,
// naming it (and not the folders looked in, which go to the log).
void tst_UploadsDecode::withoutTheHelperNothingIsDecodedHere()
{
    QTemporaryDir empty;
    const QByteArray binDir = qgetenv("SLUICE_BIN_DIR");
    qputenv("SLUICE_BIN_DIR", empty.path().toLocal8Bit());
    UploadFixture f;
    qputenv("SLUICE_BIN_DIR", binDir);
    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"^no thumbnail helper in "_s));
    const Reply r = f.put("p.png", pngBytes(64, 64), f.alice, "Content-Type: image/png\r\n");
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    QVERIFY(waitProcessed(f, id, 30'000));
    QCOMPARE(state(f, id), u"failed"_s);
    const QString error
        = f.upload(id, f.alice).value(u"processing"_s).toObject().value(u"error"_s).toString();
    QVERIFY2(error.contains(u"sluice-thumbnail is not installed"_s), qPrintable(error));
    QVERIFY2(!error.contains(empty.path()), qPrintable(error));
    QCOMPARE(f.call("GET", "/uploads/" + id.toLatin1() + "/thumbnail", f.alice).status, 404);
}

QTEST_GUILESS_MAIN(tst_UploadsDecode)
#include "tst_uploads_decode.moc"
