#include "metrics/history.h"

#include <algorithm>
#include <cmath>

namespace sluice::metrics {

namespace {

// Floor, not truncation, so that times before the epoch still fall into the
// minute that contains them.
qint64 minuteStart(qint64 timeMs)
{
    const qint64 rem = timeMs % kMinuteMs;
    return rem < 0 ? timeMs - rem - kMinuteMs : timeMs - rem;
}

} // namespace

AggregatePoint SeriesHistory::OpenMinute::toAggregate() const
{
    return {startMs, min, sum / count, max, count};
}

SeriesHistory::SeriesHistory(qsizetype pointCapacity, qsizetype minuteCapacity)
    : m_points(pointCapacity)
    , m_minutes(minuteCapacity)
{ }

bool SeriesHistory::append(qint64 timeMs, double value)
{
    const bool inOrder = m_points.isEmpty() || timeMs > m_points.back().timeMs;
    if (!inOrder || timeMs < m_closedBeforeMs || !std::isfinite(value)) {
        ++m_rejected;
        return false;
    }
    m_points.push({timeMs, value});

    const qint64 start = minuteStart(timeMs);
    if (m_open && m_open->startMs != start)
        closeOpenMinute();
    if (!m_open) {
        m_open = OpenMinute {start, value, value, value, 1};
        return true;
    }
    m_open->min = std::min(m_open->min, value);
    m_open->max = std::max(m_open->max, value);
    m_open->sum += value;
    ++m_open->count;
    return true;
}

void SeriesHistory::flush(qint64 nowMs)
{
    const qint64 start = minuteStart(nowMs);
    if (m_open && m_open->startMs < start)
        closeOpenMinute();
    m_closedBeforeMs = std::max(m_closedBeforeMs, start);
}

void SeriesHistory::closeOpenMinute()
{
    m_minutes.push(m_open->toAggregate());
    m_closedBeforeMs = std::max(m_closedBeforeMs, m_open->startMs + kMinuteMs);
    m_open.reset();
}

QList<MetricPoint> SeriesHistory::points(qint64 sinceMs) const
{
    return m_points.toList(
        m_points.partitionPoint([sinceMs](const MetricPoint &p) { return p.timeMs < sinceMs; }));
}

QList<AggregatePoint> SeriesHistory::aggregates(qint64 sinceMs) const
{
    const auto endsByThen = [sinceMs](const AggregatePoint &a) {
        return a.minuteStartMs + kMinuteMs <= sinceMs;
    };
    QList<AggregatePoint> out = m_minutes.toList(m_minutes.partitionPoint(endsByThen));
    if (m_open) {
        const AggregatePoint open = m_open->toAggregate();
        if (!endsByThen(open))
            out.append(open);
    }
    return out;
}

std::optional<MetricPoint> SeriesHistory::latest() const
{
    if (m_points.isEmpty())
        return std::nullopt;
    return m_points.back();
}

SeriesSnapshot SeriesHistory::snapshot(qint64 sinceMs) const
{
    return {points(sinceMs), aggregates(sinceMs)};
}

MetricsHistory::MetricsHistory(qsizetype pointCapacity, qsizetype minuteCapacity,
                               qsizetype maxSeries)
    : m_pointCapacity(pointCapacity)
    , m_minuteCapacity(minuteCapacity)
    , m_maxSeries(maxSeries)
{ }

void MetricsHistory::append(qint64 timeMs, const QHash<QString, double> &values)
{
    for (auto it = values.cbegin(); it != values.cend(); ++it) {
        auto found = m_series.find(it.key());
        if (found == m_series.end()) {
            if (m_series.size() >= m_maxSeries) {
                ++m_droppedNames;
                continue;
            }
            found = m_series.emplace(it.key(), m_pointCapacity, m_minuteCapacity);
        }
        found->append(timeMs, it.value());
    }
}

void MetricsHistory::flush(qint64 nowMs)
{
    for (auto &series : m_series)
        series.flush(nowMs);
}

const SeriesHistory *MetricsHistory::series(const QString &name) const
{
    const auto found = m_series.constFind(name);
    return found == m_series.cend() ? nullptr : &found.value();
}

QStringList MetricsHistory::names() const
{
    QStringList out = m_series.keys();
    out.sort();
    return out;
}

QHash<QString, SeriesSnapshot> MetricsHistory::snapshot(qint64 sinceMs) const
{
    QHash<QString, SeriesSnapshot> out;
    out.reserve(m_series.size());
    for (auto it = m_series.cbegin(); it != m_series.cend(); ++it)
        out.insert(it.key(), it->snapshot(sinceMs));
    return out;
}

} // namespace sluice::metrics
