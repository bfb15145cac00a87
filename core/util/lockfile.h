#pragma once

#include "util/expected.h"

#include <QDeadlineTimer>
#include <QString>

#include <memory>

namespace sluice {

// An exclusive advisory lock on a file, held for as long as the object lives.
//
// flock(2) on an open file description: the kernel drops it when the holder
// exits or crashes, so there is no stale-lock guessing (QLockFile decides by
// PID and age, and calls a live holder's lock stale after staleLockTime), and
// two opens of the same file conflict even inside one process. The holder
// writes its PID into the file so that a refusal can name it; the file itself
// is never removed (removing a lock file races with the next locker).
class LockFile final
{
public:
    ~LockFile();
    Q_DISABLE_COPY_MOVE(LockFile)

    // Takes the lock or says at once who holds it ("held by process 1234").
    // *heldByOther tells a lock held elsewhere from a file that cannot be
    // opened or locked at all.
    static Expected<std::unique_ptr<LockFile>> tryLock(const QString &path,
                                                       bool *heldByOther = nullptr);
    // Waits for the lock until the deadline, then fails like tryLock().
    static Expected<std::unique_ptr<LockFile>> lock(const QString &path, QDeadlineTimer deadline,
                                                    bool *heldByOther = nullptr);

    const QString &path() const { return m_path; }

    // The PID written into the file by its last holder, or -1.
    static qint64 recordedHolder(const QString &path);

private:
    LockFile(QString path, int fd);

    QString m_path;
    int m_fd = -1;
};

} // namespace sluice
