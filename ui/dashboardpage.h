#pragma once

#include "service/servicefacade.h"
#include "summarytile.h"

#include <QElapsedTimer>
#include <QHash>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QHBoxLayout;
class QGridLayout;
class QPushButton;
class QTimer;
QT_END_NAMESPACE

namespace sluice::ui {

class TimeSeriesChart;

// When the summary tiles turn warning (or critical). Kept in QSettings.
struct DashboardThresholds
{
    qint64 memoryBytes = 1024LL * 1024 * 1024; // resident memory budget
    int openFilesPercent = 80; // of the process's file descriptor limit
    qint64 queueStuckMs = 5 * 60'000; // jobs queued and none finished for this long
    qint64 oldestQueuedMs = 10 * 60'000; // a job waiting longer than this

    static DashboardThresholds load();
    void save() const;
    bool operator==(const DashboardThresholds &) const = default;
};

// Live charts on one time axis, summary tiles, a window selector (1, 5, 15,
// 60 minutes from the 1 Hz history, 24 hours from the per-minute history),
// pause and save as PNG. Fed by metricsSampled; history comes by request.
class DashboardPage final : public QWidget
{
    Q_OBJECT
public:
    explicit DashboardPage(service::ServiceFacade &service, QWidget *parent = nullptr);

    void setThresholds(const DashboardThresholds &thresholds);
    const DashboardThresholds &thresholds() const { return m_thresholds; }
    qint64 windowMs() const;
    void setWindowIndex(int index); // 0: 1 min, 1: 5 min, 2: 15 min, 3: 60 min, 4: 24 h
    void setPaused(bool paused);
    bool isPaused() const { return m_paused; }
    bool saveImage(const QString &path);
    QList<TimeSeriesChart *> charts() const { return m_charts; }
    SummaryTile *tile(const QString &name) const { return m_tiles.value(name); }

signals:
    // A tile's level changed: `what` is its value and detail as shown
    // ("512.0 MiB, minimum 1.0 GiB"), `why` the threshold it crossed.
    void tileLevelChanged(const QString &name, const QString &title,
                          sluice::ui::SummaryTile::Level level, const QString &what,
                          const QString &why);

private:
    TimeSeriesChart *addChart(const QString &title, const QList<QPair<QString, QString>> &series,
                              std::function<QString(double)> format, double scale = 1,
                              const QString &unit = {});
    SummaryTile *addTile(const QString &name, const QString &title);
    void requestHistory();
    void onHistory(qint64 sinceMs, const service::HistorySnapshot &history);
    void onSample(const metrics::Sample &sample);
    void updateTiles(const metrics::Sample &sample);
    void editThresholds();
    bool isDayView() const;
    qint64 timeLineNowMs() const;

    service::ServiceFacade &m_service;
    DashboardThresholds m_thresholds;
    QComboBox *m_window;
    QPushButton *m_pause;
    QWidget *m_chartArea;
    QGridLayout *m_chartGrid;
    QHBoxLayout *m_tileRow = nullptr;
    QList<TimeSeriesChart *> m_charts;
    QHash<QString, SummaryTile *> m_tiles;
    QTimer *m_dayRefresh; // the 24 h view: per-minute history, re-read each minute
    qint64 m_pendingSince = -1; // the history request whose answer is awaited
    qint64 m_lastSampleMs = 0;
    QElapsedTimer m_sampleArrived; // since the newest sample came (a remote service's clock)
    bool m_paused = false;
    // Queue progress, for "stuck": the finished-job count and when it last moved.
    qint64 m_finishedCount = -1;
    qint64 m_lastProgressMs = 0;
};

} // namespace sluice::ui
