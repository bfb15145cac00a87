#pragma once

#include "metrics/fixedring.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <limits>
#include <optional>

namespace sluice::metrics {

// One sample of one series.
struct MetricPoint
{
    qint64 timeMs = 0; // milliseconds since the epoch
    double value = 0;
    bool operator==(const MetricPoint &) const = default;
};

// The samples of one wall-clock minute, [minuteStartMs, minuteStartMs + 60 s).
struct AggregatePoint
{
    qint64 minuteStartMs = 0;
    double min = 0;
    double avg = 0;
    double max = 0;
    int count = 0;
    bool operator==(const AggregatePoint &) const = default;
};

// What a dashboard gets for one series: plain values it may keep on any thread.
struct SeriesSnapshot
{
    QList<MetricPoint> points;
    QList<AggregatePoint> minutes;
};

inline constexpr qint64 kMinuteMs = 60 * 1000;
inline constexpr qint64 kBeginningOfTime = std::numeric_limits<qint64>::min();

// The recent history of one numeric series, bounded in memory: a ring of raw
// points (at 1 Hz the default 3600 is the last hour) and a ring of per-minute
// aggregates (the default 1440 is the last day). Both rings are allocated up
// front; append() does not allocate.
//
// Ordering policy: timestamps must strictly increase. A point at or before the
// latest accepted point, or inside a minute already closed by flush(), is
// rejected (append() returns false and rejectedCount() grows): the sampler
// owns the clock, so such a point is a clock step backwards and would corrupt
// the closed aggregates. Non-finite values are rejected too, because one NaN
// would poison a whole minute's min/avg/max.
//
// Gaps are not filled: a missing second has no point and a minute without any
// point has no aggregate, so a chart can show the hole.
//
// Not thread-safe: it lives on the sampler's thread, and other threads get
// copies through snapshot().
class SeriesHistory
{
public:
    static constexpr qsizetype kDefaultPointCapacity = 3600;
    static constexpr qsizetype kDefaultMinuteCapacity = 1440;

    explicit SeriesHistory(qsizetype pointCapacity = kDefaultPointCapacity,
                           qsizetype minuteCapacity = kDefaultMinuteCapacity);

    bool append(qint64 timeMs, double value);
    // Closes the open minute if `nowMs` lies in a later minute, so a series
    // that stopped reporting still ends its last aggregate.
    void flush(qint64 nowMs);

    // Points at or after `sinceMs`, oldest first.
    QList<MetricPoint> points(qint64 sinceMs = kBeginningOfTime) const;
    // Minutes that end after `sinceMs`, oldest first; the open minute comes
    // last, as a partial aggregate.
    QList<AggregatePoint> aggregates(qint64 sinceMs = kBeginningOfTime) const;
    std::optional<MetricPoint> latest() const;
    SeriesSnapshot snapshot(qint64 sinceMs = kBeginningOfTime) const;

    qsizetype pointCount() const { return m_points.size(); }
    qsizetype closedMinuteCount() const { return m_minutes.size(); }
    qsizetype maxPoints() const { return m_points.maxSize(); }
    qsizetype maxClosedMinutes() const { return m_minutes.maxSize(); }
    // Allocated slots of both rings; constant from construction on.
    qsizetype pointStorageCapacity() const { return m_points.capacity(); }
    qsizetype minuteStorageCapacity() const { return m_minutes.capacity(); }
    qint64 rejectedCount() const { return m_rejected; }

private:
    struct OpenMinute
    {
        qint64 startMs = 0;
        double min = 0;
        double max = 0;
        double sum = 0;
        int count = 0;
        AggregatePoint toAggregate() const;
    };
    void closeOpenMinute();

    FixedRing<MetricPoint> m_points;
    FixedRing<AggregatePoint> m_minutes;
    std::optional<OpenMinute> m_open;
    qint64 m_closedBeforeMs = kBeginningOfTime; // points before this are in closed minutes
    qint64 m_rejected = 0;
};

// One SeriesHistory per metric name, fed once per sampling tick.
//
// Memory stays bounded as long as the set of names does: a new name allocates
// its rings once, and names beyond `maxSeries` are dropped (counted in
// droppedNameCount()) rather than growing without limit.
class MetricsHistory
{
public:
    static constexpr qsizetype kDefaultMaxSeries = 256;

    explicit MetricsHistory(qsizetype pointCapacity = SeriesHistory::kDefaultPointCapacity,
                            qsizetype minuteCapacity = SeriesHistory::kDefaultMinuteCapacity,
                            qsizetype maxSeries = kDefaultMaxSeries);

    // Appends one tick; a series missing from `values` simply has a gap.
    void append(qint64 timeMs, const QHash<QString, double> &values);
    void flush(qint64 nowMs);

    // nullptr for an unknown name. Valid until the next append(), which may
    // add a name and so move the series in memory.
    const SeriesHistory *series(const QString &name) const;
    QStringList names() const; // sorted
    QHash<QString, SeriesSnapshot> snapshot(qint64 sinceMs = kBeginningOfTime) const;
    qint64 droppedNameCount() const { return m_droppedNames; }

private:
    QHash<QString, SeriesHistory> m_series;
    qsizetype m_pointCapacity;
    qsizetype m_minuteCapacity;
    qsizetype m_maxSeries;
    qint64 m_droppedNames = 0;
};

} // namespace sluice::metrics
