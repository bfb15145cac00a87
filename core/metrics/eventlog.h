#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QString>

#include <memory>
#include <optional>

namespace sluice::metrics {

// One thing that happened to a request or job: a rejection, timeout,
// cancellation, retry, expiry, cleanup or limit change. A plain value, safe to
// copy across threads.
struct Event
{
    QDateTime time; // UTC, millisecond precision; EventLog::record() stamps it when invalid
    QString kind; // "rejected", "timeout", "cancelled", "retry", "expired", "cleanup", ...
    QString requestId;
    QString jobId;
    QString account;
    QString peer;
    QString detail;
    // Set by EventLog::record(): 1, 2, 3, ... for the log's whole life, across
    // restarts (it continues from the last one in the file). 0 until recorded.
    quint64 seq = 0;

    // time (RFC 3339, UTC, with milliseconds) and kind are always present; seq
    // when non-zero; the other keys (request_id, job_id, account, peer,
    // detail) only when non-empty.
    QJsonObject toJson() const;
    // Accepts what toJson() writes; nullopt when time or kind is missing or
    // invalid, or a known key holds something other than a string.
    static std::optional<Event> fromJson(const QJsonObject &object);

    friend bool operator==(const Event &, const Event &) = default;
};

// Keeps the latest events in memory for the UI and appends every event as one
// JSON line to <dir>/events.jsonl, rotating it to events.1.jsonl ...
// events.<keepFiles>.jsonl (the oldest deleted) before it would grow past
// maxFileBytes.
//
// record() may be called from any thread and never waits for the disk: it
// appends to the in-memory ring and to a bounded pending queue, and a writer
// thread owned by the EventLog drains that queue in batches. When the queue is
// full (the disk is slow or the writer is stalled) the oldest pending events
// are dropped from the file (they stay in the ring), counted in droppedCount(),
// and a single "events_dropped" event with the count is written once the
// writer catches up. A failed write (disk full, unwritable directory) is
// counted in writeErrorCount(), logged once per outage, and its events are
// retried with the next batch, at most once a second, within the same bound.
class EventLog final : public QObject
{
    Q_OBJECT

public:
    static constexpr qsizetype DefaultRingCapacity = 2000;
    static constexpr qint64 DefaultMaxFileBytes = 10 * 1024 * 1024;
    static constexpr int DefaultKeepFiles = 3;
    static constexpr qsizetype DefaultPendingCapacity = 10'000;

    explicit EventLog(QString dir, qsizetype ringCapacity = DefaultRingCapacity,
                      qint64 maxFileBytes = DefaultMaxFileBytes, int keepFiles = DefaultKeepFiles,
                      QObject *parent = nullptr);
    // Flushes what has been recorded, then stops and joins the writer thread.
    ~EventLog() override;
    Q_DISABLE_COPY_MOVE(EventLog)

    // Thread-safe and never blocks on I/O.
    void record(Event event);

    // The newest max events (all kept when max < 0), oldest first, optionally
    // only those of one kind.
    QList<Event> recent(int max = -1, const QString &kindFilter = {}) const;

    // A page of the events still held in memory, for readers that follow the
    // log by sequence number (GET /admin/events, the live stream).
    struct Page
    {
        QList<Event> events; // seq > after, oldest first, at most `limit`
        quint64 lastSeq = 0; // of the newest event recorded
        quint64 oldestSeq = 0; // of the oldest event still held (0: none)
        // Events after `after` that are no longer held (the ring moved past
        // them): the reader has a gap.
        bool missed = false;
        // Where the next page starts: the last event looked at (so that a
        // kind filter does not make the reader walk the same events again).
        quint64 nextAfter = 0;
    };
    Page after(quint64 after, int limit, const QString &kindFilter = {}) const;

    // Events recorded by this object (not counting earlier runs).
    quint64 recordedCount() const;
    // The sequence number of the newest event, earlier runs included.
    quint64 lastSeq() const;
    // Events that never reached the file because the pending queue was full.
    quint64 droppedCount() const;
    // Failed attempts to write a batch.
    quint64 writeErrorCount() const;
    // The file being appended to: <dir>/events.jsonl.
    QString currentFile() const;

    // How many events may wait for the writer; the oldest are dropped beyond
    // it. Thread-safe; takes effect with the next record().
    void setPendingCapacity(qsizetype capacity);

    // Blocks until every event recorded before the call has been written or
    // its write has been attempted and failed (then it stays queued for a
    // retry). For tests and shutdown; it waits as long as the disk does.
    void flush();

signals:
    // Emitted for each recorded event, always from the event loop of the
    // thread this object lives in (queued there even when record() is called
    // on that thread), so widgets can connect directly. Deliveries are
    // coalesced into one queued call per burst; when that thread's event loop
    // falls more than a ring's worth behind, the oldest undelivered events are
    // skipped (recent() still has them).
    void recorded(const sluice::metrics::Event &event);

private:
    void deliverRecorded();

    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace sluice::metrics

Q_DECLARE_METATYPE(sluice::metrics::Event)
