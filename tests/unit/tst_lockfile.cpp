// LockFile: one holder at a time, even inside one process; a refusal names
// the holder; a waiter gets the lock once it is let go; a crashed holder's
// lock is gone with it (the kernel drops flock locks with the process).
#include "util/lockfile.h"

#include <QCoreApplication>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace sluice;
using namespace Qt::StringLiterals;

class tst_LockFile : public QObject
{
    Q_OBJECT
private slots:
    void oneHolderAtATime();
    void waiterGetsItWhenReleased();
    void deadHoldersLockIsGone();
    void unwritablePlaceIsNotCalledHeld();
};

void tst_LockFile::oneHolderAtATime()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"x.lock"_s);
    auto first = LockFile::tryLock(path);
    QVERIFY(first);
    bool held = false;
    const auto second = LockFile::tryLock(path, &held);
    QVERIFY(!second);
    QVERIFY(held);
    QVERIFY2(
        second.error().message.contains(u"process %1"_s.arg(QCoreApplication::applicationPid())),
        qPrintable(second.error().message));
    QCOMPARE(LockFile::recordedHolder(path), QCoreApplication::applicationPid());
    first->reset();
    QVERIFY(LockFile::tryLock(path));
}

void tst_LockFile::waiterGetsItWhenReleased()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"x.lock"_s);
    auto first = LockFile::tryLock(path);
    QVERIFY(first);
    std::unique_ptr<QThread> releaser(QThread::create([&first] {
        QThread::msleep(100);
        first->reset();
    }));
    releaser->start();
    const auto waited = LockFile::lock(path, QDeadlineTimer(10'000));
    releaser->wait();
    QVERIFY2(waited, waited ? "" : qPrintable(waited.error().message));
    QVERIFY(!LockFile::lock(path, QDeadlineTimer(50)));
}

void tst_LockFile::deadHoldersLockIsGone()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"x.lock"_s);
    // flock(1) from util-linux holds the lock while its child runs; -o keeps
    // the descriptor from the child, so flock itself is the only holder.
    QProcess holder;
    holder.start(u"flock"_s, {u"-o"_s, path, u"sleep"_s, u"60"_s});
    QVERIFY(holder.waitForStarted());
    bool held = false;
    QTRY_VERIFY(!LockFile::tryLock(path, &held) && held);
    holder.kill(); // SIGKILL: no clean-up of its own
    QVERIFY(holder.waitForFinished());
    QVERIFY(LockFile::tryLock(path));
}

void tst_LockFile::unwritablePlaceIsNotCalledHeld()
{
    bool held = true;
    const auto r = LockFile::tryLock(u"/nonexistent-dir/x.lock"_s, &held);
    QVERIFY(!r);
    QVERIFY(!held);
    QVERIFY2(r.error().message.contains(u"/nonexistent-dir/x.lock"_s),
             qPrintable(r.error().message));
}

QTEST_GUILESS_MAIN(tst_LockFile)
#include "tst_lockfile.moc"
