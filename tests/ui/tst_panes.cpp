// The jobs, transfers and limits panes against FakeService: what each
// control asks of the service, and how answers show up.
#include "eventsmodel.h"
#include "eventspage.h"
#include "fakeservice.h"
#include "format.h"
#include "jobsmodel.h"
#include "jobspage.h"
#include "limitlabels.h"
#include "limitseditor.h"
#include "mainwindow.h"
#include "palette.h"
#include "questiontesting.h"
#include "transfersmodel.h"
#include "transferspage.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>
#include <QTimer>
#include <QToolButton>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::testing;
using jobs::JobRecord;
using jobs::JobState;

namespace {

JobRecord job(const QString &id, JobState state, const QString &kind = u"selftest"_s)
{
    JobRecord j;
    j.id = id;
    j.kind = kind;
    j.owner = u"alice"_s;
    j.state = state;
    j.createdAt = QDateTime::currentDateTimeUtc();
    return j;
}

void selectIds(ui::JobsPage &page, const QStringList &ids)
{
    page.view()->selectionModel()->clear();
    for (const QString &id : ids) {
        const QModelIndex source = page.model()->index(page.model()->rowOf(id), 0);
        page.view()->selectionModel()->select(page.filterModel()->mapFromSource(source),
                                              QItemSelectionModel::Select
                                                  | QItemSelectionModel::Rows);
    }
}

} // namespace

class tst_Panes : public QObject
{
    Q_OBJECT
private slots:
    void jobCommandsGoOnlyToJobsTheyApplyTo();
    void jobCommandRefusalIsShown();
    void jobFiltersOfferWhatIsThere();
    void aFilterWhoseValueWentStaysShown();
    void jobsTableKeepsTheNewestWindow();
    void knownKindsAndOwnersDoNotRefillTheFilters();
    void transferAbortAsksForThatConnection();
    void transferRatesAreTimedWhereTheyAreTaken();
    void limitsRevertAndDefaults();
    void jobShortcutsWorkAnywhereInTheTab();
    void eventsNameTheirJobAndUnits();
    void anActiveFilterIsSaidAndCleared();
    void limitsFollowChangesMadeElsewhere();
    void limitValuesWithUnits_data();
    void limitValuesWithUnits();
    void everyLimitHasAGroupAndALabel();
    void limitsEditorShowsUnitsAndWhatApplyWillChange();
    void eventsArriveInBatchesAndFilter();
};

void tst_Panes::jobCommandsGoOnlyToJobsTheyApplyTo()
{
    FakeService service;
    service.jobs = {job(u"q"_s, JobState::Queued), job(u"r"_s, JobState::Running),
                    job(u"f"_s, JobState::Failed), job(u"s"_s, JobState::Succeeded)};
    ui::JobsPage page(service);
    page.setConfirmDeletes(false);
    QTRY_COMPARE(page.model()->rowCount(), 4);
    auto *cancel = page.findChild<QAction *>(u"cancelJobsAction"_s);
    auto *retry = page.findChild<QAction *>(u"retryJobsAction"_s);
    auto *remove = page.findChild<QAction *>(u"deleteJobsAction"_s);
    QVERIFY(!cancel->isEnabled() && !retry->isEnabled() && !remove->isEnabled());

    selectIds(page, {u"q"_s, u"r"_s, u"f"_s, u"s"_s});
    QVERIFY(cancel->isEnabled() && retry->isEnabled() && remove->isEnabled());
    // The context menu holds the same actions.
    QVERIFY(page.view()->actions().contains(cancel));
    QCOMPARE(page.view()->contextMenuPolicy(), Qt::ActionsContextMenu);

    cancel->trigger();
    retry->trigger();
    remove->trigger();
    QStringList cancelled = service.cancelled;
    cancelled.sort();
    QCOMPARE(cancelled, (QStringList {u"q"_s, u"r"_s}));
    QCOMPARE(service.retried, QStringList {u"f"_s});
    QStringList removed = service.removed;
    removed.sort();
    QCOMPARE(removed, (QStringList {u"f"_s, u"s"_s}));

    // A change from the service updates the row and the actions.
    service.jobsChanged({job(u"q"_s, JobState::Cancelled), job(u"r"_s, JobState::Cancelled)}, {});
    selectIds(page, {u"q"_s, u"r"_s});
    QVERIFY(!cancel->isEnabled());
    QVERIFY(retry->isEnabled());
    service.jobsChanged({}, {u"q"_s});
    QCOMPARE(page.model()->rowCount(), 3);
    QCOMPARE(page.selectedIds(), QStringList {u"r"_s});
}

void tst_Panes::jobCommandRefusalIsShown()
{
    FakeService service;
    service.jobs = {job(u"f"_s, JobState::Failed)};
    ui::JobsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), 1);
    service.jobCommandFinished({service::JobCommandResult::Command::Retry, u"f"_s, false,
                                u"the queue is full (max_queue_depth 1000)"_s});
    QCOMPARE(page.findChild<QLabel *>(u"jobsMessage"_s)->text(),
             u"the queue is full (max_queue_depth 1000)"_s);
}

void tst_Panes::jobFiltersOfferWhatIsThere()
{
    FakeService service;
    service.jobs = {job(u"a"_s, JobState::Queued, u"export"_s),
                    job(u"b"_s, JobState::Failed, u"selftest"_s)};
    ui::JobsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), 2);
    auto *kinds = page.findChild<QComboBox *>(u"kindFilter"_s);
    QCOMPARE(kinds->count(), 3); // all, export, selftest
    kinds->setCurrentIndex(kinds->findData(u"export"_s));
    QCOMPARE(page.filterModel()->rowCount(), 1);
    auto *states = page.findChild<QComboBox *>(u"stateFilter"_s);
    states->setCurrentIndex(states->findData(u"failed"_s));
    QCOMPARE(page.filterModel()->rowCount(), 0);
    kinds->setCurrentIndex(0);
    QCOMPARE(page.filterModel()->rowCount(), 1);
    auto *search = page.findChild<QLineEdit *>(u"jobSearch"_s);
    QTest::keyClicks(search, u"zzz"_s);
    QCOMPARE(page.filterModel()->rowCount(), 0);
}

// Issue 23, defect 3: when the value a drop-down filtered on left the model
// (its last job deleted), the drop-down was refilled with signals blocked and
// fell back to "All kinds" while the view still filtered on the old value:
// "All kinds" over 0 of 1 rows. The choice now stays shown while it filters.
void tst_Panes::aFilterWhoseValueWentStaysShown()
{
    FakeService service;
    service.jobs = {job(u"a"_s, JobState::Queued, u"export"_s),
                    job(u"b"_s, JobState::Failed, u"selftest"_s)};
    ui::JobsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), 2);
    auto *kinds = page.findChild<QComboBox *>(u"kindFilter"_s);
    kinds->setCurrentIndex(kinds->findData(u"selftest"_s));
    QCOMPARE(page.filterModel()->rowCount(), 1);
    // The choices are refilled on a timer after the rows change: wait for it.
    auto *refill = page.findChild<QTimer *>(u"filterChoicesTimer"_s);
    QVERIFY(refill);
    QSignalSpy refilled(refill, &QTimer::timeout);
    service.jobsChanged({}, {u"b"_s});
    QCOMPARE(page.model()->rowCount(), 1);
    QVERIFY(refilled.wait(5000));
    QCOMPARE(page.filterModel()->rowCount(), 0);
    QCOMPARE(kinds->currentData().toString(), u"selftest"_s); // what it filters on
    // Choosing "All kinds" again shows everything, and the gone value leaves.
    kinds->setCurrentIndex(0);
    QCOMPARE(page.filterModel()->rowCount(), 1);
    service.jobsChanged({job(u"c"_s, JobState::Queued, u"export"_s)}, {});
    QTRY_COMPARE(page.model()->rowCount(), 2);
    QTRY_COMPARE(kinds->findData(u"selftest"_s), -1);
}

namespace {

JobRecord numberedJob(int n, const QString &owner)
{
    JobRecord j = job(u"job%1"_s.arg(n, 6, 10, QChar(u'0')), JobState::Succeeded,
                      n % 2 ? u"selftest"_s : u"export"_s);
    j.owner = owner;
    j.createdAt = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + qint64(n) * 1000, Qt::UTC);
    return j;
}

} // namespace

// Issue 23, defect 1: MaxJobs bounded only the first list; every job created
// afterwards was appended for good (60,000 rows seen). The table keeps the
// newest MaxJobs: a new job drops the oldest row, and owners that only the
// dropped rows had leave the filter choices. "Load older" widens the window.
void tst_Panes::jobsTableKeepsTheNewestWindow()
{
    constexpr int Max = ui::JobsPage::MaxJobs;
    FakeService service;
    // The service lists the newest first.
    for (int n = Max - 1; n >= 0; --n)
        service.jobs.append(numberedJob(n, n < 10 ? u"carol"_s : u"alice"_s));
    ui::JobsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), Max);
    QVERIFY(page.model()->owners().contains(u"carol"_s));

    QList<JobRecord> fresh;
    for (int n = Max; n < Max + 50; ++n)
        fresh.append(numberedJob(n, u"alice"_s));
    service.jobsChanged(fresh, {});
    QCOMPARE(page.model()->rowCount(), Max);
    QCOMPARE(page.model()->rowOf(u"job000049"_s), -1); // the oldest 50 left
    QVERIFY(page.model()->find(u"job000050"_s));
    QCOMPARE(page.model()->rowOf(fresh.last().id), Max - 1);
    QCOMPARE(page.model()->owners(), QStringList {u"alice"_s});
    // The summary still counts every stored job, and older ones can be loaded.
    auto *summary = page.findChild<QLabel *>(u"jobsSummary"_s);
    QVERIFY2(summary->text().contains(QLocale().toString(Max + 50)), qPrintable(summary->text()));
    auto *loadOlder = page.findChild<QAction *>(u"loadOlderJobsAction"_s);
    QVERIFY(loadOlder);
    QVERIFY(loadOlder->isEnabled());
    for (auto it = fresh.crbegin(); it != fresh.crend(); ++it)
        service.jobs.prepend(*it);
    loadOlder->trigger();
    QTRY_COMPARE(page.model()->rowCount(), Max + 50);
    QVERIFY(page.model()->find(u"job000000"_s));
    QVERIFY(!loadOlder->isEnabled());
}

// Issue 23, defect 1: the kind and owner lists were rebuilt over every row
// whenever the row count changed. They are counted as rows come and go; a
// batch of jobs whose kinds and owners are known schedules no refill.
void tst_Panes::knownKindsAndOwnersDoNotRefillTheFilters()
{
    FakeService service;
    for (int n = 0; n < 100; ++n)
        service.jobs.append(numberedJob(n, u"alice"_s));
    ui::JobsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), 100);
    auto *refill = page.findChild<QTimer *>(u"filterChoicesTimer"_s);
    QVERIFY(refill);
    QTRY_VERIFY(!refill->isActive());
    service.jobsChanged({numberedJob(100, u"alice"_s), numberedJob(101, u"alice"_s)}, {});
    QCOMPARE(page.model()->rowCount(), 102);
    QVERIFY(!refill->isActive());
    // A new owner does.
    service.jobsChanged({numberedJob(102, u"bob"_s)}, {});
    QVERIFY(refill->isActive());
    QSignalSpy refilled(refill, &QTimer::timeout);
    QVERIFY(refilled.wait(5000));
    QVERIFY(page.findChild<QComboBox *>(u"ownerFilter"_s)->findData(u"bob"_s) > 0);
}

void tst_Panes::transferAbortAsksForThatConnection()
{
    FakeService service;
    ui::TransfersPage page(service);
    page.resize(1000, 300);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    http::Transfer a, b;
    a.connectionId = 7;
    a.requestId = 1;
    b.connectionId = 9;
    b.requestId = 2;
    service.transfersChanged({a, b}, 0);
    QCOMPARE(page.model()->rowCount(), 2);
    const QRect cell = page.view()->visualRect(page.model()->index(1, ui::TransfersModel::Abort));
    // It asks first; Cancel leaves the transfer alone.
    auto asked = std::make_shared<bool>(false);
    answerQuestion(u"abortTransferQuestion"_s, u"Cancel"_s, asked);
    QTest::mouseClick(page.view()->viewport(), Qt::LeftButton, {}, cell.center());
    QVERIFY(*asked);
    QVERIFY(service.aborted.isEmpty());
    answerQuestion(u"abortTransferQuestion"_s, u"Abort"_s, asked);
    QTest::mouseClick(page.view()->viewport(), Qt::LeftButton, {}, cell.center());
    QCOMPARE(service.aborted, QList<quint64> {9});
    page.setConfirmAborts(false);
    // Or select and press Delete.
    page.view()->selectRow(0);
    page.activateWindow(); // back from the questions
    page.view()->setFocus();
    QTRY_VERIFY(page.view()->hasFocus());
    QTest::keyClick(page.view(), Qt::Key_Delete);
    QCOMPARE(service.aborted, (QList<quint64> {9, 7}));
}

// Issue 23, defect 4: the Transfers tab timed each snapshot when it arrived,
// so two snapshots taken a second apart but delivered together after a UI
// stall made a 1000x spike. The service says when it took each one.
void tst_Panes::transferRatesAreTimedWhereTheyAreTaken()
{
    FakeService service;
    ui::TransfersPage page(service);
    http::Transfer t;
    t.connectionId = 7;
    t.requestId = 1;
    t.phase = http::Transfer::Phase::Receiving;
    service.transfersChanged({t}, 500'000);
    t.bytesIn = 10 * 1024 * 1024;
    service.transfersChanged({t}, 501'000); // taken a second later, arrived at once
    QCOMPARE(page.model()->index(0, ui::TransfersModel::Rate).data().toString(),
             ui::formatRate(10.0 * 1024 * 1024));
    t.bytesIn *= 2;
    service.transfersChanged({t}, 503'000); // two seconds
    QCOMPARE(page.model()->index(0, ui::TransfersModel::Rate).data().toString(),
             ui::formatRate(5.0 * 1024 * 1024));
}

// Ctrl+K, Ctrl+R and Ctrl+O act on the selected jobs wherever the focus is
// in the tab, not only in the table; Del stays the table's.
void tst_Panes::jobShortcutsWorkAnywhereInTheTab()
{
    FakeService service;
    service.jobs = {job(u"runningjob"_s, JobState::Running, u"export"_s)};
    ui::JobsPage page(service);
    page.setConfirmDeletes(false);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_COMPARE(page.model()->rowCount(), 1);
    page.view()->selectRow(0);
    auto *search = page.findChild<QLineEdit *>(u"jobSearch"_s);
    page.activateWindow();
    search->setFocus();
    QTRY_VERIFY(search->hasFocus());
    QTest::keyClick(search, Qt::Key_K, Qt::ControlModifier);
    QCOMPARE(service.cancelled, QStringList {u"runningjob"_s});
    QCOMPARE(page.findChild<QAction *>(u"cancelJobsAction"_s)->text(), u"&Cancel job"_s);
    QTest::keyClick(search, Qt::Key_Delete);
    QVERIFY(service.removed.isEmpty());
}

// Failed-job events are coloured; a double-click on an event of a job shows
// that job in the Jobs tab, even past a filter; limit changes read in units.
void tst_Panes::eventsNameTheirJobAndUnits()
{
    FakeService service;
    service.jobs = {job(u"failedjob"_s, JobState::Failed), job(u"otherjob"_s, JobState::Succeeded)};
    metrics::Event failed;
    failed.time = QDateTime::currentDateTimeUtc();
    failed.kind = u"failed"_s;
    failed.jobId = u"failedjob"_s;
    failed.detail = u"attempt 3 of 3 failed"_s;
    metrics::Event limits = failed;
    limits.kind = u"limits_changed"_s;
    limits.jobId.clear();
    limits.detail = u"max_header_bytes 16384 -> 2048, max_streams 32 -> 8 (by operator)"_s;
    service.events = {failed, limits};
    ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    ui::EventsModel *events = window.eventsPage()->model();
    QCOMPARE(events->rowCount(), 2);
    QCOMPARE(events->index(0, ui::EventsModel::Kind).data(Qt::ForegroundRole).value<QColor>(),
             ui::currentColours().errorText);
    QCOMPARE(events->index(1, ui::EventsModel::Detail).data().toString(),
             u"max_header_bytes 16 KiB -> 2 KiB, max_streams 32 -> 8 (by operator)"_s);
    QCOMPARE(events->index(1, ui::EventsModel::Detail).data(Qt::ToolTipRole).toString(),
             limits.detail);

    ui::JobsPage *jobsPage = window.jobsPage();
    QTRY_COMPARE(jobsPage->model()->rowCount(), 2);
    jobsPage->findChild<QLineEdit *>(u"jobSearch"_s)->setText(u"otherjob"_s); // hides failedjob
    window.tabs()->setCurrentWidget(window.eventsPage());
    auto *view = window.eventsPage()->findChild<QTableView *>(u"eventsView"_s);
    QTRY_VERIFY(view->isVisible());
    const QModelIndex cell = view->model()->index(0, ui::EventsModel::Job);
    view->scrollTo(cell);
    const QRect rect = view->visualRect(cell);
    QVERIFY2(rect.isValid() && view->viewport()->rect().contains(rect.center()),
             "the job cell is not in view");
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QTest::mouseDClick(view->viewport(), Qt::LeftButton, {}, rect.center());
    QCOMPARE(window.tabs()->currentWidget(), jobsPage);
    QCOMPARE(jobsPage->selectedIds(), QStringList {u"failedjob"_s});
    QVERIFY(jobsPage->findChild<QLineEdit *>(u"jobSearch"_s)->text().isEmpty());
}

void tst_Panes::anActiveFilterIsSaidAndCleared()
{
    FakeService service;
    service.jobs = {job(u"alpha"_s, JobState::Failed), job(u"beta"_s, JobState::Succeeded)};
    ui::JobsPage page(service);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_COMPARE(page.model()->rowCount(), 2);
    auto *summary = page.findChild<QLabel *>(u"jobsSummary"_s);
    auto *clear = page.findChild<QToolButton *>(u"clearJobFiltersButton"_s);
    QVERIFY(summary && clear);
    QVERIFY(!summary->text().startsWith(u"Filtered"_s));
    QVERIFY(clear->isHidden());
    page.findChild<QLineEdit *>(u"jobSearch"_s)->setText(u"alpha"_s);
    QTRY_COMPARE(page.filterModel()->rowCount(), 1);
    QVERIFY2(summary->text().startsWith(u"Filtered: 1 of 2"_s), qPrintable(summary->text()));
    QVERIFY(summary->font().bold());
    QVERIFY(!clear->isHidden());
    QTest::mouseClick(clear, Qt::LeftButton);
    QTRY_COMPARE(page.filterModel()->rowCount(), 2);
    QVERIFY(!summary->text().startsWith(u"Filtered"_s));
    QVERIFY(clear->isHidden());
}

void tst_Panes::limitsRevertAndDefaults()
{
    FakeService service;
    config::Limits start;
    start.maxQueueDepth = 50;
    service.applyLimits(start);
    QTRY_COMPARE(service.limits().maxQueueDepth, 50);
    service.applied.clear();

    ui::LimitsEditor editor(service);
    QLineEdit *queue = editor.editor(u"max_queue_depth"_s);
    auto *apply = editor.findChild<QPushButton *>(u"applyLimitsButton"_s);
    auto *revert = editor.findChild<QPushButton *>(u"revertLimitsButton"_s);
    QCOMPARE(queue->text(), u"50"_s);
    QVERIFY(!editor.isModified());

    queue->setText(u"75"_s);
    QVERIFY(editor.isModified() && apply->isEnabled() && revert->isEnabled());
    QTest::mouseClick(revert, Qt::LeftButton);
    QCOMPARE(queue->text(), u"50"_s);
    QVERIFY(!apply->isEnabled());

    editor.restoreDefaults();
    QCOMPARE(queue->text(), QString::number(config::Limits {}.maxQueueDepth));
    QVERIFY(service.applied.isEmpty()); // nothing until Apply
    QTest::mouseClick(apply, Qt::LeftButton);
    QCOMPARE(service.applied.size(), 1);
    QCOMPARE(service.applied.first(), config::Limits {});
    QTRY_VERIFY(!editor.isModified());
    QCOMPARE(editor.findChild<QLabel *>(u"limitsMessage"_s)->text(), u"Applied and saved."_s);
}

void tst_Panes::limitsFollowChangesMadeElsewhere()
{
    FakeService service;
    ui::LimitsEditor editor(service);
    QLineEdit *workers = editor.editor(u"max_active_jobs"_s);
    QLineEdit *attempts = editor.editor(u"max_attempts"_s);
    config::Limits elsewhere;
    elsewhere.maxActiveJobs = 5;
    service.applyLimits(elsewhere); // e.g. the admin API or a hand edit of the file
    QTRY_COMPARE(workers->text(), u"5"_s);

    // With an edit in progress, the edit stays; the rest is compared with the new values.
    attempts->setText(u"7"_s);
    elsewhere.maxActiveJobs = 6;
    service.applyLimits(elsewhere);
    QTest::qWait(20);
    QCOMPARE(attempts->text(), u"7"_s);
    QCOMPARE(workers->text(), u"5"_s);
    QVERIFY(editor.isModified());
}

void tst_Panes::eventsArriveInBatchesAndFilter()
{
    FakeService service;
    metrics::Event old;
    old.time = QDateTime::currentDateTimeUtc();
    old.kind = u"retry"_s;
    service.events = {old};
    ui::EventsPage page(service);
    QCOMPARE(page.model()->rowCount(), 1);
    QSignalSpy inserted(page.model(), &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 50; ++i) {
        metrics::Event e = old;
        e.kind = i % 5 ? u"rejected"_s : u"timeout"_s;
        e.detail = u"#%1"_s.arg(i);
        emit service.eventRecorded(e);
    }
    QTRY_COMPARE(page.model()->rowCount(), 51);
    QCOMPARE(inserted.size(), 1); // one batch
    auto *kinds = page.findChild<QComboBox *>(u"eventKindFilter"_s);
    auto *summary = page.findChild<QLabel *>(u"eventsSummary"_s);
    auto *clear = page.findChild<QToolButton *>(u"clearEventFiltersButton"_s);
    QCOMPARE(summary->text(), u"51 events"_s);
    QVERIFY(clear->isHidden());
    kinds->setCurrentIndex(kinds->findData(u"timeout"_s));
    QCOMPARE(page.filterModel()->rowCount(), 10);
    // The filter is told where the count is, with the way back.
    QCOMPARE(summary->text(), u"Filtered: 10 of 51 events shown"_s);
    QVERIFY(summary->font().bold());
    QVERIFY(!clear->isHidden());
    clear->click();
    QCOMPARE(kinds->currentIndex(), 0);
    QCOMPARE(page.filterModel()->rowCount(), 51);
    QCOMPARE(summary->text(), u"51 events"_s);
    QVERIFY(!summary->font().bold());
    QVERIFY(clear->isHidden());
    auto *search = page.findChild<QLineEdit *>(u"eventSearch"_s);
    search->setText(u"#4"_s); // #4, #40..#49
    QCOMPARE(summary->text(), u"Filtered: 11 of 51 events shown"_s);
}

void tst_Panes::limitValuesWithUnits_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QByteArray>("unit");
    QTest::addColumn<qint64>("value"); // -1: refused
    QTest::newRow("bare bytes") << u"2048"_s << QByteArray("bytes") << 2048LL;
    QTest::newRow("KiB") << u"16 KiB"_s << QByteArray("bytes") << 16'384LL;
    QTest::newRow("no space, any case") << u"16kib"_s << QByteArray("bytes") << 16'384LL;
    QTest::newRow("KB means KiB") << u"16 KB"_s << QByteArray("bytes") << 16'384LL;
    QTest::newRow("fraction of GiB") << u"1.5 GiB"_s << QByteArray("bytes") << 1'610'612'736LL;
    QTest::newRow("decimal comma") << u"1,5 MiB"_s << QByteArray("bytes") << 1'572'864LL;
    QTest::newRow("not whole bytes") << u"1.3 KiB"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("bytes word") << u"512 bytes"_s << QByteArray("bytes") << 512LL;
    QTest::newRow("ambiguous k") << u"2k"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("rate") << u"64 KiB/s"_s << QByteArray("bytes_per_s") << 65'536LL;
    QTest::newRow("seconds") << u"30 s"_s << QByteArray("ms") << 30'000LL;
    QTest::newRow("half a second") << u"0.5 s"_s << QByteArray("ms") << 500LL;
    QTest::newRow("minutes") << u"5 min"_s << QByteArray("ms") << 300'000LL;
    QTest::newRow("hours") << u"2 h"_s << QByteArray("ms") << 7'200'000LL;
    QTest::newRow("bare ms") << u"1500"_s << QByteArray("ms") << 1500LL;
    QTest::newRow("size unit on a duration") << u"5 MiB"_s << QByteArray("ms") << -1LL;
    QTest::newRow("count") << u"12"_s << QByteArray("count") << 12LL;
    QTest::newRow("unit on a count") << u"12 s"_s << QByteArray("count") << -1LL;
    QTest::newRow("percent") << u"25 %"_s << QByteArray("percent") << 25LL;
    QTest::newRow("negative") << u"-1"_s << QByteArray("count") << -1LL;
    QTest::newRow("empty") << QString() << QByteArray("count") << -1LL;
    QTest::newRow("huge") << u"99999999999 TiB"_s << QByteArray("bytes") << -1LL;
    // A separator that may group thousands is refused, not misread: German
    // "10.000" was 10, English "1,000" was 1 (review of issue 23).
    QTest::newRow("English thousands of a unit") << u"1,000 KiB"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("four digits are no group")
        << u"1024.125 KiB"_s << QByteArray("bytes") << 1'048'704LL;
    QTest::newRow("fraction times unit overflows")
        << u"0.17167841 TiB"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("German thousands") << u"10.000"_s << QByteArray("count") << -1LL;
    QTest::newRow("English thousands") << u"1,000"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("thousands with a unit word") << u"1.000 Byte"_s << QByteArray("bytes") << -1LL;
    QTest::newRow("two groups") << u"1.000.000"_s << QByteArray("count") << -1LL;
    QTest::newRow("three decimals may be thousands") << u"1.500 s"_s << QByteArray("ms") << -1LL;
    QTest::newRow("three decimals of nothing") << u"0.250 s"_s << QByteArray("ms") << 250LL;
    QTest::newRow("no fraction on a count") << u"10.0"_s << QByteArray("count") << -1LL;
}

void tst_Panes::limitValuesWithUnits()
{
    QFETCH(QString, text);
    QFETCH(QByteArray, unit);
    QFETCH(qint64, value);
    const auto parsed = ui::parseLimitValue(text, unit.constData());
    if (value < 0) {
        QVERIFY2(!parsed, qPrintable(QString::number(parsed.value_or(0))));
        return;
    }
    QVERIFY(parsed);
    QCOMPARE(*parsed, value);
    // What the editor shows reads back as the same value.
    const QString shown = ui::limitValueText(value, unit.constData());
    QCOMPARE(ui::parseLimitValue(shown, unit.constData()), std::optional<qint64>(value));
}

void tst_Panes::everyLimitHasAGroupAndALabel()
{
    const qsizetype other = ui::limitGroups().size() - 1;
    QSet<QString> labels;
    for (const config::LimitField &f : config::limitFields()) {
        const ui::LimitLabel label = ui::limitLabel(QLatin1StringView(f.key));
        QVERIFY2(label.group != other, f.key); // a new limit needs its place in limitlabels.cpp
        QVERIFY2(!labels.contains(label.label), qPrintable(label.label));
        labels.insert(label.label);
    }
}

void tst_Panes::limitsEditorShowsUnitsAndWhatApplyWillChange()
{
    FakeService service;
    ui::LimitsEditor editor(service);
    QLineEdit *header = editor.editor(u"max_header_bytes"_s);
    QLineEdit *deadline = editor.editor(u"header_deadline_ms"_s);
    auto *apply = editor.findChild<QPushButton *>(u"applyLimitsButton"_s);
    auto *message = editor.findChild<QLabel *>(u"limitsMessage"_s);
    QCOMPARE(header->text(), u"16 KiB"_s);
    QCOMPARE(deadline->text(), ui::limitValueText(config::Limits {}.headerDeadlineMs, "ms"));

    header->setText(u"2 KiB"_s);
    deadline->setText(u"20 s"_s);
    QVERIFY(apply->isEnabled());
    QCOMPARE(editor.pendingChanges().size(), 2);
    QVERIFY2(message->text().contains(u"Request head size 16 KiB \u2192 2 KiB"_s),
             qPrintable(message->text()));
    QVERIFY2(message->text().contains(u"\u2192 20 s"_s), qPrintable(message->text()));

    // Out of range: the range in the unit, and Apply refused.
    header->setText(u"12"_s);
    QVERIFY(!apply->isEnabled());
    QVERIFY(message->text().contains(u"max_header_bytes"_s));
    header->setText(u"2k"_s);
    QVERIFY(!apply->isEnabled());
    QVERIFY2(message->text().contains(u"16 KiB"_s), qPrintable(message->text())); // the example

    header->setText(u"2048"_s); // a bare number is bytes
    QTest::mouseClick(apply, Qt::LeftButton);
    QCOMPARE(service.applied.size(), 1);
    QCOMPARE(service.applied.first().maxHeaderBytes, 2048);
    QCOMPARE(service.applied.first().headerDeadlineMs, 20'000);
    QTRY_COMPARE(header->text(), u"2 KiB"_s);

    // Search by label: only matching rows and their group headers stay.
    auto *search = editor.findChild<QLineEdit *>(u"limitSearch"_s);
    editor.show();
    search->setText(u"upload size"_s);
    QVERIFY(editor.editor(u"max_upload_bytes"_s)->isVisible());
    QVERIFY(!header->isVisible());
    QVERIFY(editor.findChild<QLabel *>(u"limitGroup1"_s)->isVisible()); // Uploads
    QVERIFY(!editor.findChild<QLabel *>(u"limitGroup0"_s)->isVisible());
}

QTEST_MAIN(tst_Panes)
#include "tst_panes.moc"
