// MainWindow in front of a remote service (a FakeService that says so): no
// start/stop or token, the connection's state always in view, and the
// questions about the server's certificate.
#include "fakeservice.h"
#include "mainwindow.h"
#include "palette.h"

#include <QAction>
#include <QClipboard>
#include <QDialog>
#include <QDialogButtonBox>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using sluice::service::ConnectionInfo;
using sluice::service::ConnectionState;
using sluice::ui::MainWindow;
using namespace sluice::testing;

namespace {

const auto Server = u"https://h.example:8443"_s;
const auto Fingerprint = u"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                         "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"_s;
const auto OtherFingerprint = u"01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:"
                              "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"_s;
// Where the operator has to act: the palette's error text (ui/palette.h).
QColor errorRed()
{
    return sluice::ui::currentColours().errorText;
}

template<typename T = QLabel> T *widget(const QWidget &window, const char *name)
{
    T *child = window.findChild<T *>(QString::fromLatin1(name));
    if (!child)
        qFatal("no %s named \"%s\" in the window", T::staticMetaObject.className(), name);
    return child;
}

ConnectionInfo connection(ConnectionState state, const QString &message = {},
                          const QString &fingerprint = {}, qint64 retryInMs = 0)
{
    return {state, Server, message, fingerprint, retryInMs};
}

// Makes the fake a remote service, connected (before a window is made on it).
void makeRemote(FakeService &service)
{
    service.remote = true;
    service.setConnection(connection(ConnectionState::Connected));
}

QDialog *openDialog(const QWidget &window, const char *name)
{
    QDialog *found = nullptr;
    const bool open = QTest::qWaitFor([&] {
        found = window.findChild<QDialog *>(QString::fromLatin1(name));
        return found && found->isVisible();
    });
    return open ? found : nullptr;
}

} // namespace

class tst_RemoteWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void localWindowShowsNoConnection();
    void remoteHidesStartStopAndToken();
    void menuAsksTheHost();
    void quitClosesTheWindow();
    void connectionTexts_data();
    void connectionTexts();
    void reconnectingCountsDown();
    void untrustedCertificateAsksOnce();
    void trustingEmitsTheFingerprint();
    void cancelTrustsNothing();
    void afterCancelNothingIsWaiting();
    void serviceMenuOfARemoteService();
    void changedCertificateOffersNoAccept();
};

void tst_RemoteWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
}

void tst_RemoteWindow::cleanupTestCase()
{
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
}

void tst_RemoteWindow::localWindowShowsNoConnection()
{
    FakeService service;
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    QVERIFY(widget<QPushButton>(window, "startButton")->isVisible());
    QVERIFY(widget<QPushButton>(window, "stopButton")->isVisible());
    QVERIFY(widget(window, "addressLabel")->isVisible());
    QVERIFY(!widget(window, "connectionLabel")->isVisible());
    QVERIFY(!widget(window, "connectionStatus")->isVisible());
    QVERIFY(!widget(window, "serverLabel")->isVisible());
    QVERIFY(widget<QAction>(window, "connectAction")->isEnabled());
    QVERIFY(!widget<QAction>(window, "localServiceAction")->isEnabled());
    QCOMPARE(window.windowTitle(), u"Sluice"_s);
}

void tst_RemoteWindow::remoteHidesStartStopAndToken()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    service.publish(makeStatus(sluice::service::ServiceState::Running));

    QVERIFY(!widget<QPushButton>(window, "startButton")->isVisible());
    QVERIFY(!widget<QPushButton>(window, "stopButton")->isVisible());
    QVERIFY(!widget<QLineEdit>(window, "tokenField")->isVisible());
    QVERIFY(!widget(window, "tokenNote")->isVisible());
    QVERIFY(!widget(window, "addressLabel")->isVisible());
    QVERIFY(widget(window, "serverLabel")->isVisible());
    QVERIFY(widget(window, "serverLabel")->text().contains(Server));
    QVERIFY(widget(window, "connectionLabel")->isVisible());
    QVERIFY(widget(window, "connectionStatus")->isVisible());
    QVERIFY(widget<QAction>(window, "localServiceAction")->isEnabled());
    QVERIFY(window.windowTitle().contains(Server));
    // Its data folder and config file are on its own machine: not shown, not opened.
    QVERIFY(!widget<QPushButton>(window, "openDataDirButton")->isVisible());
    QVERIFY(!widget(window, "dataDirLabel")->isVisible());
    QVERIFY(!widget(window, "configFileLabel")->isVisible());
    QVERIFY(widget(window, "readyLabel")->isVisible());
    QVERIFY(!widget<QAction>(window, "openDataDirAction")->isVisible());
}

void tst_RemoteWindow::menuAsksTheHost()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    QSignalSpy connectSpy(&window, &MainWindow::connectRequested);
    QSignalSpy localSpy(&window, &MainWindow::localServiceRequested);

    auto connectAction = widget<QAction>(window, "connectAction");
    QCOMPARE(connectAction->shortcut(), QKeySequence(u"Ctrl+L"_s));
    connectAction->trigger();
    QCOMPARE(connectSpy.size(), 1);
    QCOMPARE(localSpy.size(), 0);
    widget<QAction>(window, "localServiceAction")->trigger();
    QCOMPARE(localSpy.size(), 1);
    // Asking is all the window does: it still shows the same service.
    QVERIFY(widget(window, "connectionLabel")->text().startsWith(u"Connected"_s));

    const QStringList menuTexts = [&] {
        QStringList texts;
        for (QAction *action : window.menuBar()->actions())
            texts.append(action->text());
        return texts;
    }();
    QCOMPARE(menuTexts, (QStringList {u"&File"_s, u"&Service"_s, u"&View"_s, u"&Help"_s}));
}

void tst_RemoteWindow::quitClosesTheWindow()
{
    FakeService service;
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    widget<QAction>(window, "quitAction")->trigger();
    QVERIFY(!window.isVisible());
}

void tst_RemoteWindow::connectionTexts_data()
{
    QTest::addColumn<ConnectionInfo>("info");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("red");

    QTest::addRow("connecting") << connection(ConnectionState::Connecting)
                                << u"Connecting to https://h.example:8443\u2026"_s << false;
    QTest::addRow("connected") << connection(ConnectionState::Connected)
                               << u"Connected to https://h.example:8443"_s << false;
    QTest::addRow("reconnecting") << connection(ConnectionState::Reconnecting,
                                                u"connection refused"_s, {}, 4'000)
                                  << u"Reconnecting in 4 s\u2026 (connection refused)"_s << false;
    QTest::addRow("reconnecting, no reason")
        << connection(ConnectionState::Reconnecting, {}, {}, 30'000)
        << u"Reconnecting in 30 s\u2026"_s << false;
    QTest::addRow("unauthorized") << connection(ConnectionState::Unauthorized,
                                                u"the token is not an admin's"_s)
                                  << u"Unauthorized: the token is not an admin's"_s << true;
    QTest::addRow("untrusted")
        << connection(ConnectionState::CertificateUntrusted, {}, Fingerprint)
        << u"Certificate not trusted (fingerprint %1): not connected until you trust it "
           "(File \u25b8 Connect to\u2026 asks again)"_s.arg(Fingerprint)
        << true;
    QTest::addRow("changed") << connection(ConnectionState::CertificateChanged, {}, Fingerprint)
                             << u"Certificate changed: refused (fingerprint %1)"_s.arg(Fingerprint)
                             << true;
}

void tst_RemoteWindow::connectionTexts()
{
    QFETCH(ConnectionInfo, info);
    QFETCH(QString, text);
    QFETCH(bool, red);

    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    service.setConnection(info);

    for (const char *name : {"connectionLabel", "connectionStatus"}) {
        QLabel *label = widget(window, name);
        QCOMPARE(label->text(), text);
        QCOMPARE(label->palette().color(QPalette::WindowText) == errorRed(), red);
    }
    // The dialogs these states bring are tested below; close them here.
    for (QDialog *dialog : window.findChildren<QDialog *>())
        dialog->reject();
}

void tst_RemoteWindow::reconnectingCountsDown()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    service.setConnection(connection(ConnectionState::Reconnecting, u"timed out"_s, {}, 2'000));
    QLabel *label = widget(window, "connectionLabel");
    QCOMPARE(label->text(), u"Reconnecting in 2 s\u2026 (timed out)"_s);
    QTRY_COMPARE_WITH_TIMEOUT(label->text(), u"Reconnecting in 1 s\u2026 (timed out)"_s, 2'000);
    QCOMPARE(widget(window, "connectionStatus")->text(), label->text());

    // Once connected, no countdown is left running.
    service.setConnection(connection(ConnectionState::Connected));
    QVERIFY(!widget<QTimer>(window, "reconnectCountdownTimer")->isActive());
    QCOMPARE(label->text(), u"Connected to https://h.example:8443"_s);
}

void tst_RemoteWindow::untrustedCertificateAsksOnce()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));

    QDialog *dialog = openDialog(window, "trustCertificateDialog");
    QVERIFY(dialog);
    auto fingerprintField = widget<QLineEdit>(*dialog, "fingerprintField");
    QCOMPARE(fingerprintField->text(), Fingerprint);
    QVERIFY(fingerprintField->isReadOnly());
    QVERIFY(fingerprintField->font().fixedPitch()
            || QFontInfo(fingerprintField->font()).fixedPitch());
    QVERIFY(widget(*dialog, "certificateMessage")->text().contains(Server));
    QVERIFY(
        widget<QPushButton>(*dialog, "trustButton")->text().contains(u"Trust this certificate"_s));

    // The same state again (as the facade repeats it) asks nothing more.
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));
    QCOMPARE(window.findChildren<QDialog *>(u"trustCertificateDialog"_s).size(), 1);
    dialog->reject();
    QTRY_VERIFY(!window.findChild<QDialog *>(u"trustCertificateDialog"_s));
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));
    QVERIFY(!window.findChild<QDialog *>(u"trustCertificateDialog"_s));
}

void tst_RemoteWindow::trustingEmitsTheFingerprint()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy accepted(&window, &MainWindow::certificateAccepted);

    // Clicked from inside the event loop, as the operator would.
    bool clicked = false;
    QTimer::singleShot(0, &window, [&] {
        if (QDialog *dialog = openDialog(window, "trustCertificateDialog")) {
            QTest::mouseClick(widget<QPushButton>(*dialog, "trustButton"), Qt::LeftButton);
            clicked = true;
        }
    });
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));
    QTRY_VERIFY(clicked);
    QCOMPARE(accepted.size(), 1);
    QCOMPARE(accepted.first().at(0).toString(), Server);
    QCOMPARE(accepted.first().at(1).toString(), Fingerprint);
}

void tst_RemoteWindow::cancelTrustsNothing()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy accepted(&window, &MainWindow::certificateAccepted);
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));

    QDialog *dialog = openDialog(window, "trustCertificateDialog");
    QVERIFY(dialog);
    auto buttons = dialog->findChild<QDialogButtonBox *>();
    QTest::mouseClick(buttons->button(QDialogButtonBox::Cancel), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QDialog *>(u"trustCertificateDialog"_s));
    QCOMPARE(accepted.size(), 0);
}

// Review: after Cancel the facade waits for trustCertificate(), which nothing
// in the window can call any more; the label must not say it waits for the operator.
void tst_RemoteWindow::afterCancelNothingIsWaiting()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));
    QDialog *dialog = openDialog(window, "trustCertificateDialog");
    QVERIFY(dialog);
    dialog->reject();
    QTRY_VERIFY(!window.findChild<QDialog *>(u"trustCertificateDialog"_s));
    service.setConnection(connection(ConnectionState::CertificateUntrusted, {}, Fingerprint));
    QVERIFY2(!widget(window, "connectionLabel")->text().contains(u"waiting for you to accept"_s),
             qPrintable(widget(window, "connectionLabel")->text()));
}

void tst_RemoteWindow::changedCertificateOffersNoAccept()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy accepted(&window, &MainWindow::certificateAccepted);
    service.setConnection(connection(ConnectionState::CertificateChanged, {}, Fingerprint));

    QDialog *dialog = openDialog(window, "certificateChangedDialog");
    QVERIFY(dialog);
    QVERIFY(!window.findChild<QDialog *>(u"trustCertificateDialog"_s));
    QVERIFY(!dialog->findChild<QPushButton *>(u"trustButton"_s));
    const auto buttons = dialog->findChild<QDialogButtonBox *>()->buttons();
    QCOMPARE(buttons.size(), 1);
    QCOMPARE(dialog->findChild<QDialogButtonBox *>()->buttonRole(buttons.first()),
             QDialogButtonBox::RejectRole);
    QCOMPARE(widget<QLineEdit>(*dialog, "fingerprintField")->text(), Fingerprint);
    QCOMPARE(widget(window, "connectionLabel")->palette().color(QPalette::WindowText), errorRed());

    // Once per change: the same certificate again does not warn twice...
    QTest::mouseClick(buttons.first(), Qt::LeftButton);
    QTRY_VERIFY(!window.findChild<QDialog *>(u"certificateChangedDialog"_s));
    service.setConnection(connection(ConnectionState::CertificateChanged, {}, Fingerprint));
    QVERIFY(!window.findChild<QDialog *>(u"certificateChangedDialog"_s));
    // ...another one does.
    service.setConnection(connection(ConnectionState::CertificateChanged, {}, OtherFingerprint));
    QVERIFY(openDialog(window, "certificateChangedDialog"));
    QCOMPARE(accepted.size(), 0);
}

void tst_RemoteWindow::serviceMenuOfARemoteService()
{
    FakeService service;
    makeRemote(service);
    MainWindow window(service);
    auto *start = window.findChild<QAction *>(u"startAction"_s);
    auto *stop = window.findChild<QAction *>(u"stopAction"_s);
    auto *copyAddress = window.findChild<QAction *>(u"copyAddressAction"_s);
    QVERIFY(start && stop && copyAddress);
    QVERIFY(!start->isVisible() && !stop->isVisible());
    QVERIFY(copyAddress->isEnabled());
    copyAddress->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), Server);
}

QTEST_MAIN(tst_RemoteWindow)
#include "tst_remotewindow.moc"
