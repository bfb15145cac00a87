#pragma once

// A small tmpfs mounted over an existing folder for a test's lifetime, so
// that a real file system fills up (disk-full tests). Mounting needs root
// (CAP_SYS_ADMIN), as in CI; elsewhere error() says why it failed.

#include <QString>

namespace sluice::test {

class TmpfsMount
{
public:
    TmpfsMount(const QString &path, qint64 bytes);
    ~TmpfsMount(); // lazy unmount: nothing the test left open keeps it busy
    TmpfsMount(const TmpfsMount &) = delete;
    TmpfsMount &operator=(const TmpfsMount &) = delete;

    bool isMounted() const { return m_mounted; }
    QString error() const { return m_error; }

private:
    QString m_path;
    QString m_error;
    bool m_mounted = false;
};

} // namespace sluice::test
