#include "util/outputfile.h"

#include <QFile>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <utility>

using namespace Qt::StringLiterals;

namespace sluice {

bool WriteFailure::isDiskFull() const
{
    return error == ENOSPC || error == EDQUOT;
}

QString WriteFailure::describe() const
{
    const QString cause = error != 0
        ? describeSystemError(error)
        : u"short write: the system wrote nothing more and gave no reason"_s;
    if (written == 0)
        return cause;
    return u"%1 after %2 of %3 bytes"_s.arg(cause).arg(written).arg(wanted);
}

QString describeSystemError(int error)
{
    switch (error) {
    case ENOSPC:
        return u"no space left on device (ENOSPC)"_s;
    case EDQUOT:
        return u"disk quota exceeded (EDQUOT)"_s;
    case EIO:
        return u"input/output error (EIO)"_s;
    case EFBIG:
        return u"file too large (EFBIG)"_s;
    default:
        return qt_error_string(error);
    }
}

std::optional<WriteFailure> writeFully(int fd, QByteArrayView data, const WriteFunction &write)
{
    const char *next = data.data();
    qsizetype remaining = data.size();
    while (remaining > 0) {
        const ssize_t n
            = write ? write(fd, next, size_t(remaining)) : ::write(fd, next, size_t(remaining));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return WriteFailure {n < 0 ? errno : 0, data.size() - remaining, data.size()};
        next += n;
        remaining -= n;
    }
    return std::nullopt;
}

OutputFile::~OutputFile()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

Error OutputFile::failure(const QString &what, const QString &why, int error)
{
    m_lastError = error;
    return Error {u"%1 %2: %3"_s.arg(what, m_label, why)};
}

Expected<void> OutputFile::open(const QString &path, const QString &label)
{
    m_label = label;
    if (m_fd >= 0)
        return Error {u"%1 is open already"_s.arg(label)};
    m_fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                  0600);
    if (m_fd < 0) {
        const int error = errno;
        return failure(u"cannot create"_s, describeSystemError(error), error);
    }
    return {};
}

Expected<void> OutputFile::write(QByteArrayView data)
{
    if (m_fd < 0)
        return failure(u"cannot write"_s, u"the file is not open"_s, EBADF);
    if (const auto failed = writeFully(m_fd, data)) {
        m_written += failed->written;
        return failure(u"cannot write"_s, failed->describe(), failed->error);
    }
    m_written += data.size();
    return {};
}

Expected<void> OutputFile::close()
{
    if (m_fd < 0)
        return {};
    // On Linux the descriptor is released even when close() fails; EINTR
    // there does not mean lost data.
    if (::close(std::exchange(m_fd, -1)) != 0 && errno != EINTR) {
        const int error = errno;
        return failure(u"cannot close"_s, describeSystemError(error), error);
    }
    return {};
}

} // namespace sluice
