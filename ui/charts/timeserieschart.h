#pragma once

#include <QColor>
#include <QHash>
#include <QList>
#include <QPointF>
#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QDateTimeAxis;
class QLineSeries;
class QValueAxis;
class QLabel;
QT_END_NAMESPACE

namespace sluice::ui {

// A small line chart of time series on a wall-clock axis: the only place
// that knows Qt Charts (deprecated from Qt 6.10), so that the dashboard can
// move to Qt Graphs by replacing this adapter. Points are (ms since epoch, value).
//
// Qt Charts recomputes a series' whole geometry on every change (an append,
// a removal, a move of the axis), so what it holds is kept small and changed
// little (issue 23, defect 5): the points of a window are grouped into at
// most MaxPlotBuckets time buckets, each drawn as its lowest and highest
// point (a one-second spike stays visible in the hour view); a sample
// changes the last bucket's one or two points or starts a new one, points
// that scroll out leave from the front, and nothing is replaced wholesale
// except when the window changes or the chart comes into view. A chart that
// is not in view (another tab, or scrolled out of its scroll area) leaves
// Qt Charts alone.
class TimeSeriesChart final : public QWidget
{
    Q_OBJECT
public:
    using Formatter = std::function<QString(double)>;

    // Values are shown divided by `scale` on the axis (e.g. 1 MiB with axisUnit
    // "MiB"); the tooltip formats the original value with formatValue.
    TimeSeriesChart(const QString &title, Formatter formatValue, double scale = 1,
                    const QString &axisUnit = {}, QWidget *parent = nullptr);
    ~TimeSeriesChart() override;

    // Series take the palette's series colours (ui/palette.h) in the order added.
    void addSeries(const QString &key, const QString &label);
    // Replaces all points of a series (x: ms since epoch, y: unscaled value).
    void setPoints(const QString &key, const QList<QPointF> &points);
    // The value axis follows at the next setTimeRange(): one rescale per sample.
    void appendPoint(const QString &key, qint64 timeMs, double value);
    // The visible time range; points before fromMs are dropped.
    void setTimeRange(qint64 fromMs, qint64 toMs);
    // To be called when the chart may have scrolled into view: brings Qt
    // Charts up to date if it is in view now.
    void updateExposure();
    qsizetype pointCount(const QString &key) const; // all points of the window
    qsizetype plottedCount(const QString &key) const; // the ones drawn
    // The window's points of a series (for tests): values (unscaled) and the
    // newest time.
    QList<double> valuesOf(const QString &key) const;
    double lastTimeOf(const QString &key) const;

    static constexpr qint64 MaxPlotBuckets = 300; // two points each: about one per pixel
    QStringList seriesKeys() const { return m_order; }
    QString title() const { return m_title; }
    // The axes as drawn (for tests): the time labels' format, the value
    // labels' printf format and the value axis's top.
    QString timeAxisFormat() const;
    QString valueAxisLabelFormat() const;
    double valueAxisMax() const;
    // What the hover tooltip says for a point (also used by tests).
    QString describe(const QString &key, const QPointF &point) const;

    // No point in the window yet: the chart says "Collecting…".
    bool isCollecting() const;

    // The colours as drawn (for tests): they follow the palette.
    QColor backgroundColor() const;
    QColor labelColor() const;
    QColor seriesColor(const QString &key) const;

protected:
    void showEvent(QShowEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    void rescaleValues();
    void applyTimeAxis();
    bool isShown() const;
    void sync();
    void replot(const QString &key);
    void appendPlotted(const QString &key, const QPointF &point);
    void updateCollecting();
    void applyColors();

    QString m_title;
    Formatter m_format;
    double m_scale;
    QChart *m_chart;
    QChartView *m_view;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_valueAxis;
    QLabel *m_collecting = nullptr;
    QHash<QString, QLineSeries *> m_series;
    // The points themselves (scaled), kept here: a hidden chart (another tab)
    // does not touch Qt Charts at all, whose every append recomputes the
    // series' geometry; showEvent() hands them over in one replace().
    QHash<QString, QList<QPointF>> m_points;
    // What each QLineSeries holds while m_synced: m_points by buckets of m_bucketMs.
    QHash<QString, QList<QPointF>> m_plotted;
    qint64 m_bucketMs = 1;
    bool m_synced = true;
    QStringList m_order;
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
};

} // namespace sluice::ui
