#include "upload/uploadwriter.h"
#include "uploadwritertesting.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QMutex>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <atomic>
#include <cerrno>
#include <fcntl.h>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace sluice::test;
using sluice::upload::UploadWriter;

namespace {

enum class Disk { Plain, ShortWritesAndInterrupts, NoHashNoSniff };

// A writer's signals, spied from the start.
struct Spies
{
    explicit Spies(UploadWriter &writer)
        : drained(&writer, &UploadWriter::drained)
        , finished(&writer, &UploadWriter::finished)
        , failed(&writer, &UploadWriter::failed)
    { }
    QSignalSpy drained;
    QSignalSpy finished;
    QSignalSpy failed;
};

} // namespace

Q_DECLARE_METATYPE(Disk)

class tst_UploadWriter : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void contentDigestAndPrefix_data();
    void contentDigestAndPrefix();
    void writeBehindFollowsTheWriter();
    void openCreatesPrivateUniqueFiles();
    void openNamesTheMissingDirectory();
    void commitRenamesAtomically();
    void commitBeforeFinishedIsAnError();
    void abortMidWayDeletesFileAndStopsWorker();
    void destructorLeavesNothingBehind_data();
    void destructorLeavesNothingBehind();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_tempDir;
};

void tst_UploadWriter::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_tempDir = m_dir->filePath(u"tmp"_s);
    QVERIFY(QDir().mkdir(m_tempDir));
}

void tst_UploadWriter::contentDigestAndPrefix_data()
{
    QTest::addColumn<qsizetype>("size");
    QTest::addColumn<qsizetype>("pieceSize"); // 0: random sizes up to 4000
    QTest::addColumn<Disk>("disk");

    QTest::addRow("empty") << qsizetype(0) << qsizetype(1) << Disk::Plain;
    QTest::addRow("shorter than the prefix") << qsizetype(10) << qsizetype(3) << Disk::Plain;
    QTest::addRow("one-byte pieces") << qsizetype(20'000) << qsizetype(1) << Disk::Plain;
    QTest::addRow("many small pieces") << qsizetype(3'000'000) << qsizetype(0) << Disk::Plain;
    QTest::addRow("64 MiB in 64 KiB pieces")
        << qsizetype(64 << 20) << qsizetype(64 << 10) << Disk::Plain;
    QTest::addRow("short writes and EINTR")
        << qsizetype(2'000'000) << qsizetype(0) << Disk::ShortWritesAndInterrupts;
    QTest::addRow("no hash, no prefix")
        << qsizetype(100'000) << qsizetype(0) << Disk::NoHashNoSniff;
}

void tst_UploadWriter::contentDigestAndPrefix()
{
    QFETCH(qsizetype, size);
    QFETCH(qsizetype, pieceSize);
    QFETCH(Disk, disk);

    UploadWriter::Options options;
    if (disk == Disk::ShortWritesAndInterrupts) {
        // At most 777 bytes a call, and every third call interrupted.
        auto calls = std::make_shared<std::atomic<int>>(0);
        options.writeFunction = [calls](int fd, const char *data, size_t length) -> ssize_t {
            if (++*calls % 3 == 0) {
                errno = EINTR;
                return -1;
            }
            return ::write(fd, data, std::min<size_t>(length, 777));
        };
    }
    if (disk == Disk::NoHashNoSniff) {
        options.computeSha256 = false;
        options.sniffBytes = 0;
    }
    const QByteArray data = randomBytes(size);

    UploadWriter writer(m_tempDir, options);
    Spies spies(writer);
    const auto opened = writer.open();
    QVERIFY2(opened, qPrintable(opened ? QString() : opened.error().message));
    const QString tempPath = writer.tempPath();
    QVERIFY(QFileInfo(tempPath).fileName().startsWith(u"upload-"_s));
    QVERIFY(tempPath.endsWith(u".part"_s));

    qint64 maxQueued = 0;
    int waits = 0;
    if (pieceSize > 0) {
        feed(writer, spies.drained, data, pieceSize, &maxQueued, &waits);
    } else {
        QRandomGenerator sizes(3);
        for (qsizetype offset = 0; offset < data.size() && !QTest::currentTestFailed();) {
            const qsizetype next
                = std::min<qsizetype>(data.size() - offset, 1 + sizes.bounded(4000));
            feed(writer, spies.drained, data.sliced(offset, next), next, &maxQueued, &waits);
            offset += next;
        }
    }
    if (QTest::currentTestFailed())
        return;
    writer.finish();

    QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
    QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));
    // One drained() per time the feeding had to stop, and no more.
    QCOMPARE(spies.drained.count(), waits);
    QVERIFY(maxQueued <= options.highWaterBytes + 64 * 1024);

    const QList<QVariant> result = spies.finished.takeFirst();
    QCOMPARE(result.at(0).toLongLong(), qint64(size));
    QCOMPARE(writer.writtenBytes(), qint64(size));
    QCOMPARE(writer.queuedBytes(), 0);
    if (disk == Disk::NoHashNoSniff) {
        QVERIFY(result.at(1).toByteArray().isEmpty());
        QVERIFY(result.at(2).toByteArray().isEmpty());
    } else {
        QCOMPARE(result.at(1).toByteArray(),
                 QCryptographicHash::hash(data, QCryptographicHash::Sha256));
        QCOMPARE(result.at(2).toByteArray(), data.first(std::min<qsizetype>(size, 4096)));
    }
    QCOMPARE(writer.tempPath(), tempPath);
    QVERIFY(readFile(tempPath) == data);
}

// Write-behind (decision 0024): the writer hands whole windows to
// sync_file_range() in file order, each one only once it is written (never
// ahead of the writer), and waits for a window only when later ones are
// being written back, so few windows are ever dirty at a time.
void tst_UploadWriter::writeBehindFollowsTheWriter()
{
    constexpr qint64 window = 64 * 1024;
    constexpr unsigned int start = SYNC_FILE_RANGE_WRITE;
    constexpr unsigned int wait
        = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER;
    struct Call
    {
        qint64 offset;
        qint64 size;
        unsigned int flags;
        qint64 fileSize; // when it was asked for
    };
    struct Calls
    {
        QMutex mutex;
        QList<Call> list;
    };
    auto calls = std::make_shared<Calls>();
    UploadWriter::Options options;
    options.writeBehindBytes = window;
    options.syncRangeFunction = [calls](int fd, qint64 offset, qint64 size, unsigned int flags) {
        struct stat status;
        const qint64 fileSize = ::fstat(fd, &status) == 0 ? status.st_size : -1;
        {
            const QMutexLocker lock(&calls->mutex);
            calls->list.append({offset, size, flags, fileSize});
        }
        return ::sync_file_range(fd, offset, size, flags);
    };
    // 20 windows and a tail, in pieces that do not line up with them.
    const QByteArray data = randomBytes(20 * window + 1000);

    UploadWriter writer(m_tempDir, options);
    Spies spies(writer);
    QVERIFY(writer.open());
    const QString tempPath = writer.tempPath();
    feed(writer, spies.drained, data, 7000);
    if (QTest::currentTestFailed())
        return;
    writer.finish();
    QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
    QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));
    QVERIFY(readFile(tempPath) == data);

    const QMutexLocker lock(&calls->mutex);
    qint64 started = 0; // windows whose writeback was started
    qint64 waited = 0;
    for (const Call &call : std::as_const(calls->list)) {
        QCOMPARE(call.size, window);
        QVERIFY2(call.offset + call.size <= call.fileSize,
                 qPrintable(u"%1 bytes from %2 asked for with %3 in the file"_s.arg(call.size)
                                .arg(call.offset)
                                .arg(call.fileSize)));
        if (call.flags == start) {
            QCOMPARE(call.offset, started * window);
            ++started;
            // Bounded: the windows not waited for yet, this one included.
            QVERIFY2(started - waited <= 4, qPrintable(u"%1"_s.arg(started - waited)));
        } else {
            QCOMPARE(call.flags, wait);
            QCOMPARE(call.offset, waited * window);
            ++waited;
            // Well behind the writer: two later windows are on their way.
            QVERIFY2(started >= waited + 2, qPrintable(u"%1 %2"_s.arg(started).arg(waited)));
        }
    }
    QCOMPARE(started, 20); // every whole window; fdatasync() has the tail
    QVERIFY2(waited >= started - 4, qPrintable(u"%1"_s.arg(waited)));
}

void tst_UploadWriter::openCreatesPrivateUniqueFiles()
{
    UploadWriter first(m_tempDir);
    UploadWriter second(m_tempDir);
    // A umask that takes the owner's write permission must not matter.
    const mode_t umask = ::umask(0277);
    const bool opened = first.open() && second.open();
    ::umask(umask);
    QVERIFY(opened);
    QVERIFY(first.tempPath() != second.tempPath());
    QCOMPARE(entriesIn(m_tempDir).size(), 2);

    struct stat status;
    QCOMPARE(::stat(QFile::encodeName(first.tempPath()).constData(), &status), 0);
    QCOMPARE(status.st_mode & 0777, mode_t(0600));
    QVERIFY(!first.open()); // once only
}

void tst_UploadWriter::openNamesTheMissingDirectory()
{
    const QString missing = m_dir->filePath(u"missing"_s);
    UploadWriter writer(missing);
    const auto opened = writer.open();
    QVERIFY(!opened);
    QVERIFY2(opened.error().message.contains(missing), qPrintable(opened.error().message));
    QVERIFY(writer.tempPath().isEmpty());
}

void tst_UploadWriter::commitRenamesAtomically()
{
    const QString finalDir = m_dir->filePath(u"uploads"_s);
    QVERIFY(QDir().mkdir(finalDir));
    const QString finalPath = finalDir + u"/abc"_s;
    const QByteArray data = randomBytes(300'000);

    UploadWriter writer(m_tempDir);
    Spies spies(writer);
    QVERIFY(writer.open());
    const QString tempPath = writer.tempPath();
    feed(writer, spies.drained, data, 16 * 1024);
    if (QTest::currentTestFailed())
        return;
    writer.finish();
    QTRY_COMPARE(spies.finished.count(), 1);

    const auto committed = writer.commit(finalPath);
    QVERIFY2(committed, qPrintable(committed ? QString() : committed.error().message));
    QCOMPARE(*committed, finalPath);
    QVERIFY(!QFile::exists(tempPath));
    QVERIFY(entriesIn(m_tempDir).isEmpty());
    QVERIFY(readFile(finalPath) == data);
    QVERIFY(writer.tempPath().isEmpty());

    // The writer owns nothing now: neither abort() nor a second commit touch it.
    QVERIFY(!writer.commit(finalDir + u"/again"_s));
    writer.abort();
    QVERIFY(readFile(finalPath) == data);
}

void tst_UploadWriter::commitBeforeFinishedIsAnError()
{
    const QString finalPath = m_dir->filePath(u"final"_s);
    UploadWriter writer(m_tempDir);
    Spies spies(writer);

    QVERIFY(!writer.commit(finalPath)); // not even open
    QVERIFY(writer.open());
    writer.write("some bytes");
    QVERIFY(!writer.commit(finalPath));
    writer.finish();
    // finished() has not been delivered yet: this thread has not returned to
    // its event loop.
    const auto early = writer.commit(finalPath);
    QVERIFY(!early);
    QVERIFY2(early.error().message.contains(finalPath), qPrintable(early.error().message));
    QVERIFY(!QFile::exists(finalPath));

    QTRY_COMPARE(spies.finished.count(), 1);
    QVERIFY(writer.commit(finalPath));
    QCOMPARE(readFile(finalPath), QByteArray("some bytes"));
}

void tst_UploadWriter::abortMidWayDeletesFileAndStopsWorker()
{
    QThreadPool pool;
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    auto calls = std::make_shared<std::atomic<int>>(0);
    UploadWriter::Options options;
    options.pool = &pool;
    options.writeFunction = [gate, calls](int fd, const char *data, size_t size) {
        ++*calls;
        gate->pass();
        return ::write(fd, data, size);
    };

    auto writer = std::make_unique<UploadWriter>(m_tempDir, options);
    Spies spies(*writer);
    QVERIFY(writer->open());
    const QString tempPath = writer->tempPath();
    for (int i = 0; i < 8; ++i)
        writer->write(QByteArray(32 * 1024, 'x'));
    QTRY_COMPARE(gate->entered(), 1); // the worker is inside its first write
    QCOMPARE(descriptorsInto(tempPath), 1);

    writer->abort();
    QVERIFY(!QFile::exists(tempPath)); // at once, though a write is in flight
    QVERIFY(entriesIn(m_tempDir).isEmpty());
    QVERIFY(writer->tempPath().isEmpty());
    QCOMPARE(writer->queuedBytes(), 0);
    writer->abort(); // idempotent

    gate->open();
    QVERIFY(pool.waitForDone(10000));
    QCOMPARE(calls->load(), 1); // nothing written after the abort
    QCOMPARE(descriptorsInto(tempPath), 0); // and the descriptor is closed

    writer->write("late");
    writer->finish();
    QVERIFY(!writer->commit(m_dir->filePath(u"final"_s)));
    writer.reset();
    QVERIFY(entriesIn(m_tempDir).isEmpty());
    QCOMPARE(spies.finished.count(), 0);
    QCOMPARE(spies.failed.count(), 0);
}

void tst_UploadWriter::destructorLeavesNothingBehind_data()
{
    QTest::addColumn<int>("stage");

    QTest::addRow("opened") << 0;
    QTest::addRow("written") << 1;
    QTest::addRow("finishing") << 2;
    QTest::addRow("finished") << 3;
}

void tst_UploadWriter::destructorLeavesNothingBehind()
{
    QFETCH(int, stage);

    QThreadPool pool;
    UploadWriter::Options options;
    options.pool = &pool;
    QString tempPath;
    {
        UploadWriter writer(m_tempDir, options);
        QSignalSpy finished(&writer, &UploadWriter::finished);
        QVERIFY(writer.open());
        tempPath = writer.tempPath();
        if (stage >= 1)
            writer.write(randomBytes(3 * 1024 * 1024));
        if (stage >= 2)
            writer.finish();
        if (stage >= 3)
            QTRY_COMPARE(finished.count(), 1);
        QVERIFY(QFile::exists(tempPath));
    }
    QVERIFY(entriesIn(m_tempDir).isEmpty());
    QVERIFY(pool.waitForDone(10000));
    QCOMPARE(descriptorsInto(tempPath), 0);
}

QTEST_GUILESS_MAIN(tst_UploadWriter)
#include "tst_uploadwriter.moc"
