#include "util/lockfile.h"

#include "util/durablefile.h"

#include <QFile>
#include <QThread>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace sluice {

namespace {

QString systemError(int err)
{
    return QString::fromLocal8Bit(std::strerror(err));
}

Error heldBy(const QString &path)
{
    const qint64 pid = LockFile::recordedHolder(path);
    return Error {pid > 0 ? u"%1 is held by process %2"_s.arg(path).arg(pid)
                          : u"%1 is held by another process"_s.arg(path)};
}

} // namespace

LockFile::LockFile(QString path, int fd)
    : m_path(std::move(path))
    , m_fd(fd)
{ }

LockFile::~LockFile()
{
    // Closing the last descriptor of the open file description drops the lock.
    ::close(m_fd);
}

Expected<std::unique_ptr<LockFile>> LockFile::tryLock(const QString &path, bool *heldByOther)
{
    return lock(path, QDeadlineTimer(0), heldByOther);
}

Expected<std::unique_ptr<LockFile>> LockFile::lock(const QString &path, QDeadlineTimer deadline,
                                                   bool *heldByOther)
{
    if (heldByOther)
        *heldByOther = false;
    const QByteArray name = QFile::encodeName(path);
    const int fd = ::open(name.constData(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return Error {u"cannot open the lock file %1: %2"_s.arg(path, systemError(errno))};
    // Made (or once made) by root in a directory of the service's: the
    // service must still be able to open it.
    if (const auto given = giveToDirectoryOwner(fd, path); !given) {
        ::close(fd);
        return given.error();
    }
    // flock() has no timeout of its own: poll with a short pause, which for
    // the people who wait here (a config write, a start-up) is plenty.
    while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        const int err = errno;
        if (err == EINTR)
            continue;
        if (err != EWOULDBLOCK || deadline.hasExpired()) {
            ::close(fd);
            if (err != EWOULDBLOCK)
                return Error {u"cannot lock %1: %2"_s.arg(path, systemError(err))};
            if (heldByOther)
                *heldByOther = true;
            return heldBy(path);
        }
        QThread::msleep(std::min<qint64>(20, std::max<qint64>(1, deadline.remainingTime())));
    }
    // Ours now: record who holds it, for the next one's refusal.
    const QByteArray pid = QByteArray::number(qint64(::getpid())) + '\n';
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.constData(), size_t(pid.size()), 0) < 0) {
        // The lock holds all the same; only the name in a refusal is lost.
    }
    return std::unique_ptr<LockFile>(new LockFile(path, fd));
}

qint64 LockFile::recordedHolder(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    bool ok = false;
    const qint64 pid = file.read(32).trimmed().toLongLong(&ok);
    return ok && pid > 0 ? pid : -1;
}

} // namespace sluice
