// Issue 23: the notifications the tray shows. A tile turning red is told
// once per crossing, not once per sample; jobs that failed for good are told
// once each, several together in one notification.
#include "alertnotifier.h"
#include "dashboardpage.h"
#include "fakeservice.h"
#include "mainwindow.h"

#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using sluice::testing::FakeService;

namespace {

constexpr qint64 MiB = 1024 * 1024;

metrics::Sample sampleAt(qint64 timeMs, qint64 diskFree)
{
    metrics::Sample s;
    s.timeMs = timeMs;
    s.residentBytes = 50 * MiB;
    s.openFds = 10;
    s.maxFds = 1024;
    s.diskFreeBytes = diskFree;
    s.jobsByState = {{u"queued"_s, 0}, {u"succeeded"_s, 0}};
    return s;
}

jobs::JobRecord failedJob(const QString &id, qint64 finishedMs)
{
    jobs::JobRecord job;
    job.id = id;
    job.kind = u"export"_s;
    job.owner = u"operator"_s;
    job.state = jobs::JobState::Failed;
    job.attempts = 3;
    job.lastError = u"disk below min_free_disk_bytes"_s;
    job.finishedAt = QDateTime::fromMSecsSinceEpoch(finishedMs, Qt::UTC);
    return job;
}

} // namespace

class tst_Alerts : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void redTileIsToldOncePerCrossing();
    void failedJobsAreToldOnce();
    void notTerminalFailuresAreNotTold();
};

void tst_Alerts::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
}

// Through the window: the dashboard's disk tile drives the notifier.
void tst_Alerts::redTileIsToldOncePerCrossing()
{
    FakeService service;
    ui::MainWindow window(service);
    QSignalSpy alerts(window.alerts(), &ui::AlertNotifier::alert);
    const qint64 floor = service.limits().minFreeDiskBytes;
    QVERIFY(floor > 2 * MiB);
    const qint64 t0 = QDateTime::currentMSecsSinceEpoch();

    service.sample(sampleAt(t0, floor * 2));
    QCOMPARE(alerts.count(), 0);
    for (int i = 1; i <= 5; ++i) // five samples below the floor: one notification
        service.sample(sampleAt(t0 + i * 1000, MiB));
    QCOMPARE(alerts.count(), 1);
    QCOMPARE(alerts.at(0).at(0).toString(), u"Free disk: critical"_s);
    QVERIFY2(alerts.at(0).at(1).toString().contains(u"min_free_disk_bytes"_s),
             qPrintable(alerts.at(0).at(1).toString()));
    QVERIFY(alerts.at(0).at(2).toString().isEmpty()); // no job to show

    service.sample(sampleAt(t0 + 6'000, floor * 2)); // recovered
    service.sample(sampleAt(t0 + 7'000, MiB)); // and down again: told again
    service.sample(sampleAt(t0 + 8'000, MiB));
    QCOMPARE(alerts.count(), 2);
}

void tst_Alerts::failedJobsAreToldOnce()
{
    FakeService service;
    ui::MainWindow window(service);
    QSignalSpy alerts(window.alerts(), &ui::AlertNotifier::alert);
    const jobs::JobRecord a = failedJob(u"aaaaaaaaaaaaaaaaaaaaaa"_s, 1'000);
    emit service.jobsChanged({a}, {});
    QCOMPARE(alerts.count(), 1);
    QCOMPARE(alerts.at(0).at(0).toString(), u"Job failed: export"_s);
    QVERIFY(alerts.at(0).at(1).toString().contains(a.id));
    QVERIFY(alerts.at(0).at(1).toString().contains(a.lastError));
    QCOMPARE(alerts.at(0).at(2).toString(), a.id);

    emit service.jobsChanged({a}, {}); // the same failure again (another field changed)
    QCOMPARE(alerts.count(), 1);

    // Two at once: one notification. And `a` retried by hand that failed again: told.
    const jobs::JobRecord b = failedJob(u"bbbbbbbbbbbbbbbbbbbbbb"_s, 2'000);
    const jobs::JobRecord aAgain = failedJob(a.id, 5'000);
    emit service.jobsChanged({b, aAgain}, {});
    QCOMPARE(alerts.count(), 2);
    QCOMPARE(alerts.at(1).at(0).toString(), u"2 jobs failed"_s);
    QCOMPARE(alerts.at(1).at(2).toString(), b.id);
}

void tst_Alerts::notTerminalFailuresAreNotTold()
{
    ui::AlertNotifier notifier;
    QSignalSpy alerts(&notifier, &ui::AlertNotifier::alert);
    jobs::JobRecord retrying = failedJob(u"cccccccccccccccccccccc"_s, 1'000);
    retrying.state = jobs::JobState::Queued; // an automatic retry waits: not failed for good
    jobs::JobRecord cancelled = failedJob(u"dddddddddddddddddddddd"_s, 1'000);
    cancelled.state = jobs::JobState::Cancelled;
    notifier.jobsChanged({retrying, cancelled});
    QCOMPARE(alerts.count(), 0);
    // A warning (amber) tile is not a notification either.
    notifier.tileLevelChanged(u"files"_s, u"Open files"_s, ui::SummaryTile::Level::Warning,
                              u"900"_s, {});
    QCOMPARE(alerts.count(), 0);
}

QTEST_MAIN(tst_Alerts)
#include "tst_alerts.moc"
