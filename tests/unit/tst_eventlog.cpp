#include "metrics/eventlog.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <fcntl.h>
#include <latch>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace Qt::StringLiterals;
using sluice::metrics::Event;
using sluice::metrics::EventLog;

namespace sluice::metrics {
// Found by QCOMPARE through argument-dependent lookup, for readable failures.
char *toString(const Event &event)
{
    return QTest::toString(QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact));
}
} // namespace sluice::metrics

namespace {

Event testEvent(const QString &detail, const QString &kind = u"test"_s)
{
    Event event;
    event.kind = kind;
    event.detail = detail;
    return event;
}

// Same-length details keep every JSON line the same size.
QString numbered(int i)
{
    return u"event %1"_s.arg(i, 5, 10, QLatin1Char('0'));
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Every line must be one JSON object that Event::fromJson() accepts.
void parseLines(const QByteArray &data, QList<Event> &events)
{
    QVERIFY2(data.isEmpty() || data.endsWith('\n'), "the last line is incomplete");
    const QList<QByteArray> lines = data.split('\n');
    for (qsizetype i = 0; i + 1 < lines.size(); ++i) {
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(lines[i], &error);
        QVERIFY2(error.error == QJsonParseError::NoError && document.isObject(),
                 qPrintable(u"line %1: %2"_s.arg(i + 1).arg(error.errorString())));
        const std::optional<Event> event = Event::fromJson(document.object());
        QVERIFY2(event, lines[i].constData());
        events.append(*event);
    }
}

// The rotated files oldest first, then the current one.
void readLog(const QString &dir, int keepFiles, QList<Event> &events)
{
    for (int number = keepFiles; number >= 1; --number) {
        const QString path = dir % u"/events."_s % QString::number(number) % u".jsonl"_s;
        parseLines(readAll(path), events);
        if (QTest::currentTestFailed())
            return;
    }
    parseLines(readAll(dir + u"/events.jsonl"_s), events);
}

QStringList details(const QList<Event> &events)
{
    QStringList result;
    for (const Event &event : events)
        result.append(event.detail);
    return result;
}

} // namespace

class tst_EventLog : public QObject
{
    Q_OBJECT

private slots:
    void jsonRoundTrip_data();
    void jsonRoundTrip();
    void fromJsonRejects_data();
    void fromJsonRejects();
    void recentKeepsOrderAndIsBounded();
    void recentFiltersByKind();
    void recordedSignalIsQueuedToOwnerThread();
    void linesParseBackToRecordedEvents();
    void rotatesWithinKeepFiles();
    void fourThreadsLandExactlyOnce();
    void writeErrorIsCountedWarnedOnceAndRetried();
    void stalledWriterDropsOldestAndReportsOnce();
};

void tst_EventLog::jsonRoundTrip_data()
{
    QTest::addColumn<Event>("event");
    QTest::addColumn<QStringList>("keys");

    const QDateTime time(QDate(2024, 5, 6), QTime(7, 8, 9, 123), Qt::UTC);
    Event full {time,
                u"rejected"_s,
                u"r-1"_s,
                u"j-2"_s,
                u"alice"_s,
                u"127.0.0.1:5000"_s,
                u"upload_max_bytes exceeded"_s};
    QTest::addRow("all fields") << full << QStringList {u"account"_s, u"detail"_s, u"job_id"_s,
                                                        u"kind"_s,    u"peer"_s,   u"request_id"_s,
                                                        u"time"_s};
    Event minimal;
    minimal.time = time;
    minimal.kind = u"cleanup"_s;
    QTest::addRow("empty ones omitted") << minimal << QStringList {u"kind"_s, u"time"_s};
}

void tst_EventLog::jsonRoundTrip()
{
    QFETCH(Event, event);
    QFETCH(QStringList, keys);

    const QJsonObject json = event.toJson();
    QCOMPARE(json.keys(), keys);
    QCOMPARE(json.value(u"time"_s).toString(), u"2024-05-06T07:08:09.123Z"_s);
    QCOMPARE(Event::fromJson(json), std::optional<Event>(event));
}

void tst_EventLog::fromJsonRejects_data()
{
    QTest::addColumn<QByteArray>("json");

    QTest::addRow("no time") << QByteArray(R"({"kind":"retry"})");
    QTest::addRow("no kind") << QByteArray(R"({"time":"2024-05-06T07:08:09.123Z"})");
    QTest::addRow("empty kind") << QByteArray(R"({"time":"2024-05-06T07:08:09.123Z","kind":""})");
    QTest::addRow("bad time") << QByteArray(R"({"time":"yesterday","kind":"retry"})");
    QTest::addRow("numeric job_id")
        << QByteArray(R"({"time":"2024-05-06T07:08:09.123Z","kind":"retry","job_id":7})");
}

void tst_EventLog::fromJsonRejects()
{
    QFETCH(QByteArray, json);
    QVERIFY(!Event::fromJson(QJsonDocument::fromJson(json).object()));
}

void tst_EventLog::recentKeepsOrderAndIsBounded()
{
    QTemporaryDir dir;
    EventLog log(dir.path(), 5);
    for (int i = 0; i < 8; ++i)
        log.record(testEvent(numbered(i)));

    QCOMPARE(log.recordedCount(), 8u);
    QCOMPARE(details(log.recent()),
             (QStringList {numbered(3), numbered(4), numbered(5), numbered(6), numbered(7)}));
    QCOMPARE(details(log.recent(2)), (QStringList {numbered(6), numbered(7)}));
    QVERIFY(log.recent(0).isEmpty());
    const QList<Event> events = log.recent();
    QVERIFY(events.first().time.isValid());
    QCOMPARE(events.first().time.timeSpec(), Qt::UTC);
}

void tst_EventLog::recentFiltersByKind()
{
    QTemporaryDir dir;
    EventLog log(dir.path());
    for (int i = 0; i < 6; ++i)
        log.record(testEvent(numbered(i), i % 2 ? u"retry"_s : u"timeout"_s));

    QCOMPARE(details(log.recent(-1, u"retry"_s)),
             (QStringList {numbered(1), numbered(3), numbered(5)}));
    QCOMPARE(details(log.recent(2, u"timeout"_s)), (QStringList {numbered(2), numbered(4)}));
    QVERIFY(log.recent(-1, u"expired"_s).isEmpty());
}

void tst_EventLog::recordedSignalIsQueuedToOwnerThread()
{
    QTemporaryDir dir;
    EventLog log(dir.path());
    QList<QThread *> emittingThreads;
    connect(&log, &EventLog::recorded, this,
            [&emittingThreads] { emittingThreads.append(QThread::currentThread()); });
    QSignalSpy spy(&log, &EventLog::recorded);

    log.record(testEvent(numbered(0)));
    QCOMPARE(spy.count(), 0); // queued even on the owner's thread
    std::unique_ptr<QThread> other(QThread::create([&log] { log.record(testEvent(numbered(1))); }));
    other->start();
    QVERIFY(other->wait());

    QTRY_COMPARE(spy.count(), 2);
    QCOMPARE(spy.at(0).at(0).value<Event>().detail, numbered(0));
    QCOMPARE(spy.at(1).at(0).value<Event>().detail, numbered(1));
    QCOMPARE(emittingThreads,
             (QList<QThread *> {QThread::currentThread(), QThread::currentThread()}));
}

void tst_EventLog::linesParseBackToRecordedEvents()
{
    QTemporaryDir dir;
    EventLog log(dir.path());
    QCOMPARE(log.currentFile(), dir.path() + u"/events.jsonl"_s);
    for (int i = 0; i < 50; ++i) {
        Event event = testEvent(i % 3 ? numbered(i) : QString());
        event.requestId = u"req-%1"_s.arg(i);
        event.peer = u"[::1]:4000"_s;
        event.account = i % 2 ? u"bob \"quoted\"\nnewline"_s : QString();
        log.record(event);
    }
    log.flush();

    QList<Event> written;
    parseLines(readAll(log.currentFile()), written);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(written, log.recent());
    QCOMPARE(written.size(), 50);
}

void tst_EventLog::rotatesWithinKeepFiles()
{
    constexpr int keepFiles = 3;
    constexpr int perFile = 13;
    Event sample = testEvent(numbered(0));
    sample.time = QDateTime::currentDateTimeUtc(); // record() stamps it; it is always as long
    // Sequence numbers continue from the file: after 1000 they all
    // have four digits, so every line is as long.
    sample.seq = 1000;
    const QByteArray seedLine
        = QJsonDocument(sample.toJson()).toJson(QJsonDocument::Compact) + '\n';
    const qint64 lineBytes = seedLine.size();
    // A file may reach the limit but not pass it, so each one holds perFile lines.
    const qint64 maxFileBytes = perFile * lineBytes;
    QTemporaryDir dir;
    QFile leftover(dir.filePath(u"events.5.jsonl"_s)); // from a run that kept more files
    QVERIFY(leftover.open(QIODevice::WriteOnly));
    leftover.close();
    QFile seed(dir.filePath(u"events.jsonl"_s)); // the previous run's last event
    QVERIFY(seed.open(QIODevice::WriteOnly));
    seed.write(seedLine);
    seed.close();
    EventLog log(dir.path(), 1000, maxFileBytes, keepFiles);
    QCOMPARE(log.lastSeq(), quint64(1000));
    const int capacity = perFile * (keepFiles + 1);

    int next = 0;
    // Flushing between bursts makes the writer rotate in the middle of batches and between them.
    for (const int burst : {1, 7, perFile, 3, capacity - perFile - 12}) {
        for (int i = 0; i < burst; ++i)
            log.record(testEvent(numbered(next++)));
        log.flush();
    }
    QCOMPARE(next + 1, capacity);
    QList<Event> written;
    readLog(dir.path(), keepFiles, written);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(written.takeFirst().seq, quint64(1000));
    QCOMPARE(written, log.recent());
    QCOMPARE(QFileInfo(log.currentFile()).size(), maxFileBytes);

    for (int i = 0; i < 5 * capacity; ++i)
        log.record(testEvent(numbered(next++)));
    log.flush();

    const QStringList files = QDir(dir.path()).entryList(QDir::Files, QDir::Name);
    QCOMPARE(files,
             (QStringList {u"events.1.jsonl"_s, u"events.2.jsonl"_s, u"events.3.jsonl"_s,
                           u"events.jsonl"_s}));
    for (const QString &file : files)
        QVERIFY2(QFileInfo(dir.filePath(file)).size() <= maxFileBytes, qPrintable(file));
    written.clear();
    readLog(dir.path(), keepFiles, written);
    if (QTest::currentTestFailed())
        return;
    // The newest events, in order, none missing or repeated.
    QVERIFY(written.size() > capacity - perFile);
    QCOMPARE(written, log.recent(int(written.size())));
}

void tst_EventLog::fourThreadsLandExactlyOnce()
{
    constexpr int threads = 4;
    constexpr int perThread = 2000;
    QTemporaryDir dir;
    EventLog log(dir.path());
    std::latch start(threads);
    std::vector<std::unique_ptr<QThread>> recorders;
    for (int t = 0; t < threads; ++t) {
        recorders.emplace_back(QThread::create([&log, &start, t] {
            start.arrive_and_wait();
            for (int i = 0; i < perThread; ++i)
                log.record(testEvent(u"%1/%2"_s.arg(t).arg(i)));
        }));
        recorders.back()->start();
    }
    for (const auto &recorder : recorders)
        QVERIFY(recorder->wait());
    log.flush();

    QList<Event> written;
    parseLines(readAll(log.currentFile()), written);
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(written.size(), threads * perThread);
    QCOMPARE(log.recordedCount(), quint64(threads * perThread));
    QCOMPARE(log.droppedCount(), 0u);
    QList<int> nextOf(threads, 0);
    for (const Event &event : std::as_const(written)) {
        const int t = event.detail.section(u'/', 0, 0).toInt();
        const int i = event.detail.section(u'/', 1, 1).toInt();
        QVERIFY2(t >= 0 && t < threads && i == nextOf[t], qPrintable(event.detail));
        ++nextOf[t];
    }
    QCOMPARE(nextOf, QList<int>(threads, perThread));
    QCOMPARE(written.mid(written.size() - 2000), log.recent());
}

void tst_EventLog::writeErrorIsCountedWarnedOnceAndRetried()
{
    QTemporaryDir dir;
    const QString blocker = dir.filePath(u"blocker"_s);
    QFile file(blocker);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.close();
    const QString logDir = blocker + u"/logs"_s; // its parent is a regular file

    QTest::ignoreMessage(QtWarningMsg, QRegularExpression(u"event log: .*blocker/logs"_s));
    QTest::failOnWarning(QRegularExpression(u"event log"_s));
    EventLog log(logDir);
    log.record(testEvent(numbered(0)));
    log.flush();
    const quint64 firstErrors = log.writeErrorCount();
    QVERIFY(firstErrors >= 1);
    log.record(testEvent(numbered(1)));
    log.flush(); // asks for another attempt now instead of after the retry interval
    QVERIFY(log.writeErrorCount() > firstErrors);
    QCOMPARE(details(log.recent()), (QStringList {numbered(0), numbered(1)}));

    // Without new events or a flush, the writer retries on its own.
    QVERIFY(QFile::remove(blocker));
    QTRY_COMPARE(readAll(log.currentFile()).count('\n'), 2);
    const quint64 errors = log.writeErrorCount();
    log.record(testEvent(numbered(2)));
    log.flush();
    QCOMPARE(log.writeErrorCount(), errors);
    QList<Event> written;
    parseLines(readAll(log.currentFile()), written);
    QCOMPARE(written, log.recent());
    QCOMPARE(log.droppedCount(), 0u);
}

void tst_EventLog::stalledWriterDropsOldestAndReportsOnce()
{
    constexpr int total = 100;
    constexpr int pendingCapacity = 10;
    QTemporaryDir dir;
    // Opening a FIFO for writing blocks until a reader comes: the writer stalls.
    const QByteArray fifo = QFile::encodeName(dir.filePath(u"events.jsonl"_s));
    QCOMPARE(::mkfifo(fifo.constData(), 0600), 0);
    auto log = std::make_unique<EventLog>(dir.path());
    log->setPendingCapacity(pendingCapacity);
    for (int i = 0; i < total; ++i)
        log->record(testEvent(numbered(i)));
    // Every record() returned although nothing can be written.
    QCOMPARE(log->recordedCount(), quint64(total));
    QVERIFY(log->droppedCount() >= quint64(total - 2 * pendingCapacity));

    QByteArray received;
    std::thread reader([&fifo, &received] {
        const int fd = ::open(fifo.constData(), O_RDONLY);
        char buffer[4096];
        ssize_t got = 0;
        while (fd >= 0 && (got = ::read(fd, buffer, sizeof buffer)) > 0)
            received.append(buffer, got);
        ::close(fd);
    });
    log->flush();
    const quint64 dropped = log->droppedCount();
    log.reset(); // closes the FIFO, so the reader sees its end
    reader.join();

    QList<Event> lines;
    parseLines(received, lines);
    if (QTest::currentTestFailed())
        return;
    // Each notice accounts for the run of events missing right after it. There
    // is one per recovery (the writer may also lag once while its thread
    // starts), never one per event.
    QVERIFY(!lines.isEmpty());
    QCOMPARE(lines.last().detail, numbered(total - 1)); // the newest survive
    int next = 0;
    quint64 announced = 0;
    bool afterNotice = false;
    for (const Event &event : std::as_const(lines)) {
        if (event.kind == u"events_dropped") {
            QVERIFY2(!afterNotice, "two notices in a row");
            const int count = event.detail.section(u' ', 0, 0).toInt();
            QVERIFY2(count > 0, qPrintable(event.detail));
            next += count;
            announced += quint64(count);
        } else {
            QCOMPARE(event.detail, numbered(next));
            ++next;
        }
        afterNotice = event.kind == u"events_dropped";
    }
    QCOMPARE(next, total);
    QCOMPARE(announced, dropped);
}

QTEST_GUILESS_MAIN(tst_EventLog)
#include "tst_eventlog.moc"
