// The operator window's models, each under QAbstractItemModelTester, fed the
// way the service feeds them: a full list, then batches of changes.
#include "eventsmodel.h"
#include "jobsmodel.h"
#include "transfersmodel.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using sluice::jobs::JobRecord;
using sluice::jobs::JobState;

namespace {

JobRecord job(int n, JobState state = JobState::Queued, const QString &owner = u"alice"_s)
{
    JobRecord j;
    j.id = u"job%1"_s.arg(n, 6, 10, QChar(u'0'));
    j.kind = n % 2 ? u"selftest"_s : u"export"_s;
    j.owner = owner;
    j.state = state;
    j.createdAt = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + n * 1000, Qt::UTC);
    return j;
}

QList<JobRecord> someJobs(int from, int count)
{
    QList<JobRecord> list;
    for (int n = from; n < from + count; ++n)
        list.append(job(n));
    return list;
}

QStringList idsInOrder(const ui::JobsModel &model)
{
    QStringList ids;
    for (int r = 0; r < model.rowCount(); ++r)
        ids << model.index(r, ui::JobsModel::Id).data().toString();
    return ids;
}

http::Transfer transfer(quint64 connection, qint64 bytesIn)
{
    http::Transfer t;
    t.connectionId = connection;
    t.requestId = connection * 10;
    t.client = u"127.0.0.1:5000"_s;
    t.method = u"PUT"_s;
    t.path = u"/uploads/a.bin"_s;
    t.phase = http::Transfer::Phase::Receiving;
    t.bytesIn = bytesIn;
    t.totalIn = 1'000'000;
    t.startedMs = 1'000;
    return t;
}

metrics::Event makeEvent(const QString &kind, const QString &detail)
{
    metrics::Event e;
    e.time = QDateTime::currentDateTimeUtc();
    e.kind = kind;
    e.detail = detail;
    return e;
}

} // namespace

class tst_UiModels : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void jobsModelAppliesBatches();
    void jobsModelRemovesScatteredRows();
    void idIndexIsRightWheneverRowsAreRemoved();
    void jobsFilterByStateKindOwnerAndText();
    void jobsModelTakesTenThousandRows();
    void jobsModelDropsTheOldestRowsPastItsWindow();
    void transfersKeepRowsAndComputeRates();
    void eventsModelIsBoundedAndFiltered();
};

void tst_UiModels::jobsModelAppliesBatches()
{
    ui::JobsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset(someJobs(0, 5));
    QCOMPARE(model.rowCount(), 5);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    JobRecord running = job(2, JobState::Running);
    running.progressFraction = 0.5;
    model.apply({running, job(3, JobState::Running), job(7), job(8)}, {});
    // Rows 2 and 3 are one run: one signal; the two new jobs: one insertion.
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.first().at(0).toModelIndex().row(), 2);
    QCOMPARE(changed.first().at(1).toModelIndex().row(), 3);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowCount(), 7);
    QCOMPARE(model.index(2, ui::JobsModel::State).data().toString(), u"running"_s);
    QCOMPARE(model.index(2, ui::JobsModel::Progress).data(ui::JobsModel::ProgressRole).toDouble(),
             0.5);
    QCOMPARE(model.index(2, ui::JobsModel::Progress).data().toString(), u"50%"_s);
    QCOMPARE(model.rowOf(u"job000008"_s), 6);
}

void tst_UiModels::jobsModelRemovesScatteredRows()
{
    ui::JobsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset(someJobs(0, 10));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    // 1, 2, 3 are one run; 6 and 9 are runs of their own; "nope" is unknown.
    model.apply({},
                {u"job000002"_s, u"job000009"_s, u"job000001"_s, u"nope"_s, u"job000003"_s,
                 u"job000006"_s});
    QCOMPARE(removed.size(), 3);
    QCOMPARE(idsInOrder(model),
             (QStringList {u"job000000"_s, u"job000004"_s, u"job000005"_s, u"job000007"_s,
                           u"job000008"_s}));
    // The id index follows the rows that moved up.
    QCOMPARE(model.rowOf(u"job000008"_s), 4);
    QCOMPARE(model.find(u"job000007"_s)->id, u"job000007"_s);
    QCOMPARE(model.rowOf(u"job000006"_s), -1);
}

// Issue 23, defect 2: the id-to-row index was rebuilt only after all runs of
// a batch removal were gone, while views (the selection, and with it the
// detail pane) react to each run's rowsRemoved: find() then gave the job of
// a stale row, and the pane showed another job's error for good. The index
// must be right at every signal.
void tst_UiModels::idIndexIsRightWheneverRowsAreRemoved()
{
    ui::JobsModel model;
    model.reset(someJobs(0, 10));
    QStringList wrong;
    connect(&model, &QAbstractItemModel::rowsRemoved, this, [&] {
        for (int row = 0; row < model.rowCount(); ++row) {
            const QString id = model.index(row, 0).data(ui::JobsModel::JobIdRole).toString();
            const JobRecord *found = model.find(id);
            if (!found || found->id != id || model.rowOf(id) != row)
                wrong << id;
        }
    });
    model.apply({}, {u"job000002"_s, u"job000007"_s, u"job000004"_s});
    QCOMPARE(model.rowCount(), 7);
    QVERIFY2(wrong.isEmpty(), qPrintable(wrong.join(u", "_s)));
}

void tst_UiModels::jobsFilterByStateKindOwnerAndText()
{
    ui::JobsModel model;
    ui::JobsFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&filter,
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    QList<JobRecord> list = someJobs(0, 6);
    list[1].state = JobState::Failed;
    list[1].lastError = u"disk full while writing"_s;
    list[3].state = JobState::Failed;
    list[4].owner = u"bob"_s;
    model.reset(list);

    filter.setStateFilter(u"failed"_s);
    QCOMPARE(filter.rowCount(), 2);
    filter.setKindFilter(u"selftest"_s); // odd numbers: 1 and 3
    QCOMPARE(filter.rowCount(), 2);
    filter.setSearchText(u"DISK"_s);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, ui::JobsModel::Id).data().toString(), u"job000001"_s);
    filter.setSearchText({});
    filter.setStateFilter({});
    filter.setKindFilter({});
    filter.setOwnerFilter(u"bob"_s);
    QCOMPARE(filter.rowCount(), 1);
    // A change arriving later is filtered as it comes.
    model.apply({job(9, JobState::Queued, u"bob"_s)}, {});
    QCOMPARE(filter.rowCount(), 2);
    QCOMPARE(model.owners(), (QStringList {u"alice"_s, u"bob"_s}));
}

void tst_UiModels::jobsModelTakesTenThousandRows()
{
    ui::JobsModel model;
    ui::JobsFilterModel filter;
    filter.setSourceModel(&model);
    filter.setSortRole(ui::JobsModel::SortRole);
    filter.sort(ui::JobsModel::Age);
    model.reset(someJobs(0, 10'000));
    QCOMPARE(filter.rowCount(), 10'000);
    // Newest first when sorted by age.
    QCOMPARE(filter.index(0, ui::JobsModel::Id).data().toString(), u"job009999"_s);
    // A progress tick for two running jobs touches two rows, not ten thousand.
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.apply({job(10, JobState::Running), job(5000, JobState::Running)}, {});
    QCOMPARE(changed.size(), 2);
    for (const QList<QVariant> &args : std::as_const(changed))
        QCOMPARE(args.at(0).toModelIndex().row(), args.at(1).toModelIndex().row());
    filter.setStateFilter(u"running"_s);
    QCOMPARE(filter.rowCount(), 2);
}

// Issue 23, defect 1 (the page's side is in tst_panes): the window keeps the
// newest rows, whatever order the list came in, and the id index stays right
// as the oldest rows leave and others are removed from the middle.
void tst_UiModels::jobsModelDropsTheOldestRowsPastItsWindow()
{
    ui::JobsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setMaxRows(5);
    QList<JobRecord> newestFirst = someJobs(0, 8);
    std::reverse(newestFirst.begin(), newestFirst.end());
    model.reset(newestFirst);
    QCOMPARE(idsInOrder(model),
             (QStringList {u"job000003"_s, u"job000004"_s, u"job000005"_s, u"job000006"_s,
                           u"job000007"_s}));
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    const ui::JobsModel::Applied applied = model.apply(someJobs(8, 2), {});
    QCOMPARE(applied.added, 2);
    QCOMPARE(applied.dropped, 2);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(removed.first().at(1).toInt(), 0);
    QCOMPARE(removed.first().at(2).toInt(), 1);
    model.apply({}, {u"job000006"_s});
    QCOMPARE(idsInOrder(model),
             (QStringList {u"job000005"_s, u"job000007"_s, u"job000008"_s, u"job000009"_s}));
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(model.rowOf(idsInOrder(model).at(row)), row);
    QCOMPARE(model.rowOf(u"job000004"_s), -1);
    QCOMPARE(model.kinds(), (QStringList {u"export"_s, u"selftest"_s}));
    model.setMaxRows(1);
    QCOMPARE(idsInOrder(model), QStringList {u"job000009"_s});
    QCOMPARE(model.kinds(), QStringList {u"selftest"_s});
}

void tst_UiModels::transfersKeepRowsAndComputeRates()
{
    ui::TransfersModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.update({transfer(1, 0), transfer(2, 100)}, 10'000, 10'000);
    QCOMPARE(model.rowCount(), 2);
    // One second later: connection 1 went away, 2 moved 1 MiB, 3 is new.
    model.update({transfer(3, 0), transfer(2, 100 + 1024 * 1024)}, 11'000, 11'000);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.transfer(0).connectionId, 2u); // kept its place (at the top now)
    QCOMPARE(model.transfer(1).connectionId, 3u);
    QCOMPARE(model.index(0, ui::TransfersModel::Rate).data().toString(), u"1.00 MiB/s"_s);
    QCOMPARE(model.index(0, ui::TransfersModel::Received).data().toString(),
             u"1.00 MiB / 977 KiB"_s);
    QCOMPARE(model.index(0, ui::TransfersModel::Elapsed).data().toString(), u"10 s"_s);
    QCOMPARE(model.index(1, ui::TransfersModel::Abort)
                 .data(ui::TransfersModel::ConnectionIdRole)
                 .toULongLong(),
             3u);
    model.update({}, 12'000, 12'000);
    QCOMPARE(model.rowCount(), 0);
}

void tst_UiModels::eventsModelIsBoundedAndFiltered()
{
    ui::EventsModel model(5);
    ui::EventsFilterModel filter;
    filter.setSourceModel(&model);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester filterTester(&filter,
                                          QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset(
        {makeEvent(u"rejected"_s, u"413 body too large"_s), makeEvent(u"retry"_s, u"manual"_s)});
    model.append({makeEvent(u"cancelled"_s, u"c1"_s), makeEvent(u"rejected"_s, u"431 header"_s),
                  makeEvent(u"limits_changed"_s, u"max_header_bytes 16384 -> 1024"_s),
                  makeEvent(u"timeout"_s, u"t1"_s)});
    QCOMPARE(model.rowCount(), 5); // the oldest went
    QCOMPARE(model.index(0, ui::EventsModel::Detail).data().toString(), u"manual"_s);
    filter.setKind(u"rejected"_s);
    QCOMPARE(filter.rowCount(), 1);
    filter.setKind({});
    filter.setSearchText(u"MAX_HEADER"_s);
    QCOMPARE(filter.rowCount(), 1);
    QCOMPARE(filter.index(0, ui::EventsModel::Kind).data().toString(), u"limits_changed"_s);
    QCOMPARE(model.kinds(),
             (QStringList {u"cancelled"_s, u"limits_changed"_s, u"rejected"_s, u"retry"_s,
                           u"timeout"_s}));
}

QTEST_MAIN(tst_UiModels)
#include "tst_uimodels.moc"
