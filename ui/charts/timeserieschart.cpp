#include "charts/timeserieschart.h"

#include <QChart>
#include <QChartView>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
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
    m_view->setRenderHint(QPainter::Antialiasing);
    m_view->setMinimumHeight(165);
    auto layout = new QVBoxLayout(this);
    layout->setContentsMargins({});
    layout->addWidget(m_view);
}

TimeSeriesChart::~TimeSeriesChart() = default;

void TimeSeriesChart::addSeries(const QString &key, const QString &label, const QColor &color)
{
    auto series = new QLineSeries;
    series->setName(label);
    QPen pen(color);
    pen.setWidthF(1.8);
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
    m_order.append(key);
}

QString TimeSeriesChart::describe(const QString &key, const QPointF &point) const
{
    const QLineSeries *series = m_series.value(key);
    const QString time
        = QDateTime::fromMSecsSinceEpoch(qint64(point.x())).toLocalTime().toString(u"HH:mm:ss"_s);
    return u"%1 at %2: %3"_s.arg(series ? series->name() : key, time,
                                 m_format(point.y() * m_scale));
}

void TimeSeriesChart::setPoints(const QString &key, const QList<QPointF> &points)
{
    const auto it = m_points.find(key);
    if (it == m_points.end())
        return;
    *it = points;
    for (QPointF &p : *it)
        p.setY(p.y() / m_scale);
    if (isShown()) {
        m_series.value(key)->replace(*it);
        rescaleValues();
    }
}

void TimeSeriesChart::appendPoint(const QString &key, qint64 timeMs, double value)
{
    const auto it = m_points.find(key);
    if (it == m_points.end())
        return;
    it->append(QPointF(double(timeMs), value / m_scale)); // setTimeRange() rescales
    if (isShown())
        m_series.value(key)->append(it->constLast());
}

void TimeSeriesChart::setTimeRange(qint64 fromMs, qint64 toMs)
{
    m_fromMs = fromMs;
    m_toMs = toMs;
    for (auto it = m_points.begin(); it != m_points.end(); ++it) {
        // Points are in time order: drop the ones that scrolled out.
        qsizetype stale = 0;
        while (stale < it->size() && it->at(stale).x() < double(fromMs))
            ++stale;
        if (stale == 0)
            continue;
        it->remove(0, stale);
        if (isShown())
            m_series.value(it.key())->removePoints(0, int(stale));
    }
    if (isShown()) {
        applyTimeAxis();
        rescaleValues();
    }
}

void TimeSeriesChart::applyTimeAxis()
{
    const qint64 span = m_toMs - m_fromMs;
    m_timeAxis->setFormat(span > 120'000 ? u"HH:mm"_s : u"HH:mm:ss"_s);
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(m_fromMs),
                         QDateTime::fromMSecsSinceEpoch(m_toMs));
}

void TimeSeriesChart::showEvent(QShowEvent *event)
{
    // What happened while hidden, in one go per series.
    for (auto it = m_points.cbegin(); it != m_points.cend(); ++it)
        m_series.value(it.key())->replace(*it);
    if (m_toMs > m_fromMs)
        applyTimeAxis();
    rescaleValues();
    QWidget::showEvent(event);
}

qsizetype TimeSeriesChart::pointCount(const QString &key) const
{
    return m_points.value(key).size();
}

// From zero to a little above the largest visible value, rounded to a "nice"
// number so that the axis does not twitch on every sample.
void TimeSeriesChart::rescaleValues()
{
    double max = 0;
    for (const QList<QPointF> &points : std::as_const(m_points)) {
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
}

} // namespace sluice::ui
