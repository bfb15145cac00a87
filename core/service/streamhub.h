#pragma once

#include "http/httptypes.h"
#include "http/responseproducer.h"
#include "jobs/job.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>
#include <deque>
#include <memory>

namespace sluice::service {

// What GET /api/stream carries, as its SSE "event:" names.
enum class StreamKind { Status, Sample, Jobs, Event, Limits, Transfers };
inline constexpr int StreamKindCount = 6;
QByteArray toEventName(StreamKind kind);

class StreamSubscription;

// The live feed behind GET /api/stream (docs/decisions/0028-live-stream.md).
//
// Everything published goes into one ring shared by all subscribers, bounded
// by entries and bytes; a subscriber is only a cursor into it. Subscribers
// are pulled like any response body: the connection asks for the next frames
// while its unsent bytes are under response_high_water_bytes, so a stalled
// subscriber holds no more than that, whatever is published meanwhile. A
// subscriber that falls behind skips superseded status, sample, limits and
// transfers entries (only the latest of each counts); one that the ring
// leaves behind gets a `reset` event and continues from the newest entry.
//
// Each entry has the SSE id "EPOCH-SEQ": EPOCH is new with every hub (each
// process), so a Last-Event-ID from another run is recognised and answered
// with `reset`.
//
// Admins see every entry; another account sees only its own jobs' changes
// and removals.
//
// Lives on the HTTP thread; every member is called there.
class StreamHub final : public QObject
{
    Q_OBJECT
public:
    static constexpr qsizetype DefaultMaxEntries = 4096;
    static constexpr qint64 DefaultMaxBytes = 4 * 1024 * 1024;
    static constexpr int DefaultHeartbeatMs = 15'000;
    static constexpr int RetryMs = 3'000; // sent as "retry:"

    explicit StreamHub(QObject *parent = nullptr);
    ~StreamHub() override;
    Q_DISABLE_COPY_MOVE(StreamHub)

    void setBudget(qsizetype maxEntries, qint64 maxBytes);
    void setHeartbeatInterval(int ms);

    // Admin-only entries: status, sample, event, limits, transfers (a
    // compact JSON document each).
    void publish(StreamKind kind, const QJsonObject &data);
    // {"changed": [job, ...], "removed": [id, ...]}: one entry for admins and
    // one per owning account (removedOwnerIds: the owner of each removed id).
    void publishJobs(const QList<jobs::JobRecord> &changed, const QStringList &removed,
                     const QStringList &removedOwnerIds);

    // A new subscriber for `who`, resuming after `lastEventId` if the ring
    // still holds what followed it (otherwise it starts with `reset`).
    std::shared_ptr<http::ResponseProducer> subscribe(const http::Request &who,
                                                      const QByteArray &lastEventId);
    int subscriberCount() const { return int(m_subscribers.size()); }
    // Those of one account.
    int subscriberCount(const QString &accountId) const;
    // Ends every stream (their responses complete); new ones may follow.
    void closeAll();

    QByteArray epoch() const { return m_epoch; }
    quint64 lastSeq() const { return m_nextSeq - 1; }
    // Bytes the ring holds now.
    qint64 heldBytes() const { return m_bytes; }

private:
    friend class StreamSubscription;

    enum class Audience { Admins, Owner };
    struct Entry
    {
        quint64 seq;
        StreamKind kind;
        Audience audience;
        QString ownerId; // Audience::Owner
        QByteArray frame; // "id: ...\nevent: ...\ndata: ...\n\n"
    };

    void append(StreamKind kind, Audience audience, const QString &ownerId, const QByteArray &json);
    // Frames for `s` from its cursor on, up to about maxBytes.
    QByteArray take(StreamSubscription &s, qint64 maxBytes);
    QByteArray snapshot(const StreamSubscription &s) const;
    bool visible(const Entry &e, const StreamSubscription &s) const;
    void unsubscribe(StreamSubscription *s);
    void heartbeat();

    QByteArray m_epoch;
    quint64 m_nextSeq = 1;
    std::deque<Entry> m_ring;
    qint64 m_bytes = 0;
    qsizetype m_maxEntries = DefaultMaxEntries;
    qint64 m_maxBytes = DefaultMaxBytes;
    std::array<quint64, StreamKindCount> m_latestSeq {}; // 0: none yet
    std::array<QByteArray, StreamKindCount> m_latestJson {}; // for a new subscriber's snapshot
    QList<StreamSubscription *> m_subscribers;
    QTimer m_heartbeat;
};

// One subscriber: the response body of one GET /api/stream.
class StreamSubscription final : public http::ResponseProducer
{
    Q_OBJECT
public:
    ~StreamSubscription() override;
    std::optional<qint64> size() const override { return std::nullopt; }
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override { return m_closed; }
    bool endless() const override { return true; }
    void abort() override;

private:
    friend class StreamHub;
    StreamSubscription(StreamHub *hub, QString accountId, bool admin);

    QPointer<StreamHub> m_hub;
    QString m_accountId;
    bool m_admin;
    quint64 m_cursor = 0; // the last seq sent or skipped
    bool m_retrySent = false;
    bool m_started = false; // the snapshot (or the resume point) settled
    bool m_reset = false; // owes a `reset` event
    bool m_heartbeatDue = false;
    bool m_closed = false;
};

} // namespace sluice::service
