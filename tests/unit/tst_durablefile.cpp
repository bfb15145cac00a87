#include "util/durablefile.h"
#include "util/lockfile.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

namespace {

// QVERIFY2 evaluates its message even on success, when there is no error().
template<typename T> QByteArray failureOf(const sluice::Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return "<unreadable>";
    return file.readAll();
}

void writePlain(const QString &path, const QByteArray &data)
{
    QFile file(path);
    QVERIFY2(file.open(QIODevice::WriteOnly), qPrintable(file.errorString()));
    QCOMPARE(file.write(data), data.size());
}

// Every entry below root, hidden ones included, relative to root.
QStringList tree(const QString &root)
{
    QStringList entries;
    QDirIterator it(root, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot | QDir::System,
                    QDirIterator::Subdirectories);
    while (it.hasNext())
        entries.append(QDir(root).relativeFilePath(it.next()));
    entries.sort();
    return entries;
}

int modeOf(const QString &path)
{
    struct stat info
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 07777);
}

} // namespace

class tst_DurableFile : public QObject
{
    Q_OBJECT

private slots:
    void writesNewFile_data();
    void writesNewFile();
    void replacesExistingFileAtomically();
    void replacingKeepsTheOwner();
    void newFileOfRootGoesToTheDirectorysOwner();
    void failsWithoutTouchingAnything_data();
    void failsWithoutTouchingAnything();
    void fsyncDirectoryReportsMissingDirectory();
    void createsPrivateDirectories();
    void createPrivateDirectoriesFailsUnderAFile();
};

void tst_DurableFile::writesNewFile_data()
{
    QTest::addColumn<QByteArray>("content");

    QTest::addRow("empty") << QByteArray();
    QTest::addRow("text") << "{\"version\": 1}\n"_ba;
    QByteArray large(8 * 1024 * 1024 + 17, Qt::Uninitialized);
    for (char &byte : large)
        byte = char(QRandomGenerator::global()->bounded(256));
    QTest::addRow("8 MiB of random bytes") << large;
}

void tst_DurableFile::writesNewFile()
{
    QFETCH(QByteArray, content);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"data.json"_s);

    const sluice::Expected<void> result = sluice::writeFileDurably(path, content);

    QVERIFY2(result, failureOf(result).constData());
    QCOMPARE(readAll(path), content);
    QCOMPARE(modeOf(path), 0600);
    QCOMPARE(tree(dir.path()), QStringList {u"data.json"_s});
}

void tst_DurableFile::replacesExistingFileAtomically()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"data.json"_s);
    writePlain(path, "old content");
    QFile reader(path);
    QVERIFY(reader.open(QIODevice::ReadOnly));

    const sluice::Expected<void> result = sluice::writeFileDurably(path, "new");

    QVERIFY2(result, failureOf(result).constData());
    QCOMPARE(readAll(path), "new"_ba);
    // A reader that opened the old file still sees all of it: the new content
    // went to a new inode that replaced the name, the old one was not truncated.
    QCOMPARE(reader.readAll(), "old content"_ba);
    QCOMPARE(tree(dir.path()), QStringList {u"data.json"_s});
}

void tst_DurableFile::failsWithoutTouchingAnything_data()
{
    QTest::addColumn<QString>("target"); // relative to the temporary directory
    QTest::addColumn<int>("expectedErrno");

    // Tests may run as root, for whom a read-only directory is writable; a
    // path under a regular file fails for everyone.
    QTest::addRow("directory missing") << u"missing/data.json"_s << ENOENT;
    QTest::addRow("parent is a regular file") << u"plain/data.json"_s << ENOTDIR;
    // Fails at the rename, after the temporary file was written.
    QTest::addRow("target is a directory") << u"occupied"_s << EISDIR;
}

void tst_DurableFile::failsWithoutTouchingAnything()
{
    QFETCH(QString, target);
    QFETCH(int, expectedErrno);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writePlain(dir.filePath(u"plain"_s), "a regular file");
    QVERIFY(QDir(dir.path()).mkdir(u"occupied"_s));
    writePlain(dir.filePath(u"occupied/inside"_s), "keeps the directory non-empty");
    const QStringList before = tree(dir.path());
    const QString path = dir.filePath(target);

    const sluice::Expected<void> result = sluice::writeFileDurably(path, "content");

    QVERIFY(!result);
    const QString message = result.error().message;
    QVERIFY2(message.contains(path), qPrintable(message));
    QVERIFY2(message.contains(qt_error_string(expectedErrno)), qPrintable(message));
    QCOMPARE(tree(dir.path()), before); // no temporary file left behind
    QCOMPARE(readAll(dir.filePath(u"plain"_s)), "a regular file"_ba);
}

void tst_DurableFile::fsyncDirectoryReportsMissingDirectory()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(sluice::fsyncDirectory(dir.path()));

    const QString missing = dir.filePath(u"missing"_s);
    const sluice::Expected<void> result = sluice::fsyncDirectory(missing);
    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(missing), qPrintable(result.error().message));
}

void tst_DurableFile::createsPrivateDirectories()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"a/b/c"_s);

    const sluice::Expected<void> result = sluice::createPrivateDirectories(path);

    QVERIFY2(result, failureOf(result).constData());
    QVERIFY(QFileInfo(path).isDir());
    QCOMPARE(modeOf(dir.filePath(u"a"_s)), 0700);
    QCOMPARE(modeOf(path), 0700);
    // Existing directories are fine and keep their mode.
    const int rootMode = modeOf(dir.path());
    QVERIFY(sluice::createPrivateDirectories(path));
    QCOMPARE(modeOf(dir.path()), rootMode);
}

void tst_DurableFile::createPrivateDirectoriesFailsUnderAFile()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    writePlain(dir.filePath(u"plain"_s), "x");
    const QString path = dir.filePath(u"plain/sub"_s);

    const sluice::Expected<void> result = sluice::createPrivateDirectories(path);

    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(path), qPrintable(result.error().message));
    QVERIFY2(result.error().message.contains(qt_error_string(ENOTDIR)),
             qPrintable(result.error().message));
}

// Issue 22: `sluiced token add`, run as root on the service's
// /etc/sluice/config.json, replaced the file with a root-owned one (0600),
// which the service (user sluice) could then not read.
void tst_DurableFile::replacingKeepsTheOwner()
{
    if (::geteuid() != 0)
        QSKIP("needs root, to give the file to another user (CI runs as root)");
    QTemporaryDir dir;
    const QString path = dir.filePath(u"config.json"_s);
    QVERIFY(sluice::writeFileDurably(path, "{}"));
    const uid_t nobody = 65534;
    QCOMPARE(::chown(QFile::encodeName(path).constData(), nobody, nobody), 0);
    QVERIFY(sluice::writeFileDurably(path, "{\"version\": 2}"));
    struct stat st
    {
    };
    QCOMPARE(::stat(QFile::encodeName(path).constData(), &st), 0);
    QCOMPARE(st.st_uid, nobody);
    QCOMPARE(st.st_gid, gid_t(nobody));
    QCOMPARE(st.st_mode & 0777, mode_t(0600));
}

// Root writing a new file (`sluiced token add` before the service's first
// start) in a directory the service owns leaves it to the directory's owner,
// not to root: the service could not read it, or lock it, otherwise.
void tst_DurableFile::newFileOfRootGoesToTheDirectorysOwner()
{
    if (::geteuid() != 0)
        QSKIP("needs root, to give the file to another user (CI runs as root)");
    QTemporaryDir dir;
    const uid_t nobody = 65534;
    const QString owned = dir.filePath(u"etc"_s);
    QVERIFY(QDir().mkpath(owned));
    QCOMPARE(::chown(QFile::encodeName(owned).constData(), nobody, nobody), 0);
    const auto ownerOf = [](const QString &path) {
        struct stat st
        {
        };
        return ::stat(QFile::encodeName(path).constData(), &st) == 0 ? qint64(st.st_uid) : -1;
    };
    QVERIFY(sluice::writeFileDurably(owned + u"/config.json"_s, "{}"));
    QCOMPARE(ownerOf(owned + u"/config.json"_s), qint64(nobody));
    // The lock beside it too, made new or found owned by root.
    QVERIFY(sluice::LockFile::tryLock(owned + u"/config.json.lock"_s));
    QCOMPARE(ownerOf(owned + u"/config.json.lock"_s), qint64(nobody));
    // In a directory of root's, root's files stay root's.
    QVERIFY(sluice::writeFileDurably(dir.filePath(u"mine.json"_s), "{}"));
    QCOMPARE(ownerOf(dir.filePath(u"mine.json"_s)), qint64(0));
}

QTEST_GUILESS_MAIN(tst_DurableFile)
#include "tst_durablefile.moc"
