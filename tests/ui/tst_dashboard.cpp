// The dashboard and window state against FakeService: history fills the
// charts, samples extend them, tiles turn warning or critical when their
// threshold is crossed, and the window remembers its tab.
#include "charts/timeserieschart.h"
#include "dashboardpage.h"
#include "fakeservice.h"
#include "format.h"
#include "mainwindow.h"
#include "summarytile.h"

#include <QChartView>
#include <QImage>
#include <QLabel>
#include <QLineSeries>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::testing;
using Level = ui::SummaryTile::Level;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QLineSeries *firstLine(ui::TimeSeriesChart *chart)
{
    return qobject_cast<QLineSeries *>(
        chart->findChild<QChartView *>()->chart()->series().constFirst());
}

ui::TimeSeriesChart *chartWith(const ui::DashboardPage &page, const QString &series)
{
    for (ui::TimeSeriesChart *chart : page.charts()) {
        if (chart->seriesKeys().contains(series))
            return chart;
    }
    return nullptr;
}

metrics::Sample sampleAt(qint64 timeMs, qint64 rss, int queued = 0, int succeeded = 0)
{
    metrics::Sample s;
    s.timeMs = timeMs;
    s.residentBytes = rss;
    s.openFds = 10;
    s.maxFds = 1024;
    s.diskFreeBytes = 100LL * 1024 * MiB;
    s.jobsByState = {{u"queued"_s, queued}, {u"succeeded"_s, succeeded}};
    return s;
}

// The share of the tile's pixels painted in its level's background colour.
double shareOfColour(QWidget *tile, const QColor &colour)
{
    const QImage image = tile->grab().toImage();
    qint64 hits = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x)
            hits += image.pixelColor(x, y).rgb() == colour.rgb();
    }
    return double(hits) / double(image.width() * image.height());
}

} // namespace

class tst_Dashboard : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void historyFillsChartsForTheWindow();
    void samplesExtendChartsAndOldPointsScrollOut();
    void memoryTileTurnsRedAboveBudget();
    void queueTileTurnsCriticalWhenStuck();
    void hoverDescribesPointAndImageSaves();
    void remembersLastTab();
    void hiddenChartsLeaveQtChartsAlone();
    void chartsFollowTheServiceTimeLine();
    void theHourViewHandsQtChartsFewPoints();
    void chartsScrolledOutOfViewLeaveQtChartsAlone();
    void dayAxisShowsDatesAndBigRatesNoExponent();
    void windowChangeWhilePausedIsShown();
    void aRemoteServiceKeepsItsOwnClock();
    void chartsSayCollectingAndOverlappingLinesShow();
    void throughputTileSaysInAndOutAlike();

private:
    QTemporaryDir m_settingsDir;
};

void tst_Dashboard::initTestCase()
{
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void tst_Dashboard::historyFillsChartsForTheWindow()
{
    FakeService service;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    metrics::SeriesSnapshot rss;
    for (int i = 0; i < 30; ++i)
        rss.points.append({now - 30'000 + i * 1000, double(100 * MiB + i)});
    for (int m = 0; m < 5; ++m)
        rss.minutes.append({now - (5 - m) * metrics::kMinuteMs, 1, 2, 3, 60});
    rss.minutes.append({now - 10'000, 5, 6, 70, 10}); // the open minute, 10 s old
    service.history.insert(u"resident_bytes"_s, rss);

    ui::DashboardPage page(service);
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QVERIFY(chart);
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 30);
    QCOMPARE(page.windowMs(), 5 * 60'000); // the default window

    page.setWindowIndex(4); // 24 h: each minute's lowest and highest sample
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 12);
    QCOMPARE(chart->valuesOf(u"resident_bytes"_s).count(1.0), 5);
    QCOMPARE(chart->valuesOf(u"resident_bytes"_s).count(3.0), 5);
    QVERIFY(chart->valuesOf(u"resident_bytes"_s).contains(70.0)); // a burst is not averaged away
    QVERIFY(!chart->valuesOf(u"resident_bytes"_s).contains(2.0));
    // Nothing is drawn ahead of now (the open minute's middle is 20 s ahead).
    QVERIFY(chart->lastTimeOf(u"resident_bytes"_s) <= double(QDateTime::currentMSecsSinceEpoch()));
    page.setWindowIndex(0); // 1 min: the raw points again
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 30);
    QCOMPARE(service.historyRequests, 3);
}

void tst_Dashboard::samplesExtendChartsAndOldPointsScrollOut()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.setWindowIndex(0); // one minute
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QTRY_COMPARE(service.historyRequests, 2);
    QTest::qWait(10); // the (empty) history answers
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 5; ++i)
        service.sample(sampleAt(t0 + i * 1000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 5);
    // A sample at 62 s pushes the first two (0 s and 1 s) out of the one-minute window.
    service.sample(sampleAt(t0 + 62'000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 4);
    // Paused: the chart holds still.
    page.setPaused(true);
    service.sample(sampleAt(t0 + 63'000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 4);
}

void tst_Dashboard::memoryTileTurnsRedAboveBudget()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.resize(1200, 800);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    ui::DashboardThresholds t;
    t.memoryBytes = 100 * MiB;
    page.setThresholds(t);
    ui::SummaryTile *tile = page.tile(u"memory"_s);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();

    service.sample(sampleAt(now, 60 * MiB));
    QCOMPARE(tile->level(), Level::Normal);
    QCOMPARE(tile->property("level").toString(), u"normal"_s);
    QCOMPARE(tile->value(), u"60.0 MiB"_s);
    const QColor critical = ui::SummaryTile::background(Level::Critical, tile->palette());
    QVERIFY(shareOfColour(tile, critical) < 0.05);

    service.sample(sampleAt(now + 1000, 140 * MiB));
    // Red, as the tray's notification says (issue 23).
    QCOMPARE(tile->level(), Level::Critical);
    QCOMPARE(tile->property("level").toString(), u"critical"_s);
    // Painted, not just flagged.
    QVERIFY2(shareOfColour(tile, critical) > 0.5, "the tile is not painted in its critical colour");
    // And said in words, not by colour alone (issue 23).
    QVERIFY2(tile->accessibleName().endsWith(u": critical"_s), qPrintable(tile->accessibleName()));
    QVERIFY(tile->findChildren<QLabel *>().constFirst()->text().contains(u"critical"_s));

    service.sample(sampleAt(now + 2000, 90 * MiB));
    QCOMPARE(tile->level(), Level::Normal);
    QVERIFY(!tile->accessibleName().contains(u"critical"_s));

    // Issue 23, defect 6: an unread count showed "-1" where others show a dash.
    metrics::Sample unknown = sampleAt(now + 3000, 90 * MiB);
    unknown.openFds = -1;
    service.sample(unknown);
    QCOMPARE(page.tile(u"files"_s)->value(), u"\u2014"_s);
}

void tst_Dashboard::queueTileTurnsCriticalWhenStuck()
{
    FakeService service;
    ui::DashboardPage page(service);
    ui::DashboardThresholds t;
    t.queueStuckMs = 60'000;
    page.setThresholds(t);
    ui::SummaryTile *queue = page.tile(u"queue"_s);
    const qint64 t0 = 1'700'000'000'000;

    service.sample(sampleAt(t0, MiB, 3, 10));
    QCOMPARE(queue->level(), Level::Normal);
    service.sample(sampleAt(t0 + 59'000, MiB, 3, 10));
    QCOMPARE(queue->level(), Level::Normal);
    service.sample(sampleAt(t0 + 61'000, MiB, 3, 10)); // queued, nothing finished for 61 s
    QCOMPARE(queue->level(), Level::Critical);
    QVERIFY(queue->detail().contains(u"nothing finished"_s));
    service.sample(sampleAt(t0 + 62'000, MiB, 3, 11)); // one finished
    QCOMPARE(queue->level(), Level::Normal);
    service.sample(sampleAt(t0 + 200'000, MiB, 0, 11)); // an empty queue is never stuck
    QCOMPARE(queue->level(), Level::Normal);
}

void tst_Dashboard::hoverDescribesPointAndImageSaves()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.resize(1000, 700);
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    // The chart holds MiB on its axis; the tooltip shows the exact value.
    const QDateTime at = QDateTime::fromString(u"2026-01-02T10:20:30"_s, Qt::ISODate);
    QCOMPARE(chart->describe(u"resident_bytes"_s, QPointF(double(at.toMSecsSinceEpoch()), 1.5)),
             u"RSS at 10:20:30: 1.50 MiB"_s);
    QTemporaryDir dir;
    const QString path = dir.filePath(u"charts.png"_s);
    QVERIFY(page.saveImage(path));
    const QImage image(path);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 100 && image.height() > 100);
}

void tst_Dashboard::remembersLastTab()
{
    FakeService service;
    {
        ui::MainWindow window(service);
        QCOMPARE(window.tabs()->count(), 6);
        window.tabs()->setCurrentIndex(4);
        window.close();
    }
    ui::MainWindow again(service);
    QCOMPARE(again.tabs()->currentIndex(), 4);
    QCOMPARE(again.tabs()->tabText(4).remove(u'&'), u"Limits"_s);
    // Ctrl+2 goes to Jobs.
    again.show();
    QVERIFY(QTest::qWaitForWindowActive(&again));
    QTest::keyClick(&again, Qt::Key_2, Qt::ControlModifier);
    QCOMPARE(again.tabs()->currentIndex(), 1);
}

// While another tab is shown, samples go into the chart's own lists only:
// every QLineSeries::append used to recompute the hidden series' geometry,
// the largest GUI cost while the Jobs tab was up. Shown again, the chart
// gets everything in one replace() per series.
void tst_Dashboard::hiddenChartsLeaveQtChartsAlone()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.setWindowIndex(0);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QVERIFY(chart);
    QTRY_COMPARE(service.historyRequests, 2);
    auto *series = qobject_cast<QLineSeries *>(
        chart->findChild<QChartView *>()->chart()->series().constFirst());
    QVERIFY(series);
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
    service.sample(sampleAt(t0, 50 * MiB));
    QCOMPARE(series->count(), 1); // shown: straight in

    page.hide();
    QSignalSpy added(series, &QXYSeries::pointAdded);
    QSignalSpy removed(series, &QXYSeries::pointsRemoved);
    for (int i = 1; i <= 70; ++i) // past the one-minute window: some scroll out
        service.sample(sampleAt(t0 + i * 1000, 50 * MiB));
    QCOMPARE(added.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(series->count(), 1);
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 61); // 10 s .. 70 s

    QSignalSpy replaced(series, &QXYSeries::pointsReplaced);
    page.show();
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(series->count(), 61);
    QCOMPARE(series->at(0).x(), double(t0 + 10'000));
}

// Issue 23, defect 4: after the wall clock was set back an hour, the
// service's sample times run an hour ahead of it (they never go back, see
// metrics::SampleClock). The dashboard asked for history since "wall clock
// minus the window", an hour of the past, and ignored every sample at or
// before the newest it had seen. It follows the service's time line.
void tst_Dashboard::chartsFollowTheServiceTimeLine()
{
    FakeService service;
    const qint64 ahead = QDateTime::currentMSecsSinceEpoch() + 3'600'000;
    service.sample(sampleAt(ahead, 50 * MiB));
    metrics::SeriesSnapshot rss;
    for (int i = 0; i < 30; ++i)
        rss.points.append({ahead - 29'000 + i * 1000, double(50 * MiB)});
    service.history.insert(u"resident_bytes"_s, rss);
    QSignalSpy asked(&service, &service::ServiceFacade::historyReady);

    ui::DashboardPage page(service);
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QVERIFY(asked.wait(5000));
    QCOMPARE(asked.first().at(0).toLongLong(), ahead - page.windowMs());
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 30);
    service.sample(sampleAt(ahead + 1000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 31);

    // A service started again begins a time line behind it: the dashboard
    // takes it up at once instead of ignoring it for an hour.
    const int before = service.historyRequests;
    service.history.clear();
    service.sample(sampleAt(ahead - 3'600'000, 50 * MiB));
    QCOMPARE(service.historyRequests, before + 1);
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 0);
    service.sample(sampleAt(ahead - 3'599'000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 1);
}

// Issue 23, defect 5: on the "Last hour" view each chart handed Qt Charts
// all 3,600 points of each series, and Qt Charts recomputes a series' whole
// geometry on every append, removal and axis move: 98 ms per sample. The
// chart now holds the lowest and highest point of at most MaxPlotBuckets
// time buckets (a one-second spike still shows), and a sample touches at
// most two of them.
void tst_Dashboard::theHourViewHandsQtChartsFewPoints()
{
    FakeService service;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    metrics::SeriesSnapshot rss;
    for (int i = 0; i < 3600; ++i)
        rss.points.append({now - 3'599'000 + i * 1000, double((i == 1800 ? 900 : 100) * MiB)});
    service.history.insert(u"resident_bytes"_s, rss);
    ui::DashboardPage page(service);
    page.resize(1000, 700);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QLineSeries *series = firstLine(chart);
    page.setWindowIndex(3); // the last hour
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 3600);
    constexpr qsizetype MaxPlotted = 2 * ui::TimeSeriesChart::MaxPlotBuckets;
    QVERIFY2(series->count() <= MaxPlotted, qPrintable(QString::number(series->count())));
    double max = 0;
    for (const QPointF &p : series->points())
        max = std::max(max, p.y());
    QCOMPARE(max, 900.0); // MiB on the axis: the spike is there

    QSignalSpy added(series, &QXYSeries::pointAdded);
    QSignalSpy replacedOne(series, &QXYSeries::pointReplaced);
    QSignalSpy replacedAll(series, &QXYSeries::pointsReplaced);
    QSignalSpy removed(series, &QXYSeries::pointsRemoved);
    for (int i = 1; i <= 20; ++i) {
        const int touchedBefore = int(added.count() + replacedOne.count());
        service.sample(sampleAt(now + i * 1000, 100 * MiB));
        QVERIFY(added.count() + replacedOne.count() - touchedBefore <= 2);
    }
    QCOMPARE(replacedAll.count(), 0);
    // 20 in, 19 scrolled out: the window holds the points at both its ends.
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 3601);
    QVERIFY(series->count() <= MaxPlotted);
}

// Issue 23, defect 5: a chart scrolled out of the dashboard's scroll area
// was drawn into like a visible one. It keeps its points to itself until it
// is scrolled into view, then hands them over in one replace().
void tst_Dashboard::chartsScrolledOutOfViewLeaveQtChartsAlone()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.setWindowIndex(0);
    page.resize(1000, 480);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_COMPARE(service.historyRequests, 2);
    ui::TimeSeriesChart *top = chartWith(page, u"resident_bytes"_s);
    ui::TimeSeriesChart *bottom = chartWith(page, u"connections"_s);
    auto *scroll = page.findChild<QScrollArea *>();
    QVERIFY(scroll);
    QVERIFY2(bottom->mapTo(scroll->viewport(), QPoint(0, 0)).y() >= scroll->viewport()->height(),
             "the last chart row should start below the scroll area's view");
    QLineSeries *shown = firstLine(top);
    QLineSeries *scrolledOut = firstLine(bottom);
    QSignalSpy shownAdded(shown, &QXYSeries::pointAdded);
    QSignalSpy outAdded(scrolledOut, &QXYSeries::pointAdded);
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch();
    for (int i = 0; i < 5; ++i)
        service.sample(sampleAt(t0 + i * 1000, 50 * MiB));
    QCOMPARE(shownAdded.count(), 5);
    QCOMPARE(outAdded.count(), 0);
    QCOMPARE(bottom->pointCount(u"connections"_s), 5);

    QSignalSpy replaced(scrolledOut, &QXYSeries::pointsReplaced);
    scroll->verticalScrollBar()->setValue(scroll->verticalScrollBar()->maximum());
    QCOMPARE(replaced.count(), 1);
    QCOMPARE(scrolledOut->count(), 5);
    service.sample(sampleAt(t0 + 5000, 50 * MiB));
    QCOMPARE(outAdded.count(), 1); // in view: one by one again
}

void tst_Dashboard::dayAxisShowsDatesAndBigRatesNoExponent()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.resize(1000, 900);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    page.setWindowIndex(0); // one minute
    ui::TimeSeriesChart *rates = chartWith(page, u"rows_per_second"_s);
    QVERIFY(rates);
    QTRY_COMPARE(service.historyRequests, 2);
    QTest::qWait(10); // the (empty) history answers
    QCOMPARE(rates->timeAxisFormat(), u"HH:mm:ss"_s);
    metrics::Sample s = sampleAt(QDateTime::currentMSecsSinceEpoch(), 50 * MiB);
    s.rowsPerSecond = 1'200'000;
    service.sample(s);
    QVERIFY(rates->valueAxisMax() >= 1'200'000);
    const QString label
        = QString::asprintf(qPrintable(rates->valueAxisLabelFormat()), rates->valueAxisMax());
    QVERIFY2(!label.contains(u'e'), qPrintable(label));
    QCOMPARE(label, QString::number(qint64(rates->valueAxisMax())));

    page.setWindowIndex(3); // one hour
    QTRY_COMPARE(rates->timeAxisFormat(), u"HH:mm"_s);
    page.setWindowIndex(4); // 24 h: its ends are the same time of day
    QTRY_VERIFY(rates->timeAxisFormat().contains(u"MMM"_s));
}

void tst_Dashboard::windowChangeWhilePausedIsShown()
{
    FakeService service;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    metrics::SeriesSnapshot rss;
    for (int i = 0; i < 30; ++i)
        rss.points.append({now - 30'000 + i * 1000, double(100 * MiB)});
    for (int m = 0; m < 4; ++m)
        rss.minutes.append({now - (5 - m) * metrics::kMinuteMs, 1, 2, 3, 60});
    service.history.insert(u"resident_bytes"_s, rss);
    ui::DashboardPage page(service);
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 30);
    page.setPaused(true);
    page.setWindowIndex(4);
    QTRY_COMPARE(chart->pointCount(u"resident_bytes"_s), 8);
    // Still paused: samples do not move it.
    service.sample(sampleAt(now + 1000, 100 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 8);
}

// A remote service whose clock is 10 minutes behind this computer's: the
// window asks for, and shows, the last minutes of its time line, not of ours.
void tst_Dashboard::aRemoteServiceKeepsItsOwnClock()
{
    FakeService service;
    service.remote = true;
    const qint64 serverNow = QDateTime::currentMSecsSinceEpoch() - 10 * 60'000;
    service.sample(sampleAt(serverNow, 50 * MiB));
    ui::DashboardPage page(service);
    page.setWindowIndex(0); // one minute
    QSignalSpy answers(&service, &service::ServiceFacade::historyReady);
    QVERIFY(answers.wait(1'000));
    const qint64 since = answers.last().at(0).toLongLong();
    QVERIFY2(since >= serverNow - 61'000 && since <= serverNow,
             qPrintable(QString::number(since - serverNow)));
    // Its samples stay in the window.
    ui::TimeSeriesChart *chart = chartWith(page, u"resident_bytes"_s);
    service.sample(sampleAt(serverNow + 1000, 50 * MiB));
    service.sample(sampleAt(serverNow + 2000, 50 * MiB));
    QCOMPARE(chart->pointCount(u"resident_bytes"_s), 2);
    page.setWindowIndex(1); // five minutes, ending at the newest sample
    QVERIFY(answers.wait(1'000));
    const qint64 since5 = answers.last().at(0).toLongLong();
    QVERIFY2(std::abs(since5 - (serverNow + 2000 - page.windowMs())) < 1000,
             qPrintable(QString::number(since5 - (serverNow + 2000 - page.windowMs()))));
}

void tst_Dashboard::chartsSayCollectingAndOverlappingLinesShow()
{
    FakeService service;
    ui::DashboardPage page(service);
    page.setWindowIndex(0);
    QTRY_COMPARE(service.historyRequests, 2);
    QTest::qWait(10); // the (empty) history answers
    ui::TimeSeriesChart *age = chartWith(page, u"oldest_queued_age_seconds"_s);
    QVERIFY(age->isCollecting());
    QVERIFY(!age->findChild<QLabel *>(u"collectingLabel"_s)->isHidden());
    service.sample(sampleAt(QDateTime::currentMSecsSinceEpoch(), 50 * MiB));
    QVERIFY(!age->isCollecting());
    QVERIFY(age->findChild<QLabel *>(u"collectingLabel"_s)->isHidden());
    // Oldest queued and longest running are often equal: the second is
    // dashed, so the first still shows beneath it.
    const auto lines = age->findChild<QChartView *>()->chart()->series();
    QCOMPARE(lines.size(), 2);
    QCOMPARE(qobject_cast<QLineSeries *>(lines.at(0))->pen().style(), Qt::SolidLine);
    QVERIFY(qobject_cast<QLineSeries *>(lines.at(1))->pen().style() != Qt::SolidLine);
}

void tst_Dashboard::throughputTileSaysInAndOutAlike()
{
    FakeService service;
    ui::DashboardPage page(service);
    metrics::Sample s = sampleAt(QDateTime::currentMSecsSinceEpoch(), 50 * MiB);
    s.bytesInPerSecond = 2 * MiB;
    s.bytesOutPerSecond = 512 * 1024;
    s.requestsPerSecond = 12;
    service.sample(s);
    auto *tile = page.findChild<ui::SummaryTile *>(u"trafficTile"_s);
    QVERIFY(tile);
    QCOMPARE(tile->value(),
             u"in %1\nout %2"_s.arg(ui::formatRate(2.0 * MiB), ui::formatRate(512.0 * 1024)));
    QCOMPARE(tile->detail(), u"12 requests answered/s"_s);
}

QTEST_MAIN(tst_Dashboard)
#include "tst_dashboard.moc"
