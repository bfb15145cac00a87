#include "metrics/eventlog.h"

#include "metrics/eventlogfile_p.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QMutex>
#include <QThread>
#include <QWaitCondition>

#include <algorithm>
#include <deque>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::metrics {

Q_LOGGING_CATEGORY(lcMetrics, "sluice.metrics", QtInfoMsg)

namespace {

// After a failed write the writer waits this long before trying again, unless
// flush() asks for an attempt sooner.
constexpr int RetryIntervalMs = 1000;

// The optional keys, in the order toJson() writes them.
struct OptionalField
{
    QString key;
    QString Event::*member;
};

const QList<OptionalField> &optionalFields()
{
    static const QList<OptionalField> fields {
        {u"request_id"_s, &Event::requestId}, {u"job_id"_s, &Event::jobId},
        {u"account"_s, &Event::account},      {u"peer"_s, &Event::peer},
        {u"detail"_s, &Event::detail},
    };
    return fields;
}

QByteArray jsonLine(const Event &event)
{
    return QJsonDocument(event.toJson()).toJson(QJsonDocument::Compact) + '\n';
}

} // namespace

QJsonObject Event::toJson() const
{
    QJsonObject object;
    object.insert(u"time"_s, time.toUTC().toString(Qt::ISODateWithMs));
    object.insert(u"kind"_s, kind);
    if (seq > 0)
        object.insert(u"seq"_s, double(seq));
    for (const OptionalField &field : optionalFields()) {
        const QString &value = this->*field.member;
        if (!value.isEmpty())
            object.insert(field.key, value);
    }
    return object;
}

std::optional<Event> Event::fromJson(const QJsonObject &object)
{
    const QJsonValue time = object.value(u"time"_s);
    const QJsonValue kind = object.value(u"kind"_s);
    if (!time.isString() || !kind.isString() || kind.toString().isEmpty())
        return std::nullopt;
    Event event;
    event.time = QDateTime::fromString(time.toString(), Qt::ISODateWithMs).toUTC();
    if (!event.time.isValid())
        return std::nullopt;
    event.kind = kind.toString();
    if (const QJsonValue seq = object.value(u"seq"_s); !seq.isUndefined()) {
        if (!seq.isDouble() || seq.toDouble() < 1)
            return std::nullopt;
        event.seq = quint64(seq.toDouble());
    }
    for (const OptionalField &field : optionalFields()) {
        const QJsonValue value = object.value(field.key);
        if (value.isUndefined())
            continue;
        if (!value.isString())
            return std::nullopt;
        event.*field.member = value.toString();
    }
    return event;
}

struct PendingEvent
{
    quint64 sequence;
    Event event;
};

struct EventLog::Private
{
    Private(QString dir, qsizetype ringCapacity, qint64 maxFileBytes, int keepFiles)
        : ringCapacity(qMax<qsizetype>(ringCapacity, 0))
        , file(std::move(dir), maxFileBytes, keepFiles)
    { }

    void writerLoop();
    bool hasWork(bool failing, const QDeadlineTimer &retryAt) const;
    void dropOverflow();

    const qsizetype ringCapacity;
    EventLogFile file; // used by the writer thread only, but for its constant path()
    std::unique_ptr<QThread> writer;

    // Everything below is guarded by mutex.
    mutable QMutex mutex;
    QWaitCondition wake; // writer: new work, a flush or stop
    QWaitCondition progress; // flush(): doneSequence moved
    std::deque<Event> ring;
    std::deque<PendingEvent> pending;
    qsizetype pendingCapacity = DefaultPendingCapacity;
    QList<Event> undelivered; // waiting for the queued recorded() emission
    quint64 lastSequence = 0; // also the number of events recorded
    quint64 firstSeq = 0; // Event::seq = firstSeq + the sequence here (earlier runs)
    quint64 doneSequence = 0; // every event up to here was written or attempted
    quint64 flushTarget = 0;
    quint64 dropped = 0;
    quint64 unreportedDrops = 0; // not yet announced by an "events_dropped" line
    quint64 writeErrors = 0;
    bool stopping = false;
};

void EventLog::Private::dropOverflow()
{
    while (qsizetype(pending.size()) > pendingCapacity) {
        pending.pop_front();
        ++dropped;
        ++unreportedDrops;
    }
}

bool EventLog::Private::hasWork(bool failing, const QDeadlineTimer &retryAt) const
{
    if (pending.empty())
        return false;
    return !failing || retryAt.hasExpired() || flushTarget > doneSequence;
}

void EventLog::Private::writerLoop()
{
    bool failing = false;
    QDeadlineTimer retryAt;
    QMutexLocker lock(&mutex);
    for (;;) {
        while (!stopping && !hasWork(failing, retryAt)) {
            if (failing && !pending.empty())
                wake.wait(&mutex, retryAt);
            else
                wake.wait(&mutex);
        }
        if (stopping)
            return;

        std::deque<PendingEvent> batch;
        batch.swap(pending);
        const quint64 drops = std::exchange(unreportedDrops, 0);
        const qsizetype capacity = pendingCapacity;
        lock.unlock();

        QList<QByteArray> lines;
        lines.reserve(qsizetype(batch.size()) + 1);
        if (drops > 0) {
            Event notice;
            notice.time = QDateTime::currentDateTimeUtc();
            notice.kind = u"events_dropped"_s;
            notice.detail
                = u"%1 events were not written: the pending queue (%2 events) was full"_s.arg(drops)
                      .arg(capacity);
            lines.append(jsonLine(notice));
        }
        for (const PendingEvent &entry : batch)
            lines.append(jsonLine(entry.event));
        const AppendResult result = file.append(lines);

        lock.relock();
        doneSequence = std::max(doneSequence, batch.back().sequence);
        if (result.error) {
            ++writeErrors;
            if (!failing) {
                qCWarning(lcMetrics).noquote()
                    << "event log:" << result.error->message << "- retrying with later events";
            }
            failing = true;
            retryAt = QDeadlineTimer(RetryIntervalMs);
            if (drops > 0 && result.linesWritten == 0)
                unreportedDrops += drops;
            const qsizetype eventsWritten
                = std::max<qsizetype>(result.linesWritten - (drops > 0 ? 1 : 0), 0);
            // Back to the front, in order; the bound still applies.
            pending.insert(pending.begin(), std::make_move_iterator(batch.begin() + eventsWritten),
                           std::make_move_iterator(batch.end()));
            dropOverflow();
        } else if (failing) {
            failing = false;
            qCInfo(lcMetrics).noquote() << "event log: writing to" << file.path() << "again";
        }
        progress.wakeAll();
    }
}

EventLog::EventLog(QString dir, qsizetype ringCapacity, qint64 maxFileBytes, int keepFiles,
                   QObject *parent)
    : QObject(parent)
    , d(std::make_unique<Private>(std::move(dir), ringCapacity, maxFileBytes, keepFiles))
{
    d->firstSeq = d->file.lastSequenceOnDisk();
    d->writer.reset(QThread::create([state = d.get()] { state->writerLoop(); }));
    d->writer->setObjectName(u"sluice-eventlog"_s);
    d->writer->start();
}

EventLog::~EventLog()
{
    flush();
    {
        QMutexLocker lock(&d->mutex);
        d->stopping = true;
    }
    d->wake.wakeOne();
    d->writer->wait();
}

void EventLog::record(Event event)
{
    event.time = event.time.isValid() ? event.time.toUTC() : QDateTime::currentDateTimeUtc();
    bool deliveryQueued = true;
    bool writerIdle = false;
    {
        QMutexLocker lock(&d->mutex);
        event.seq = d->firstSeq + ++d->lastSequence;
        d->ring.push_back(event);
        if (qsizetype(d->ring.size()) > d->ringCapacity)
            d->ring.pop_front();
        writerIdle = d->pending.empty();
        d->pending.push_back({d->lastSequence, event});
        d->dropOverflow();
        deliveryQueued = !d->undelivered.isEmpty();
        d->undelivered.append(std::move(event));
        if (d->undelivered.size() > qMax<qsizetype>(d->ringCapacity, 1))
            d->undelivered.removeFirst();
    }
    // The writer only sleeps on an empty queue (or while backing off).
    if (writerIdle)
        d->wake.wakeOne();
    if (!deliveryQueued)
        QMetaObject::invokeMethod(this, &EventLog::deliverRecorded, Qt::QueuedConnection);
}

void EventLog::deliverRecorded()
{
    QList<Event> events;
    {
        QMutexLocker lock(&d->mutex);
        events.swap(d->undelivered);
    }
    for (const Event &event : std::as_const(events))
        emit recorded(event);
}

QList<Event> EventLog::recent(int max, const QString &kindFilter) const
{
    QList<Event> events;
    QMutexLocker lock(&d->mutex);
    for (auto it = d->ring.crbegin(); it != d->ring.crend(); ++it) {
        if (max >= 0 && events.size() >= max)
            break;
        if (kindFilter.isEmpty() || it->kind == kindFilter)
            events.append(*it);
    }
    lock.unlock();
    std::reverse(events.begin(), events.end());
    return events;
}

EventLog::Page EventLog::after(quint64 after, int limit, const QString &kindFilter) const
{
    Page page;
    QMutexLocker lock(&d->mutex);
    page.lastSeq = d->firstSeq + d->lastSequence;
    page.oldestSeq = d->ring.empty() ? 0 : d->ring.front().seq;
    // A cursor from a log that no longer exists (its files were deleted):
    // the reader has missed everything; it starts over from what is held.
    const bool stale = after > page.lastSeq;
    if (stale)
        after = 0;
    page.nextAfter = std::max(after, page.oldestSeq > 0 ? page.oldestSeq - 1 : page.lastSeq);
    page.missed
        = stale || (after < page.lastSeq && (page.oldestSeq == 0 || after + 1 < page.oldestSeq));
    // The ring is ordered by seq: start at the first one after `after`.
    auto it = std::upper_bound(d->ring.cbegin(), d->ring.cend(), after,
                               [](quint64 value, const Event &e) { return value < e.seq; });
    for (; it != d->ring.cend(); ++it) {
        if (limit >= 0 && page.events.size() >= limit)
            break;
        page.nextAfter = it->seq;
        if (kindFilter.isEmpty() || it->kind == kindFilter)
            page.events.append(*it);
    }
    return page;
}

quint64 EventLog::lastSeq() const
{
    QMutexLocker lock(&d->mutex);
    return d->firstSeq + d->lastSequence;
}

quint64 EventLog::recordedCount() const
{
    QMutexLocker lock(&d->mutex);
    return d->lastSequence;
}

quint64 EventLog::droppedCount() const
{
    QMutexLocker lock(&d->mutex);
    return d->dropped;
}

quint64 EventLog::writeErrorCount() const
{
    QMutexLocker lock(&d->mutex);
    return d->writeErrors;
}

QString EventLog::currentFile() const
{
    return d->file.path();
}

void EventLog::setPendingCapacity(qsizetype capacity)
{
    QMutexLocker lock(&d->mutex);
    d->pendingCapacity = qMax<qsizetype>(capacity, 1);
}

void EventLog::flush()
{
    QMutexLocker lock(&d->mutex);
    const quint64 target = d->lastSequence;
    d->flushTarget = std::max(d->flushTarget, target);
    d->wake.wakeOne();
    while (d->doneSequence < target)
        d->progress.wait(&d->mutex);
}

} // namespace sluice::metrics
