// The operator window in front of the real Service on a temporary data dir:
// each control is driven through the widgets, and its effect is checked on the
// running service (job states, HTTP answers, files on disk).
#include "charts/timeserieschart.h"
#include "dashboardpage.h"
#include "exporttesting.h"
#include "jobsmodel.h"
#include "jobspage.h"
#include "limitseditor.h"
#include "mainwindow.h"
#include "questiontesting.h"
#include "testroutes.h"
#include "testsupport.h"
#include "transfersmodel.h"
#include "transferspage.h"
#include "windowtesting.h"

#include "config/config.h"
#include "export/exportcatalog.h"
#include "jobs/jobengine.h"
#include "service/service.h"

#include <QAction>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <memory>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;

namespace {

// A service on port 0 with quick samples, one attempt per job, and the
// PUT /tempfile test route writing into <data>/uploads-in-progress. No
// datasets unless a test passes some.
struct Fixture
{
    QTemporaryDir dir;
    QString configPath = dir.filePath(u"config.json"_s);
    QString spoolDir = dir.filePath(u"uploads-in-progress"_s);
    std::unique_ptr<service::Service> service;
    std::unique_ptr<ui::MainWindow> window;

    bool start(const QList<config::Dataset> &datasets = {})
    {
        auto loaded = config::loadOrCreate(configPath);
        if (!loaded)
            return false;
        loaded->config.datasets = datasets; // by default no demo database to generate
        loaded->config.limits.metricsIntervalMs = 200;
        loaded->config.limits.maxAttempts = 1;
        loaded->config.limits.exportBatchRows = 500; // a stop request is honoured per batch
        if (!loaded->config.save(configPath) || !QDir().mkpath(spoolDir))
            return false;
        service::Service::Options options {
            dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}, {}};
        options.extraRoutes = [spool = spoolDir](http::Router &router) {
            addTempFileRoute(router, spool);
        };
        service = std::make_unique<service::Service>(options, *loaded);
        window = std::make_unique<ui::MainWindow>(*service);
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return false;
        service->start();
        return QTest::qWaitFor(
            [this] { return service->status().state == service::ServiceState::Running; }, 10'000);
    }
    quint16 port() const
    {
        return quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }

    // Submits straight to the engine, as an HTTP client would through POST /jobs.
    QString submitSelftest(const QJsonObject &params)
    {
        QString id;
        QObject context;
        service->jobEngine()->submit(u"selftest"_s, params, {u"tester"_s, u"tester"_s, true},
                                     &context, [&id](const jobs::SubmitResult &r) {
                                         if (r.job)
                                             id = r.job->id;
                                     });
        if (!QTest::qWaitFor([&id] { return !id.isEmpty(); }, 5'000))
            qWarning("the job engine did not answer the submission within 5 s");
        return id;
    }

    QString stateInWindow(const QString &id) const
    {
        const jobs::JobRecord *job = window->jobsPage()->model()->find(id);
        return job ? jobs::toString(job->state) : QString();
    }
    qint64 rowsInWindow(const QString &id) const
    {
        const jobs::JobRecord *job = window->jobsPage()->model()->find(id);
        return job ? job->progressRows : -1;
    }

    // The State cell the table shows for the job (through the view's own,
    // sorted and filtered, model).
    QString stateInView(const QString &id) const
    {
        const QAbstractItemModel *shown = window->jobsPage()->view()->model();
        for (int row = 0; row < shown->rowCount(); ++row) {
            const QModelIndex cell = shown->index(row, ui::JobsModel::State);
            if (cell.data(ui::JobsModel::JobIdRole).toString() == id)
                return cell.data().toString();
        }
        return {};
    }

    QStringList filesUnder(const QString &sub) const
    {
        return testing::filesUnder(dir.filePath(sub));
    }

    // The state the engine has stored, asked on its own thread.
    QString storedState(const QString &id)
    {
        QString state;
        bool done = false;
        QObject context;
        service->jobEngine()->get(id, {u"tester"_s, u"tester"_s, true}, &context,
                                  [&](const std::optional<jobs::JobRecord> &job) {
                                      state = job ? jobs::toString(job->state) : u"none"_s;
                                      done = true;
                                  });
        if (!QTest::qWaitFor([&done] { return done; }, 5'000))
            qWarning("the job engine did not answer the look-up within 5 s");
        return state;
    }

    // Selects the job's row in the table (the row moves as the model sorts).
    bool selectJob(const QString &id) { return testing::selectJob(*window, id); }
};

QByteArray headWithHeaderBytes(int bytes)
{
    return "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(bytes, 'a')
        + "\r\nConnection: close\r\n\r\n";
}

} // namespace

class tst_OperatorWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cancelOnRunningJobCancelsIt();
    void cancelOnRunningExportRemovesPartialFile();
    void retryOnFailedJobRequeuesIt();
    void applyingLimitMakesServiceRejectOverIt();
    void abortClosesTransferAndRemovesTempFile();
    void abortOfRealUploadLeavesNothing();
    void dashboardSeriesGainPointsAsSamplesArrive();

private:
    QTemporaryDir m_settingsDir;
};

void tst_OperatorWindow::initTestCase()
{
    installProbe(); // sluice_probe() for the slowed export dataset
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void tst_OperatorWindow::cancelOnRunningJobCancelsIt()
{
    Fixture f;
    QVERIFY(f.start());
    const QString id = f.submitSelftest({{u"steps"_s, 600}, {u"step_ms"_s, 50}});
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(f.stateInWindow(id), u"running"_s, 10'000);
    // The attempt's private folder, with its partial output.
    const QDir attempt(f.dir.filePath(u"tmp/jobs/"_s + id + u"-1"_s));
    QTRY_VERIFY_WITH_TIMEOUT(!attempt.entryList(QDir::Files).isEmpty(), 5'000);
    QVERIFY(f.selectJob(id));
    auto *cancel = f.window->findChild<QAction *>(u"cancelJobsAction"_s);
    QVERIFY(cancel && cancel->isEnabled());
    // The keyboard shortcut, as the operator would.
    f.window->jobsPage()->view()->setFocus();
    QTest::keyClick(f.window->jobsPage()->view(), Qt::Key_K, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(f.stateInWindow(id), u"cancelled"_s, 10'000);
    QCOMPARE(f.storedState(id), u"cancelled"_s);
    QVERIFY(!cancel->isEnabled()); // nothing left to cancel in the selection
    // The partial output goes with the attempt.
    QTRY_VERIFY_WITH_TIMEOUT(!attempt.exists(), 5'000);
}

// An export job (POST /exports) on the demo orders read through sluice_probe,
// slowed to ~16 s for the whole range, cancelled with the Cancel button while
// it runs: it ends cancelled after its current batch, and neither its partial
// CSV nor a result is left on disk.
void tst_OperatorWindow::cancelOnRunningExportRemovesPartialFile()
{
    constexpr qint64 demoRows = 40'000;
    config::Dataset orders = config::Dataset::demoOrders();
    orders.demoRows = demoRows;
    Fixture f;
    QVERIFY(f.start({orders, probedDataset(orders, u"slow"_s)}));
    f.service->exportCatalog()->startGeneration();
    QTRY_VERIFY_WITH_TIMEOUT(f.service->exportCatalog()->readiness(u"orders"_s)
                                 == exports::ExportCatalog::Readiness::Ready,
                             30'000);
    sqlProbe().slowEvery = 50;
    sqlProbe().slowMs = 20; // 200 ms per batch of 500 rows
    const auto fast = qScopeGuard([] { sqlProbe().slowEvery = 0; });

    const QByteArray body = QJsonDocument(QJsonObject {{u"dataset"_s, u"slow"_s},
                                                       {u"from"_s, u"2025-01-01"_s},
                                                       {u"to"_s, u"2026-06-30"_s}})
                                .toJson(QJsonDocument::Compact);
    const QByteArray auth = bearer(f.service->firstRunToken());
    const Reply submitted = request(f.port(),
                                    "POST /exports HTTP/1.1\r\nHost: x\r\n" + auth
                                        + "Content-Type: application/json\r\nContent-Length: "
                                        + QByteArray::number(body.size()) + "\r\n\r\n" + body,
                                    10'000);
    QCOMPARE(submitted.status, 202);
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
    QVERIFY(!id.isEmpty());

    // Running, with rows written to the partial file in its attempt folder.
    QTRY_VERIFY_WITH_TIMEOUT(f.rowsInWindow(id) >= 500, 10'000);
    QCOMPARE(f.stateInWindow(id), u"running"_s);
    QCOMPARE(f.window->jobsPage()->model()->find(id)->kind, u"export"_s);
    const QStringList partial = f.filesUnder(u"tmp/jobs/"_s + id + u"-1"_s);
    QCOMPARE(partial.size(), 1);
    QVERIFY(partial.first().endsWith(u".csv"_s));
    QVERIFY(QFileInfo(partial.first()).size() > 0);
    QVERIFY(f.filesUnder(u"results"_s).isEmpty());

    // The Cancel button of the jobs toolbar, clicked.
    QVERIFY(f.selectJob(id));
    QCOMPARE(f.stateInView(id), u"running"_s);
    auto *cancel = f.window->findChild<QAction *>(u"cancelJobsAction"_s);
    QVERIFY(cancel && cancel->isEnabled());
    QToolButton *button = nullptr;
    for (QToolButton *candidate : f.window->jobsPage()->findChildren<QToolButton *>()) {
        if (candidate->defaultAction() == cancel)
            button = candidate;
    }
    QVERIFY(button && button->isVisible());
    QTest::mouseClick(button, Qt::LeftButton);

    QTRY_COMPARE_WITH_TIMEOUT(f.stateInWindow(id), u"cancelled"_s, 10'000);
    QCOMPARE(f.stateInView(id), u"cancelled"_s);
    QCOMPARE(f.storedState(id), u"cancelled"_s);
    QVERIFY(!cancel->isEnabled());
    const Reply job = request(f.port(), get("/jobs/" + id.toLatin1(), auth));
    QCOMPARE(QJsonDocument::fromJson(job.body).object().value(u"state"_s).toString(),
             u"cancelled"_s);
    QVERIFY(f.rowsInWindow(id) < demoRows);

    // The attempt stops at its next batch (~200 ms); its folder and partial file
    // go with it. One that ignored the stop would keep them until it had read
    // the whole range (~16 s, longer on a loaded machine).
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(partial.first()), 10'000);
    QTRY_VERIFY_WITH_TIMEOUT(f.filesUnder(u"tmp/jobs"_s).isEmpty(), 5'000);
    QVERIFY(!QDir(f.dir.filePath(u"tmp/jobs/"_s + id + u"-1"_s)).exists());
    QVERIFY(f.filesUnder(u"results"_s).isEmpty());
    QCOMPARE(request(f.port(), get("/jobs/" + id.toLatin1() + "/result", auth)).status, 409);
}

void tst_OperatorWindow::retryOnFailedJobRequeuesIt()
{
    Fixture f;
    QVERIFY(f.start());
    // Fails its first attempt on purpose; with max_attempts 1 it stays failed.
    const QString id
        = f.submitSelftest({{u"steps"_s, 2}, {u"step_ms"_s, 10}, {u"fail_attempts"_s, 1}});
    QVERIFY(!id.isEmpty());
    QTRY_COMPARE_WITH_TIMEOUT(f.stateInWindow(id), u"failed"_s, 10'000);
    QCOMPARE(f.storedState(id), u"failed"_s);

    QSignalSpy answers(f.service.get(), &service::ServiceFacade::jobCommandFinished);
    QVERIFY(f.selectJob(id));
    auto *retry = f.window->findChild<QAction *>(u"retryJobsAction"_s);
    QVERIFY(retry && retry->isEnabled());
    retry->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 5'000);
    const auto answer = answers.first().first().value<service::JobCommandResult>();
    QVERIFY2(answer.ok, qPrintable(answer.message));
    QCOMPARE(answer.jobId, id);
    // Its second attempt succeeds. (The engine's batches may fold queued and
    // running into one update: the attempt log is the proof it ran again.)
    QTRY_COMPARE_WITH_TIMEOUT(f.stateInWindow(id), u"succeeded"_s, 10'000);
    QCOMPARE(f.storedState(id), u"succeeded"_s);
    const auto events = f.service->recentEvents();
    QVERIFY(std::any_of(events.begin(), events.end(), [&id](const metrics::Event &e) {
        return e.kind == u"retry"_s && e.jobId == id && e.detail.contains(u"manual"_s);
    }));
    const jobs::JobRecord *job = f.window->jobsPage()->model()->find(id);
    QCOMPARE(job->attemptLog.size(), 2);
}

void tst_OperatorWindow::applyingLimitMakesServiceRejectOverIt()
{
    Fixture f;
    QVERIFY(f.start());
    // 4 KiB of header passes the default max_header_bytes (16 KiB).
    QCOMPARE(request(f.port(), headWithHeaderBytes(4096)).status, 200);

    ui::LimitsEditor *editor = f.window->limitsEditor();
    f.window->tabs()->setCurrentWidget(editor);
    QLineEdit *field = editor->editor(u"max_header_bytes"_s);
    auto *apply = editor->findChild<QPushButton *>(u"applyLimitsButton"_s);
    auto *message = editor->findChild<QLabel *>(u"limitsMessage"_s);
    QVERIFY(field && apply && message);
    QVERIFY(!apply->isEnabled());

    // Validation as you type: out of range, then not a number, then fine.
    field->selectAll();
    QTest::keyClicks(field, u"12"_s);
    QVERIFY(!apply->isEnabled());
    QVERIFY(message->text().contains(u"max_header_bytes"_s));
    field->selectAll();
    QTest::keyClicks(field, u"2k"_s);
    QVERIFY(!apply->isEnabled());
    field->selectAll();
    QTest::keyClicks(field, u"2048"_s);
    QVERIFY(apply->isEnabled());

    QSignalSpy applied(f.service.get(), &service::ServiceFacade::limitsApplyFinished);
    QTest::mouseClick(apply, Qt::LeftButton);
    QVERIFY(applied.wait(10'000));
    QVERIFY(applied.first().first().value<service::LimitsApplyResult>().ok);
    QCOMPARE(f.service->limits().maxHeaderBytes, 2048);

    // The running service (same port, no restart) now refuses the same request.
    const Reply refused = request(f.port(), headWithHeaderBytes(4096));
    QCOMPARE(refused.status, 431);
    QVERIFY(refused.body.contains("max_header_bytes"));
    QCOMPARE(request(f.port(), headWithHeaderBytes(1000)).status, 200);

    // Persisted, and recorded.
    QFile file(f.configPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject saved = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(saved.value(u"limits"_s).toObject().value(u"max_header_bytes"_s).toInteger(), 2048);
    const auto events = f.service->recentEvents();
    QVERIFY(std::any_of(events.begin(), events.end(), [](const metrics::Event &e) {
        return e.kind == u"limits_changed"_s
            && e.detail.contains(u"max_header_bytes 16384 -> 2048"_s);
    }));
    QVERIFY(!editor->isModified());
    QVERIFY(!apply->isEnabled());
}

void tst_OperatorWindow::abortClosesTransferAndRemovesTempFile()
{
    Fixture f;
    QVERIFY(f.start());
    ui::TransfersPage *page = f.window->transfersPage();
    f.window->tabs()->setCurrentWidget(page);

    // An upload that announces 10 MB and sends 64 KiB, then waits.
    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, f.port());
    QVERIFY(client.waitForConnected(5'000));
    client.write("PUT /tempfile HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n");
    client.write(QByteArray(64 * 1024, 'x'));
    QDir spool(f.spoolDir);
    QTRY_COMPARE_WITH_TIMEOUT(spool.entryList(QDir::Files).size(), 1, 5'000);
    const QString part = spool.filePath(spool.entryList(QDir::Files).first());

    // It shows up (once a second) with what it has sent so far.
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 1, 5'000);
    const http::Transfer row = page->model()->transfer(0);
    QCOMPARE(row.route, u"/tempfile"_s);
    QCOMPARE(row.totalIn, 10'000'000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->transfer(0).bytesIn, 64 * 1024, 5'000);

    // The row's Abort button.
    QTableView *view = page->view();
    const QRect cell = view->visualRect(page->model()->index(0, ui::TransfersModel::Abort));
    QVERIFY(cell.isValid());
    sluice::testing::answerQuestion(u"abortTransferQuestion"_s, u"Abort"_s);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());

    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 5'000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(part), 5'000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 0, 5'000);
    const auto events = f.service->recentEvents();
    QVERIFY(std::any_of(events.begin(), events.end(), [](const metrics::Event &e) {
        return e.kind == u"aborted"_s && e.detail.contains(u"aborted by the operator"_s);
    }));
}

// The same through the real upload route (PUT /uploads/{filename}).
void tst_OperatorWindow::abortOfRealUploadLeavesNothing()
{
    Fixture f;
    QVERIFY(f.start());
    const QString token = f.service->firstRunToken();
    QVERIFY(!token.isEmpty());
    ui::TransfersPage *page = f.window->transfersPage();
    f.window->tabs()->setCurrentWidget(page);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, f.port());
    QVERIFY(client.waitForConnected(5'000));
    client.write("PUT /uploads/orders.txt HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + token.toLatin1() + "\r\nContent-Length: 20000000\r\n\r\n");
    QByteArray text;
    while (text.size() < 256 * 1024)
        text += "date,amount,customer\n";
    client.write(text);
    const QDir tmp(f.dir.filePath(u"tmp"_s), u"upload-*.part"_s);
    QTRY_COMPARE_WITH_TIMEOUT(tmp.entryList(QDir::Files).size(), 1, 5'000);
    QTRY_COMPARE_WITH_TIMEOUT(page->model()->rowCount(), 1, 5'000);
    QCOMPARE(page->model()->transfer(0).route, u"/uploads/{filename}"_s);
    QVERIFY(!page->model()->transfer(0).account.isEmpty());

    QTableView *view = page->view();
    const QRect cell = view->visualRect(page->model()->index(0, ui::TransfersModel::Abort));
    sluice::testing::answerQuestion(u"abortTransferQuestion"_s, u"Abort"_s);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 5'000);
    QTRY_VERIFY_WITH_TIMEOUT(tmp.entryList(QDir::Files).isEmpty(), 5'000);
    // Nothing stored either.
    const QDir stored(f.dir.filePath(u"uploads"_s));
    QVERIFY(stored.entryList(QDir::Files | QDir::NoDotAndDotDot).isEmpty());
}

void tst_OperatorWindow::dashboardSeriesGainPointsAsSamplesArrive()
{
    Fixture f;
    QVERIFY(f.start());
    ui::DashboardPage *dashboard = f.window->dashboard();
    f.window->tabs()->setCurrentWidget(dashboard);
    ui::TimeSeriesChart *memory = nullptr;
    for (ui::TimeSeriesChart *chart : dashboard->charts()) {
        if (chart->seriesKeys().contains(u"resident_bytes"_s))
            memory = chart;
    }
    QVERIFY(memory);
    // Samples come every 200 ms here.
    QTRY_VERIFY_WITH_TIMEOUT(memory->pointCount(u"resident_bytes"_s) >= 2, 5'000);
    const qsizetype before = memory->pointCount(u"resident_bytes"_s);
    QTRY_VERIFY_WITH_TIMEOUT(memory->pointCount(u"resident_bytes"_s) >= before + 3, 5'000);

    // Paused: no new points; resumed: the gap is filled from the history.
    dashboard->setPaused(true);
    const qsizetype paused = memory->pointCount(u"resident_bytes"_s);
    QTest::qWait(700);
    QCOMPARE(memory->pointCount(u"resident_bytes"_s), paused);
    dashboard->setPaused(false);
    QTRY_VERIFY_WITH_TIMEOUT(memory->pointCount(u"resident_bytes"_s) >= paused + 3, 5'000);
}

QTEST_MAIN(tst_OperatorWindow)
#include "tst_operatorwindow.moc"
