#include "fakeservice.h"
#include "mainwindow.h"
#include "palette.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace Qt::StringLiterals;
using sluice::service::ServiceState;
using sluice::service::ServiceStatus;
using namespace sluice::testing;

namespace {

const auto Token = u"q8Jx2vR7mT0pLw4nZc9yHs5dKb3gFa6eUi1oNj8tVr2"_s;

template<typename T = QLabel> T *widget(const QWidget &window, const char *name)
{
    T *child = window.findChild<T *>(QString::fromLatin1(name));
    if (!child)
        qFatal("no %s named \"%s\" in the window", T::staticMetaObject.className(), name);
    return child;
}

QString text(const QWidget &window, const char *name)
{
    return widget(window, name)->text();
}

} // namespace

class tst_MainWindow : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanupTestCase();
    void showsInitialStatus();
    void buttonsFollowState_data();
    void buttonsFollowState();
    void menusDoWhatTheButtonsDo();
    void startShowsListenAddress();
    void addressBecomesUrl_data();
    void addressBecomesUrl();
    void instanceFollowsStatus();
    void stopThenStartAgain();
    void failureShowsError();
    void uptimeShowsTimeSinceStart_data();
    void uptimeShowsTimeSinceStart();
    void uptimeTicksOnlyWhileRunning();
    void tokenMaskedUntilShown();
    void missingTokenExplainsHowToIssueOne();
    void remembersGeometry();
    void screenshot();

private:
    QSettings settings() const { return QSettings(u"Sluice"_s, u"sluice"_s); }
};

void tst_MainWindow::initTestCase()
{
    // Keep the window's geometry out of the user's real settings.
    QStandardPaths::setTestModeEnabled(true);
    const QString testConfigDir
        = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    QVERIFY2(settings().fileName().startsWith(testConfigDir), qPrintable(settings().fileName()));
    settings().clear();
}

void tst_MainWindow::cleanupTestCase()
{
    settings().clear();
}

void tst_MainWindow::showsInitialStatus()
{
    FakeService service(Token);
    sluice::ui::MainWindow window(service);

    QCOMPARE(window.windowTitle(), u"Sluice"_s);
    QCOMPARE(text(window, "stateLabel"), u"stopped"_s);
    QCOMPARE(text(window, "addressLabel"), u"not listening"_s);
    QVERIFY(!widget<QPushButton>(window, "copyAddressButton")->isEnabled());
    QVERIFY(!widget(window, "errorLabel")->isVisibleTo(&window));
    // The header says it; the status bar does not repeat it (issue 23).
    QVERIFY(!window.findChild<QLabel *>(u"statusMessage"_s));
}

void tst_MainWindow::buttonsFollowState_data()
{
    QTest::addColumn<ServiceState>("state");
    QTest::addColumn<bool>("startEnabled");
    QTest::addColumn<bool>("stopEnabled");

    QTest::addRow("stopped") << ServiceState::Stopped << true << false;
    QTest::addRow("starting") << ServiceState::Starting << false << true;
    QTest::addRow("running") << ServiceState::Running << false << true;
    QTest::addRow("stopping") << ServiceState::Stopping << false << false;
    QTest::addRow("failed") << ServiceState::Failed << true << false;
}

void tst_MainWindow::buttonsFollowState()
{
    QFETCH(ServiceState, state);
    QFETCH(bool, startEnabled);
    QFETCH(bool, stopEnabled);

    FakeService service;
    sluice::ui::MainWindow window(service);
    service.publish(makeStatus(state));

    QCOMPARE(text(window, "stateLabel"), sluice::service::toString(state));
    QCOMPARE(widget<QPushButton>(window, "startButton")->isEnabled(), startEnabled);
    QCOMPARE(widget<QPushButton>(window, "stopButton")->isEnabled(), stopEnabled);
}

// Service, View and Help menus: the Service box's actions from the keyboard.
void tst_MainWindow::menusDoWhatTheButtonsDo()
{
    FakeService service(Token);
    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto *start = window.findChild<QAction *>(u"startAction"_s);
    auto *stop = window.findChild<QAction *>(u"stopAction"_s);
    auto *copyAddress = window.findChild<QAction *>(u"copyAddressAction"_s);
    auto *copyToken = window.findChild<QAction *>(u"copyTokenAction"_s);
    QVERIFY(start && stop && copyAddress && copyToken);
    QVERIFY(start->isEnabled() && !stop->isEnabled() && !copyAddress->isEnabled());
    start->trigger();
    QCOMPARE(service.startCalls, 1);
    QTRY_VERIFY(copyAddress->isEnabled()); // running, with its address
    QVERIFY(stop->isEnabled() && !start->isEnabled());
    copyAddress->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), ListenUrl);
    copyToken->trigger();
    QCOMPARE(QGuiApplication::clipboard()->text(), Token);

    // Ctrl+3 shows the third tab, Uploads (right after Jobs); every tab's
    // tooltip and View menu entry say its own shortcut.
    QTest::keyClick(&window, Qt::Key_3, Qt::ControlModifier);
    QCOMPARE(window.tabs()->currentIndex(), 2);
    QCOMPARE(window.tabs()->tabText(2).remove(u'&'), u"Uploads"_s);
    for (int i = 0; i < window.tabs()->count(); ++i) {
        const QString keys
            = QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)).toString(QKeySequence::NativeText);
        QCOMPARE(window.tabs()->tabToolTip(i),
                 u"%1 (%2)"_s.arg(window.tabs()->tabText(i).remove(u'&'), keys));
        auto *viewTab = window.findChild<QAction *>(u"viewTab%1Action"_s.arg(i + 1));
        QVERIFY(viewTab);
        QCOMPARE(viewTab->text(), window.tabs()->tabText(i));
        QCOMPARE(viewTab->shortcut().toString(QKeySequence::NativeText), keys);
    }
    QTest::keyClick(&window, Qt::Key_6, Qt::ControlModifier);
    QCOMPARE(window.tabs()->currentIndex(), 5);
    QTest::keyClick(&window, Qt::Key_1, Qt::ControlModifier);
    QCOMPARE(window.tabs()->currentIndex(), 0);

    // Help: the API reference this build can open, and versions in About.
    auto *api = window.findChild<QAction *>(u"apiReferenceAction"_s);
    QVERIFY(api && api->isEnabled());
    QVERIFY(sluice::ui::MainWindow::apiReferencePath().endsWith(u"docs/api.md"_s));
    const QString about = sluice::ui::MainWindow::aboutText();
    QVERIFY(about.contains(QStringLiteral(SLUICE_VERSION)));
    QVERIFY(about.contains(QString::fromLatin1(qVersion())));
}

void tst_MainWindow::startShowsListenAddress()
{
    FakeService service;
    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy statusSpy(&service, &FakeService::statusChanged);

    QTest::mouseClick(widget<QPushButton>(window, "startButton"), Qt::LeftButton);
    QCOMPARE(service.startCalls, 1);
    // The click only asks; the window changes when the service reports back.
    QCOMPARE(text(window, "stateLabel"), u"stopped"_s);

    QTRY_COMPARE(text(window, "stateLabel"), u"running"_s);
    QCOMPARE(statusSpy.count(), 2); // starting, running
    QVERIFY(text(window, "addressLabel").contains(u"href=\"%1\""_s.arg(ListenUrl)));
    QVERIFY(!widget<QPushButton>(window, "startButton")->isEnabled());
    QVERIFY(widget<QPushButton>(window, "stopButton")->isEnabled());

    QTest::mouseClick(widget<QPushButton>(window, "copyAddressButton"), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), ListenUrl);
}

void tst_MainWindow::addressBecomesUrl_data()
{
    QTest::addColumn<QString>("listenAddress");
    QTest::addColumn<QString>("url"); // empty: shown as plain text, nothing to copy

    QTest::addRow("ipv4") << ListenAddress << ListenUrl;
    QTest::addRow("ipv6") << u"[::1]:9000"_s << u"http://[::1]:9000"_s;
    QTest::addRow("hostname") << u"sluice.example:80"_s << u"http://sluice.example:80"_s;
    QTest::addRow("no port") << u"127.0.0.1"_s << QString();
    QTest::addRow("port 0") << u"127.0.0.1:0"_s << QString();
}

void tst_MainWindow::addressBecomesUrl()
{
    QFETCH(QString, listenAddress);
    QFETCH(QString, url);

    FakeService service;
    sluice::ui::MainWindow window(service);
    ServiceStatus status = makeStatus(ServiceState::Running);
    status.listenAddress = listenAddress;
    service.publish(status);

    auto copyButton = widget<QPushButton>(window, "copyAddressButton");
    if (url.isEmpty()) {
        QCOMPARE(text(window, "addressLabel"), listenAddress);
        QVERIFY(!copyButton->isEnabled());
    } else {
        QCOMPARE(text(window, "addressLabel"),
                 u"<a href=\"%1\" style=\"color: %2\">%1</a>"_s.arg(
                     url, QApplication::palette().color(QPalette::Link).name()));
        QVERIFY(copyButton->isEnabled());
    }
}

// The Instance box: readiness with its reason, versions, data folder, config file.
void tst_MainWindow::instanceFollowsStatus()
{
    FakeService service;
    sluice::ui::MainWindow window(service);
    ServiceStatus status = makeStatus(ServiceState::Running);
    status.version = QStringLiteral(SLUICE_VERSION);
    status.dataDir = u"/var/lib/sluice"_s;
    status.configFile = u"/etc/sluice/config.json"_s;
    status.ready = true;
    service.publish(status);
    QCOMPARE(text(window, "readyLabel"), u"Ready: new uploads and jobs are taken"_s);
    QCOMPARE(text(window, "versionLabel"), QStringLiteral(SLUICE_VERSION));
    QCOMPARE(text(window, "dataDirLabel"), QDir::toNativeSeparators(u"/var/lib/sluice"_s));
    QCOMPARE(text(window, "configFileLabel"), QDir::toNativeSeparators(status.configFile));
    QVERIFY(window.findChild<QAction *>(u"openDataDirAction"_s)->isEnabled());

    status.ready = false;
    status.notReadyReason = u"the job queue is full"_s;
    status.version = u"0.0.9"_s;
    status.configFile.clear();
    service.publish(status);
    QCOMPARE(text(window, "readyLabel"), u"Not ready: the job queue is full"_s);
    QCOMPARE(text(window, "versionLabel"),
             u"0.0.9 (this window: %1)"_s.arg(QStringLiteral(SLUICE_VERSION)));
    QCOMPARE(text(window, "configFileLabel"), u"none: built-in defaults"_s);
    // Not said by colour alone: the words carry it; the colour is the failed state's.
    const QColor shown
        = widget<QLabel>(window, "readyLabel")->palette().color(QPalette::WindowText);
    QCOMPARE(shown, sluice::ui::coloursFor(window.palette()).errorText);

    service.publish(makeStatus(ServiceState::Stopped));
    QCOMPARE(text(window, "readyLabel"), u"\u2014"_s);
}

void tst_MainWindow::stopThenStartAgain()
{
    FakeService service;
    service.publish(makeStatus(ServiceState::Running));
    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto startButton = widget<QPushButton>(window, "startButton");
    auto stopButton = widget<QPushButton>(window, "stopButton");
    QCOMPARE(text(window, "stateLabel"), u"running"_s);

    QTest::mouseClick(stopButton, Qt::LeftButton);
    QCOMPARE(service.stopCalls, 1);
    QTRY_COMPARE(text(window, "stateLabel"), u"stopped"_s);
    QVERIFY(startButton->isEnabled());
    QVERIFY(!stopButton->isEnabled());
    QCOMPARE(text(window, "addressLabel"), u"not listening"_s);

    QTest::mouseClick(startButton, Qt::LeftButton);
    QTRY_COMPARE(text(window, "stateLabel"), u"running"_s);
    QVERIFY(!startButton->isEnabled());
    QVERIFY(stopButton->isEnabled());
    QVERIFY(text(window, "addressLabel").contains(ListenUrl));
}

void tst_MainWindow::failureShowsError()
{
    FakeService service;
    sluice::ui::MainWindow window(service);
    const QString error = u"cannot listen on 127.0.0.1:8080: address already in use"_s;
    ServiceStatus failed = makeStatus(ServiceState::Failed);
    failed.error = error;
    service.publish(failed);

    auto errorLabel = widget(window, "errorLabel");
    QCOMPARE(text(window, "stateLabel"), u"failed"_s);
    QVERIFY(errorLabel->isVisibleTo(&window));
    QCOMPARE(errorLabel->text(), error);

    // Starting again clears the error from view.
    QTest::mouseClick(widget<QPushButton>(window, "startButton"), Qt::LeftButton);
    QTRY_COMPARE(text(window, "stateLabel"), u"running"_s);
    QVERIFY(!errorLabel->isVisibleTo(&window));
}

void tst_MainWindow::uptimeShowsTimeSinceStart_data()
{
    QTest::addColumn<qint64>("secondsAgo");
    QTest::addColumn<QString>("expectedPrefix"); // the last digit may have moved on

    QTest::addRow("seconds") << qint64(3) << u"0:00:0"_s;
    QTest::addRow("hours") << qint64(3'723) << u"1:02:0"_s;
    QTest::addRow("days") << qint64(2 * 86'400 + 3 * 3'600 + 4 * 60 + 1) << u"2 d 03:04:0"_s;
}

void tst_MainWindow::uptimeShowsTimeSinceStart()
{
    QFETCH(qint64, secondsAgo);
    QFETCH(QString, expectedPrefix);

    FakeService service;
    sluice::ui::MainWindow window(service);
    ServiceStatus status = makeStatus(ServiceState::Running);
    status.startedAt = QDateTime::currentDateTimeUtc().addSecs(-secondsAgo);
    service.publish(status);

    const QString uptime = text(window, "uptimeLabel");
    QVERIFY2(uptime.startsWith(expectedPrefix), qPrintable(uptime));
}

void tst_MainWindow::uptimeTicksOnlyWhileRunning()
{
    FakeService service;
    sluice::ui::MainWindow window(service);
    auto timer = window.findChild<QTimer *>(u"uptimeTimer"_s);
    QVERIFY(timer);
    QVERIFY(!timer->isActive());

    service.publish(makeStatus(ServiceState::Running));
    const QString first = text(window, "uptimeLabel");
    QVERIFY2(first.startsWith(u"0:00:0"_s), qPrintable(first));
    // Nothing is published meanwhile: the window counts the seconds itself.
    QTRY_VERIFY(text(window, "uptimeLabel") != first);

    service.publish(makeStatus(ServiceState::Stopped));
    QVERIFY(!timer->isActive());
    QCOMPARE(text(window, "uptimeLabel"), u"\u2014"_s);
}

void tst_MainWindow::tokenMaskedUntilShown()
{
    FakeService service(Token);
    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto field = widget<QLineEdit>(window, "tokenField");
    auto showButton = widget<QPushButton>(window, "showTokenButton");

    QVERIFY(field->isVisible());
    QVERIFY(!widget(window, "tokenNote")->isVisible());
    QCOMPARE(field->echoMode(), QLineEdit::Password);
    QVERIFY(!field->displayText().contains(Token));

    QTest::mouseClick(showButton, Qt::LeftButton);
    QCOMPARE(field->echoMode(), QLineEdit::Normal);
    QCOMPARE(field->displayText(), Token);

    QTest::mouseClick(showButton, Qt::LeftButton);
    QCOMPARE(field->echoMode(), QLineEdit::Password);
    QVERIFY(!field->displayText().contains(Token));

    QTest::mouseClick(widget<QPushButton>(window, "copyTokenButton"), Qt::LeftButton);
    QCOMPARE(QGuiApplication::clipboard()->text(), Token);
}

void tst_MainWindow::missingTokenExplainsHowToIssueOne()
{
    FakeService service;
    sluice::ui::MainWindow window(service);

    QVERIFY(!widget<QLineEdit>(window, "tokenField")->isVisibleTo(&window));
    QVERIFY(!widget<QPushButton>(window, "copyTokenButton")->isVisibleTo(&window));
    auto note = widget(window, "tokenNote");
    QVERIFY(note->isVisibleTo(&window));
    QVERIFY(note->text().contains(u"sluiced token add NAME"_s));
}

void tst_MainWindow::remembersGeometry()
{
    FakeService service;
    QSize savedSize;
    {
        sluice::ui::MainWindow window(service);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        savedSize = window.size() + QSize(123, 45);
        window.resize(savedSize);
        QTRY_COMPARE(window.size(), savedSize);
        window.close();
    }
    QVERIFY(settings().contains(u"mainWindow/geometry"_s));

    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.size(), savedSize);
}

void tst_MainWindow::screenshot()
{
    FakeService service(Token);
    ServiceStatus status = makeStatus(ServiceState::Running);
    status.startedAt = status.startedAt.addSecs(-3'723);
    status.connections = 12;
    status.requestsInFlight = 3;
    status.requestsTotal = 48'210;
    service.publish(status);
    sluice::ui::MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    const QPixmap pixmap = window.grab();
    QVERIFY(!pixmap.isNull());

    // SLUICE_SCREENSHOT_DIR keeps the picture, for a look by eye or for documentation.
    QTemporaryDir temporaryDir;
    QVERIFY(temporaryDir.isValid());
    const QString dir = qEnvironmentVariableIsSet("SLUICE_SCREENSHOT_DIR")
        ? qEnvironmentVariable("SLUICE_SCREENSHOT_DIR")
        : temporaryDir.path();
    const QString path = dir + u"/sluice-mainwindow.png"_s;
    QVERIFY(pixmap.save(path));

    const QImage image(path);
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), pixmap.size() * pixmap.devicePixelRatio());
    // A blank window would be one colour; a drawn one has text, frames and the state dot.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4) {
        for (int x = 0; x < image.width(); x += 4)
            colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 8, qPrintable(QString::number(colours.size())));
}

QTEST_MAIN(tst_MainWindow)
#include "tst_mainwindow.moc"
