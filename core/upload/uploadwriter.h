#pragma once

#include "upload/tempfileregistry.h"
#include "util/expected.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>
#include <sys/types.h>

QT_BEGIN_NAMESPACE
class QThreadPool;
QT_END_NAMESPACE

namespace sluice::upload {

class Sha256;
struct WriterState;
struct WrittenFile;

struct UploadWriterOptions
{
    // write() makes isFull() true once this many bytes wait for the disk; the
    // caller stops feeding until drained(), emitted below lowWaterBytes. The
    // queue then holds at most highWaterBytes plus one piece.
    qint64 highWaterBytes = 1024 * 1024;
    qint64 lowWaterBytes = 256 * 1024;
    bool computeSha256 = true;
    // Where the SHA-256 starts: a copy of this state goes on with the bytes
    // written, so that a file appended to by several writers in turn gets one
    // digest of all of it. It must have hashed exactly the file's bytes before
    // openForAppend()'s offset. Null: a fresh hash. Unused without
    // computeSha256.
    std::shared_ptr<const Sha256> sha256Seed;
    // A digest of exactly the bytes this writer writes, in a ChunkDigest
    // algorithm ("sha1", "sha256" or "md5"), as a tus Upload-Checksum covers
    // one PATCH body. Empty: none.
    QByteArray chunkDigestAlgorithm;
    // How much of the start of the file finished() reports, for type sniffing:
    // the first bytes this writer writes, which in append mode at an offset
    // are not the file's.
    qint64 sniffBytes = 4096;
    // Write-behind (decision 0024): each time this many more bytes are
    // written, the I/O thread starts their writeback, and waits for the range
    // a few such windows back, so that the final fdatasync() only flushes the
    // tail. 0: none; fdatasync() then writes the whole file.
    qint64 writeBehindBytes = 8 * 1024 * 1024;

    // Test seams, called on the I/O thread; empty means ::write, ::fdatasync
    // and ::sync_file_range. They follow the system calls' contract (-1 and
    // errno on failure).
    std::function<ssize_t(int fd, const char *data, size_t size)> writeFunction;
    std::function<int(int fd)> syncFunction;
    std::function<int(int fd, qint64 offset, qint64 size, unsigned int flags)> syncRangeFunction;
    // Where the I/O runs; nullptr means UploadWriter::sharedPool().
    QThreadPool *pool = nullptr;
    // Where the temporary file is registered as live while the writer (or
    // whoever takeFile() hands it to) owns it, so that the temp sweeper skips
    // it; nullptr: not registered.
    std::shared_ptr<TempFileRegistry> liveFiles;
};

// Writes one upload's bytes to a temporary file without blocking the thread
// that owns it (the connection's thread): write() only appends to a bounded
// queue, and a task on an I/O thread pool writes the queue to disk, hashes it
// and keeps the first bytes for sniffing. Signals arrive on the owner's thread.
//
// Life cycle: open(), write()... while !isFull() (resume on drained()),
// finish(), then on finished() either commit() or abort(). failed() ends it at
// any point, with the temporary file already deleted. abort() (also run by the
// destructor) deletes whatever is not committed, so nothing half-written is
// ever left behind.
//
// Append mode (tus, where an upload is a file that PATCH requests extend):
// openForAppend() instead of open(), then the same life cycle without
// commit() or takeFile(). The file is the caller's: the writer never deletes
// it, and holds no descriptor to it after finished().
class UploadWriter final : public QObject
{
    Q_OBJECT

public:
    using Options = UploadWriterOptions;

    explicit UploadWriter(QString tempDir, Options options = {}, QObject *parent = nullptr);
    ~UploadWriter() override;
    Q_DISABLE_COPY_MOVE(UploadWriter)

    // The pool named "sluice-upload-io" that writers use by default.
    static QThreadPool *sharedPool();

    // Creates tempDir/upload-XXXXXX.part (O_EXCL, O_CLOEXEC, mode 0600).
    Expected<void> open();
    // Opens path, an existing file, to write from offset on (O_WRONLY,
    // O_CLOEXEC). Whatever the file holds beyond offset was never
    // acknowledged, and is cut off first. The descriptor holds an exclusive
    // flock() until it is closed, so that no second writer (another request
    // for the same upload) opens the file while this one, even aborted, may
    // still write to it: that openForAppend() fails instead. abort() leaves
    // the bytes written so far, unflushed, for the next openForAppend() to cut
    // off or keep; a failed write or flush cuts the file back to offset
    // (best effort) before failed().
    Expected<void> openForAppend(const QString &path, qint64 offset);
    // Queues a piece; never blocks. Ignored after failed() or abort().
    void write(QByteArray piece);
    bool isFull() const;
    // No more write()s: the queue is written and flushed with fdatasync
    // (which write-behind has left little to write), then finished() follows.
    void finish();
    // Stops the I/O and deletes the temporary file now (its descriptor is
    // closed on the I/O thread). Safe at any time and more than once; does
    // nothing after a successful commit().
    void abort();
    // After finished(): renames the file to finalPath (same file system,
    // replacing a file there) and flushes the directory, then the writer owns
    // no file. Returns finalPath. On error nothing is left at finalPath by this
    // call; the temporary file stays owned when the rename itself failed.
    // This runs on the caller's thread and waits for one directory fsync.
    // Always an error in append mode.
    Expected<QString> commit(const QString &finalPath);
    // After finished(): hands the finished temporary file to the caller (who
    // moves it into place on a thread where a directory fsync may block, or
    // deletes it); the writer no longer deletes it. Empty when not finished.
    // lease receives the file's registration as live (see
    // Options::liveFiles), to keep until the file is moved or deleted. Empty
    // in append mode.
    QString takeFile(TempFileRegistry::Lease *lease = nullptr);

    // Bytes accepted by write() and not yet on disk, the piece being written
    // included. Thread-safe.
    qint64 queuedBytes() const;
    // Bytes this writer has written to its file so far. Thread-safe.
    qint64 writtenBytes() const;
    // Empty before open() and after commit() or abort(); in append mode the
    // caller's file.
    QString tempPath() const;
    // After finished(): Options::chunkDigestAlgorithm's raw digest of the
    // bytes written; otherwise empty.
    QByteArray chunkDigest() const;
    // After finished(): the SHA-256 of the seed and the bytes written, not
    // finalized, to seed the next writer that appends to the same file. Null
    // before, once taken, and without computeSha256.
    std::shared_ptr<Sha256> takeSha256State();

signals:
    // The queue fell below the low-water mark after isFull() had been true;
    // also after finish() (before finished()), since isFull() stays true
    // until then. Not after failed() or abort().
    void drained();
    // bytes: how many this writer wrote; sha256: of the seed and those bytes.
    void finished(qint64 bytes, const QByteArray &sha256, const QByteArray &firstBytes);
    // A write or flush (write-behind's included) failed; diskFull for ENOSPC
    // and EDQUOT.
    void failed(const QString &error, bool diskFull);

private:
    friend struct WriterState;
    enum class Stage { Closed, Writing, Finishing, Finished, Committed, Failed, Aborted };

    Expected<void> checkOptions() const;
    void onDrained();
    void onFinished(const WrittenFile &file);
    void onFailed(const QString &error, bool diskFull);

    const QString m_tempDir;
    std::shared_ptr<WriterState> m_state;
    QString m_tempPath;
    Stage m_stage = Stage::Closed;
    bool m_appending = false;
    QByteArray m_chunkDigest;
    std::shared_ptr<Sha256> m_sha256State;
};

} // namespace sluice::upload
