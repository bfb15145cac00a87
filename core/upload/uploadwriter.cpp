#include "upload/uploadwriter.h"
#include "upload/uploadwriter_p.h"
#include "util/durablefile.h"
#include "util/filedescriptor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringBuilder>
#include <QThreadPool>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace sluice::upload {

Q_LOGGING_CATEGORY(lcUpload, "sluice.upload", QtInfoMsg)

namespace {

// Why a small shared pool rather than a thread per writer: uploads are bounded
// by the connection limit (hundreds), and a thread each would mostly sit idle
// while costing a stack and a scheduler entry apiece. Writers share a few
// threads instead; each writer runs at most one task at a time, so its bytes
// stay in order, and gives its thread back after a slice (1 MiB), so that busy
// writers take turns. A write or fsync stuck on a slow disk holds one thread
// for that one upload while the others carry on; only when every thread is
// stuck do other uploads wait, and then the disk, not the pool, is the limit.
// More threads than that would only add dirty-page contention on one disk.
class UploadIoPool final : public QThreadPool
{
public:
    UploadIoPool()
    {
        setObjectName(u"sluice-upload-io"_s);
        setMaxThreadCount(4);
    }
};

Q_GLOBAL_STATIC(UploadIoPool, uploadIoPool)

Error systemError(QStringView what, const QString &path, int errorCode)
{
    return Error {what % u' ' % path % u": "_s % qt_error_string(errorCode)};
}

} // namespace

UploadWriter::UploadWriter(QString tempDir, Options options, QObject *parent)
    : QObject(parent)
    , m_tempDir(std::move(tempDir))
    , m_state(std::make_shared<WriterState>(options, options.pool ? options.pool : sharedPool()))
{
    m_state->owner = this;
}

UploadWriter::~UploadWriter()
{
    abort();
    QMutexLocker lock(&m_state->ownerMutex);
    m_state->owner = nullptr;
}

QThreadPool *UploadWriter::sharedPool()
{
    return uploadIoPool();
}

// Before any file is touched, so that a bad option changes nothing on disk.
Expected<void> UploadWriter::checkOptions() const
{
    // No task runs yet: the state is this thread's.
    if (m_state->chunkDigest && !m_state->chunkDigest->isValid())
        return Error {u"cannot compute a checksum with the algorithm \""_s
                      % QString::fromLatin1(m_state->options.chunkDigestAlgorithm)
                      % u"\": it is not one of sha1, sha256 and md5"_s};
    return {};
}

Expected<void> UploadWriter::open()
{
    if (m_stage != Stage::Closed)
        return Error {u"cannot open an upload file in "_s % m_tempDir % u" twice"_s};
    if (Expected<void> checked = checkOptions(); !checked)
        return checked;

    const QString pattern = QDir(m_tempDir).filePath(u"upload-XXXXXX.part"_s);
    QByteArray nativePath = QFile::encodeName(pattern);
    // O_CREAT | O_EXCL | O_RDWR, mode 0600, with a unique name.
    const int fd = ::mkostemps(nativePath.data(), int(qstrlen(".part")), O_CLOEXEC);
    if (fd < 0)
        return systemError(u"cannot create an upload file in", m_tempDir, errno);
    const QString path = QFile::decodeName(nativePath);
    // mkostemps() applies the umask; make the mode exact.
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {
        const int error = errno;
        ::close(fd);
        ::unlink(nativePath.constData());
        return systemError(u"cannot set the permissions of", path, error);
    }

    // Registered only now, but the sweeper spares a file this young anyway.
    TempFileRegistry::Lease lease;
    if (m_state->options.liveFiles)
        lease = m_state->options.liveFiles->lease(path);
    QMutexLocker lock(&m_state->mutex);
    m_state->path = path;
    m_state->nativePath = nativePath;
    m_state->fd = fd;
    m_state->ownsPath = true;
    m_state->liveLease = std::move(lease);
    m_tempPath = path;
    m_stage = Stage::Writing;
    return {};
}

Expected<void> UploadWriter::openForAppend(const QString &path, qint64 offset)
{
    if (m_stage != Stage::Closed)
        return Error {u"cannot open "_s % path % u" for appending: the writer is open already"_s};
    if (offset < 0)
        return Error {u"cannot append to "_s % path % u" at the negative offset "_s
                      % QString::number(offset)};
    if (Expected<void> checked = checkOptions(); !checked)
        return checked;

    const QByteArray nativePath = QFile::encodeName(path);
    FileDescriptor fd(::open(nativePath.constData(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0)
        return systemError(u"cannot open", path, errno);
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            return Error {u"cannot append to "_s % path % u": another writer still has it open"_s};
        return systemError(u"cannot lock", path, errno);
    }
    struct stat status;
    if (::fstat(fd.get(), &status) != 0)
        return systemError(u"cannot inspect", path, errno);
    if (!S_ISREG(status.st_mode))
        return Error {u"cannot append to "_s % path % u": it is not a regular file"_s};
    // Extending the file would make up bytes nobody sent.
    if (status.st_size < offset)
        return Error {u"cannot append to "_s % path % u" at offset "_s % QString::number(offset)
                      % u": it holds only "_s % QString::number(status.st_size) % u" bytes"_s};
    if (status.st_size > offset && ::ftruncate(fd.get(), offset) != 0)
        return systemError(u"cannot cut off the unacknowledged end of", path, errno);
    if (::lseek(fd.get(), offset, SEEK_SET) != offset)
        return systemError(u"cannot seek in", path, errno);

    QMutexLocker lock(&m_state->mutex);
    m_state->path = path;
    m_state->nativePath = nativePath;
    m_state->appending = true;
    m_state->startOffset = offset;
    m_state->writebackStarted = offset;
    m_state->writebackWaited = offset;
    m_state->fd = fd.take();
    m_tempPath = path;
    m_appending = true;
    m_stage = Stage::Writing;
    return {};
}

void UploadWriter::write(QByteArray piece)
{
    if (m_stage != Stage::Writing) {
        if (m_stage != Stage::Failed && m_stage != Stage::Aborted)
            qCWarning(lcUpload) << "write() ignored: the upload file is not open for writing";
        return;
    }
    if (piece.isEmpty())
        return;

    WriterState &state = *m_state;
    QMutexLocker lock(&state.mutex);
    if (state.stopped)
        return; // failed() is on its way
    state.queued += piece.size();
    state.queue.push_back(std::move(piece));
    if (state.queued >= state.highWaterBytes)
        state.drainWanted = true;
    state.scheduleLocked();
}

bool UploadWriter::isFull() const
{
    return m_state->queued >= m_state->highWaterBytes;
}

void UploadWriter::finish()
{
    if (m_stage != Stage::Writing) {
        if (m_stage != Stage::Failed && m_stage != Stage::Aborted)
            qCWarning(lcUpload) << "finish() ignored: the upload file is not open for writing";
        return;
    }
    m_stage = Stage::Finishing;
    QMutexLocker lock(&m_state->mutex);
    if (m_state->stopped)
        return;
    m_state->finishRequested = true;
    m_state->scheduleLocked();
}

void UploadWriter::abort()
{
    if (m_stage == Stage::Committed || m_stage == Stage::Aborted)
        return;
    m_stage = Stage::Aborted;
    m_tempPath.clear();

    WriterState &state = *m_state;
    QMutexLocker lock(&state.mutex);
    state.stopped = true;
    state.queue.clear();
    state.queued = 0;
    state.drainWanted = false;
    // The name goes now, so nothing is left behind even if the process ends
    // before the I/O thread gets to close the descriptor.
    state.unlinkLocked();
    if (state.fd >= 0)
        state.scheduleLocked(); // a running task closes it itself
}

Expected<QString> UploadWriter::commit(const QString &finalPath)
{
    if (m_stage != Stage::Finished)
        return Error {u"cannot commit the upload to "_s % finalPath
                      % u": its file is not finished"_s};
    if (m_appending)
        return Error {u"cannot commit the upload to "_s % finalPath % u": its file "_s % m_tempPath
                      % u" was appended to, and stays where its owner keeps it"_s};

    // The I/O task is over once finished() has been emitted, so the name is
    // the owner's alone here.
    const QByteArray target = QFile::encodeName(finalPath);
    if (::rename(m_state->nativePath.constData(), target.constData()) != 0)
        return systemError(u"cannot move the upload to", finalPath, errno);
    {
        QMutexLocker lock(&m_state->mutex);
        m_state->ownsPath = false;
        m_state->liveLease.reset();
    }
    m_tempPath.clear();
    m_stage = Stage::Committed;

    // rename() changed the target's directory, and the temporary directory
    // when it is another one; both entries must be durable.
    const QString finalDir = QFileInfo(finalPath).absolutePath();
    Expected<void> synced = fsyncDirectory(finalDir);
    if (synced && QFileInfo(m_tempDir).absoluteFilePath() != finalDir)
        synced = fsyncDirectory(m_tempDir);
    if (!synced) {
        // An error means "not stored": do not leave a file whose entry may not
        // survive a crash for the caller to forget about.
        ::unlink(target.constData());
        m_stage = Stage::Failed;
        return synced.error();
    }
    return finalPath;
}

QString UploadWriter::takeFile(TempFileRegistry::Lease *lease)
{
    if (m_stage != Stage::Finished || m_appending)
        return {};
    {
        QMutexLocker lock(&m_state->mutex);
        m_state->ownsPath = false;
        TempFileRegistry::Lease taken = std::move(m_state->liveLease);
        if (lease)
            *lease = std::move(taken);
    }
    const QString path = m_tempPath;
    m_tempPath.clear();
    m_stage = Stage::Committed;
    return path;
}

qint64 UploadWriter::queuedBytes() const
{
    return m_state->queued;
}

qint64 UploadWriter::writtenBytes() const
{
    return m_state->written;
}

QString UploadWriter::tempPath() const
{
    return m_tempPath;
}

QByteArray UploadWriter::chunkDigest() const
{
    return m_chunkDigest;
}

std::shared_ptr<Sha256> UploadWriter::takeSha256State()
{
    return std::exchange(m_sha256State, nullptr);
}

void UploadWriter::onDrained()
{
    // After finish() too: a caller that feeds several writers (the parts of a
    // multipart form) counts a finishing writer that is full as full, and
    // waits for this before it reads on.
    if (m_stage == Stage::Writing || m_stage == Stage::Finishing)
        emit drained();
}

void UploadWriter::onFinished(const WrittenFile &file)
{
    if (m_stage != Stage::Finishing)
        return;
    m_stage = Stage::Finished;
    m_chunkDigest = file.chunkDigest;
    m_sha256State = file.sha256State;
    emit finished(file.bytes, file.sha256, file.firstBytes);
}

void UploadWriter::onFailed(const QString &error, bool diskFull)
{
    if (m_stage != Stage::Writing && m_stage != Stage::Finishing)
        return;
    m_stage = Stage::Failed;
    m_tempPath.clear();
    emit failed(error, diskFull);
}

} // namespace sluice::upload
