// The Uploads tab against a fake service: the models under
// QAbstractItemModelTester, the lists re-read at most once a second and only
// while the tab shows, and the bound on what it holds.
#include "fakeservice.h"
#include "questiontesting.h"

#include "palette.h"
#include "resumableuploadsmodel.h"
#include "resumableuploadspane.h"
#include "uploadsmodel.h"
#include "uploadspage.h"

#include <QAbstractItemModelTester>
#include <QAction>
#include <QLabel>
#include <QLocale>
#include <QSignalSpy>
#include <QTableView>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using sluice::testing::FakeService;

namespace {

upload::UploadRecord record(int n)
{
    upload::UploadRecord u;
    u.id = u"u%1"_s.arg(n, 32, 16, QChar(u'0'));
    u.name = u"file%1.csv"_s.arg(n);
    u.account = n % 2 ? u"alice"_s : u"bob"_s;
    u.size = n * 100;
    u.sha256 = QByteArray::number(n, 16).rightJustified(64, 'a');
    u.mime = u"text/csv"_s;
    u.createdAt = QDateTime::fromMSecsSinceEpoch(1'700'000'000'000 + n * 1000, Qt::UTC);
    return u;
}

QList<upload::UploadRecord> records(int count)
{
    QList<upload::UploadRecord> list;
    for (int n = count; n >= 1; --n) // newest first, as the service lists them
        list.append(record(n));
    return list;
}

upload::ResumableInfo unfinished(int n, std::optional<qint64> length, qint64 offset,
                                 const QDateTime &expires)
{
    upload::ResumableInfo u;
    u.id = u"u%1"_s.arg(n, 32, 16, QChar(u'0'));
    u.name = n == 1 ? QString() : u"part%1.bin"_s.arg(n);
    u.account = u"alice"_s;
    u.length = length;
    u.offset = offset;
    u.expires = expires;
    return u;
}

http::Transfer transferOn(const QString &route)
{
    http::Transfer t;
    t.method = u"PATCH"_s;
    t.route = route;
    return t;
}

jobs::JobRecord jobOfKind(const QString &kind)
{
    jobs::JobRecord j;
    j.id = u"j%1"_s.arg(kind);
    j.kind = kind;
    return j;
}

} // namespace

class tst_UploadsRefresh : public QObject
{
    Q_OBJECT
private slots:
    void modelKeepsRowsThatStay();
    void refreshIsThrottledAndWaitsUntilShown();
    void holdsTheNewestThousand();
    void listReplacedWhileChoosingWhereToSave();
    void resumableModelSaysWhatArrivedAndWhenItExpires();
    void resumableListFollowsTheStoredOneAndTusRequests();
    void resumableDeleteThatFailsNamesTheUpload();
};

void tst_UploadsRefresh::modelKeepsRowsThatStay()
{
    ui::UploadsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset(records(3));
    QCOMPARE(model.rowCount(), 3);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    // The same uploads, one processed since: changed in place.
    auto later = records(3);
    later[1].processing = upload::ProcessingState::Done;
    later[1].outcome = QJsonObject {{u"rows"_s, 7}, {u"columns"_s, 2}};
    model.reset(later);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(changes.size(), 1);
    QCOMPARE(model.index(1, ui::UploadsModel::Processing).data().toString(),
             u"done, 7 rows \u00d7 2 columns"_s);
    // Another set: a reset.
    model.reset(records(4));
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.accounts(), QStringList({u"alice"_s, u"bob"_s}));
}

void tst_UploadsRefresh::refreshIsThrottledAndWaitsUntilShown()
{
    FakeService service;
    service.uploads = records(2);
    QWidget hiddenParent; // never shown: the page is not on screen
    auto *page = new ui::UploadsPage(service, &hiddenParent);
    QCOMPARE(service.uploadRequests, 1); // its first list, shown or not
    QTRY_COMPARE(page->model()->rowCount(), 2);
    QTest::qWait(1'100); // past the throttle

    // Hidden: a processing job's change only marks it stale.
    emit service.jobsChanged({jobOfKind(u"upload.process"_s)}, {});
    QTest::qWait(50);
    QCOMPARE(service.uploadRequests, 1);
    page->setParent(nullptr);
    page->show();
    QVERIFY(QTest::qWaitForWindowExposed(page));
    QCOMPARE(service.uploadRequests, 2); // re-read as it shows

    // Shown: a burst of changes is one request after the throttle, and
    // other jobs' changes are none.
    for (int i = 0; i < 5; ++i)
        emit service.jobsChanged({jobOfKind(u"upload.process"_s)}, {});
    emit service.jobsChanged({jobOfKind(u"export"_s)}, {});
    QCOMPARE(service.uploadRequests, 2);
    QTRY_COMPARE_WITH_TIMEOUT(service.uploadRequests, 3, 2'000);
    QTest::qWait(1'200);
    QCOMPARE(service.uploadRequests, 3);
    // A deletion elsewhere, as an event.
    metrics::Event deleted;
    deleted.kind = u"upload_deleted"_s;
    emit service.eventRecorded(deleted);
    QCOMPARE(service.uploadRequests, 4);
    delete page;
}

void tst_UploadsRefresh::holdsTheNewestThousand()
{
    FakeService service;
    service.uploads = records(1'500);
    ui::UploadsPage page(service);
    QTRY_COMPARE(page.model()->rowCount(), ui::UploadsPage::MaxUploads);
    // The newest ones.
    QVERIFY(page.model()->find(record(1'500).id));
    QVERIFY(!page.model()->find(record(500).id));
    auto *summary = page.findChild<QLabel *>(u"uploadsSummary"_s);
    QVERIFY(summary);
    QCOMPARE(
        summary->text(),
        u"Showing %1 of %2 uploads"_s.arg(QLocale().toString(1'000), QLocale().toString(1'500)));
}

// Review finding: Save as kept a pointer into the model's list across the
// file dialog's event loop, where a refresh may replace the list.
void tst_UploadsRefresh::listReplacedWhileChoosingWhereToSave()
{
    FakeService service;
    service.uploads = records(3);
    ui::UploadsPage page(service);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    QTRY_COMPARE(page.model()->rowCount(), 3);
    const upload::UploadRecord chosen = records(3).at(1);
    QTableView *view = page.view();
    view->selectRow(1);
    page.setSavePathChooser([&](const QString &name) {
        // While the operator chooses: the list is replaced by a longer one.
        page.model()->reset(records(40));
        return u"/tmp/%1"_s.arg(name);
    });
    auto *save = page.findChild<QAction *>(u"saveUploadAction"_s);
    QVERIFY(save && save->isEnabled());
    save->trigger();
    QCOMPARE(service.saved.size(), 1);
    QCOMPARE(service.saved.at(0).first, chosen.id);
    QCOMPARE(service.saved.at(0).second, u"/tmp/%1"_s.arg(chosen.name));
}

void tst_UploadsRefresh::resumableModelSaysWhatArrivedAndWhenItExpires()
{
    ui::ResumableUploadsModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QDateTime now(QDate(2026, 12, 8), QTime(2, 0), Qt::UTC);
    model.setNow(now);
    const QList<upload::ResumableInfo> list {
        unfinished(1, std::nullopt, 4096, now.addSecs(-5)),
        unfinished(2, 100, 40, now.addSecs(12 * 60 + 30)),
        unfinished(3, 3LL << 30, 3LL << 29, now.addSecs(24 * 3600 - 10)),
    };
    model.reset(list);
    QCOMPARE(model.rowCount(), 3);
    using M = ui::ResumableUploadsModel;
    const auto text = [&model](int row, int column, int role = Qt::DisplayRole) {
        return model.index(row, column).data(role);
    };
    // No file name: the id stands in.
    QCOMPARE(text(0, M::Name).toString(), list[0].id);
    QCOMPARE(text(1, M::Name).toString(), u"part2.bin"_s);
    QCOMPARE(text(0, M::Received).toString(), u"4.00 KiB, length deferred"_s);
    QCOMPARE(text(0, M::Received, M::FractionRole).toDouble(), -1.0);
    QCOMPARE(text(1, M::Received).toString(), u"40 B of 100 B"_s);
    QCOMPARE(text(1, M::Received, M::FractionRole).toDouble(), 0.4);
    QCOMPARE(text(2, M::Received).toString(), u"1.50 GiB of 3.00 GiB"_s);
    QCOMPARE(text(2, M::Received, M::FractionRole).toDouble(), 0.5);
    QCOMPARE(text(0, M::Expires).toString(), u"expired"_s);
    QCOMPARE(text(1, M::Expires).toString(), u"in 12 min"_s);
    QCOMPARE(text(2, M::Expires).toString(), u"in 23 h"_s);
    // Expired in the error colour, within the hour in the warning colour.
    QCOMPARE(text(0, M::Expires, Qt::ForegroundRole).value<QColor>(),
             ui::currentColours().errorText);
    QCOMPARE(text(1, M::Expires, Qt::ForegroundRole).value<QColor>(),
             ui::currentColours().warningText);
    QVERIFY(!text(2, M::Expires, Qt::ForegroundRole).isValid());

    // The same uploads further on: changed in place; others: a reset.
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    auto later = list;
    later[1].offset = 100;
    model.reset(later);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(changes.size(), 1);
    QCOMPARE(text(1, M::Received, M::FractionRole).toDouble(), 1.0);
    model.reset(later.mid(1));
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.rowOf(list[0].id), -1);
}

void tst_UploadsRefresh::resumableListFollowsTheStoredOneAndTusRequests()
{
    FakeService service;
    QWidget hiddenParent;
    auto *page = new ui::UploadsPage(service, &hiddenParent);
    ui::ResumableUploadsPane *pane = page->resumablePane();
    QCOMPARE(service.resumableRequests, 1); // its first list, shown or not
    QTest::qWait(1'100); // past the throttle
    // Hidden: a request under /files/ only marks it stale.
    emit service.transfersChanged({transferOn(u"/files/{id}"_s)}, 0);
    emit service.transfersChanged({}, 0);
    QCOMPARE(service.resumableRequests, 1);
    service.resumable = {unfinished(2, 100, 40, QDateTime::currentDateTimeUtc().addSecs(600))};
    page->setParent(nullptr);
    page->show();
    QVERIFY(QTest::qWaitForWindowExposed(page));
    QCOMPARE(service.resumableRequests, 2); // re-read as it shows
    QCOMPARE(service.uploadRequests, 1); // nothing asked for the stored list
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    QVERIFY(pane->view()->isVisible());

    // Shown: while a PATCH runs, and once when the last one ends; other
    // requests are not the unfinished uploads' business.
    QTest::qWait(1'100);
    emit service.transfersChanged({transferOn(u"/uploads/{name}"_s)}, 0);
    QCOMPARE(service.resumableRequests, 2);
    emit service.transfersChanged({transferOn(u"/files/{id}"_s)}, 0);
    QCOMPARE(service.resumableRequests, 3);
    QTest::qWait(1'100);
    emit service.transfersChanged({}, 0);
    QCOMPARE(service.resumableRequests, 4);
    QTest::qWait(1'100);
    emit service.transfersChanged({}, 0);
    QCOMPARE(service.resumableRequests, 4);
    QCOMPARE(service.uploadRequests, 1);
    // With the stored list: a deletion elsewhere reads both.
    metrics::Event deleted;
    deleted.kind = u"upload_deleted"_s;
    emit service.eventRecorded(deleted);
    QCOMPARE(service.uploadRequests, 2);
    QCOMPARE(service.resumableRequests, 5);

    // Gone: the table goes, one line says so.
    service.resumable.clear();
    pane->refresh();
    auto *empty = pane->findChild<QLabel *>(u"resumableUploadsEmpty"_s);
    QVERIFY(empty);
    QTRY_VERIFY(empty->isVisible());
    QVERIFY(!pane->view()->isVisible());
    delete page;
}

// The answer comes as uploadCommandFinished, which the stored uploads'
// Delete shares: only this table says it, naming the upload.
void tst_UploadsRefresh::resumableDeleteThatFailsNamesTheUpload()
{
    FakeService service;
    const upload::ResumableInfo gone
        = unfinished(2, 100, 40, QDateTime::currentDateTimeUtc().addSecs(600));
    service.resumable = {gone};
    ui::UploadsPage page(service);
    page.show();
    QVERIFY(QTest::qWaitForWindowExposed(&page));
    ui::ResumableUploadsPane *pane = page.resumablePane();
    QTRY_COMPARE(pane->model()->rowCount(), 1);
    pane->view()->selectRow(0);
    auto *action = pane->findChild<QAction *>(u"deleteResumableUploadsAction"_s);
    QVERIFY(action && action->isEnabled());
    auto asked = std::make_shared<bool>(false);
    sluice::testing::answerQuestion(u"deleteResumableUploadsQuestion"_s, u"Delete"_s, asked);
    action->trigger();
    QVERIFY(*asked);
    QCOMPARE(service.removedResumable, QStringList {gone.id});
    auto *message = pane->findChild<QLabel *>(u"resumableUploadsMessage"_s);
    auto *storedMessage = page.findChild<QLabel *>(u"uploadsMessage"_s);
    QVERIFY(message && storedMessage);
    QCOMPARE(message->text(), u"Deleting 1 unfinished upload(s)\u2026"_s);

    const int requests = service.resumableRequests;
    emit service.uploadCommandFinished({gone.id, false, u"no resumable upload %1"_s.arg(gone.id)});
    QCOMPARE(message->text(), u"Could not delete part2.bin: no resumable upload %1"_s.arg(gone.id));
    QVERIFY(message->isVisible());
    QCOMPARE(message->palette().color(QPalette::WindowText), ui::currentColours().errorText);
    QVERIFY(storedMessage->text().isEmpty());
    QCOMPARE(service.resumableRequests, requests + 1); // the list as it is now
    // An answer it did not ask for changes nothing.
    emit service.uploadCommandFinished({gone.id, false, u"another"_s});
    QVERIFY(message->text().startsWith(u"Could not delete part2.bin"_s));
}

QTEST_MAIN(tst_UploadsRefresh)
#include "tst_uploadsrefresh.moc"
