#pragma once

#include "util/expected.h"

#include <QByteArrayView>
#include <QString>

namespace sluice {

// Replaces the file at path so that after a crash or power loss it holds either
// the old or the new content, never a mix: the data goes to a temporary file in
// the same directory (mode 0600), is flushed with fdatasync, renamed over the
// target, and the directory entry is flushed with fsync. On failure the target
// is left as it was and the temporary file is removed. Errors name the path and
// the system's reason.
Expected<void> writeFileDurably(const QString &path, QByteArrayView data);

// Flushes a directory's entries (a completed rename, a new file) to disk.
Expected<void> fsyncDirectory(const QString &path);
// Run as root, gives the file open as `fd` (at `path`) to the owner of its
// directory when root owns it and the directory is another user's: an
// administrator's `sluiced token add` in /etc/sluice must leave files the
// service (user sluice) can read and lock. Does nothing for anyone else.
Expected<void> giveToDirectoryOwner(int fd, const QString &path);

// Creates path and any missing parent directories with mode 0700; existing
// directories are left as they are.
Expected<void> createPrivateDirectories(const QString &path);

} // namespace sluice
