#pragma once

#include <QtGlobal>

#include <unistd.h>

#include <utility>

namespace sluice {

// Owns a POSIX descriptor so that every early return closes it.
class FileDescriptor final
{
public:
    explicit FileDescriptor(int fd)
        : m_fd(fd)
    { }
    ~FileDescriptor()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Q_DISABLE_COPY_MOVE(FileDescriptor)

    int get() const { return m_fd; }
    // Hands the descriptor over; this object no longer closes it.
    int take() { return std::exchange(m_fd, -1); }
    // Closes now and reports the result; on Linux the descriptor is released
    // even when close() fails, so it is never retried.
    int close() { return ::close(take()); }

private:
    int m_fd;
};

} // namespace sluice
