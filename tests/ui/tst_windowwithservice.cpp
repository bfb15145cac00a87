// The window in front of the real Service (offscreen): it shows the address
// the service bound, and its Stop and Start buttons drive the service.
#include "mainwindow.h"
#include "questiontesting.h"
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace sluice;
using namespace sluice::test;

class tst_WindowWithService : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings(QStringLiteral("Sluice"), QStringLiteral("sluice")).clear();
    }
    void showsAddressAndStopsAndStarts();
    void instanceBoxTellsReadinessAndPaths();
    void quitWhileAskedAboutTheTrayQuits();
    // Last: its "nothing is asked" check leaves an answerer polling for 5 s.
    void closingToTrayKeepsTheServiceAnswering();
};

namespace {

struct Fixture
{
    QTemporaryDir dir;
    QString configPath = dir.filePath(QStringLiteral("config.json"));
    std::unique_ptr<service::Service> service;

    bool make()
    {
        auto loaded = config::loadOrCreate(configPath);
        if (!loaded)
            return false;
        loaded->config.datasets.clear(); // no demo database to generate here
        service = std::make_unique<service::Service>(
            service::Service::Options {dir.path(), configPath,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        return true;
    }
    quint16 port() const
    {
        return quint16(service->status().listenAddress.section(QLatin1Char(':'), -1).toUInt());
    }
};

QString labelText(const QWidget &window, const char *name)
{
    auto *label = window.findChild<QLabel *>(QString::fromLatin1(name));
    return label ? label->text() : QStringLiteral("(no %1)").arg(QString::fromLatin1(name));
}

} // namespace

void tst_WindowWithService::showsAddressAndStopsAndStarts()
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded);
    loaded->config.datasets.clear(); // no demo database to generate here
    service::Service service(
        {dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}}, *loaded);
    ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    auto *state = window.findChild<QLabel *>(QStringLiteral("stateLabel"));
    auto *address = window.findChild<QLabel *>(QStringLiteral("addressLabel"));
    auto *start = window.findChild<QPushButton *>(QStringLiteral("startButton"));
    auto *stop = window.findChild<QPushButton *>(QStringLiteral("stopButton"));
    QVERIFY(state && address && start && stop);

    service.start();
    QTRY_COMPARE(state->text(), QStringLiteral("running"));
    const QString bound = service.status().listenAddress;
    QVERIFY(address->text().contains(QStringLiteral("http://") + bound));
    const quint16 port = quint16(bound.section(QLatin1Char(':'), -1).toUInt());
    QCOMPARE(request(port, get("/healthz")).status, 200);

    QVERIFY(stop->isEnabled());
    QTest::mouseClick(stop, Qt::LeftButton);
    QTRY_COMPARE(state->text(), QStringLiteral("stopped"));
    QVERIFY(start->isEnabled());
    QVERIFY(!stop->isEnabled());
    QTcpSocket refused;
    refused.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!refused.waitForConnected(1000));

    QTest::mouseClick(start, Qt::LeftButton);
    QTRY_COMPARE(state->text(), QStringLiteral("running"));
    const quint16 again
        = quint16(service.status().listenAddress.section(QLatin1Char(':'), -1).toUInt());
    QCOMPARE(request(again, get("/healthz")).status, 200);
}

// The Instance box shows what the service says of itself; the same reaches
// an admin's GET /api/status, for a remote window.
void tst_WindowWithService::instanceBoxTellsReadinessAndPaths()
{
    Fixture f;
    QVERIFY(f.make());
    ui::MainWindow window(*f.service);
    window.show();
    f.service->start();
    QTRY_COMPARE(labelText(window, "stateLabel"), QStringLiteral("running"));
    // Ready once the job engine has reported (within a second or so).
    QTRY_COMPARE_WITH_TIMEOUT(labelText(window, "readyLabel"),
                              QStringLiteral("Ready: new uploads and jobs are taken"), 10'000);
    QCOMPARE(labelText(window, "dataDirLabel"),
             QDir::toNativeSeparators(QDir(f.dir.path()).absolutePath()));
    QCOMPARE(labelText(window, "configFileLabel"), QDir::toNativeSeparators(f.configPath));
    QCOMPARE(labelText(window, "versionLabel"), QStringLiteral(SLUICE_VERSION));

    // The reason is the one /readyz gives.
    // Not ready: the disk floor at its highest, 1 TiB, above this disk's free space.
    const qint64 floor = qint64(1) << 40;
    if (QStorageInfo(f.dir.path()).bytesAvailable() >= floor)
        QSKIP("the test disk has more than 1 TiB free: min_free_disk_bytes cannot exceed it");
    config::Limits limits = f.service->limits();
    limits.minFreeDiskBytes = floor;
    f.service->applyLimits(limits);
    QTRY_VERIFY_WITH_TIMEOUT(
        labelText(window, "readyLabel")
            .startsWith(QStringLiteral("Not ready: free disk in the data dir")),
        10'000);
    const Reply ready = request(f.port(), get("/readyz"));
    QCOMPARE(ready.status, 503);
    const QString reason
        = QJsonDocument::fromJson(ready.body).object().value(QStringLiteral("error")).toString();
    QVERIFY2(labelText(window, "readyLabel").contains(reason.section(QLatin1Char(' '), 0, 6)),
             qPrintable(labelText(window, "readyLabel") + QStringLiteral(" / ") + reason));
}

// Closing the window while the embedded service runs asks once whether to
// keep it in the tray; kept, the service goes on answering. Quit ends it.
void tst_WindowWithService::closingToTrayKeepsTheServiceAnswering()
{
    ui::MainWindow::setSystemTrayAvailableForTesting(true);
    const auto restore = qScopeGuard([] { ui::MainWindow::setSystemTrayAvailableForTesting({}); });
    Fixture f;
    QVERIFY(f.make());
    ui::MainWindow window(*f.service);
    QSignalSpy quitSpy(&window, &ui::MainWindow::quitRequested);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    f.service->start();
    QTRY_COMPARE(labelText(window, "stateLabel"), QStringLiteral("running"));

    auto asked = std::make_shared<bool>(false);
    testing::answerQuestion(QStringLiteral("closeToTrayQuestion"), QStringLiteral("Keep running"),
                            asked);
    QVERIFY(!window.close()); // kept: the close is refused, the window hides
    QVERIFY(*asked);
    QVERIFY(!window.isVisible());
    QCOMPARE(quitSpy.count(), 0);
    QCOMPARE(request(f.port(), get("/healthz")).status, 200);
    QVERIFY(f.service->status().state == service::ServiceState::Running);

    // Remembered: shown again and closed again, nothing is asked.
    window.show();
    auto askedAgain = std::make_shared<bool>(false);
    testing::answerQuestion(QStringLiteral("closeToTrayQuestion"), QStringLiteral("Keep running"),
                            askedAgain);
    QVERIFY(!window.close()); // a question would have been answered before close() returns
    QVERIFY(!*askedAgain);
    QVERIFY(!window.isVisible());
    QCOMPARE(request(f.port(), get("/healthz")).status, 200);

    // Quit from the tray's (the File menu's) action: the window closes for
    // good, whatever was remembered, and the program is asked to end.
    window.findChild<QAction *>(QStringLiteral("quitAction"))->trigger();
    QCOMPARE(quitSpy.count(), 1);
    QSettings(QStringLiteral("Sluice"), QStringLiteral("sluice")).clear();
}

// Review finding: Quit from the tray menu while the close question was open
// was lost (a close within a close), and the window then hid into the tray.
void tst_WindowWithService::quitWhileAskedAboutTheTrayQuits()
{
    ui::MainWindow::setSystemTrayAvailableForTesting(true);
    const auto restore = qScopeGuard([] { ui::MainWindow::setSystemTrayAvailableForTesting({}); });
    QSettings(QStringLiteral("Sluice"), QStringLiteral("sluice")).clear();
    Fixture f;
    QVERIFY(f.make());
    ui::MainWindow window(*f.service);
    QSignalSpy quitSpy(&window, &ui::MainWindow::quitRequested);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    f.service->start();
    QTRY_COMPARE(labelText(window, "stateLabel"), QStringLiteral("running"));

    bool triggered = false;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, &window, [&] {
        auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
        if (!triggered && box && box->objectName() == QStringLiteral("closeToTrayQuestion")) {
            triggered = true;
            window.findChild<QAction *>(QStringLiteral("quitAction"))->trigger(); // the tray's
        }
    });
    poll.start(10);
    window.close();
    QVERIFY(triggered);
    QCOMPARE(quitSpy.count(), 1);
    QVERIFY(!window.isVisible());
    // Nothing answered, so nothing remembered.
    QVERIFY(!QSettings(QStringLiteral("Sluice"), QStringLiteral("sluice"))
                 .contains(QStringLiteral("mainWindow/closeKeepsServiceInTray")));
}

QTEST_MAIN(tst_WindowWithService)
#include "tst_windowwithservice.moc"
