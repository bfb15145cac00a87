// The one write helper of every job and upload path: a failure names its
// cause (ENOSPC, EIO, a short write) and never reads "Unknown error".
#include "tmpfsmount.h"
#include "util/outputfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_OutputFile : public QObject
{
    Q_OBJECT
private slots:
    void writesEverything();
    void devFullIsNoSpace();
    void fullFilesystemNamesTheShortWrite();
    void injectedFailures_data();
    void injectedFailures();
    void labelNotPath();
};

void tst_OutputFile::writesEverything()
{
    QTemporaryDir dir;
    OutputFile out;
    QVERIFY(out.open(dir.filePath(u"a.csv"_s), u"a.csv"_s));
    QVERIFY(out.write("hello, "));
    QVERIFY(out.write(QByteArray(100'000, 'x')));
    QVERIFY(out.close());
    QCOMPARE(out.written(), 100'007);
    QFile back(dir.filePath(u"a.csv"_s));
    QVERIFY(back.open(QIODevice::ReadOnly));
    QCOMPARE(back.size(), 100'007);
    QCOMPARE(QFile::permissions(back.fileName()) & 0x0077, QFileDevice::Permissions {});
}

void tst_OutputFile::devFullIsNoSpace()
{
    const int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        QSKIP("no /dev/full");
    const auto failed = writeFully(fd, "some bytes");
    ::close(fd);
    QVERIFY(failed);
    QCOMPARE(failed->error, ENOSPC);
    QVERIFY(failed->isDiskFull());
    QCOMPARE(failed->describe(), u"no space left on device (ENOSPC)"_s);

    OutputFile out;
    QVERIFY(out.open(u"/dev/full"_s, u"the export"_s));
    const auto written = out.write("some bytes");
    QVERIFY(!written);
    QCOMPARE(written.error().message,
             u"cannot write the export: no space left on device (ENOSPC)"_s);
    QCOMPARE(out.lastError(), ENOSPC);
}

// A real file system that fills part-way through one write: the write comes
// back short, the next one fails with ENOSPC, and the message says both.
void tst_OutputFile::fullFilesystemNamesTheShortWrite()
{
    QTemporaryDir dir;
    const TmpfsMount disk(dir.path(), 256 * 1024);
    if (!disk.isMounted())
        QSKIP(qPrintable(disk.error()));
    OutputFile out;
    QVERIFY(out.open(dir.filePath(u"big"_s), u"big"_s));
    const QByteArray piece(1024 * 1024, 'z');
    const auto written = out.write(piece);
    QVERIFY(!written);
    const QString message = written.error().message;
    QVERIFY2(message.startsWith(u"cannot write big: no space left on device (ENOSPC) after "_s),
             qPrintable(message));
    QVERIFY2(message.endsWith(u" of 1048576 bytes"_s), qPrintable(message));
    QVERIFY(out.written() > 0 && out.written() < piece.size());
    QCOMPARE(out.written(), QFileInfo(dir.filePath(u"big"_s)).size());
    QVERIFY(!message.contains(u"Unknown error"_s));
}

void tst_OutputFile::injectedFailures_data()
{
    QTest::addColumn<int>("error"); // errno after the first 10 bytes; 0: a write of 0 bytes
    QTest::addColumn<QString>("expected");
    QTest::addRow("EIO") << EIO << u"input/output error (EIO) after 10 of 100 bytes"_s;
    QTest::addRow("EDQUOT") << EDQUOT << u"disk quota exceeded (EDQUOT) after 10 of 100 bytes"_s;
    QTest::addRow("no progress, no reason")
        << 0
        << u"short write: the system wrote nothing more and gave no reason after 10 of 100 bytes"_s;
}

void tst_OutputFile::injectedFailures()
{
    QFETCH(int, error);
    QFETCH(QString, expected);
    int calls = 0;
    const WriteFunction write = [&](int, const char *, size_t size) -> ssize_t {
        switch (calls++) {
        case 0:
            return ssize_t(std::min<size_t>(size, 10)); // short
        case 1:
            errno = EINTR; // retried
            return -1;
        default:
            errno = error;
            return error ? -1 : 0;
        }
    };
    const auto failed = writeFully(-1, QByteArray(100, 'a'), write);
    QVERIFY(failed);
    QCOMPARE(failed->error, error);
    QCOMPARE(failed->written, 10);
    QCOMPARE(failed->describe(), expected);
    QCOMPARE(calls, 3);
}

void tst_OutputFile::labelNotPath()
{
    QTemporaryDir dir;
    OutputFile out;
    const auto opened = out.open(dir.filePath(u"missing/x"_s), u"part.csv"_s);
    QVERIFY(!opened);
    QVERIFY2(!opened.error().message.contains(dir.path()), qPrintable(opened.error().message));
    QVERIFY(opened.error().message.contains(u"part.csv"_s));
}

QTEST_GUILESS_MAIN(tst_OutputFile)
#include "tst_outputfile.moc"
