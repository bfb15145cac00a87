#include "util/durablefile.h"

#include "util/filedescriptor.h"
#include "util/outputfile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QStringBuilder>

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace sluice {
namespace {

Error systemError(QStringView what, const QString &path, int errorCode)
{
    return Error {what % u' ' % path % u": "_s % describeSystemError(errorCode)};
}

// Removes the temporary file on every path that does not end in the rename.
class TemporaryFileGuard final
{
public:
    explicit TemporaryFileGuard(QByteArray path)
        : m_path(std::move(path))
    { }
    ~TemporaryFileGuard()
    {
        if (!m_path.isEmpty())
            ::unlink(m_path.constData());
    }
    Q_DISABLE_COPY_MOVE(TemporaryFileGuard)

    void release() { m_path.clear(); }

private:
    QByteArray m_path;
};

template<typename Call> int retryOnInterrupt(Call call)
{
    int result;
    do {
        result = call();
    } while (result < 0 && errno == EINTR);
    return result;
}

} // namespace

Expected<void> writeFileDurably(const QString &path, QByteArrayView data)
{
    const QFileInfo target(path);
    if (target.fileName().isEmpty())
        return Error {u"cannot write '"_s % path % u"': not a file name"_s};
    const QString directory = target.path();

    // A hidden name in the same directory, so that rename() stays on one
    // file system and is atomic.
    QByteArray temporaryPath
        = QFile::encodeName(directory % u"/."_s % target.fileName() % u".tmp-XXXXXX"_s);
    FileDescriptor fd(::mkostemp(temporaryPath.data(), O_CLOEXEC));
    if (fd.get() < 0)
        return systemError(u"cannot create a temporary file for", path, errno);
    TemporaryFileGuard guard(temporaryPath);

    // mkostemp() creates 0600 minus the umask; make the mode exact.
    if (::fchmod(fd.get(), S_IRUSR | S_IWUSR) != 0)
        return systemError(u"cannot set the permissions of the temporary file for", path, errno);
    // Replacing a file keeps its owner: an administrator (root) running
    // `sluiced token add` on the service's config must not leave it owned by
    // root and unreadable to the service. Only root may give a file away;
    // anyone else writes as before.
    // A new file goes to the directory's owner (giveToDirectoryOwner).
    struct stat old
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &old) == 0) {
        if (::geteuid() == 0 && (old.st_uid != 0 || old.st_gid != 0)
            && ::fchown(fd.get(), old.st_uid, old.st_gid) != 0)
            return systemError(u"cannot keep the owner of", path, errno);
    } else if (const auto given = giveToDirectoryOwner(fd.get(), path); !given) {
        return given;
    }
    if (const auto failed = writeFully(fd.get(), data))
        return Error {u"cannot write "_s % path % u": "_s % failed->describe()};
    if (retryOnInterrupt([&] { return ::fdatasync(fd.get()); }) != 0)
        return systemError(u"cannot flush", path, errno);
    if (fd.close() != 0 && errno != EINTR)
        return systemError(u"cannot close", path, errno);
    if (::rename(temporaryPath.constData(), QFile::encodeName(path).constData()) != 0)
        return systemError(u"cannot replace", path, errno);
    guard.release();

    return fsyncDirectory(directory);
}

Expected<void> giveToDirectoryOwner(int fd, const QString &path)
{
    if (::geteuid() != 0)
        return {};
    struct stat file
    {
    };
    struct stat directory
    {
    };
    if (::fstat(fd, &file) != 0)
        return systemError(u"cannot read the owner of", path, errno);
    const QString directoryPath = QFileInfo(path).path();
    if (::stat(QFile::encodeName(directoryPath).constData(), &directory) != 0)
        return systemError(u"cannot read the owner of", directoryPath, errno);
    if (file.st_uid != 0 || directory.st_uid == 0)
        return {};
    if (::fchown(fd, directory.st_uid, directory.st_gid) != 0)
        return systemError(u"cannot give to the owner of its directory", path, errno);
    return {};
}

Expected<void> fsyncDirectory(const QString &path)
{
    const QByteArray nativePath = QFile::encodeName(path);
    FileDescriptor fd(retryOnInterrupt(
        [&] { return ::open(nativePath.constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }));
    if (fd.get() < 0)
        return systemError(u"cannot open directory", path, errno);
    if (retryOnInterrupt([&] { return ::fsync(fd.get()); }) != 0)
        return systemError(u"cannot flush directory", path, errno);
    if (fd.close() != 0 && errno != EINTR)
        return systemError(u"cannot close directory", path, errno);
    return {};
}

Expected<void> createPrivateDirectories(const QString &path)
{
    // Collect the missing directories from the innermost outwards.
    QStringList missing;
    for (QString current = QDir::cleanPath(QDir(path).absolutePath()); !QFileInfo::exists(current);
         current = QFileInfo(current).path()) {
        missing.prepend(current);
    }

    for (const QString &directory : std::as_const(missing)) {
        if (::mkdir(QFile::encodeName(directory).constData(), S_IRWXU) != 0 && errno != EEXIST)
            return systemError(u"cannot create directory", directory, errno);
        // Make the new entry durable in its parent, like a written file.
        if (auto flushed = fsyncDirectory(QFileInfo(directory).path()); !flushed)
            return flushed;
    }

    if (!QFileInfo(path).isDir())
        return systemError(u"cannot use directory", path, ENOTDIR);
    return {};
}

} // namespace sluice
