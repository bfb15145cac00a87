#include "service/streamhub.h"

#include "jobs/jobjson.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {

constexpr int index(StreamKind kind)
{
    return int(kind);
}

// Only the latest of these matters to a subscriber that is behind.
constexpr bool coalesces(StreamKind kind)
{
    return kind != StreamKind::Jobs && kind != StreamKind::Event;
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

QByteArray frameWithoutId(const QByteArray &event, const QByteArray &json)
{
    return "event: " + event + "\ndata: " + json + "\n\n";
}

} // namespace

QByteArray toEventName(StreamKind kind)
{
    switch (kind) {
    case StreamKind::Status:
        return "status";
    case StreamKind::Sample:
        return "sample";
    case StreamKind::Jobs:
        return "jobs";
    case StreamKind::Event:
        return "event";
    case StreamKind::Limits:
        return "limits";
    case StreamKind::Transfers:
        return "transfers";
    }
    return "unknown";
}

StreamHub::StreamHub(QObject *parent)
    : QObject(parent)
    , m_heartbeat(this)
{
    // 64 random bits: a Last-Event-ID from another process never matches.
    m_epoch = QByteArray::number(QRandomGenerator::system()->generate64(), 36);
    m_heartbeat.setInterval(DefaultHeartbeatMs);
    connect(&m_heartbeat, &QTimer::timeout, this, &StreamHub::heartbeat);
}

StreamHub::~StreamHub()
{
    for (StreamSubscription *s : std::as_const(m_subscribers))
        s->m_hub = nullptr;
}

void StreamHub::setBudget(qsizetype maxEntries, qint64 maxBytes)
{
    m_maxEntries = std::max<qsizetype>(maxEntries, 1);
    m_maxBytes = std::max<qint64>(maxBytes, 1);
}

void StreamHub::setHeartbeatInterval(int ms)
{
    m_heartbeat.setInterval(std::max(ms, 10));
}

void StreamHub::publish(StreamKind kind, const QJsonObject &data)
{
    Q_ASSERT(kind != StreamKind::Jobs);
    const QByteArray json = compact(data);
    if (coalesces(kind))
        m_latestJson[index(kind)] = json;
    append(kind, Audience::Admins, {}, json);
}

void StreamHub::publishJobs(const QList<jobs::JobRecord> &changed, const QStringList &removed,
                            const QStringList &removedOwnerIds)
{
    struct Batch
    {
        QJsonArray changed;
        QJsonArray removed;
    };
    Batch all;
    QHash<QString, Batch> byOwner;
    for (const jobs::JobRecord &job : changed) {
        const QJsonObject json = jobs::toJson(job); // with params and attempt log
        all.changed.append(json);
        if (!job.ownerId.isEmpty())
            byOwner[job.ownerId].changed.append(json);
    }
    for (qsizetype i = 0; i < removed.size(); ++i) {
        all.removed.append(removed.at(i));
        if (const QString owner = removedOwnerIds.value(i); !owner.isEmpty())
            byOwner[owner].removed.append(removed.at(i));
    }
    const auto json = [](const Batch &b) {
        return compact({{u"changed"_s, b.changed}, {u"removed"_s, b.removed}});
    };
    append(StreamKind::Jobs, Audience::Admins, {}, json(all));
    for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it)
        append(StreamKind::Jobs, Audience::Owner, it.key(), json(it.value()));
}

void StreamHub::append(StreamKind kind, Audience audience, const QString &ownerId,
                       const QByteArray &json)
{
    const quint64 seq = m_nextSeq++;
    QByteArray frame = "id: " + m_epoch + '-' + QByteArray::number(seq) + '\n'
        + frameWithoutId(toEventName(kind), json);
    m_bytes += frame.size();
    m_ring.push_back({seq, kind, audience, ownerId, std::move(frame)});
    if (coalesces(kind))
        m_latestSeq[index(kind)] = seq;
    while (m_ring.size() > 1 && (qsizetype(m_ring.size()) > m_maxEntries || m_bytes > m_maxBytes)) {
        m_bytes -= m_ring.front().frame.size();
        m_ring.pop_front();
    }
    // Woken: those that will see it. The others, when caught up, move past
    // it here, so that what they cannot see never leaves them behind the
    // ring (a needless reset). A copy: a receiver connected directly could
    // unsubscribe meanwhile.
    const QList<StreamSubscription *> subscribers = m_subscribers;
    for (StreamSubscription *s : subscribers) {
        if (visible(m_ring.back(), *s))
            emit s->readyRead();
        else if (s->m_cursor + 1 == seq)
            s->m_cursor = seq;
    }
}

bool StreamHub::visible(const Entry &e, const StreamSubscription &s) const
{
    if (e.audience == Audience::Admins)
        return s.m_admin;
    return !s.m_admin && e.ownerId == s.m_accountId;
}

std::shared_ptr<http::ResponseProducer> StreamHub::subscribe(const http::Request &who,
                                                             const QByteArray &lastEventId)
{
    std::shared_ptr<StreamSubscription> s(new StreamSubscription(this, who.accountId, who.admin));
    s->m_cursor = lastSeq();
    if (!lastEventId.isEmpty()) {
        const qsizetype dash = lastEventId.lastIndexOf('-');
        bool ok = false;
        const quint64 seq = dash > 0 ? lastEventId.mid(dash + 1).toULongLong(&ok) : 0;
        const quint64 oldest = m_ring.empty() ? m_nextSeq : m_ring.front().seq;
        // Resumable: this run's id, and nothing after it has left the ring.
        if (ok && lastEventId.left(dash) == m_epoch && seq <= lastSeq() && seq + 1 >= oldest) {
            s->m_cursor = seq;
            s->m_started = true; // it has the state up to there: no snapshot
        } else {
            s->m_reset = true;
        }
    }
    m_subscribers.append(s.get());
    if (!m_heartbeat.isActive())
        m_heartbeat.start();
    return s;
}

int StreamHub::subscriberCount(const QString &accountId) const
{
    return int(
        std::count_if(m_subscribers.cbegin(), m_subscribers.cend(),
                      [&](const StreamSubscription *s) { return s->m_accountId == accountId; }));
}

void StreamHub::closeAll()
{
    const QList<StreamSubscription *> subscribers = std::exchange(m_subscribers, {});
    for (StreamSubscription *s : subscribers) {
        s->m_closed = true;
        s->m_hub = nullptr;
        emit s->readyRead();
    }
    m_heartbeat.stop();
}

void StreamHub::unsubscribe(StreamSubscription *s)
{
    m_subscribers.removeOne(s);
    if (m_subscribers.isEmpty())
        m_heartbeat.stop();
}

void StreamHub::heartbeat()
{
    const QList<StreamSubscription *> subscribers = m_subscribers;
    for (StreamSubscription *s : subscribers) {
        s->m_heartbeatDue = true;
        emit s->readyRead();
    }
}

// The state as it is now, without ids (an SSE event without one leaves the
// client's last event id alone): the latest status, and for admins the
// latest sample and limits.
QByteArray StreamHub::snapshot(const StreamSubscription &s) const
{
    QByteArray out;
    if (!s.m_admin)
        return out;
    for (const StreamKind kind : {StreamKind::Status, StreamKind::Limits, StreamKind::Sample}) {
        if (const QByteArray &json = m_latestJson[index(kind)]; !json.isEmpty())
            out += frameWithoutId(toEventName(kind), json);
    }
    return out;
}

QByteArray StreamHub::take(StreamSubscription &s, qint64 maxBytes)
{
    QByteArray out;
    if (!s.m_retrySent) {
        out += "retry: " + QByteArray::number(RetryMs) + "\n\n";
        s.m_retrySent = true;
    }
    if (!s.m_started) {
        if (s.m_reset) {
            out += frameWithoutId("reset",
                                  compact({{u"reason"_s,
                                            u"the events after Last-Event-ID are no "
                                            "longer held: fetch the state again"_s}}));
            s.m_reset = false;
        }
        out += snapshot(s);
        s.m_started = true;
    }
    if (!m_ring.empty() && s.m_cursor + 1 < m_ring.front().seq) {
        // Left behind by the ring: start over from now.
        out += frameWithoutId("reset",
                              compact({{u"reason"_s,
                                        u"this stream fell behind the server's buffer: "
                                        "fetch the state again"_s}}));
        out += snapshot(s);
        s.m_cursor = lastSeq();
    }
    auto it = std::upper_bound(m_ring.cbegin(), m_ring.cend(), s.m_cursor,
                               [](quint64 seq, const Entry &e) { return seq < e.seq; });
    for (; it != m_ring.cend(); ++it) {
        const bool wanted = visible(*it, s)
            && !(coalesces(it->kind) && it->seq < m_latestSeq[index(it->kind)]); // superseded
        // At least one frame per piece, and never a second past maxBytes.
        if (wanted && !out.isEmpty() && out.size() + it->frame.size() > maxBytes)
            break;
        s.m_cursor = it->seq;
        if (wanted)
            out += it->frame;
    }
    if (out.isEmpty() && s.m_heartbeatDue) {
        // With the subscriber's place as its id: an SSE block without data
        // is not an event but moves the client's last event id, so that a
        // reconnect resumes from here even when nothing was visible to it.
        out = ": heartbeat\nid: " + m_epoch + '-' + QByteArray::number(s.m_cursor) + "\n\n";
    }
    s.m_heartbeatDue = false;
    return out;
}

StreamSubscription::StreamSubscription(StreamHub *hub, QString accountId, bool admin)
    : m_hub(hub)
    , m_accountId(std::move(accountId))
    , m_admin(admin)
{ }

StreamSubscription::~StreamSubscription()
{
    if (m_hub)
        m_hub->unsubscribe(this);
}

QByteArray StreamSubscription::read(qint64 maxBytes)
{
    if (!m_hub) {
        m_heartbeatDue = false;
        return {};
    }
    return m_hub->take(*this, maxBytes);
}

void StreamSubscription::abort()
{
    if (m_hub)
        m_hub->unsubscribe(this);
    m_hub = nullptr;
    m_closed = true;
}

} // namespace sluice::service
