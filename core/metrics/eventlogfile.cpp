#include "metrics/eventlogfile_p.h"

#include "util/durablefile.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStringBuilder>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::metrics {
namespace {

Error systemError(QStringView what, const QString &path, int errorCode)
{
    return Error {what % u' ' % path % u": "_s % qt_error_string(errorCode)};
}

// Whether a regular file of the given size ends in '\n' (true when unreadable:
// then there is nothing to repair that we could know about).
bool endsWithNewline(const QString &path, qint64 size)
{
    QFile file(path);
    char last = '\n';
    if (file.open(QIODevice::ReadOnly) && file.seek(size - 1))
        file.getChar(&last);
    return last == '\n';
}

} // namespace

EventLogFile::EventLogFile(QString dir, qint64 maxFileBytes, int keepFiles)
    : m_dir(std::move(dir))
    , m_maxFileBytes(maxFileBytes)
    , m_keepFiles(qMax(keepFiles, 0))
{ }

EventLogFile::~EventLogFile()
{
    close();
}

QString EventLogFile::path() const
{
    return m_dir % u"/events.jsonl"_s;
}

QString EventLogFile::numberedPath(int number) const
{
    return m_dir % u"/events."_s % QString::number(number) % u".jsonl"_s;
}

quint64 EventLogFile::lastSequenceOnDisk() const
{
    constexpr qint64 TailBytes = 256 * 1024;
    for (int number = 0; number <= m_keepFiles; ++number) {
        QFile file(number == 0 ? path() : numberedPath(number));
        // Only a regular file: opening a FIFO would wait for a writer.
        struct stat info
        {
        };
        if (::stat(QFile::encodeName(file.fileName()).constData(), &info) != 0
            || !S_ISREG(info.st_mode) || info.st_size == 0 || !file.open(QIODevice::ReadOnly))
            continue;
        file.seek(qMax<qint64>(file.size() - TailBytes, 0));
        const QList<QByteArray> lines = file.readAll().split('\n');
        quint64 last = 0;
        for (const QByteArray &line : lines) {
            const QJsonValue seq = QJsonDocument::fromJson(line).object().value(u"seq"_s);
            if (seq.isDouble())
                last = std::max(last, quint64(seq.toDouble()));
        }
        if (last > 0)
            return last;
    }
    return 0;
}

AppendResult EventLogFile::append(const QList<QByteArray> &lines)
{
    AppendResult result;
    if (m_fd < 0) {
        if (auto opened = open(); !opened) {
            result.error = opened.error();
            return result;
        }
    }

    // Lines are gathered into one write per file; a rotation ends a segment.
    QByteArray segment;
    qsizetype segmentLines = 0;
    if (m_needsNewline)
        segment.append('\n');
    const auto writePending = [&]() -> bool {
        if (segment.isEmpty())
            return true;
        if (auto written = writeSegment(segment); !written) {
            result.error = written.error();
            return false;
        }
        result.linesWritten += segmentLines;
        segment.clear();
        segmentLines = 0;
        return true;
    };

    for (const QByteArray &line : lines) {
        const qint64 fileSize = m_size + segment.size();
        if (fileSize > 0 && fileSize + line.size() > m_maxFileBytes) {
            if (!writePending())
                return result;
            if (auto rotated = rotate(); !rotated) {
                result.error = rotated.error();
                return result;
            }
        }
        segment.append(line);
        ++segmentLines;
    }
    writePending();
    return result;
}

Expected<void> EventLogFile::open()
{
    if (auto made = createPrivateDirectories(m_dir); !made)
        return made.error();
    const QString target = path();
    const int fd = ::open(QFile::encodeName(target).constData(),
                          O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return systemError(u"cannot open", target, errno);
    struct stat info
    {
    };
    if (::fstat(fd, &info) != 0) {
        const int error = errno;
        ::close(fd);
        return systemError(u"cannot inspect", target, error);
    }
    m_fd = fd;
    // A pipe or device has no size to rotate on.
    m_size = S_ISREG(info.st_mode) ? qint64(info.st_size) : 0;
    m_needsNewline = m_size > 0 && !endsWithNewline(target, m_size);
    return {};
}

Expected<void> EventLogFile::writeSegment(const QByteArray &segment)
{
    const char *next = segment.constData();
    qsizetype remaining = segment.size();
    while (remaining > 0) {
        const ssize_t written = ::write(m_fd, next, size_t(remaining));
        if (written < 0) {
            if (errno == EINTR)
                continue;
            const int error = errno;
            // Cut a partial segment back so that every line in the file stays
            // whole; if even that fails, the newline repair on reopening
            // keeps the next line separate.
            if (::ftruncate(m_fd, m_size) != 0) {
                // Nothing more to do here: see above.
            }
            close();
            return systemError(u"cannot write", path(), error);
        }
        next += written;
        remaining -= written;
    }
    m_size += segment.size();
    m_needsNewline = false;
    return {};
}

Expected<void> EventLogFile::rotate()
{
    close();
    // Renaming replaces events.<keepFiles>.jsonl; leftovers from a run that
    // kept more files are deleted.
    const QStringList numbered
        = QDir(m_dir).entryList({u"events.*.jsonl"_s}, QDir::Files | QDir::System);
    for (const QString &name : numbered) {
        bool ok = false;
        const int number = name.sliced(7, name.size() - 13).toInt(&ok);
        if (ok && number > m_keepFiles) {
            const QString stale = m_dir % u'/' % name;
            if (::unlink(QFile::encodeName(stale).constData()) != 0 && errno != ENOENT)
                return systemError(u"cannot delete", stale, errno);
        }
    }
    const auto move = [](const QString &from, const QString &to) -> Expected<void> {
        if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData()) != 0
            && errno != ENOENT)
            return systemError(u"cannot rename", from, errno);
        return {};
    };
    for (int number = m_keepFiles - 1; number >= 1; --number) {
        if (auto moved = move(numberedPath(number), numberedPath(number + 1)); !moved)
            return moved;
    }
    if (m_keepFiles > 0) {
        if (auto moved = move(path(), numberedPath(1)); !moved)
            return moved;
    } else if (::unlink(QFile::encodeName(path()).constData()) != 0 && errno != ENOENT) {
        return systemError(u"cannot delete", path(), errno);
    }
    return open();
}

void EventLogFile::close()
{
    if (m_fd >= 0)
        ::close(std::exchange(m_fd, -1));
    m_size = 0;
    m_needsNewline = false;
}

} // namespace sluice::metrics
