#pragma once

// Helpers for the upload writer tests (tests/unit/tst_uploadwriter*.cpp).

#include "upload/uploadwriter.h"

#include <QDir>
#include <QFile>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <unistd.h>

namespace sluice::test {

// Holds the calls that pass it until it is opened: a disk that has stopped
// answering. Shared with the I/O thread through a shared_ptr, so a test that
// fails early never leaves that thread waiting on a destroyed gate.
class Gate final
{
public:
    ~Gate() { open(); }

    void pass()
    {
        std::unique_lock lock(m_mutex);
        ++m_entered;
        m_changed.wait(lock, [this] { return m_open; });
    }
    void open()
    {
        const std::lock_guard lock(m_mutex);
        m_open = true;
        m_changed.notify_all();
    }
    int entered() const
    {
        const std::lock_guard lock(m_mutex);
        return m_entered;
    }

private:
    mutable std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_entered = 0;
    bool m_open = false;
};

// Opens the gate when the test function returns, however it returns.
struct GateOpener
{
    std::shared_ptr<Gate> gate;
    ~GateOpener() { gate->open(); }
};

// A write function that waits at the gate before every call.
inline auto gatedWrite(std::shared_ptr<Gate> gate)
{
    return [gate](int fd, const char *data, size_t size) {
        gate->pass();
        return ::write(fd, data, size);
    };
}

// Reproducible bytes in which a lost, doubled or swapped piece shows.
inline QByteArray randomBytes(qsizetype size, quint32 seed = 1)
{
    QList<quint32> words(size / 4 + 1);
    QRandomGenerator(seed).fillRange(words.data(), words.size());
    return QByteArray(reinterpret_cast<const char *>(words.constData()), size);
}

inline QByteArray readFile(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<unreadable>");
}

inline QStringList entriesIn(const QString &dir)
{
    return QDir(dir).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
}

// How many of this process's descriptors refer to a file whose path starts
// with prefix (deleted ones included).
inline int descriptorsInto(const QString &prefix)
{
    int count = 0;
    // The links resolve to the open file even when it was deleted, so they are
    // not all "system" entries: list everything.
    const QStringList fds = QDir(QStringLiteral("/proc/self/fd"))
                                .entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot);
    for (const QString &fd : fds) {
        char target[4096];
        const QByteArray link = QFile::encodeName(QStringLiteral("/proc/self/fd/") + fd);
        const ssize_t length = ::readlink(link.constData(), target, sizeof target);
        if (length > 0 && QFile::decodeName(QByteArray(target, length)).startsWith(prefix))
            ++count;
    }
    return count;
}

// Feeds data as a connection does: in pieces, stopping while the writer is
// full and resuming on drained(); after failed() the rest is written into the
// void, as a connection that has not noticed yet would. Records the largest queue seen right after
// a write and how many times the feeding had to wait.
inline void feed(upload::UploadWriter &writer, QSignalSpy &drained, const QByteArray &data,
                 qsizetype pieceSize, qint64 *maxQueued = nullptr, int *waits = nullptr)
{
    for (qsizetype offset = 0; offset < data.size(); offset += pieceSize) {
        writer.write(data.sliced(offset, std::min(pieceSize, data.size() - offset)));
        if (maxQueued)
            *maxQueued = std::max(*maxQueued, writer.queuedBytes());
        if (writer.isFull()) {
            // failed() clears tempPath(); a failed writer never drains.
            const qsizetype before = drained.count();
            QTRY_VERIFY_WITH_TIMEOUT(drained.count() > before || writer.tempPath().isEmpty(),
                                     10000);
            if (writer.tempPath().isEmpty())
                continue;
            QVERIFY(!writer.isFull());
            if (waits)
                ++*waits;
        }
    }
}

} // namespace sluice::test
