#pragma once

#include <QString>

#include <optional>

namespace sluice::metrics {

// Readings of this process and its disk, from /proc and statvfs (Linux).
// Each returns -1 when the reading is not available.
struct ProcessInfo
{
    static qint64 residentBytes(); // /proc/self/statm
    static qint64 openFileDescriptors(); // entries of /proc/self/fd
    static qint64 maxFileDescriptors(); // RLIMIT_NOFILE, soft limit
    static double cpuSeconds(); // user + system, /proc/self/stat
    // Since the Unix epoch: the process's start after boot plus the boot
    // time (btime) from `procStat` (all of it: on hosts with many cores
    // btime comes after kilobytes of per-CPU lines).
    static double startTimeSeconds(const QString &procStat = QStringLiteral("/proc/stat"));
    static qint64 freeDiskBytes(const QString &path); // available to this user
};

// Counts the regular files below a folder and their sizes (no symlinks
// followed); stops after maxEntries entries, so the cost stays bounded.
struct FolderUsage
{
    qint64 files = 0;
    qint64 bytes = 0;
    bool truncated = false;
};
FolderUsage folderUsage(const QString &path, qint64 maxEntries = 10'000);

// What the service keeps on disk, read off the socket thread (the job engine
// takes it once a second): free space in the data dir and its tmp/ folder.
struct DiskReading
{
    qint64 freeBytes = -1;
    qint64 tempFiles = 0;
    qint64 tempBytes = 0;
};
DiskReading readDisk(const QString &dataDir);

// "disk below min_free_disk_bytes: …" when a reading of the data dir's free
// bytes is under minFree; nothing when it is not, or there is no reading
// (freeBytes < 0: a reading that fails does not stop work). The one wording
// of the job engine's and the export routes' refusals.
std::optional<QString> diskFloorProblem(qint64 freeBytes, qint64 minFree);

} // namespace sluice::metrics
