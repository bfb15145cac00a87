// The upload writer under a slow, stalled, full or failing disk.
#include "tmpfsmount.h"
#include "upload/uploadwriter.h"
#include "uploadwritertesting.h"
#include "util/outputfile.h"

#include <QCryptographicHash>
#include <QMutex>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace sluice::test;
using sluice::upload::UploadWriter;

class tst_UploadWriterFaults : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void backpressureStopsAtHighWater();
    void fullWhenFinishedStillDrains();
    void diskErrors_data();
    void diskErrors();
    void writeBehindErrors_data();
    void writeBehindErrors();
    void realSmallFilesystemFills();
    void stalledWriterDoesNotBlockAnother_data();
    void stalledWriterDoesNotBlockAnother();
    void busyWritersTakeTurns();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
};

void tst_UploadWriterFaults::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void tst_UploadWriterFaults::backpressureStopsAtHighWater()
{
    constexpr qint64 piece = 16 * 1024;
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    UploadWriter::Options options;
    options.highWaterBytes = 256 * 1024;
    options.lowWaterBytes = 64 * 1024;
    options.writeFunction = gatedWrite(gate);

    UploadWriter writer(m_dir->path(), options);
    QSignalSpy drained(&writer, &UploadWriter::drained);
    QSignalSpy finished(&writer, &UploadWriter::finished);
    QVERIFY(writer.open());

    // A connection writes while the writer is not full; the disk takes nothing.
    int pieces = 0;
    while (!writer.isFull()) {
        writer.write(QByteArray(piece, char('a' + pieces % 26)));
        ++pieces;
        QVERIFY(writer.queuedBytes() <= options.highWaterBytes + piece);
        QVERIFY2(pieces < 1000, "the writer never became full");
    }
    // Full exactly at the high-water mark: the piece in the stalled write
    // still counts.
    QCOMPARE(pieces, int(options.highWaterBytes / piece));
    QCOMPARE(writer.queuedBytes(), options.highWaterBytes);
    QTRY_COMPARE(gate->entered(), 1);
    QCOMPARE(writer.writtenBytes(), 0);
    QCOMPARE(drained.count(), 0);

    gate->open();
    QVERIFY(drained.wait(10000));
    QVERIFY(!writer.isFull());
    QVERIFY(writer.queuedBytes() < options.lowWaterBytes);

    // Feeding on until the end keeps the bound and drains exactly once per stop.
    writer.write(QByteArray(piece, 'z'));
    writer.finish();
    QTRY_COMPARE(finished.count(), 1);
    QCOMPARE(finished.first().at(0).toLongLong(), (pieces + 1) * piece);
    QCOMPARE(drained.count(), 1);
}

// A multipart body finishes a file part with its last piece while the writer
// is full, and the connection waits for that writer before it reads the next
// part: drained() must come after finish() too, or the upload stalls until
// response_deadline_ms (issue 17, item 4).
void tst_UploadWriterFaults::fullWhenFinishedStillDrains()
{
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    UploadWriter::Options options;
    options.highWaterBytes = 64 * 1024;
    options.lowWaterBytes = 16 * 1024;
    options.writeFunction = gatedWrite(gate);

    UploadWriter writer(m_dir->path(), options);
    QSignalSpy drained(&writer, &UploadWriter::drained);
    QSignalSpy finished(&writer, &UploadWriter::finished);
    QVERIFY(writer.open());
    // The part's last piece fills the queue exactly; the disk takes nothing yet.
    writer.write(QByteArray(options.highWaterBytes, 'a'));
    writer.finish();
    QVERIFY(writer.isFull());
    QTRY_COMPARE(gate->entered(), 1);

    gate->open();
    QVERIFY(finished.wait(10000));
    QVERIFY(!writer.isFull());
    QCOMPARE(drained.count(), 1); // before finished(): the queue emptied first
}

void tst_UploadWriterFaults::diskErrors_data()
{
    QTest::addColumn<bool>("inSync");
    QTest::addColumn<int>("error");
    QTest::addColumn<bool>("diskFull");
    QTest::addColumn<QString>("reason");

    const auto reason = [](int error) {
        return sluice::describeSystemError(error);
    };
    QTest::addRow("ENOSPC in write") << false << ENOSPC << true << reason(ENOSPC);
    QTest::addRow("EDQUOT in write") << false << EDQUOT << true << reason(EDQUOT);
    QTest::addRow("EIO in write") << false << EIO << false << reason(EIO);
    QTest::addRow("ENOSPC in fdatasync") << true << ENOSPC << true << reason(ENOSPC);
    QTest::addRow("EIO in fdatasync") << true << EIO << false << reason(EIO);
}

void tst_UploadWriterFaults::diskErrors()
{
    QFETCH(bool, inSync);
    QFETCH(int, error);
    QFETCH(bool, diskFull);
    QFETCH(QString, reason);

    // The "disk" takes 100,000 bytes, the last of them in a short write.
    constexpr qint64 capacity = 100'000;
    auto used = std::make_shared<std::atomic<qint64>>(0);
    UploadWriter::Options options;
    if (inSync) {
        options.syncFunction = [error](int) {
            errno = error;
            return -1;
        };
    } else {
        options.writeFunction = [used, error](int fd, const char *data, size_t size) -> ssize_t {
            const qint64 room = capacity - *used;
            if (room <= 0) {
                errno = error;
                return -1;
            }
            const ssize_t count = ::write(fd, data, std::min<size_t>(size, size_t(room)));
            if (count > 0)
                *used += count;
            return count;
        };
    }

    UploadWriter writer(m_dir->path(), options);
    QSignalSpy drained(&writer, &UploadWriter::drained);
    QSignalSpy finished(&writer, &UploadWriter::finished);
    QSignalSpy failed(&writer, &UploadWriter::failed);
    QVERIFY(writer.open());
    const QString tempPath = writer.tempPath();
    feed(writer, drained, randomBytes(inSync ? 50'000 : 300'000), 7000);
    if (QTest::currentTestFailed())
        return;
    writer.finish();

    QVERIFY(failed.wait(10000));
    const QString message = failed.first().at(0).toString();
    QCOMPARE(failed.first().at(1).toBool(), diskFull);
    QVERIFY2(message.contains(tempPath) && message.contains(reason), qPrintable(message));
    // Deleted before failed() was emitted.
    QVERIFY(entriesIn(m_dir->path()).isEmpty());
    QVERIFY(writer.tempPath().isEmpty());
    QCOMPARE(writer.queuedBytes(), 0);
    QCOMPARE(finished.count(), 0);
    QVERIFY(!writer.commit(m_dir->filePath(u"final"_s)));
    if (!inSync)
        QCOMPARE(writer.writtenBytes(), capacity);
    QTRY_COMPARE(descriptorsInto(tempPath), 0);
}

void tst_UploadWriterFaults::writeBehindErrors_data()
{
    QTest::addColumn<int>("error");
    QTest::addColumn<bool>("fails");
    QTest::addColumn<bool>("diskFull");

    // A writeback error: reported to the file once, so the final fdatasync()
    // would not see it again.
    QTest::addRow("EIO") << EIO << true << false;
    QTest::addRow("ENOSPC") << ENOSPC << true << true;
    // A file system (or a sandbox) without sync_file_range(): fdatasync()
    // does it all, as before write-behind.
    QTest::addRow("EINVAL") << EINVAL << false << false;
    QTest::addRow("ESPIPE") << ESPIPE << false << false;
    QTest::addRow("ENOSYS") << ENOSYS << false << false;
}

// The third sync_file_range() of the upload fails (its first two went
// through).
void tst_UploadWriterFaults::writeBehindErrors()
{
    QFETCH(int, error);
    QFETCH(bool, fails);
    QFETCH(bool, diskFull);

    auto calls = std::make_shared<std::atomic<int>>(0);
    UploadWriter::Options options;
    options.writeBehindBytes = 64 * 1024;
    options.syncRangeFunction
        = [calls, error](int fd, qint64 offset, qint64 size, unsigned int flags) {
              if (++*calls == 3) {
                  errno = error;
                  return -1;
              }
              return ::sync_file_range(fd, offset, size, flags);
          };

    UploadWriter writer(m_dir->path(), options);
    QSignalSpy drained(&writer, &UploadWriter::drained);
    QSignalSpy finished(&writer, &UploadWriter::finished);
    QSignalSpy failed(&writer, &UploadWriter::failed);
    QVERIFY(writer.open());
    const QString tempPath = writer.tempPath();
    const QByteArray data = randomBytes(1024 * 1024);
    feed(writer, drained, data, 7000);
    if (QTest::currentTestFailed())
        return;
    writer.finish();
    QTRY_VERIFY_WITH_TIMEOUT(!finished.isEmpty() || !failed.isEmpty(), 10000);

    if (!fails) {
        QVERIFY2(failed.isEmpty(), qPrintable(failed.value(0).value(0).toString()));
        QCOMPARE(finished.first().at(1).toByteArray(),
                 QCryptographicHash::hash(data, QCryptographicHash::Sha256));
        QVERIFY(readFile(tempPath) == data);
        QCOMPARE(calls->load(), 3); // write-behind stopped there
        return;
    }
    // As a failed fdatasync() ends it: named, the file deleted before failed().
    QCOMPARE(finished.count(), 0);
    const QString message = failed.first().at(0).toString();
    QCOMPARE(failed.first().at(1).toBool(), diskFull);
    QVERIFY2(message.startsWith(u"cannot flush "_s + tempPath)
                 && message.contains(sluice::describeSystemError(error)),
             qPrintable(message));
    QVERIFY(entriesIn(m_dir->path()).isEmpty());
    QVERIFY(writer.tempPath().isEmpty());
    QVERIFY(!writer.commit(m_dir->filePath(u"final"_s)));
    QTRY_COMPARE(descriptorsInto(tempPath), 0);
    QCOMPARE(calls->load(), 3); // nothing after the error
}

void tst_UploadWriterFaults::realSmallFilesystemFills()
{
    const TmpfsMount disk(m_dir->path(), 2 * 1024 * 1024);
    if (!disk.isMounted())
        QSKIP(qPrintable(disk.error()));

    UploadWriter writer(m_dir->path());
    QSignalSpy drained(&writer, &UploadWriter::drained);
    QSignalSpy failed(&writer, &UploadWriter::failed);
    QVERIFY(writer.open());
    const QString tempPath = writer.tempPath();
    const QByteArray data = randomBytes(4 * 1024 * 1024);
    feed(writer, drained, data, 64 * 1024);
    if (QTest::currentTestFailed())
        return;
    writer.finish();

    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(failed.first().at(1).toBool(), qPrintable(failed.first().at(0).toString()));
    QVERIFY(entriesIn(m_dir->path()).isEmpty());
    QVERIFY(writer.writtenBytes() < data.size());
    QTRY_COMPARE(descriptorsInto(tempPath), 0);

    // The space is back: the next upload fits.
    UploadWriter next(m_dir->path());
    QSignalSpy nextFinished(&next, &UploadWriter::finished);
    QVERIFY(next.open());
    next.write(data.first(1024 * 1024));
    next.finish();
    QTRY_COMPARE(nextFinished.count(), 1);
}

void tst_UploadWriterFaults::stalledWriterDoesNotBlockAnother_data()
{
    QTest::addColumn<bool>("stallInSync");

    QTest::addRow("stalled in write") << false;
    QTest::addRow("stalled in fdatasync") << true;
}

void tst_UploadWriterFaults::stalledWriterDoesNotBlockAnother()
{
    QFETCH(bool, stallInSync);

    // Both on the shared pool, as in the service.
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    UploadWriter::Options slowOptions;
    if (stallInSync)
        slowOptions.syncFunction = [gate](int fd) {
            gate->pass();
            return ::fdatasync(fd);
        };
    else
        slowOptions.writeFunction = gatedWrite(gate);

    UploadWriter slow(m_dir->path(), slowOptions);
    QSignalSpy slowFinished(&slow, &UploadWriter::finished);
    QVERIFY(slow.open());
    slow.write(QByteArray(100'000, 's'));
    slow.finish();
    QTRY_COMPARE(gate->entered(), 1);

    UploadWriter fast(m_dir->path());
    QSignalSpy fastDrained(&fast, &UploadWriter::drained);
    QSignalSpy fastFinished(&fast, &UploadWriter::finished);
    QVERIFY(fast.open());
    const QByteArray data = randomBytes(8 * 1024 * 1024);
    feed(fast, fastDrained, data, 64 * 1024);
    if (QTest::currentTestFailed())
        return;
    fast.finish();
    QTRY_COMPARE(fastFinished.count(), 1);
    QCOMPARE(fastFinished.first().at(1).toByteArray(),
             QCryptographicHash::hash(data, QCryptographicHash::Sha256));
    QCOMPARE(slowFinished.count(), 0); // still stalled all along

    gate->open();
    QTRY_COMPARE(slowFinished.count(), 1);
    QCOMPARE(slowFinished.first().at(0).toLongLong(), 100'000);
}

void tst_UploadWriterFaults::busyWritersTakeTurns()
{
    // One I/O thread, two writers with 4 MiB queued each: the first must hand
    // the thread over after a slice instead of writing all it has.
    QThreadPool pool;
    pool.setMaxThreadCount(1);
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    QMutex orderMutex;
    QList<char> order;
    const auto logged = [&](char who, bool gated) {
        return [&, who, gated](int fd, const char *data, size_t size) {
            if (gated)
                gate->pass();
            const QMutexLocker lock(&orderMutex);
            order.append(who);
            return ::write(fd, data, size);
        };
    };
    UploadWriter::Options options;
    options.pool = &pool;
    options.highWaterBytes = 16 * 1024 * 1024;
    options.writeFunction = logged('A', true);
    UploadWriter first(m_dir->path(), options);
    options.writeFunction = logged('B', false);
    UploadWriter second(m_dir->path(), options);
    QSignalSpy firstFinished(&first, &UploadWriter::finished);
    QSignalSpy secondFinished(&second, &UploadWriter::finished);
    QVERIFY(first.open());
    QVERIFY(second.open());

    for (int i = 0; i < 64; ++i)
        first.write(QByteArray(64 * 1024, 'a'));
    QTRY_COMPARE(gate->entered(), 1); // the thread is busy with the first writer
    for (int i = 0; i < 64; ++i)
        second.write(QByteArray(64 * 1024, 'b'));
    first.finish();
    second.finish();
    gate->open();
    QTRY_COMPARE(firstFinished.count(), 1);
    QTRY_COMPARE(secondFinished.count(), 1);
    QVERIFY(pool.waitForDone(10000));

    const QMutexLocker lock(&orderMutex);
    QCOMPARE(order.size(), 128);
    QVERIFY2(order.indexOf('B') < order.lastIndexOf('A'),
             "the second writer waited until the first had written everything");
}

QTEST_GUILESS_MAIN(tst_UploadWriterFaults)
#include "tst_uploadwriter_faults.moc"
