#include "dashboardpage.h"

#include "charts/timeserieschart.h"
#include "format.h"

#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

struct Window
{
    const char *label;
    qint64 ms;
};
constexpr Window kWindows[] = {
    {QT_TRANSLATE_NOOP("sluice::ui::DashboardPage", "Last minute"), 60'000},
    {QT_TRANSLATE_NOOP("sluice::ui::DashboardPage", "Last 5 minutes"), 5 * 60'000},
    {QT_TRANSLATE_NOOP("sluice::ui::DashboardPage", "Last 15 minutes"), 15 * 60'000},
    {QT_TRANSLATE_NOOP("sluice::ui::DashboardPage", "Last hour"), 60 * 60'000},
    {QT_TRANSLATE_NOOP("sluice::ui::DashboardPage", "Last 24 hours"), 24 * 60 * 60'000},
};
constexpr int kDayWindow = 4;

const auto kSettingsOrganization = u"Sluice"_s;
const auto kSettingsApplication = u"sluice"_s;

QString seconds(double s)
{
    return formatDuration(qint64(s * 1000));
}

} // namespace

DashboardThresholds DashboardThresholds::load()
{
    const QSettings settings(kSettingsOrganization, kSettingsApplication);
    DashboardThresholds t;
    t.memoryBytes = settings.value(u"dashboard/memoryBytes"_s, t.memoryBytes).toLongLong();
    t.openFilesPercent
        = settings.value(u"dashboard/openFilesPercent"_s, t.openFilesPercent).toInt();
    t.queueStuckMs = settings.value(u"dashboard/queueStuckMs"_s, t.queueStuckMs).toLongLong();
    t.oldestQueuedMs = settings.value(u"dashboard/oldestQueuedMs"_s, t.oldestQueuedMs).toLongLong();
    return t;
}

void DashboardThresholds::save() const
{
    QSettings settings(kSettingsOrganization, kSettingsApplication);
    settings.setValue(u"dashboard/memoryBytes"_s, memoryBytes);
    settings.setValue(u"dashboard/openFilesPercent"_s, openFilesPercent);
    settings.setValue(u"dashboard/queueStuckMs"_s, queueStuckMs);
    settings.setValue(u"dashboard/oldestQueuedMs"_s, oldestQueuedMs);
}

DashboardPage::DashboardPage(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_thresholds(DashboardThresholds::load())
    , m_window(new QComboBox)
    , m_pause(new QPushButton(tr("&Pause")))
    , m_chartArea(new QWidget)
    , m_chartGrid(new QGridLayout(m_chartArea))
    , m_dayRefresh(new QTimer(this))
{
    m_window->setObjectName(u"windowSelector"_s);
    m_window->setAccessibleName(tr("Time window"));
    for (const Window &w : kWindows)
        m_window->addItem(tr(w.label), w.ms);
    m_window->setCurrentIndex(1);
    m_pause->setObjectName(u"pauseButton"_s);
    m_pause->setCheckable(true);
    m_pause->setToolTip(tr("Freeze the charts; the tiles keep updating"));
    auto save = new QPushButton(tr("Save as PNG\u2026"));
    save->setObjectName(u"saveChartsButton"_s);
    auto thresholds = new QPushButton(tr("Thresholds\u2026"));
    thresholds->setObjectName(u"thresholdsButton"_s);

    auto toolbar = new QHBoxLayout;
    auto show = new QLabel(tr("Sho&w:"));
    show->setBuddy(m_window);
    toolbar->addWidget(show);
    toolbar->addWidget(m_window);
    toolbar->addWidget(m_pause);
    toolbar->addStretch();
    toolbar->addWidget(thresholds);
    toolbar->addWidget(save);

    auto tiles = new QWidget;
    m_tileRow = new QHBoxLayout(tiles);
    m_tileRow->setContentsMargins({});
    addTile(u"memory"_s, tr("Resident memory"));
    addTile(u"files"_s, tr("Open files"));
    addTile(u"temp"_s, tr("Temp files"));
    addTile(u"queue"_s, tr("Job queue"));
    addTile(u"age"_s, tr("Oldest queued job"));
    addTile(u"traffic"_s, tr("Throughput"));
    addTile(u"connections"_s, tr("Connections"));
    addTile(u"disk"_s, tr("Free disk"));

    const auto bytes = [](double v) {
        return formatBytes(v);
    };
    const auto rate = [](double v) {
        return formatRate(v);
    };
    const auto count = [](double v) {
        return formatCount(v);
    };
    constexpr double MiB = 1024.0 * 1024.0;
    addChart(tr("Resident memory"), {{u"resident_bytes"_s, tr("RSS")}}, bytes, MiB, u"MiB"_s);
    addChart(tr("Temp files and results on disk"),
             {{u"temp_bytes"_s, tr("Temp files")}, {u"result_bytes"_s, tr("Job results")}}, bytes,
             MiB, u"MiB"_s);
    // The limit is in the tile: drawn here (often 1,024 to 1,048,576) it would flatten the line.
    addChart(tr("Open files"), {{u"open_fds"_s, tr("Open files")}}, count);
    addChart(tr("Job queue by state"),
             {{u"jobs_queued"_s, tr("Queued")},
              {u"jobs_running"_s, tr("Running")},
              {u"jobs_failed"_s, tr("Failed")}},
             count);
    addChart(tr("Job age"),
             {{u"oldest_queued_age_seconds"_s, tr("Oldest queued")},
              {u"longest_running_seconds"_s, tr("Longest running")}},
             seconds, 1, u"s"_s);
    addChart(tr("Throughput"),
             {{u"bytes_in_per_second"_s, tr("In")}, {u"bytes_out_per_second"_s, tr("Out")}}, rate,
             MiB, u"MiB/s"_s);
    addChart(tr("Requests and rows per second"),
             {{u"requests_per_second"_s, tr("Requests/s")}, {u"rows_per_second"_s, tr("Rows/s")}},
             count);
    addChart(tr("In flight"),
             {{u"connections"_s, tr("Connections")},
              {u"requests_in_flight"_s, tr("Requests")},
              {u"uploads_in_flight"_s, tr("Uploads")},
              {u"exports_in_flight"_s, tr("Exports")}},
             count);

    auto scroll = new QScrollArea;
    scroll->setObjectName(u"chartsArea"_s);
    // The charts take no focus: here the arrow keys and Page Down scroll them.
    scroll->setAccessibleName(tr("Charts"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(m_chartArea);
    // Charts scrolled out of view leave Qt Charts alone; scrolled in, they catch up.
    const auto exposeCharts = [this] {
        for (TimeSeriesChart *chart : std::as_const(m_charts))
            chart->updateExposure();
    };
    connect(scroll->verticalScrollBar(), &QScrollBar::valueChanged, this, exposeCharts);
    connect(scroll->verticalScrollBar(), &QScrollBar::rangeChanged, this, exposeCharts);

    auto layout = new QVBoxLayout(this);
    layout->addLayout(toolbar);
    layout->addWidget(tiles);
    layout->addWidget(scroll, 1);

    connect(m_window, &QComboBox::currentIndexChanged, this, [this] { requestHistory(); });
    connect(m_pause, &QPushButton::toggled, this, &DashboardPage::setPaused);
    connect(save, &QPushButton::clicked, this, [this] {
        const QString dir = QStandardPaths::writableLocation(QStandardPaths::PicturesLocation);
        const QString name
            = u"sluice-%1.png"_s.arg(QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmmss"_s));
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Save charts"), dir + u'/' + name, tr("PNG images (*.png)"));
        if (!path.isEmpty())
            saveImage(path);
    });
    connect(thresholds, &QPushButton::clicked, this, &DashboardPage::editThresholds);
    connect(&m_service, &service::ServiceFacade::metricsSampled, this, &DashboardPage::onSample);
    connect(&m_service, &service::ServiceFacade::historyReady, this, &DashboardPage::onHistory);
    m_dayRefresh->setInterval(std::chrono::minutes(1));
    connect(m_dayRefresh, &QTimer::timeout, this, [this] {
        if (!m_paused)
            requestHistory();
    });

    updateTiles(m_service.latestSample());
    requestHistory();
}

SummaryTile *DashboardPage::addTile(const QString &name, const QString &title)
{
    auto tile = new SummaryTile(title);
    tile->setObjectName(name + u"Tile"_s);
    m_tileRow->addWidget(tile, 1);
    m_tiles.insert(name, tile);
    connect(tile, &SummaryTile::levelChanged, this, [this, name, tile](SummaryTile::Level level) {
        const QString what = tile->detail().isEmpty()
            ? tile->value()
            : tr("%1, %2").arg(tile->value(), tile->detail());
        emit tileLevelChanged(name, tile->title(), level, what, tile->toolTip());
    });
    return tile;
}

TimeSeriesChart *DashboardPage::addChart(const QString &title,
                                         const QList<QPair<QString, QString>> &series,
                                         std::function<QString(double)> format, double scale,
                                         const QString &unit)
{
    auto chart = new TimeSeriesChart(title, std::move(format), scale, unit);
    chart->setObjectName(series.first().first + u"Chart"_s);
    // Blue, orange, red (third: "failed" in the queue chart), green, purple: ui/palette.cpp.
    for (const auto &[key, label] : series)
        chart->addSeries(key, label);
    const int index = int(m_charts.size());
    m_chartGrid->addWidget(chart, index / 2, index % 2);
    m_charts.append(chart);
    return chart;
}

qint64 DashboardPage::windowMs() const
{
    return m_window->currentData().toLongLong();
}

bool DashboardPage::isDayView() const
{
    return m_window->currentIndex() == kDayWindow;
}

void DashboardPage::setWindowIndex(int index)
{
    m_window->setCurrentIndex(index);
}

void DashboardPage::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("&Resume") : tr("&Pause"));
    if (!paused)
        requestHistory(); // fill what was missed while paused
}

// "Now" on the time line of the history keys: the newest sample's time, which
// runs ahead of the wall clock after the clock was set back (and so must not
// be replaced by it, or the window would show a stretch of the past), or
// the wall clock when that is later (no sample for a while).
//
// A remote service's time line is its own clock, which this computer's may
// be ahead of: there the newest sample's time plus the time since it came.
qint64 DashboardPage::timeLineNowMs() const
{
    const qint64 sampled = std::max(m_lastSampleMs, m_service.latestSample().timeMs);
    if (m_service.isRemote() && sampled > 0)
        return sampled + (m_sampleArrived.isValid() ? m_sampleArrived.elapsed() : 0);
    return std::max(QDateTime::currentMSecsSinceEpoch(), sampled);
}

void DashboardPage::requestHistory()
{
    if (isDayView())
        m_dayRefresh->start();
    else
        m_dayRefresh->stop();
    QStringList names;
    for (const TimeSeriesChart *chart : std::as_const(m_charts))
        names += chart->seriesKeys();
    m_pendingSince = timeLineNowMs() - windowMs();
    m_service.requestHistory(m_pendingSince, names);
}

void DashboardPage::onHistory(qint64 sinceMs, const service::HistorySnapshot &history)
{
    // Paused holds the live samples still, not the operator's own request
    // for another window (issue 23, defect 7).
    if (sinceMs != m_pendingSince)
        return; // an answer to an older request
    m_pendingSince = -1;
    const bool day = isDayView();
    const qint64 now = timeLineNowMs();
    for (TimeSeriesChart *chart : std::as_const(m_charts)) {
        for (const QString &key : chart->seriesKeys()) {
            QList<QPointF> points;
            const metrics::SeriesSnapshot snapshot = history.value(key);
            if (day) {
                // Each minute as its lowest and its highest sample, so that a
                // burst of a few seconds still shows in a day; the open
                // minute's points never lie ahead of now.
                points.reserve(2 * snapshot.minutes.size());
                for (const metrics::AggregatePoint &m : snapshot.minutes) {
                    const auto at = [&](qint64 offset) {
                        return double(std::min(m.minuteStartMs + offset, now));
                    };
                    points.append({at(metrics::kMinuteMs / 3), m.min});
                    points.append({at(2 * metrics::kMinuteMs / 3), m.max});
                }
            } else {
                points.reserve(snapshot.points.size());
                for (const metrics::MetricPoint &p : snapshot.points)
                    points.append({double(p.timeMs), p.value});
            }
            chart->setPoints(key, points);
        }
        chart->setTimeRange(now - windowMs(), now);
    }
}

void DashboardPage::onSample(const metrics::Sample &sample)
{
    m_sampleArrived.start();
    updateTiles(sample);
    if (m_paused || sample.timeMs == m_lastSampleMs)
        return;
    if (sample.timeMs < m_lastSampleMs) {
        // The service's time line never goes back (metrics::SampleClock), but
        // another one may start behind it (a restarted service after the wall
        // clock was set back): take it up rather than wait for it to catch up.
        m_lastSampleMs = sample.timeMs;
        requestHistory();
        return;
    }
    m_lastSampleMs = sample.timeMs;
    // A sample that races a history answer is in that answer or newer: both
    // orders end up with the same points, as long as it is not appended twice.
    const QHash<QString, double> values = sample.series();
    const bool day = isDayView();
    for (TimeSeriesChart *chart : std::as_const(m_charts)) {
        if (!day) {
            for (const QString &key : chart->seriesKeys()) {
                const auto it = values.constFind(key);
                if (it != values.cend())
                    chart->appendPoint(key, sample.timeMs, *it);
            }
        }
        chart->setTimeRange(sample.timeMs - windowMs(), sample.timeMs);
    }
}

void DashboardPage::setThresholds(const DashboardThresholds &thresholds)
{
    m_thresholds = thresholds;
    updateTiles(m_service.latestSample());
}

void DashboardPage::updateTiles(const metrics::Sample &s)
{
    using Level = SummaryTile::Level;
    const DashboardThresholds &t = m_thresholds;
    const config::Limits limits = m_service.limits();

    SummaryTile *memory = m_tiles.value(u"memory"_s);
    memory->setValue(formatBytes(double(s.residentBytes)),
                     tr("budget %1").arg(formatBytes(double(t.memoryBytes))));
    memory->setLevel(s.residentBytes > t.memoryBytes ? Level::Critical : Level::Normal,
                     tr("Critical above the memory budget set under Thresholds."));

    SummaryTile *files = m_tiles.value(u"files"_s);
    // -1: not read (no /proc): a dash, as the other tiles show an unknown.
    files->setValue(s.openFds >= 0 ? formatCount(double(s.openFds)) : u"\u2014"_s,
                    s.maxFds > 0 ? tr("of %1").arg(formatCount(double(s.maxFds))) : QString());
    const bool fdsHigh = s.maxFds > 0 && s.openFds * 100 > s.maxFds * t.openFilesPercent;
    files->setLevel(fdsHigh ? Level::Warning : Level::Normal,
                    tr("Warns above %1% of the file descriptor limit.").arg(t.openFilesPercent));

    m_tiles.value(u"temp"_s)->setValue(
        formatCount(double(s.tempFiles)),
        tr("%1; results %2")
            .arg(formatBytes(double(s.tempBytes)), formatBytes(double(s.resultBytes))));

    // Stuck: work waits and nothing has finished for a while.
    const int queued = s.jobsByState.value(u"queued"_s);
    const qint64 finished = s.jobsByState.value(u"succeeded"_s) + s.jobsByState.value(u"failed"_s)
        + s.jobsByState.value(u"cancelled"_s) + s.jobsByState.value(u"expired"_s);
    const qint64 now = s.timeMs > 0 ? s.timeMs : QDateTime::currentMSecsSinceEpoch();
    if (finished != m_finishedCount || queued == 0) {
        m_finishedCount = finished;
        m_lastProgressMs = now;
    }
    const qint64 stalledMs = now - m_lastProgressMs;
    const bool stuck = queued > 0 && stalledMs >= t.queueStuckMs;
    SummaryTile *queue = m_tiles.value(u"queue"_s);
    queue->setValue(tr("%1 queued").arg(formatCount(queued)),
                    stuck ? tr("nothing finished for %1").arg(formatDuration(stalledMs))
                          : tr("%1 running").arg(s.jobsRunning));
    queue->setLevel(stuck ? Level::Critical : Level::Normal,
                    tr("Critical when jobs wait and none has finished for %1.")
                        .arg(formatDuration(t.queueStuckMs)));

    SummaryTile *age = m_tiles.value(u"age"_s);
    age->setValue(queued > 0 ? formatDuration(s.oldestQueuedAgeMs) : tr("none"),
                  tr("longest running %1").arg(formatDuration(s.longestRunningMs)));
    const bool overRuntime = s.longestRunningMs > limits.jobMaxRuntimeMs;
    age->setLevel(overRuntime                                  ? Level::Critical
                      : s.oldestQueuedAgeMs > t.oldestQueuedMs ? Level::Warning
                                                               : Level::Normal,
                  tr("Warns when a job has waited longer than %1; critical when one runs "
                     "longer than job_max_runtime_ms.")
                      .arg(formatDuration(t.oldestQueuedMs)));

    // In and out alike, in words; the request rate counts answers given.
    m_tiles.value(u"traffic"_s)
        ->setValue(tr("in %1\nout %2")
                       .arg(formatRate(s.bytesInPerSecond), formatRate(s.bytesOutPerSecond)),
                   tr("%1 requests answered/s").arg(formatCount(s.requestsPerSecond)));

    SummaryTile *connections = m_tiles.value(u"connections"_s);
    connections->setValue(formatCount(s.connections),
                          tr("%1 requests in flight").arg(s.requestsInFlight));
    connections->setLevel(s.connections * 10 >= limits.maxConnections * 9 ? Level::Warning
                                                                          : Level::Normal,
                          tr("Warns at 90% of max_connections."));

    SummaryTile *disk = m_tiles.value(u"disk"_s);
    disk->setValue(formatBytes(double(s.diskFreeBytes)),
                   tr("minimum %1").arg(formatBytes(double(limits.minFreeDiskBytes))));
    disk->setLevel(s.diskFreeBytes >= 0 && s.diskFreeBytes < limits.minFreeDiskBytes
                       ? Level::Critical
                       : Level::Normal,
                   tr("Critical below min_free_disk_bytes: the service stops being ready."));
}

bool DashboardPage::saveImage(const QString &path)
{
    return m_chartArea->grab().save(path, "PNG");
}

void DashboardPage::editThresholds()
{
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Dashboard thresholds"));
    auto form = new QFormLayout(&dialog);
    auto memory = new QSpinBox;
    memory->setRange(16, 1024 * 1024);
    memory->setSuffix(u" MiB"_s);
    memory->setValue(int(m_thresholds.memoryBytes / (1024 * 1024)));
    form->addRow(tr("Memory budget:"), memory);
    auto fds = new QSpinBox;
    fds->setRange(10, 100);
    fds->setSuffix(u" %"_s);
    fds->setValue(m_thresholds.openFilesPercent);
    form->addRow(tr("Open files warning at:"), fds);
    auto stuck = new QSpinBox;
    stuck->setRange(1, 24 * 60);
    stuck->setSuffix(tr(" min"));
    stuck->setValue(int(m_thresholds.queueStuckMs / 60'000));
    form->addRow(tr("Queue stuck after:"), stuck);
    auto oldest = new QSpinBox;
    oldest->setRange(1, 7 * 24 * 60);
    oldest->setSuffix(tr(" min"));
    oldest->setValue(int(m_thresholds.oldestQueuedMs / 60'000));
    form->addRow(tr("Oldest queued job warning after:"), oldest);
    // A screen reader says each field's label.
    for (QSpinBox *field : {memory, fds, stuck, oldest}) {
        if (auto label = qobject_cast<QLabel *>(form->labelForField(field)))
            label->setBuddy(field);
    }
    auto buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted)
        return;
    DashboardThresholds t;
    t.memoryBytes = qint64(memory->value()) * 1024 * 1024;
    t.openFilesPercent = fds->value();
    t.queueStuckMs = qint64(stuck->value()) * 60'000;
    t.oldestQueuedMs = qint64(oldest->value()) * 60'000;
    t.save();
    setThresholds(t);
}

} // namespace sluice::ui
