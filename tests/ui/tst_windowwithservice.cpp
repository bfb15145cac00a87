// The window in front of the real Service (offscreen): it shows the address
// the service bound, and its Stop and Start buttons drive the service.
#include "mainwindow.h"
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QLabel>
#include <QPushButton>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;

class tst_WindowWithService : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
    void showsAddressAndStopsAndStarts();
};

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

QTEST_MAIN(tst_WindowWithService)
#include "tst_windowwithservice.moc"
