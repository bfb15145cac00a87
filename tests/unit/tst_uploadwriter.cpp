#include "upload/sha256.h"
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
using sluice::upload::Sha256;
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

void writeFile(const QString &path, const QByteArray &data)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(data), data.size());
}

QString errorOf(const sluice::Expected<void> &result)
{
    return result ? QString() : result.error().message;
}

// Writes data to path from offset on with a new writer, up to finished() or
// failed().
struct Appended
{
    QList<QVariant> finished; // empty when it failed
    QByteArray chunkDigest;
    std::shared_ptr<Sha256> sha256State;
};

Appended append(const QString &path, qint64 offset, const QByteArray &data,
                UploadWriter::Options options = {})
{
    Appended result;
    UploadWriter writer(QString(), options);
    Spies spies(writer);
    const auto opened = writer.openForAppend(path, offset);
    [&] {
        QVERIFY2(opened, qPrintable(errorOf(opened)));
    }();
    if (!opened)
        return result;
    feed(writer, spies.drained, data, 7000);
    writer.finish();
    [&] {
        QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
        QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));
    }();
    if (spies.finished.isEmpty())
        return result;
    result.finished = spies.finished.first();
    result.chunkDigest = writer.chunkDigest();
    result.sha256State = writer.takeSha256State();
    return result;
}

} // namespace

Q_DECLARE_METATYPE(Disk)

class tst_UploadWriter : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void contentDigestAndPrefix_data();
    void contentDigestAndPrefix();
    void writeBehindFollowsTheWriter_data();
    void writeBehindFollowsTheWriter();
    void openCreatesPrivateUniqueFiles();
    void openNamesTheMissingDirectory();
    void commitRenamesAtomically();
    void commitBeforeFinishedIsAnError();
    void abortMidWayDeletesFileAndStopsWorker();
    void destructorLeavesNothingBehind_data();
    void destructorLeavesNothingBehind();
    void appendWritesFromTheOffset();
    void appendCutsTheUnacknowledgedTailFirst();
    void appendRefusesWhatItCannotDo_data();
    void appendRefusesWhatItCannotDo();
    void appendLocksOutASecondWriter();
    void abortInAppendModeKeepsTheFile();
    void failedAppendCutsBackToTheOffset_data();
    void failedAppendCutsBackToTheOffset();
    void sha256SeedContinuesAcrossWriters();
    void chunkDigestCoversTheChunkOnly_data();
    void chunkDigestCoversTheChunkOnly();
    void unknownChunkDigestTouchesNothing();

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

void tst_UploadWriter::writeBehindFollowsTheWriter_data()
{
    QTest::addColumn<qint64>("offset"); // -1: a new file

    QTest::addRow("new file") << qint64(-1);
    QTest::addRow("appended at 0") << qint64(0);
    // Not a multiple of the window: the windows count from the offset.
    QTest::addRow("appended at 100000") << qint64(100'000);
}

// Write-behind (decision 0024): the writer hands whole windows to
// sync_file_range() in file order, each one only once it is written (never
// ahead of the writer), and waits for a window only when later ones are
// being written back, so few windows are ever dirty at a time. When it
// appends, the windows start at its offset (an earlier writer flushed what
// comes before).
void tst_UploadWriter::writeBehindFollowsTheWriter()
{
    QFETCH(qint64, offset);

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

    const QByteArray before = randomBytes(std::max<qint64>(offset, 0), 2);
    const qint64 origin = before.size(); // where the windows start

    UploadWriter writer(m_tempDir, options);
    Spies spies(writer);
    if (offset < 0) {
        QVERIFY(writer.open());
    } else {
        writeFile(m_dir->filePath(u"upload"_s), before);
        QVERIFY(writer.openForAppend(m_dir->filePath(u"upload"_s), offset));
    }
    const QString tempPath = writer.tempPath();
    feed(writer, spies.drained, data, 7000);
    if (QTest::currentTestFailed())
        return;
    writer.finish();
    QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
    QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));
    QVERIFY(readFile(tempPath) == QByteArray(before + data));

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
            QCOMPARE(call.offset, origin + started * window);
            ++started;
            // Bounded: the windows not waited for yet, this one included.
            QVERIFY2(started - waited <= 4, qPrintable(u"%1"_s.arg(started - waited)));
        } else {
            QCOMPARE(call.flags, wait);
            QCOMPARE(call.offset, origin + waited * window);
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

void tst_UploadWriter::appendWritesFromTheOffset()
{
    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, "0123456789");
    const QByteArray data = randomBytes(50'000);

    UploadWriter writer(m_tempDir);
    Spies spies(writer);
    const auto opened = writer.openForAppend(path, 10);
    QVERIFY2(opened, qPrintable(errorOf(opened)));
    QCOMPARE(writer.tempPath(), path);
    QVERIFY(!writer.openForAppend(path, 10)); // once only
    QVERIFY(!writer.open());
    feed(writer, spies.drained, data, 3000);
    writer.finish();
    QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
    QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));

    QVERIFY(readFile(path) == QByteArray("0123456789" + data));
    const QList<QVariant> result = spies.finished.first();
    QCOMPARE(result.at(0).toLongLong(), data.size()); // this writer's bytes
    QCOMPARE(writer.writtenBytes(), data.size());
    QCOMPARE(result.at(1).toByteArray(), Sha256::digest(data)); // no seed: these bytes only
    QCOMPARE(result.at(2).toByteArray(), data.first(4096)); // the first this writer wrote
    QCOMPARE(descriptorsInto(path), 0);
    QVERIFY(entriesIn(m_tempDir).isEmpty());

    // The file stays the caller's.
    sluice::upload::TempFileRegistry::Lease lease;
    QVERIFY(writer.takeFile(&lease).isEmpty());
    const auto committed = writer.commit(m_dir->filePath(u"elsewhere"_s));
    QVERIFY(!committed);
    QVERIFY2(committed.error().message.contains(path), qPrintable(committed.error().message));
    QVERIFY(!QFile::exists(m_dir->filePath(u"elsewhere"_s)));
    writer.abort();
    QVERIFY(readFile(path) == QByteArray("0123456789" + data));
}

void tst_UploadWriter::appendCutsTheUnacknowledgedTailFirst()
{
    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, "0123456789");

    UploadWriter writer(m_tempDir);
    Spies spies(writer);
    QVERIFY(writer.openForAppend(path, 5));
    QCOMPARE(QFileInfo(path).size(), 5); // before anything is written
    writer.write("XY");
    writer.finish();
    QTRY_COMPARE(spies.finished.count(), 1);
    QCOMPARE(readFile(path), QByteArray("01234XY"));
    QCOMPARE(spies.finished.first().at(0).toLongLong(), 2);

    // Nothing to write, at the very end: the file stays as it is.
    const Appended empty = append(path, 7, {});
    QVERIFY(!empty.finished.isEmpty());
    QCOMPARE(readFile(path), QByteArray("01234XY"));
    QCOMPARE(empty.finished.at(0).toLongLong(), 0);
}

void tst_UploadWriter::appendRefusesWhatItCannotDo_data()
{
    QTest::addColumn<QString>("name"); // in the test's directory
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<QString>("named"); // in the error

    QTest::addRow("beyond the end") << u"upload"_s << qint64(11) << u"holds only 10 bytes"_s;
    QTest::addRow("negative offset") << u"upload"_s << qint64(-1) << u"negative offset -1"_s;
    QTest::addRow("missing file") << u"missing"_s << qint64(0) << u"missing"_s;
    QTest::addRow("directory") << u"tmp"_s << qint64(0) << u"tmp"_s;
}

void tst_UploadWriter::appendRefusesWhatItCannotDo()
{
    QFETCH(QString, name);
    QFETCH(qint64, offset);
    QFETCH(QString, named);

    writeFile(m_dir->filePath(u"upload"_s), "0123456789");
    const QString path = m_dir->filePath(name);
    UploadWriter writer(m_tempDir);
    Spies spies(writer);
    const auto opened = writer.openForAppend(path, offset);
    QVERIFY(!opened);
    QVERIFY2(opened.error().message.contains(path), qPrintable(opened.error().message));
    QVERIFY2(opened.error().message.contains(named), qPrintable(opened.error().message));
    QVERIFY(writer.tempPath().isEmpty());
    QCOMPARE(readFile(m_dir->filePath(u"upload"_s)), QByteArray("0123456789")); // not extended
    QCOMPARE(descriptorsInto(path), 0);
    QVERIFY(!QFile::exists(m_dir->filePath(u"missing"_s)));
}

// A request for the same upload that arrives while a writer (even an aborted
// one, whose write may still be in the kernel) has the file open must not
// write into it at the same time.
void tst_UploadWriter::appendLocksOutASecondWriter()
{
    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, "0123456789");
    QThreadPool pool;
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    UploadWriter::Options options;
    options.pool = &pool;
    options.writeFunction = gatedWrite(gate);

    auto first = std::make_unique<UploadWriter>(m_tempDir, options);
    QVERIFY(first->openForAppend(path, 10));
    first->write("abc");
    QTRY_COMPARE(gate->entered(), 1);
    first->abort();

    UploadWriter second(m_tempDir);
    const auto opened = second.openForAppend(path, 5);
    QVERIFY(!opened);
    QVERIFY2(opened.error().message.contains(u"another writer"_s),
             qPrintable(opened.error().message));
    QCOMPARE(QFileInfo(path).size(), 10); // and it did not cut the file either

    gate->open();
    QVERIFY(pool.waitForDone(10000));
    QCOMPARE(readFile(path), QByteArray("0123456789abc")); // the write in flight landed
    first.reset();
    const Appended third = append(path, 10, "ABC");
    QVERIFY(!third.finished.isEmpty());
    QCOMPARE(readFile(path), QByteArray("0123456789ABC"));
}

void tst_UploadWriter::abortInAppendModeKeepsTheFile()
{
    const QString path = m_dir->filePath(u"upload"_s);
    const QByteArray before = randomBytes(10, 2);
    writeFile(path, before);
    QThreadPool pool;
    auto gate = std::make_shared<Gate>();
    const GateOpener opener {gate};
    UploadWriter::Options options;
    options.pool = &pool;
    options.writeFunction = gatedWrite(gate);

    auto writer = std::make_unique<UploadWriter>(m_tempDir, options);
    Spies spies(*writer);
    QVERIFY(writer->openForAppend(path, 10));
    for (int i = 0; i < 4; ++i)
        writer->write(QByteArray(1000, char('a' + i)));
    QTRY_COMPARE(gate->entered(), 1);
    writer->abort();
    QVERIFY(QFile::exists(path));
    QVERIFY(writer->tempPath().isEmpty());
    gate->open();
    QVERIFY(pool.waitForDone(10000));
    QCOMPARE(descriptorsInto(path), 0);
    writer.reset();
    // What was written stays, unacknowledged; what was queued is dropped.
    QCOMPARE(readFile(path), QByteArray(before + QByteArray(1000, 'a')));
    QCOMPARE(spies.failed.count(), 0);
    QCOMPARE(spies.finished.count(), 0);

    // The destructor of a writer in the middle of its work keeps it too.
    {
        UploadWriter::Options plain;
        plain.pool = &pool;
        UploadWriter dropped(m_tempDir, plain);
        QVERIFY(dropped.openForAppend(path, 10));
        dropped.write(randomBytes(3 * 1024 * 1024));
    }
    QVERIFY(pool.waitForDone(10000));
    QVERIFY(readFile(path).startsWith(before));
    QCOMPARE(descriptorsInto(path), 0);
}

void tst_UploadWriter::failedAppendCutsBackToTheOffset_data()
{
    QTest::addColumn<bool>("inSync");
    QTest::addColumn<bool>("diskFull");

    QTest::addRow("ENOSPC in write") << false << true;
    QTest::addRow("EIO in fdatasync") << true << false;
}

void tst_UploadWriter::failedAppendCutsBackToTheOffset()
{
    QFETCH(bool, inSync);
    QFETCH(bool, diskFull);

    const QString path = m_dir->filePath(u"upload"_s);
    const QByteArray before = randomBytes(10, 2);
    writeFile(path, before);
    // The first two writes reach the disk, the third finds it full.
    auto calls = std::make_shared<std::atomic<int>>(0);
    UploadWriter::Options options;
    options.writeFunction = [calls](int fd, const char *data, size_t size) -> ssize_t {
        if (++*calls > 2) {
            errno = ENOSPC;
            return -1;
        }
        return ::write(fd, data, size);
    };
    if (inSync) {
        options.writeFunction = {};
        options.syncFunction = [](int) {
            errno = EIO;
            return -1;
        };
    }

    UploadWriter writer(m_tempDir, options);
    Spies spies(writer);
    QVERIFY(writer.openForAppend(path, 10));
    feed(writer, spies.drained, randomBytes(30'000), 5000);
    writer.finish();
    QVERIFY(spies.failed.wait(10000));
    QCOMPARE(spies.failed.first().at(1).toBool(), diskFull);
    QVERIFY2(spies.failed.first().at(0).toString().contains(path),
             qPrintable(spies.failed.first().at(0).toString()));
    QVERIFY(writer.writtenBytes() >= 10'000); // bytes were in the file
    QCOMPARE(readFile(path), before); // and are gone again, the file kept
    QCOMPARE(descriptorsInto(path), 0);
    QCOMPARE(spies.finished.count(), 0);
    QVERIFY(writer.tempPath().isEmpty());
    QVERIFY(!writer.takeSha256State());
}

// tus: each PATCH appends with its own writer; the file's SHA-256 goes on
// from one to the next.
void tst_UploadWriter::sha256SeedContinuesAcrossWriters()
{
    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, {});
    const QByteArray first = randomBytes(300'001, 5);
    const QByteArray second = randomBytes(200'003, 6);

    const Appended one = append(path, 0, first);
    QVERIFY(!one.finished.isEmpty());
    QCOMPARE(one.finished.at(1).toByteArray(), Sha256::digest(first));
    QVERIFY(one.sha256State);

    UploadWriter::Options seeded;
    seeded.sha256Seed = one.sha256State;
    const Appended two = append(path, first.size(), second, seeded);
    QVERIFY(!two.finished.isEmpty());
    QCOMPARE(two.finished.at(0).toLongLong(), second.size());
    QCOMPARE(two.finished.at(1).toByteArray(), Sha256::digest(QByteArray(first + second)));
    QVERIFY(readFile(path) == QByteArray(first + second));
    // The seed itself was only copied.
    QCOMPARE(one.sha256State->clone().finish(), Sha256::digest(first));

    // A writer that writes nothing reports the same digest and passes it on.
    seeded.sha256Seed = two.sha256State;
    const Appended three = append(path, first.size() + second.size(), {}, seeded);
    QVERIFY(!three.finished.isEmpty());
    QCOMPARE(three.finished.at(1).toByteArray(), Sha256::digest(QByteArray(first + second)));
    QCOMPARE(three.sha256State->clone().finish(), Sha256::digest(QByteArray(first + second)));

    // Without computeSha256 there is neither a digest nor a state.
    seeded.computeSha256 = false;
    const Appended none = append(path, first.size(), second, seeded);
    QVERIFY(!none.finished.isEmpty());
    QVERIFY(none.finished.at(1).toByteArray().isEmpty());
    QVERIFY(!none.sha256State);
}

void tst_UploadWriter::chunkDigestCoversTheChunkOnly_data()
{
    QTest::addColumn<QByteArray>("algorithm");
    QTest::addColumn<int>("qtAlgorithm");
    QTest::addColumn<bool>("appending");

    QTest::addRow("sha1, appended") << QByteArray("sha1") << int(QCryptographicHash::Sha1) << true;
    QTest::addRow("md5, appended") << QByteArray("md5") << int(QCryptographicHash::Md5) << true;
    QTest::addRow("sha256, appended")
        << QByteArray("sha256") << int(QCryptographicHash::Sha256) << true;
    QTest::addRow("sha1, new file") << QByteArray("sha1") << int(QCryptographicHash::Sha1) << false;
}

void tst_UploadWriter::chunkDigestCoversTheChunkOnly()
{
    QFETCH(QByteArray, algorithm);
    QFETCH(int, qtAlgorithm);
    QFETCH(bool, appending);

    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, "0123456789");
    const QByteArray chunk = randomBytes(100'000, 3);
    UploadWriter::Options options;
    options.chunkDigestAlgorithm = algorithm;

    UploadWriter writer(m_tempDir, options);
    Spies spies(writer);
    QVERIFY(appending ? writer.openForAppend(path, 10) : writer.open());
    feed(writer, spies.drained, chunk, 4000);
    writer.finish();
    QVERIFY(writer.chunkDigest().isEmpty()); // not finished yet
    QTRY_VERIFY_WITH_TIMEOUT(!spies.finished.isEmpty() || !spies.failed.isEmpty(), 20000);
    QVERIFY2(spies.failed.isEmpty(), qPrintable(spies.failed.value(0).value(0).toString()));
    QCOMPARE(writer.chunkDigest(),
             QCryptographicHash::hash(chunk, QCryptographicHash::Algorithm(qtAlgorithm)));
    QCOMPARE(spies.finished.first().at(1).toByteArray(), Sha256::digest(chunk));
}

void tst_UploadWriter::unknownChunkDigestTouchesNothing()
{
    const QString path = m_dir->filePath(u"upload"_s);
    writeFile(path, "0123456789");
    UploadWriter::Options options;
    options.chunkDigestAlgorithm = "sha512";

    UploadWriter appending(m_tempDir, options);
    const auto opened = appending.openForAppend(path, 5);
    QVERIFY(!opened);
    QVERIFY2(opened.error().message.contains(u"\"sha512\""_s), qPrintable(opened.error().message));
    QCOMPARE(readFile(path), QByteArray("0123456789"));

    UploadWriter creating(m_tempDir, options);
    QVERIFY(!creating.open());
    QVERIFY(entriesIn(m_tempDir).isEmpty());
}

QTEST_GUILESS_MAIN(tst_UploadWriter)
#include "tst_uploadwriter.moc"
