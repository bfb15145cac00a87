// The operator window's actions, each run twice: on the embedded Service in
// this process, and attached through RemoteServiceFacade to a real sluiced
// child process. The window is driven through its widgets; the effect is
// checked on the service over HTTP and on its data dir, the same way for
// both.
#include "daemon.h"
#include "testsupport.h"

#include "jobsmodel.h"
#include "jobspage.h"
#include "limitseditor.h"
#include "mainwindow.h"
#include "questiontesting.h"
#include "transfersmodel.h"
#include "transferspage.h"
#include "windowtarget.h"
#include "windowtesting.h"

#include "config/config.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QAction>
#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
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

// Rows of the demo orders read through a query that costs about 0.3 ms a
// row in SQLite (a recursive count per row), so that an export job of it
// runs for seconds in any process, this one or a child.
config::Dataset slowOrders()
{
    config::Dataset slow = config::Dataset::demoOrders();
    slow.name = u"slow"_s;
    slow.demoRows = 0; // reads the file `orders` generates
    slow.query = u"SELECT * FROM orders WHERE (WITH RECURSIVE c(x) AS (SELECT id UNION ALL "
                 "SELECT x + 1 FROM c WHERE x < id + 1000) SELECT count(*) FROM c) > 0"_s;
    slow.table.clear();
    return slow;
}

// The window on a service with quick samples, one attempt per job and small
// export batches; either the embedded one or a sluiced child.
struct Target : testing::WindowTarget
{
    bool start(const QList<config::Dataset> &datasets = {})
    {
        const bool started = startWindow([&](config::LoadedConfig &loaded) {
            loaded.config.datasets = datasets;
            loaded.config.limits.metricsIntervalMs = 200;
            loaded.config.limits.maxAttempts = 1;
            loaded.config.limits.exportBatchRows = 500; // a stop request is honoured per batch
            loaded.config.limits.minFreeDiskBytes = 0;
            return true;
        });
        // The limits are what the window edits: wait until it has them.
        return started
            && QTest::qWaitFor([this] { return service().limits().maxAttempts == 1; }, 5'000);
    }

    QByteArray auth() const { return bearer(token); }

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        return request(port,
                       method + ' ' + path + " HTTP/1.1\r\nHost: x\r\n" + auth()
                           + "Content-Type: application/json\r\nContent-Length: "
                           + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n"
                           + body,
                       10'000);
    }

    QJsonObject job(const QString &id)
    {
        return QJsonDocument::fromJson(call("GET", "/jobs/" + id.toLatin1()).body).object();
    }

    const jobs::JobRecord *inWindow(const QString &id) const
    {
        return window->jobsPage()->model()->find(id);
    }
    QString stateInWindow(const QString &id) const
    {
        const jobs::JobRecord *j = inWindow(id);
        return j ? jobs::toString(j->state) : QString();
    }

    QStringList filesUnder(const QString &sub) const
    {
        return testing::filesUnder(dir.filePath(sub));
    }

    // Selects the job's row in the table (the row moves as the model sorts).
    bool selectJob(const QString &id) { return testing::selectJob(*window, id); }

    // Clicks the jobs toolbar's button for the action.
    bool clickJobAction(const QString &objectName)
    {
        auto *action = window->findChild<QAction *>(objectName);
        if (!action || !action->isEnabled())
            return false;
        for (QToolButton *b : window->jobsPage()->findChildren<QToolButton *>()) {
            if (b->defaultAction() == action && b->isVisible()) {
                QTest::mouseClick(b, Qt::LeftButton);
                return true;
            }
        }
        return false;
    }
};

} // namespace

class tst_WindowEitherWay : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cancelRunningExport_data() { facades(); }
    void cancelRunningExport();
    void retryFailedJob_data() { facades(); }
    void retryFailedJob();
    void changeLimit_data() { facades(); }
    void changeLimit();
    void abortUpload_data() { facades(); }
    void abortUpload();

private:
    static void facades();
    QTemporaryDir m_settingsDir;
};

void tst_WindowEitherWay::facades()
{
    QTest::addColumn<bool>("remote");
    QTest::newRow("embedded") << false;
    QTest::newRow("remote sluiced") << true;
}

void tst_WindowEitherWay::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, m_settingsDir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, m_settingsDir.path());
}

void tst_WindowEitherWay::cancelRunningExport()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    config::Dataset orders = config::Dataset::demoOrders();
    orders.demoRows = 40'000;
    QVERIFY(t.start({orders, slowOrders()}));
    // Until the demo database is there, exports of it answer 503.
    QVERIFY(QTest::qWaitFor(
        [&] {
            return t.call("GET", "/exports/orders.csv?from=2025-01-01&to=2025-01-02").status == 200;
        },
        60'000));

    const Reply submitted = t.call(
        "POST", "/exports", R"({"dataset": "slow", "from": "2025-01-01", "to": "2026-06-30"})");
    QCOMPARE(submitted.status, 202);
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();

    // Running, with rows in the partial file of its attempt folder.
    QTRY_VERIFY_WITH_TIMEOUT(t.inWindow(id) && t.inWindow(id)->progressRows >= 500, 15'000);
    QCOMPARE(t.stateInWindow(id), u"running"_s);
    const QStringList partial = t.filesUnder(u"tmp/jobs/"_s + id + u"-1"_s);
    QCOMPARE(partial.size(), 1);

    QVERIFY(t.selectJob(id));
    QVERIFY(t.clickJobAction(u"cancelJobsAction"_s));
    QTRY_COMPARE_WITH_TIMEOUT(t.stateInWindow(id), u"cancelled"_s, 10'000);
    QCOMPARE(t.job(id).value(u"state"_s).toString(), u"cancelled"_s);
    QVERIFY(t.inWindow(id)->progressRows < 40'000);
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(partial.first()), 10'000);
    QTRY_VERIFY_WITH_TIMEOUT(t.filesUnder(u"tmp/jobs"_s).isEmpty(), 5'000);
    QVERIFY(t.filesUnder(u"results"_s).isEmpty());
    QCOMPARE(t.call("GET", "/jobs/" + id.toLatin1() + "/result").status, 409);
}

void tst_WindowEitherWay::retryFailedJob()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    // Fails its first attempt on purpose; with max_attempts 1 it stays failed.
    const Reply submitted = t.call(
        "POST", "/jobs",
        R"({"kind": "selftest", "params": {"steps": 2, "step_ms": 10, "fail_attempts": 1}})");
    QCOMPARE(submitted.status, 202);
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
    QTRY_COMPARE_WITH_TIMEOUT(t.stateInWindow(id), u"failed"_s, 10'000);

    QSignalSpy answers(&t.service(), &service::ServiceFacade::jobCommandFinished);
    QVERIFY(t.selectJob(id));
    QVERIFY(t.clickJobAction(u"retryJobsAction"_s));
    QTRY_COMPARE_WITH_TIMEOUT(answers.size(), 1, 5'000);
    const auto answer = answers.first().first().value<service::JobCommandResult>();
    QVERIFY2(answer.ok, qPrintable(answer.message));
    QTRY_COMPARE_WITH_TIMEOUT(t.stateInWindow(id), u"succeeded"_s, 10'000);
    QCOMPARE(t.job(id).value(u"attempt_log"_s).toArray().size(), 2);
    // The detail pane has what it shows: parameters and both attempts.
    QCOMPARE(t.inWindow(id)->attemptLog.size(), 2);
    QCOMPARE(t.inWindow(id)->params.value(u"fail_attempts"_s).toInt(), 1);
    // Its result opens here only when it is a file here.
    QVERIFY(t.selectJob(id));
    auto *open = t.window->findChild<QAction *>(u"openResultAction"_s);
    QVERIFY(open);
    QCOMPARE(open->isEnabled(), !remote);
    if (remote) // where it is instead
        QCOMPARE(t.inWindow(id)->resultPath,
                 u"http://127.0.0.1:%1/jobs/%2/result"_s.arg(t.port).arg(id));
}

void tst_WindowEitherWay::changeLimit()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    const auto withHeader = [](int bytes) -> QByteArray {
        return "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(bytes, 'a')
            + "\r\nConnection: close\r\n\r\n";
    };
    QCOMPARE(request(t.port, withHeader(4096)).status, 200);

    ui::LimitsEditor *editor = t.window->limitsEditor();
    t.window->tabs()->setCurrentWidget(editor);
    QLineEdit *field = editor->editor(u"max_header_bytes"_s);
    auto *apply = editor->findChild<QPushButton *>(u"applyLimitsButton"_s);
    QVERIFY(field && apply);
    QCOMPARE(field->text(), u"16 KiB"_s);
    field->selectAll();
    QTest::keyClicks(field, u"2048"_s);
    QVERIFY(apply->isEnabled());
    QSignalSpy applied(&t.service(), &service::ServiceFacade::limitsApplyFinished);
    QTest::mouseClick(apply, Qt::LeftButton);
    QVERIFY(applied.wait(10'000));
    const auto result = applied.first().first().value<service::LimitsApplyResult>();
    QVERIFY2(result.ok, qPrintable(result.errors.join(u"; "_s)));

    const Reply refused = request(t.port, withHeader(4096));
    QCOMPARE(refused.status, 431);
    QVERIFY(refused.body.contains("max_header_bytes"));
    QTRY_VERIFY_WITH_TIMEOUT(!editor->isModified(), 5'000);
    QCOMPARE(field->text(), u"2 KiB"_s);
    QFile file(t.dir.filePath(u"config.json"_s));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(file.readAll())
                 .object()
                 .value(u"limits"_s)
                 .toObject()
                 .value(u"max_header_bytes"_s)
                 .toInteger(),
             2048);
}

void tst_WindowEitherWay::abortUpload()
{
    QFETCH(bool, remote);
    Target t;
    t.remote = remote;
    QVERIFY(t.start());
    ui::TransfersPage *page = t.window->transfersPage();
    t.window->tabs()->setCurrentWidget(page);

    QTcpSocket client;
    client.connectToHost(QHostAddress::LocalHost, t.port);
    QVERIFY(client.waitForConnected(5'000));
    client.write("PUT /uploads/orders.txt HTTP/1.1\r\nHost: x\r\n" + t.auth()
                 + "Content-Length: 20000000\r\n\r\n");
    QByteArray text;
    while (text.size() < 256 * 1024)
        text += "date,amount,customer\n";
    client.write(text);
    const QDir tmp(t.dir.filePath(u"tmp"_s), u"upload-*.part"_s);
    QTRY_COMPARE_WITH_TIMEOUT(tmp.entryList(QDir::Files).size(), 1, 5'000);
    // Its row, among the transfers (a remote window's own stream is not one).
    int row = -1;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (int r = 0; r < page->model()->rowCount(); ++r)
                if (page->model()->transfer(r).route == u"/uploads/{filename}"_s)
                    row = r;
            return row >= 0;
        }(),
        5'000);

    QTableView *view = page->view();
    const QRect cell = view->visualRect(page->model()->index(row, ui::TransfersModel::Abort));
    QVERIFY(cell.isValid());
    sluice::testing::answerQuestion(u"abortTransferQuestion"_s, u"Abort"_s);
    QTest::mouseClick(view->viewport(), Qt::LeftButton, {}, cell.center());
    QTRY_COMPARE_WITH_TIMEOUT(client.state(), QAbstractSocket::UnconnectedState, 5'000);
    QTRY_VERIFY_WITH_TIMEOUT(tmp.entryList(QDir::Files).isEmpty(), 5'000);
    const QDir stored(t.dir.filePath(u"uploads"_s));
    QVERIFY(stored.entryList(QDir::Files | QDir::NoDotAndDotDot).isEmpty());
}

QTEST_MAIN(tst_WindowEitherWay)
#include "tst_windoweitherway.moc"
