#include "metrics/processinfo.h"

#include <QByteArray>
#include <QFile>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace sluice::metrics {

namespace {

QByteArray readSmallFile(const char *path)
{
    QFile f(QString::fromLatin1(path));
    if (!f.open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return f.read(4096);
}

// Fields of /proc/self/stat after the command name, which may hold spaces.
QList<QByteArray> statFields()
{
    const QByteArray stat = readSmallFile("/proc/self/stat");
    const qsizetype close = stat.lastIndexOf(')');
    if (close < 0)
        return {};
    return stat.mid(close + 2).split(' '); // field 3 (state) is index 0
}

} // namespace

qint64 ProcessInfo::residentBytes()
{
    const QList<QByteArray> f = readSmallFile("/proc/self/statm").split(' ');
    if (f.size() < 2)
        return -1;
    return f.at(1).toLongLong() * sysconf(_SC_PAGESIZE);
}

qint64 ProcessInfo::openFileDescriptors()
{
    DIR *dir = ::opendir("/proc/self/fd");
    if (!dir)
        return -1;
    qint64 n = 0;
    while (const dirent *e = ::readdir(dir)) {
        if (e->d_name[0] != '.')
            ++n;
    }
    ::closedir(dir);
    return n - 1; // the descriptor opendir itself holds
}

qint64 ProcessInfo::maxFileDescriptors()
{
    rlimit limit {};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    return limit.rlim_cur == RLIM_INFINITY ? -1 : qint64(limit.rlim_cur);
}

double ProcessInfo::cpuSeconds()
{
    const QList<QByteArray> f = statFields();
    if (f.size() < 13)
        return -1;
    // utime and stime are fields 14 and 15 (indexes 11 and 12 here), in clock ticks.
    return double(f.at(11).toLongLong() + f.at(12).toLongLong()) / double(sysconf(_SC_CLK_TCK));
}

double ProcessInfo::startTimeSeconds(const QString &procStat)
{
    const QList<QByteArray> f = statFields();
    if (f.size() < 20)
        return -1;
    const double sinceBoot
        = double(f.at(19).toLongLong()) / double(sysconf(_SC_CLK_TCK)); // field 22
    // procfs files report no size: read until the end, a page at a time.
    QFile file(procStat);
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : file.readAll().split('\n')) {
        if (line.startsWith("btime "))
            return double(line.mid(6).trimmed().toLongLong()) + sinceBoot;
    }
    return -1;
}

qint64 ProcessInfo::freeDiskBytes(const QString &path)
{
    struct statvfs s
    {
    };
    if (::statvfs(QFile::encodeName(path).constData(), &s) != 0)
        return -1;
    return qint64(s.f_bavail) * qint64(s.f_frsize);
}

DiskReading readDisk(const QString &dataDir)
{
    const FolderUsage temp = folderUsage(dataDir + QStringLiteral("/tmp"));
    return {ProcessInfo::freeDiskBytes(dataDir), temp.files, temp.bytes};
}

FolderUsage folderUsage(const QString &path, qint64 maxEntries)
{
    FolderUsage usage;
    QList<QByteArray> pending {QFile::encodeName(path)};
    qint64 seen = 0;
    while (!pending.isEmpty()) {
        const QByteArray dirPath = pending.takeLast();
        DIR *dir = ::opendir(dirPath.constData());
        if (!dir)
            continue;
        while (const dirent *e = ::readdir(dir)) {
            if (qstrcmp(e->d_name, ".") == 0 || qstrcmp(e->d_name, "..") == 0)
                continue;
            if (++seen > maxEntries) {
                usage.truncated = true;
                ::closedir(dir);
                return usage;
            }
            const QByteArray child = dirPath + '/' + e->d_name;
            struct stat st
            {
            };
            if (::lstat(child.constData(), &st) != 0)
                continue;
            if (S_ISDIR(st.st_mode)) {
                pending.append(child);
            } else if (S_ISREG(st.st_mode)) {
                ++usage.files;
                usage.bytes += st.st_size;
            }
        }
        ::closedir(dir);
    }
    return usage;
}

std::optional<QString> diskFloorProblem(qint64 freeBytes, qint64 minFree)
{
    if (freeBytes < 0 || freeBytes >= minFree)
        return std::nullopt;
    return QStringLiteral("disk below min_free_disk_bytes: the data dir's disk has %1 bytes free, "
                          "and %2 must stay free")
        .arg(freeBytes)
        .arg(minFree);
}

} // namespace sluice::metrics
