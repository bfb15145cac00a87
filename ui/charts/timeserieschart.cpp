#include "charts/timeserieschart.h"

#include "palette.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLabel>
#include <QLegendMarker>
#include <QLineSeries>
#include <QResizeEvent>
#include <QToolTip>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::ui {

TimeSeriesChart::TimeSeriesChart(const QString &title, Formatter formatValue, double scale,
                                 const QString &axisUnit, QWidget *parent)
    : QWidget(parent)
    , m_title(title)
    , m_format(std::move(formatValue))
    , m_scale(scale)
    , m_chart(new QChart)
    , m_timeAxis(new QDateTimeAxis)
    , m_valueAxis(new QValueAxis)
{
    m_chart->setTitle(title);
    QFont titleFont = m_chart->titleFont();
    titleFont.setBold(true);
    m_chart->setTitleFont(titleFont);
    m_chart->setMargins(QMargins(4, 2, 4, 2));
    m_chart->setBackgroundRoundness(4);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->legend()->setFont(font());
    // Live data: animation would only lag behind it.
    m_chart->setAnimationOptions(QChart::NoAnimation);

    m_timeAxis->setFormat(u"HH:mm"_s);
    m_timeAxis->setTickCount(5);
    m_timeAxis->setLabelsFont(font());
    m_valueAxis->setLabelsFont(font());
    m_valueAxis->setTickCount(3);
    m_valueAxis->setLabelFormat(u"%g"_s);
    m_valueAxis->setRange(0, 1);
    if (!axisUnit.isEmpty()) {
        m_valueAxis->setTitleText(axisUnit);
        m_valueAxis->setTitleFont(font());
    }
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_valueAxis, Qt::AlignLeft);

    m_view = new QChartView(m_chart, this);
    m_view->setObjectName(u"chartView"_s);
    m_view->setRenderHint(QPainter::Antialiasing);
    // Nothing in it answers keys: the dashboard's scroll area takes the focus instead.
    m_view->setFocusPolicy(Qt::NoFocus);
    setAccessibleName(title);
    m_view->setAccessibleName(tr("Chart: %1").arg(title));
    m_view->setMinimumHeight(165);
    // Until the first point: an empty frame would look like a broken chart.
    m_collecting = new QLabel(tr("Collecting\u2026"), m_view);
    m_collecting->setObjectName(u"collectingLabel"_s);
    m_collecting->setAlignment(Qt::AlignCenter);
    m_collecting->setForegroundRole(QPalette::PlaceholderText);
    m_collecting->setAttribute(Qt::WA_TransparentForMouseEvents);
    auto layout = new QVBoxLayout(this);
    layout->setContentsMargins({});
    layout->addWidget(m_view);
    applyColors();
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::addSeries(const QString &key, const QString &label)
{
    auto series = new QLineSeries;
    series->setName(label);
    const QList<QColor> colors = coloursFor(palette()).series;
    QPen pen(colors.at(m_order.size() % colors.size()));
    pen.setWidthF(1.8);
    // Later series dashed: one that lies on another (oldest queued and
    // longest running, both 0) still shows (issue 23).
    if (!m_order.isEmpty()) {
        pen.setStyle(Qt::CustomDashLine);
        pen.setDashPattern({4, 3});
    }
    series->setPen(pen);
    // QLineSeries points live in a QList; append() and removePoints() are cheap.
    m_chart->addSeries(series);
    series->attachAxis(m_timeAxis);
    series->attachAxis(m_valueAxis);
    connect(series, &QLineSeries::hovered, this, [this, key](const QPointF &point, bool state) {
        if (state)
            QToolTip::showText(QCursor::pos(), describe(key, point), m_view);
        else
            QToolTip::hideText();
    });
    m_series.insert(key, series);
    m_points.insert(key, {});
    m_plotted.insert(key, {});
    m_order.append(key);
}

QString TimeSeriesChart::describe(const QString &key, const QPointF &point) const
{
    const QLineSeries *series = m_series.value(key);
    const QString time
        = QDateTime::fromMSecsSinceEpoch(qint64(point.x())).toLocalTime().toString(u"HH:mm:ss"_s);
    //: A chart's tooltip: series name, time of day, value.
    return tr("%1 at %2: %3")
        .arg(series ? series->name() : key, time, m_format(point.y() * m_scale));
}

namespace {

qint64 bucketOf(const QPointF &point, qint64 bucketMs)
{
    return qint64(std::floor(point.x() / double(bucketMs)));
}

// What stands for one bucket's points: the lowest and the highest, in time
// order, or the one point when they are the same.
void appendBucket(QList<QPointF> &out, QList<QPointF>::const_iterator begin,
                  QList<QPointF>::const_iterator end)
{
    const auto [low, high] = std::minmax_element(
        begin, end, [](const QPointF &a, const QPointF &b) { return a.y() < b.y(); });
    if (low == high) {
        out.append(*low);
    } else {
        out.append(*std::min(low, high));
        out.append(*std::max(low, high));
    }
}

QList<QPointF> bucketed(const QList<QPointF> &points, qint64 bucketMs)
{
    QList<QPointF> out;
    for (auto first = points.cbegin(); first != points.cend();) {
        const qint64 bucket = bucketOf(*first, bucketMs);
        auto last = first;
        while (last != points.cend() && bucketOf(*last, bucketMs) == bucket)
            ++last;
        appendBucket(out, first, last);
        first = last;
    }
    return out;
}

} // namespace

bool TimeSeriesChart::isShown() const
{
    if (!isVisible())
        return false;
    // Clipped away by an ancestor, as by a scroll area's viewport?
    QRect area = rect();
    for (const QWidget *w = this; !w->isWindow() && w->parentWidget(); w = w->parentWidget()) {
        area = area.translated(w->pos()) & w->parentWidget()->rect();
        if (area.isEmpty())
            return false;
    }
    return true;
}

void TimeSeriesChart::replot(const QString &key)
{
    QList<QPointF> &plotted = m_plotted[key];
    plotted = bucketed(m_points.value(key), m_bucketMs);
    m_series.value(key)->replace(plotted);
}

// Everything Qt Charts shows, in one replace() per series.
void TimeSeriesChart::sync()
{
    for (const QString &key : std::as_const(m_order))
        replot(key);
    if (m_toMs > m_fromMs)
        applyTimeAxis();
    rescaleValues();
    m_synced = true;
}

void TimeSeriesChart::updateExposure()
{
    if (!m_synced && isShown())
        sync();
}

void TimeSeriesChart::setPoints(const QString &key, const QList<QPointF> &points)
{
    const auto it = m_points.find(key);
    if (it == m_points.end())
        return;
    *it = points;
    for (QPointF &p : *it)
        p.setY(p.y() / m_scale);
    updateCollecting();
    if (m_synced && isShown()) {
        replot(key);
        rescaleValues();
    } else {
        m_synced = false;
    }
}

// The newest point, already in m_points: the last bucket's one or two points
// change, or a new bucket starts. Never more than two points touched.
void TimeSeriesChart::appendPlotted(const QString &key, const QPointF &point)
{
    const QList<QPointF> &points = m_points[key];
    QList<QPointF> &plotted = m_plotted[key];
    QLineSeries *series = m_series.value(key);
    const qint64 bucket = bucketOf(point, m_bucketMs);
    auto first = points.cend() - 1;
    while (first != points.cbegin() && bucketOf(*(first - 1), m_bucketMs) == bucket)
        --first;
    qsizetype tail = plotted.size(); // where this bucket's points start
    while (tail > 0 && bucketOf(plotted.at(tail - 1), m_bucketMs) == bucket)
        --tail;
    QList<QPointF> now;
    appendBucket(now, first, points.cend());
    for (qsizetype i = 0; i < now.size(); ++i) {
        if (tail + i < plotted.size()) {
            if (plotted.at(tail + i) != now.at(i)) {
                plotted[tail + i] = now.at(i);
                series->replace(int(tail + i), now.at(i));
            }
        } else {
            plotted.append(now.at(i));
            series->append(now.at(i));
        }
    }
    if (const qsizetype extra = plotted.size() - tail - now.size(); extra > 0) {
        plotted.remove(tail + now.size(), extra);
        series->removePoints(int(tail + now.size()), int(extra));
    }
}

void TimeSeriesChart::appendPoint(const QString &key, qint64 timeMs, double value)
{
    const auto it = m_points.find(key);
    if (it == m_points.end())
        return;
    it->append(QPointF(double(timeMs), value / m_scale)); // setTimeRange() rescales
    if (!m_collecting->isHidden())
        updateCollecting();
    if (m_synced && isShown())
        appendPlotted(key, it->constLast());
    else
        m_synced = false;
}

void TimeSeriesChart::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_fromMs = fromMs;
    m_toMs = toMs;
    // Aligned buckets of this width cover the window with at most MaxPlotBuckets.
    const qint64 span = std::max<qint64>(0, toMs - fromMs);
    const qint64 bucketMs = std::max<qint64>(1, (span + MaxPlotBuckets - 2) / (MaxPlotBuckets - 1));
    if (bucketMs != m_bucketMs) {
        m_bucketMs = bucketMs;
        m_synced = false; // another window: every bucket changes
    }
    const auto dropBefore = [fromMs](QList<QPointF> &points) {
        // Points are in time order: the ones that scrolled out are in front.
        qsizetype stale = 0;
        while (stale < points.size() && points.at(stale).x() < double(fromMs))
            ++stale;
        points.remove(0, stale);
        return stale;
    };
    for (auto it = m_points.begin(); it != m_points.end(); ++it)
        dropBefore(*it);
    updateCollecting();
    if (!isShown()) {
        m_synced = false;
        return;
    }
    if (!m_synced) {
        sync();
        return;
    }
    for (auto it = m_plotted.begin(); it != m_plotted.end(); ++it) {
        if (const qsizetype stale = dropBefore(*it); stale > 0)
            m_series.value(it.key())->removePoints(0, int(stale));
    }
    applyTimeAxis();
    rescaleValues();
}

void TimeSeriesChart::applyTimeAxis()
{
    const qint64 span = m_toMs - m_fromMs;
    // Over half a day the axis crosses midnight or comes back to the same
    // time of day: the date tells its ends apart (issue 23, defect 7).
    m_timeAxis->setFormat(span > 12 * 3'600'000 ? u"d MMM HH:mm"_s
                              : span > 120'000  ? u"HH:mm"_s
                                                : u"HH:mm:ss"_s);
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(m_fromMs),
                         QDateTime::fromMSecsSinceEpoch(m_toMs));
}

bool TimeSeriesChart::isCollecting() const
{
    return std::all_of(m_points.cbegin(), m_points.cend(),
                       [](const QList<QPointF> &points) { return points.isEmpty(); });
}

void TimeSeriesChart::updateCollecting()
{
    const bool collecting = isCollecting();
    if (collecting)
        m_collecting->setGeometry(m_view->rect());
    m_collecting->setVisible(collecting);
}

void TimeSeriesChart::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    m_collecting->setGeometry(m_view->rect());
}

void TimeSeriesChart::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColors();
}

// Qt Charts' themes know nothing of the palette: every colour is set here.
void TimeSeriesChart::applyColors()
{
    const StateColours colors = coloursFor(palette());
    m_view->setBackgroundBrush(palette().color(QPalette::Window));
    m_chart->setBackgroundBrush(colors.chartBackground);
    m_chart->setBackgroundPen(QPen(colors.chartGrid));
    m_chart->setTitleBrush(colors.chartText);
    m_chart->legend()->setLabelColor(colors.chartText);
    for (QAbstractAxis *axis :
         {static_cast<QAbstractAxis *>(m_timeAxis), static_cast<QAbstractAxis *>(m_valueAxis)}) {
        axis->setLabelsColor(colors.chartText);
        axis->setTitleBrush(colors.chartText);
        axis->setLinePenColor(colors.chartText);
        axis->setGridLineColor(colors.chartGrid);
    }
    for (qsizetype i = 0; i < m_order.size(); ++i) {
        QLineSeries *series = m_series.value(m_order.at(i));
        QPen pen = series->pen();
        pen.setColor(colors.series.at(i % colors.series.size()));
        series->setPen(pen);
    }
}

QColor TimeSeriesChart::backgroundColor() const
{
    return m_chart->backgroundBrush().color();
}

QColor TimeSeriesChart::labelColor() const
{
    return m_valueAxis->labelsColor();
}

QColor TimeSeriesChart::seriesColor(const QString &key) const
{
    const QLineSeries *series = m_series.value(key);
    return series ? series->pen().color() : QColor();
}

void TimeSeriesChart::showEvent(QShowEvent *event)
{
    // What happened while hidden, in one go per series.
    sync();
    QWidget::showEvent(event);
}

qsizetype TimeSeriesChart::pointCount(const QString &key) const
{
    return m_points.value(key).size();
}

QList<double> TimeSeriesChart::valuesOf(const QString &key) const
{
    QList<double> values;
    for (const QPointF &p : m_points.value(key))
        values.append(p.y() * m_scale);
    return values;
}

double TimeSeriesChart::lastTimeOf(const QString &key) const
{
    const QList<QPointF> points = m_points.value(key);
    return points.isEmpty() ? 0 : points.constLast().x();
}

qsizetype TimeSeriesChart::plottedCount(const QString &key) const
{
    const QLineSeries *series = m_series.value(key);
    return series ? series->count() : 0;
}

// From zero to a little above the largest visible value, rounded to a "nice"
// number so that the axis does not twitch on every sample.
void TimeSeriesChart::rescaleValues()
{
    // The buckets keep each one's highest point: the plotted points will do.
    double max = 0;
    for (const QList<QPointF> &points : std::as_const(m_plotted)) {
        for (const QPointF &p : points)
            max = std::max(max, p.y());
    }
    double top = 1;
    if (max > 0) {
        const double magnitude = std::pow(10.0, std::floor(std::log10(max * 1.1)));
        top = magnitude;
        // Two intervals of 0.5, 1, 2, 2.5 or 5 times a power of ten.
        for (const double step : {1.0, 2.0, 4.0, 5.0, 10.0}) {
            top = step * magnitude;
            if (top >= max * 1.1)
                break;
        }
    }
    if (!qFuzzyCompare(m_valueAxis->max(), top))
        m_valueAxis->setRange(0, top);
    // From 10 up every tick is a whole number, which %g would print as
    // "1e+06" from a million on.
    m_valueAxis->setLabelFormat(top >= 10 ? u"%.0f"_s : u"%g"_s);
}

QString TimeSeriesChart::timeAxisFormat() const
{
    return m_timeAxis->format();
}

QString TimeSeriesChart::valueAxisLabelFormat() const
{
    return m_valueAxis->labelFormat();
}

double TimeSeriesChart::valueAxisMax() const
{
    return m_valueAxis->max();
}

} // namespace sluice::ui
