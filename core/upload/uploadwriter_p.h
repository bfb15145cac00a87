#pragma once

#include "upload/chunkdigest.h"
#include "upload/sha256.h"
#include "upload/uploadwriter.h"
#include "util/outputfile.h"

#include <QLoggingCategory>
#include <QMetaObject>
#include <QMutex>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>

namespace sluice::upload {

Q_DECLARE_LOGGING_CATEGORY(lcUpload)

// What the I/O task hands the owner with finished().
struct WrittenFile
{
    qint64 bytes = 0;
    QByteArray sha256;
    QByteArray firstBytes;
    QByteArray chunkDigest;
    std::shared_ptr<Sha256> sha256State;
};

// What an UploadWriter (on its owner's thread) shares with its I/O task. The
// task holds a shared_ptr, so the state outlives an owner destroyed while a
// write is still in the kernel.
//
// At most one task per writer is queued or running (taskActive), so the queue
// is written in order and the descriptor, hash and first bytes have one user
// at a time. No write, fdatasync or close runs with the mutex held, so the
// owner waits at most for a queue operation or an unlink(), which must happen
// together with the change of ownsPath.
struct WriterState final : std::enable_shared_from_this<WriterState>
{
    WriterState(const UploadWriterOptions &options, QThreadPool *pool);
    Q_DISABLE_COPY_MOVE(WriterState)

    // The task body: writes queued pieces, then flushes once finish() asked
    // for it. Returns the thread to the pool after SliceBytes so that writers
    // queued behind this one get their turn.
    void run();

    // With mutex held.
    void scheduleLocked();
    void unlinkLocked();

    // Calls function(owner) on the owner's thread, unless the owner is gone.
    // With or without mutex held (the lock order is mutex, then ownerMutex).
    template<typename Function> void post(Function function)
    {
        // Queued events to a destroyed owner are discarded by ~QObject; owner
        // is cleared under ownerMutex before that, so it is never dangling here.
        QMutexLocker lock(&ownerMutex);
        if (owner)
            QMetaObject::invokeMethod(
                owner, [owner = owner, function = std::move(function)] { function(owner); },
                Qt::QueuedConnection);
    }

    static constexpr qint64 SliceBytes = 1024 * 1024;
    // How many write-behind windows are being written back, not yet waited
    // for, once the writer runs at full speed: enough that the disk always
    // has a window to work on while the writer fills the next one, so the
    // wait rarely blocks; few enough that an upload holds at most about this
    // many windows plus one of dirty pages.
    static constexpr qint64 WriteBehindLag = 3;

    // Constant once the first task is scheduled.
    const qint64 highWaterBytes;
    const qint64 lowWaterBytes;
    const qint64 sniffBytes;
    const qint64 writeBehindBytes;
    const bool computeSha256;
    const UploadWriterOptions options;
    QThreadPool *const pool;
    // Set by open() or openForAppend() before the first task, then constant.
    QString path;
    QByteArray nativePath;
    bool appending = false; // the file is the caller's (openForAppend())
    qint64 startOffset = 0; // where this writer's bytes start in the file

    // Posting to the owner makes system calls (allocation, the event loop's
    // wake-up), and a bulk-priority thread that is preempted inside one keeps
    // its mutex for milliseconds. So the owner pointer has its own mutex,
    // which the owner's thread takes only when the owner is destroyed, and the
    // I/O task posts progress without holding mutex, which write() on the
    // HTTP thread takes for every piece (decision 0011).
    QMutex ownerMutex;
    UploadWriter *owner = nullptr; // guarded by ownerMutex

    QMutex mutex;
    // Guarded by mutex.
    std::deque<QByteArray> queue;
    bool taskActive = false;
    bool finishRequested = false;
    bool stopped = false; // aborted or failed: nothing more is written
    bool drainWanted = false; // the queue reached high water since the last drained()
    bool ownsPath = false; // the name at path is this writer's to rename or unlink
    TempFileRegistry::Lease liveLease; // held while ownsPath
    int fd = -1; // set by open(), then used only by the active task

    // Used only by the active task.
    Sha256 sha256;
    std::optional<ChunkDigest> chunkDigest;
    QByteArray firstBytes;
    // Write-behind: the file's bytes from startOffset up to writebackStarted
    // have been handed to the disk, up to writebackWaited they are on it (both
    // whole windows, counted from startOffset; absolute file offsets, as
    // sync_file_range() takes them). Off once the file system has turned
    // sync_file_range() down.
    qint64 writebackStarted = 0;
    qint64 writebackWaited = 0;
    bool writeBehindOff = false;

    std::atomic<qint64> queued {0};
    std::atomic<qint64> written {0};

private:
    std::optional<WriteFailure> writePiece(const QByteArray &piece);
    bool writeBehind();
    int syncRange(qint64 offset, unsigned int flags);
    void flushAndReport();
    void fail(const QString &message, bool diskFull);
    void cutBack(int descriptor);
    int takeDescriptor();
};

} // namespace sluice::upload
