// "New export…" (issue 23), run twice: on the embedded Service in this
// process, and through RemoteServiceFacade on a sluiced child. The dialog is
// driven through its widgets; what it submits is checked over HTTP, and what
// it says is compared with what the API answers for the same body.
#include "daemon.h"
#include "exporttesting.h"
#include "fakeservice.h"
#include "testsupport.h"

#include "jobsmodel.h"
#include "jobspage.h"
#include "mainwindow.h"
#include "newexportdialog.h"
#include "windowtarget.h"

#include "config/config.h"
#include "export/exportcatalog.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QAction>
#include <QComboBox>
#include <QDateEdit>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSettings>
#include <QStandardItemModel>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

namespace {

constexpr qint64 DemoRows = 20'000; // over 2025-01-01 .. 2026-06-30, like the full demo

// The window on a service with the demo dataset, embedded or a sluiced child.
struct Target : testing::WindowTarget
{
    bool start()
    {
        const bool started = startWindow([](config::LoadedConfig &loaded) {
            config::Dataset orders = config::Dataset::demoOrders();
            orders.demoRows = DemoRows;
            loaded.config.datasets = {orders};
            loaded.config.limits.maxAttempts = 1;
            loaded.config.limits.minFreeDiskBytes = 0;
            return true;
        });
        // The demo is generated after the start; the dialog lists it when it is there.
        return started && QTest::qWaitFor([this] { return demoIsReady(); }, 60'000);
    }

    bool demoIsReady()
    {
        const QJsonObject catalog = json(call("GET", "/exports"));
        const QJsonArray datasets = catalog.value(u"datasets"_s).toArray();
        return !datasets.isEmpty() && datasets.first().toObject().value(u"ready"_s).toBool();
    }

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        return request(port,
                       method + ' ' + path + " HTTP/1.1\r\nHost: x\r\n" + bearer(token)
                           + "Content-Type: application/json\r\nContent-Length: "
                           + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n"
                           + body,
                       30'000);
    }
    static QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }
};

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

// The dialog the Jobs tab's button opens.
ui::NewExportDialog *openFromJobsTab(ui::MainWindow &window)
{
    window.tabs()->setCurrentWidget(window.jobsPage());
    auto *button = window.jobsPage()->findChild<QToolButton *>(u"newExportButton"_s);
    if (!button)
        return nullptr;
    QTest::mouseClick(button, Qt::LeftButton);
    return window.findChild<ui::NewExportDialog *>(u"newExportDialog"_s);
}

qint64 rowsSaid(const QString &text)
{
    QString digits;
    for (const QChar c : text) {
        if (c.isDigit())
            digits += c;
    }
    return digits.isEmpty() ? -1 : digits.toLongLong();
}

} // namespace

class tst_NewExport : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void submitFromTheJobsTab_data() { facades(); }
    void submitFromTheJobsTab();
    void invalidRangeSaysTheServicesWords_data() { facades(); }
    void invalidRangeSaysTheServicesWords();
    void defaultRange_data();
    void defaultRange();
    void jobListedAfterTheAnswerIsSelected();
    void refusalStaysInTheDialog();
    void busyEstimateDoesNotLockSubmit();

private:
    static void facades();
};

void tst_NewExport::facades()
{
    QTest::addColumn<bool>("remote");
    QTest::addRow("embedded") << false;
    QTest::addRow("remote") << true;
}

void tst_NewExport::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings(u"Sluice"_s, u"Sluice"_s).clear();
}

void tst_NewExport::submitFromTheJobsTab()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());

    QPointer<ui::NewExportDialog> dialog = openFromJobsTab(*t.window);
    QVERIFY(dialog);
    QTRY_VERIFY(dialog->isVisible());
    auto *dataset = dialog->findChild<QComboBox *>(u"exportDataset"_s);
    auto *from = dialog->findChild<QDateEdit *>(u"exportFrom"_s);
    auto *to = dialog->findChild<QDateEdit *>(u"exportTo"_s);
    auto *estimate = dialog->findChild<QLabel *>(u"exportEstimate"_s);
    auto *submit = dialog->findChild<QPushButton *>(u"submitExportButton"_s);
    QVERIFY(dataset && from && to && estimate && submit);
    QTRY_COMPARE(dataset->currentData().toString(), u"orders"_s);
    // The last full month that has data, not the last month before today.
    QCOMPARE(from->date(), QDate(2026, 6, 1));
    QCOMPARE(to->date(), QDate(2026, 6, 30));
    QTRY_VERIFY(estimate->text().startsWith(u"About"_s));

    from->setDate(QDate(2025, 3, 1));
    to->setDate(QDate(2025, 3, 20));
    auto *currency = dialog->findChild<QLineEdit *>(u"exportFilter_currency"_s);
    QVERIFY(currency);
    currency->setFocus();
    QTest::keyClicks(currency, u"USD"_s);
    const QJsonObject request = dialog->request();
    QCOMPARE(request.value(u"filters"_s).toObject().value(u"currency"_s).toString(), u"USD"_s);

    // The estimate is the API's for the same body.
    const Reply api = t.call("POST", "/exports/estimate", compact(request));
    QCOMPARE(api.status, 200);
    const qint64 expected = Target::json(api).value(u"estimated_rows"_s).toInteger();
    QVERIFY(expected > 0);
    QTRY_COMPARE_WITH_TIMEOUT(estimate->text(), u"About %L1 rows"_s.arg(expected), 10'000);
    QCOMPARE(rowsSaid(estimate->text()), expected);
    QVERIFY(submit->isEnabled());

    // Enter submits, from any field.
    QTest::keyClick(currency, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(!dialog || !dialog->isVisible(), 10'000);

    // The new job is shown selected in the Jobs tab.
    ui::JobsPage *page = t.window->jobsPage();
    QCOMPARE(t.window->tabs()->currentWidget(), static_cast<QWidget *>(page));
    QTRY_COMPARE_WITH_TIMEOUT(page->selectedIds().size(), 1, 10'000);
    const QString id = page->selectedIds().first();
    const QByteArray path = "/jobs/" + id.toLatin1();
    QJsonObject job = Target::json(t.call("GET", path));
    QCOMPARE(job.value(u"kind"_s).toString(), u"export"_s);
    QCOMPARE(job.value(u"params"_s).toObject().value(u"from"_s).toString(), u"2025-03-01"_s);
    QTRY_VERIFY_WITH_TIMEOUT((job = Target::json(t.call("GET", path))).value(u"state"_s).toString()
                                 == u"succeeded"_s,
                             30'000);
    QCOMPARE(job.value(u"progress"_s).toObject().value(u"rows"_s).toInteger(), expected);
    const Reply result = t.call("GET", path + "/result");
    QCOMPARE(result.status, 200);
    const auto rows = parseCsv(result.body);
    QVERIFY(rows);
    QCOMPARE(qint64(rows->size()) - 1, expected); // less the header
}

void tst_NewExport::invalidRangeSaysTheServicesWords()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());

    // File > New export… opens it too, on the Jobs tab.
    auto *action = t.window->findChild<QAction *>(u"newExportAction"_s);
    QVERIFY(action);
    QCOMPARE(action->shortcut(), QKeySequence(QKeySequence::New));
    action->trigger();
    QCOMPARE(t.window->tabs()->currentWidget(), static_cast<QWidget *>(t.window->jobsPage()));
    QPointer<ui::NewExportDialog> dialog
        = t.window->findChild<ui::NewExportDialog *>(u"newExportDialog"_s);
    QVERIFY(dialog);
    auto *dataset = dialog->findChild<QComboBox *>(u"exportDataset"_s);
    auto *from = dialog->findChild<QDateEdit *>(u"exportFrom"_s);
    auto *to = dialog->findChild<QDateEdit *>(u"exportTo"_s);
    auto *estimate = dialog->findChild<QLabel *>(u"exportEstimate"_s);
    auto *submit = dialog->findChild<QPushButton *>(u"submitExportButton"_s);
    QTRY_COMPARE(dataset->currentData().toString(), u"orders"_s);

    from->setDate(QDate(2025, 3, 10));
    to->setDate(QDate(2025, 3, 1));
    const Reply api = t.call("POST", "/exports", compact(dialog->request()));
    QCOMPARE(api.status, 400);
    const QString said = Target::json(api).value(u"error"_s).toString();
    QCOMPARE(said, u"'to' (2025-03-01) is before 'from' (2025-03-10)"_s);
    QTRY_COMPARE_WITH_TIMEOUT(estimate->text(), said, 10'000);
    QVERIFY(!submit->isEnabled());
    QTest::keyClick(to, Qt::Key_Return); // Enter does not submit it either
    QTest::qWait(200);
    QVERIFY(dialog && dialog->isVisible());
    QCOMPARE(Target::json(t.call("GET", "/jobs")).value(u"total"_s).toInt(), 0);

    // A valid range again: Submit comes back with the estimate.
    to->setDate(QDate(2025, 3, 12));
    QTRY_VERIFY_WITH_TIMEOUT(estimate->text().startsWith(u"About"_s), 10'000);
    QVERIFY(submit->isEnabled());
    // Esc cancels: nothing is submitted.
    QTest::keyClick(dialog, Qt::Key_Escape);
    QTRY_VERIFY(!dialog || !dialog->isVisible());
    QCOMPARE(Target::json(t.call("GET", "/jobs")).value(u"total"_s).toInt(), 0);
}

void tst_NewExport::defaultRange_data()
{
    QTest::addColumn<QDate>("first");
    QTest::addColumn<QDate>("last");
    QTest::addColumn<QDate>("from");
    QTest::addColumn<QDate>("to");
    QTest::addRow("ends on a month's last day")
        << QDate(2025, 1, 1) << QDate(2026, 6, 30) << QDate(2026, 6, 1) << QDate(2026, 6, 30);
    QTest::addRow("ends mid-month")
        << QDate(2025, 1, 1) << QDate(2026, 6, 15) << QDate(2026, 5, 1) << QDate(2026, 5, 31);
    QTest::addRow("starts mid-month")
        << QDate(2026, 5, 20) << QDate(2026, 6, 15) << QDate(2026, 5, 20) << QDate(2026, 5, 31);
    QTest::addRow("less than a month")
        << QDate(2026, 6, 3) << QDate(2026, 6, 15) << QDate(2026, 6, 3) << QDate(2026, 6, 15);
    QTest::addRow("unknown days: last month")
        << QDate() << QDate() << QDate(2026, 11, 1) << QDate(2026, 11, 30);
}

void tst_NewExport::defaultRange()
{
    QFETCH(QDate, first);
    QFETCH(QDate, last);
    QFETCH(QDate, from);
    QFETCH(QDate, to);
    const auto range = ui::NewExportDialog::defaultRange(first, last, QDate(2026, 12, 7));
    QCOMPARE(range.first, from);
    QCOMPARE(range.second, to);
}

// A fake service whose catalog has a dataset still being generated before a
// ready one, and whose estimates are lower bounds.
struct FakeTarget
{
    testing::FakeService service;
    std::unique_ptr<ui::MainWindow> window;
    QPointer<ui::NewExportDialog> dialog;

    FakeTarget()
    {
        service::DatasetInfo generating;
        generating.name = u"big"_s;
        generating.why = u"the demo dataset is being generated"_s;
        service::DatasetInfo orders;
        orders.name = u"orders"_s;
        orders.ready = true;
        orders.filterColumns = {u"status"_s};
        orders.firstDay = QDate(2025, 1, 1);
        orders.lastDay = QDate(2026, 6, 30);
        service.datasets = {generating, orders};
        service.estimate = {true, 5000, true, {}};
        window = std::make_unique<ui::MainWindow>(service);
        window->show();
        dialog = openFromJobsTab(*window);
    }
    QComboBox *datasets() const { return dialog->findChild<QComboBox *>(u"exportDataset"_s); }
    QLabel *estimate() const { return dialog->findChild<QLabel *>(u"exportEstimate"_s); }
    QPushButton *submit() const
    {
        return dialog->findChild<QPushButton *>(u"submitExportButton"_s);
    }
};

void tst_NewExport::jobListedAfterTheAnswerIsSelected()
{
    FakeTarget t;
    QVERIFY(t.dialog);
    t.service.submitResult = {true, u"later"_s, {}, {}};
    // The dataset being generated is offered disabled, saying why; the ready one is chosen.
    QTRY_COMPARE(t.datasets()->currentData().toString(), u"orders"_s);
    auto *items = qobject_cast<QStandardItemModel *>(t.datasets()->model());
    QVERIFY(items);
    QVERIFY(!items->item(0)->isEnabled());
    QVERIFY(items->item(0)->text().contains(u"being generated"_s));
    QTRY_COMPARE(t.estimate()->text(), u"At least %L1 rows"_s.arg(5000));

    QTest::mouseClick(t.submit(), Qt::LeftButton);
    QTRY_VERIFY(!t.dialog);
    QCOMPARE(t.service.submitted.size(), 1);
    QCOMPARE(t.service.submitted.first().value(u"dataset"_s).toString(), u"orders"_s);
    ui::JobsPage *page = t.window->jobsPage();
    QVERIFY(page->selectedIds().isEmpty()); // not listed yet

    jobs::JobRecord other;
    other.id = u"other"_s;
    other.kind = u"selftest"_s;
    emit t.service.jobsChanged({other}, {});
    QTest::qWait(50);
    QVERIFY(page->selectedIds().isEmpty());
    jobs::JobRecord later;
    later.id = u"later"_s;
    later.kind = u"export"_s;
    emit t.service.jobsChanged({later}, {});
    QTRY_COMPARE(page->selectedIds(), QStringList {u"later"_s});
}

void tst_NewExport::refusalStaysInTheDialog()
{
    FakeTarget t;
    QVERIFY(t.dialog);
    const QString refusal = u"the queue holds max_queue_depth (2) jobs; try again later"_s;
    t.service.submitResult = {false, {}, refusal, u"max_queue_depth"_s};
    QTRY_VERIFY(t.submit()->isEnabled());
    QTest::mouseClick(t.submit(), Qt::LeftButton);
    auto *message = t.dialog->findChild<QLabel *>(u"exportMessage"_s);
    QTRY_COMPARE(message->text(), refusal);
    QVERIFY(t.dialog->isVisible());
    QVERIFY(t.submit()->isEnabled()); // may be tried again
}

// Review finding: a busy service (live export threads taken, 429/503)
// refused the estimate and Submit stayed locked, though the job would be
// queued. A busy answer is no verdict; a 400 still is.
void tst_NewExport::busyEstimateDoesNotLockSubmit()
{
    FakeTarget t;
    QVERIFY(t.dialog);
    auto *estimate = t.dialog->findChild<QLabel *>(u"exportEstimate"_s);
    auto *to = t.dialog->findChild<QDateEdit *>(u"exportTo"_s);
    QVERIFY(estimate && to);
    const QString busy = u"16 live exports are running, and max_live_exports is 16"_s;
    t.service.estimate = {false, 0, false, busy, true};
    to->setDate(to->date().addDays(-1)); // a new estimate
    QTRY_VERIFY(estimate->text().contains(busy));
    QVERIFY(estimate->text().contains(u"can still be submitted"_s));
    QVERIFY(t.submit()->isEnabled());
    t.service.estimate = {false, 0, false, u"'to' is before 'from'"_s, false};
    to->setDate(to->date().addDays(-1));
    QTRY_COMPARE(estimate->text(), u"'to' is before 'from'"_s);
    QVERIFY(!t.submit()->isEnabled());
}

QTEST_MAIN(tst_NewExport)
#include "tst_newexport.moc"
