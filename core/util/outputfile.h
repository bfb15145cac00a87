#pragma once

#include "util/expected.h"

#include <QByteArrayView>
#include <QString>

#include <functional>
#include <sys/types.h>

namespace sluice {

// A write that stopped before the end of its data, and why.
struct WriteFailure
{
    int error = 0; // errno; 0 when a write made no progress and gave no reason
    qint64 written = 0; // bytes of this call's data that reached the file
    qint64 wanted = 0;

    bool isDiskFull() const;
    // "no space left on device (ENOSPC) after 4096 of 65536 bytes", never
    // Qt's "Unknown error" for a write that came back short.
    QString describe() const;
};

// What a failed call's errno means, for a person: ENOSPC, EDQUOT and EIO by
// name, other errors by the system's text.
QString describeSystemError(int error);

using WriteFunction = std::function<ssize_t(int fd, const char *data, size_t size)>;

// Writes all of data to fd: a short write is continued, EINTR retried, and a
// write that makes no progress without an errno is a failure, not a spin.
// `write` stands in for ::write in tests.
std::optional<WriteFailure> writeFully(int fd, QByteArrayView data,
                                       const WriteFunction &write = {});

// A new file written in pieces, for the jobs' outputs. Unbuffered: each
// write() is one system call (or a few, after short writes), so a failure is
// reported by the write that met it. Errors name the file by `label`, which
// callers choose so that it says what the file is without the server's
// folders, and the cause by describeSystemError().
class OutputFile final
{
public:
    OutputFile() = default;
    ~OutputFile();
    Q_DISABLE_COPY_MOVE(OutputFile)

    // Creates or truncates path, mode 0600.
    Expected<void> open(const QString &path, const QString &label);
    Expected<void> write(QByteArrayView data);
    // Closes the file; a late write error (NFS) is reported here.
    Expected<void> close();

    qint64 written() const { return m_written; }
    // The errno of the last failure (ENOSPC, say), or 0.
    int lastError() const { return m_lastError; }

private:
    Error failure(const QString &what, const QString &why, int error);

    int m_fd = -1;
    QString m_label;
    qint64 m_written = 0;
    int m_lastError = 0;
};

} // namespace sluice
