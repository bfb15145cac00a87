// The I/O side of UploadWriter: runs on a pool thread, one task per writer at
// a time (see uploadwriter_p.h).
#include "upload/uploadwriter_p.h"
#include "util/outputfile.h"
#include "util/threadpriority.h"

#include <QStringBuilder>
#include <QThreadPool>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace {

bool isDiskFull(int error)
{
    return error == ENOSPC || error == EDQUOT;
}

} // namespace

WriterState::WriterState(const UploadWriterOptions &options, QThreadPool *pool)
    : highWaterBytes(std::max<qint64>(options.highWaterBytes, 1))
    // "Below low water" must be reachable, and drained() must not come while
    // the queue is still full.
    , lowWaterBytes(std::clamp<qint64>(options.lowWaterBytes, 1, highWaterBytes))
    , sniffBytes(std::max<qint64>(options.sniffBytes, 0))
    , writeBehindBytes(std::max<qint64>(options.writeBehindBytes, 0))
    , computeSha256(options.computeSha256)
    , options(options)
    , pool(pool)
    , sha256(computeSha256 && options.sha256Seed ? options.sha256Seed->clone() : Sha256())
{
    if (!options.chunkDigestAlgorithm.isEmpty())
        chunkDigest.emplace(options.chunkDigestAlgorithm);
}

void WriterState::scheduleLocked()
{
    if (taskActive)
        return;
    taskActive = true;
    pool->start([self = shared_from_this()] { self->run(); });
}

void WriterState::unlinkLocked()
{
    // Only while the name is ours: once unlinked, mkostemps() may hand the same
    // name to another upload.
    if (!std::exchange(ownsPath, false))
        return;
    if (::unlink(nativePath.constData()) != 0 && errno != ENOENT)
        qCWarning(lcUpload).noquote() << "cannot delete" << path << "-" << qt_error_string(errno);
    liveLease.reset(); // after the unlink: the sweeper never deletes a name we still hold
}

int WriterState::takeDescriptor()
{
    QMutexLocker lock(&mutex);
    return std::exchange(fd, -1);
}

void WriterState::run()
{
    runAsBulkWork();
    qint64 budget = SliceBytes;
    for (;;) {
        QByteArray piece;
        {
            QMutexLocker lock(&mutex);
            if (stopped || (queue.empty() && !finishRequested)) {
                // An aborted writer's descriptor is closed here, not on the
                // owner's thread: the last close of a large unlinked file frees
                // its blocks, which can take a while.
                const int descriptor = stopped ? std::exchange(fd, -1) : -1;
                taskActive = false;
                lock.unlock();
                if (descriptor >= 0)
                    ::close(descriptor);
                return;
            }
            if (queue.empty())
                break;
            piece = std::move(queue.front());
            queue.pop_front();
        }

        if (const auto failed = writePiece(piece)) {
            fail(u"cannot write "_s % path % u": "_s % failed->describe(), failed->isDiskFull());
            return;
        }
        if (computeSha256)
            sha256.update(piece);
        if (chunkDigest)
            chunkDigest->update(piece);
        if (firstBytes.size() < sniffBytes)
            firstBytes.append(piece.first(std::min(piece.size(), sniffBytes - firstBytes.size())));

        // No system call with mutex held (see ownerMutex): the wake-ups of
        // the owner and of the pool come after it is released.
        bool drained = false;
        {
            QMutexLocker lock(&mutex);
            if (stopped)
                continue; // abort() emptied the queue; the loop's top closes the file
            queued -= piece.size();
            if (drainWanted && queued < lowWaterBytes) {
                drainWanted = false;
                drained = true;
            }
        }
        if (drained)
            post([](UploadWriter *owner) { owner->onDrained(); });
        // After drained(): the connection reads on while this waits for the disk.
        if (!writeBehind())
            return;
        budget -= piece.size();
        if (budget <= 0) {
            // Still taskActive: the next slice continues where this one ends.
            pool->start([self = shared_from_this()] { self->run(); });
            return;
        }
    }
    flushAndReport();
}

// Short writes are continued and EINTR retried (util/outputfile.h); the
// progress counter follows what reached the file, even on a failure.
std::optional<WriteFailure> WriterState::writePiece(const QByteArray &piece)
{
    const auto failed = writeFully(fd, piece, options.writeFunction);
    written += failed ? failed->written : piece.size();
    return failed;
}

// Write-behind (decision 0024). Below the kernel's background threshold
// (vm.dirty_background_ratio, a tenth of the RAM), a file's dirty pages are
// written back only after 30 s (vm.dirty_expire_centisecs) or by its
// fdatasync(), so a gigabyte upload sat in the page cache and its 201 waited
// a second or more for the final flush. Instead each whole window is handed
// to the disk once written (SYNC_FILE_RANGE_WRITE starts the writeback and
// returns), and the window WriteBehindLag back is waited for, so dirty pages
// stay bounded and fdatasync() finds only the tail left. None of this makes
// anything durable (the file's size and extents are metadata): the final
// fdatasync() still does, and stays. False when the upload failed.
bool WriterState::writeBehind()
{
    if (writeBehindBytes == 0 || writeBehindOff)
        return true;
    while (writebackStarted + writeBehindBytes <= startOffset + written) {
        int error = syncRange(writebackStarted, SYNC_FILE_RANGE_WRITE);
        if (error == 0) {
            writebackStarted += writeBehindBytes;
            if (writebackStarted - writebackWaited > WriteBehindLag * writeBehindBytes) {
                // WAIT_BEFORE: a writeback already under way is waited for,
                // not counted as done; WRITE and WAIT_AFTER: then whatever
                // was not under way is written and waited for.
                error = syncRange(writebackWaited,
                                  SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE
                                      | SYNC_FILE_RANGE_WAIT_AFTER);
                if (error == 0)
                    writebackWaited += writeBehindBytes;
            }
        }
        if (error == 0)
            continue;
        if (error == EINVAL || error == ESPIPE || error == ENOSYS) {
            // A file system (or a sandbox) without it: fdatasync() flushes
            // the rest, as it did before write-behind.
            qCDebug(lcUpload).noquote()
                << "no write-behind for" << path << "-" << describeSystemError(error);
            writeBehindOff = true;
            return true;
        }
        // Anything else may be a writeback error, which the kernel reports
        // once to each open file: the final fdatasync() would not see it
        // again. So the upload fails here, as that fdatasync() would have.
        fail(u"cannot flush "_s % path % u": "_s % describeSystemError(error), isDiskFull(error));
        return false;
    }
    return true;
}

// One write-behind window from offset (in the file); 0 or the errno.
int WriterState::syncRange(qint64 offset, unsigned int flags)
{
    int result;
    do {
        result = options.syncRangeFunction
            ? options.syncRangeFunction(fd, offset, writeBehindBytes, flags)
            : ::sync_file_range(fd, offset, writeBehindBytes, flags);
    } while (result != 0 && errno == EINTR);
    return result == 0 ? 0 : errno;
}

void WriterState::flushAndReport()
{
    int result;
    do {
        result = options.syncFunction ? options.syncFunction(fd) : ::fdatasync(fd);
    } while (result != 0 && errno == EINTR);
    if (result != 0) {
        const int error = errno;
        fail(u"cannot flush "_s % path % u": "_s % describeSystemError(error), isDiskFull(error));
        return;
    }
    // Before the descriptor is closed, so that a failure here can still cut
    // an appended file back.
    WrittenFile file;
    file.bytes = written.load();
    file.firstBytes = firstBytes;
    if (computeSha256) {
        // From a copy: the running state goes on in the next writer.
        file.sha256 = sha256.clone().finish();
        file.sha256State = std::make_shared<Sha256>(std::move(sha256));
        if (file.sha256.isEmpty()) {
            fail(u"cannot compute the SHA-256 of "_s % path % u": OpenSSL failed"_s, false);
            return;
        }
    }
    if (chunkDigest) {
        file.chunkDigest = chunkDigest->finish();
        if (file.chunkDigest.isEmpty()) {
            fail(u"cannot compute the "_s % QString::fromLatin1(options.chunkDigestAlgorithm)
                     % u" of what was written to "_s % path % u": OpenSSL failed"_s,
                 false);
            return;
        }
    }
    // On Linux the descriptor is released even when close() fails, so it is
    // never retried; EINTR there does not mean lost data.
    if (::close(takeDescriptor()) != 0 && errno != EINTR) {
        const int error = errno;
        fail(u"cannot close "_s % path % u": "_s % describeSystemError(error), isDiskFull(error));
        return;
    }

    QMutexLocker lock(&mutex);
    taskActive = false;
    if (stopped)
        return;
    post([file = std::move(file)](UploadWriter *owner) { owner->onFinished(file); });
}

void WriterState::fail(const QString &message, bool diskFull)
{
    QMutexLocker lock(&mutex);
    taskActive = false;
    const int descriptor = std::exchange(fd, -1);
    const bool report = !std::exchange(stopped, true);
    if (report) {
        queue.clear();
        queued = 0;
        // Deleted before failed() is posted, as the contract promises.
        unlinkLocked();
    }
    lock.unlock();
    // Closed before failed() is posted too: the last close of the unlinked
    // file gives its blocks back, so that whoever hears of the failure (a
    // client answered 507) finds the space free again.
    if (descriptor >= 0) {
        if (appending)
            cutBack(descriptor);
        ::close(descriptor);
    }
    if (report) {
        qCWarning(lcUpload).noquote() << message;
        lock.relock();
        post([message, diskFull](UploadWriter *owner) { owner->onFailed(message, diskFull); });
    }
}

// An appended file keeps only the bytes before this writer's, which its owner
// has acknowledged, so that a client that resumes after the failure finds the
// offset it was told. Before close(): the flock() keeps other writers out
// until then. Not flushed: after a crash, the next openForAppend() cuts off
// whatever this misses.
void WriterState::cutBack(int descriptor)
{
    int result;
    do {
        result = ::ftruncate(descriptor, startOffset);
    } while (result != 0 && errno == EINTR);
    if (result != 0)
        qCWarning(lcUpload).noquote() << "cannot cut" << path << "back to" << startOffset
                                      << "bytes -" << describeSystemError(errno);
}

} // namespace sluice::upload
