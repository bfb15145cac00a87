#include "mainwindow.h"

#include "appearance.h"
#include "certificatedialog.h"
#include "connectiontext.h"
#include "dashboardpage.h"
#include "eventspage.h"
#include "jobspage.h"
#include "limitseditor.h"
#include "transferspage.h"
#include "uploadspage.h"
#include "windowsettings.h"

#include <QAbstractItemView>
#include <QAction>
#include <QActionGroup>
#include <QClipboard>
#include <QCloseEvent>
#include <QCoreApplication>
#include <QDesktopServices>
#include <QDir>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QShortcut>
#include <QSslSocket>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using service::ConnectionInfo;
using service::ConnectionState;
using service::ServiceState;
using service::ServiceStatus;

MainWindow::MainWindow(service::ServiceFacade &service, QWidget *parent)
    : QMainWindow(parent)
    , m_service(service)
    , m_uptimeTimer(new QTimer(this))
    , m_countdownTimer(new QTimer(this))
{
    setWindowTitle(tr("Sluice"));

    // A single shot re-armed on each tick keeps the display on whole seconds of uptime.
    m_uptimeTimer->setObjectName(u"uptimeTimer"_s);
    m_uptimeTimer->setSingleShot(true);
    m_uptimeTimer->setTimerType(Qt::PreciseTimer);
    connect(m_uptimeTimer, &QTimer::timeout, this, [this] { updateUptime(); });

    auto central = new QWidget(this);
    auto layout = new QVBoxLayout(central);
    auto header = new QHBoxLayout;
    header->addWidget(createServiceGroup(), 3);
    header->addWidget(createInstanceGroup(), 2);
    layout->addLayout(header);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(u"tabs"_s);
    m_tabs->setDocumentMode(true);
    m_dashboard = new DashboardPage(m_service);
    m_jobs = new JobsPage(m_service);
    m_transfers = new TransfersPage(m_service);
    m_limits = new LimitsEditor(m_service);
    m_events = new EventsPage(m_service);
    m_uploads = new UploadsPage(m_service);
    m_tabs->addTab(m_dashboard, tr("&Dashboard"));
    m_tabs->addTab(m_jobs, tr("&Jobs"));
    m_tabs->addTab(m_uploads, tr("&Uploads"));
    m_tabs->addTab(m_transfers, tr("T&ransfers"));
    m_tabs->addTab(m_limits, tr("&Limits"));
    m_tabs->addTab(m_events, tr("&Events"));
    connect(m_events, &EventsPage::jobActivated, this, [this](const QString &id) {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->showJob(id);
    });
    for (int i = 0; i < m_tabs->count(); ++i)
        m_tabs->widget(i)->setAccessibleName(m_tabs->tabText(i).remove(u'&'));
    // Ctrl+2 and the like take the focus into the page; arrows on the tab bar leave it there.
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (!m_tabs->tabBar()->hasFocus())
            focusPage(m_tabs->currentWidget());
    });
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    // Ctrl+1 ... Ctrl+N switch tabs (View menu, built from the tabs; Alt + the
    // underlined letter works too). Nine at most have a Ctrl+digit.
    for (int i = 0; i < std::min(m_tabs->count(), 9); ++i)
        m_tabs->setTabToolTip(i,
                              tr("%1 (%2)").arg(m_tabs->tabText(i).remove(u'&'),
                                                QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i))
                                                    .toString(QKeySequence::NativeText)));
    createMenus();
    createTray();

    m_connectionStatus = new QLabel(this);
    m_connectionStatus->setObjectName(u"connectionStatus"_s);
    m_connectionStatus->setTextFormat(Qt::PlainText);
    statusBar()->addPermanentWidget(m_connectionStatus);
    m_connectionStatus->setVisible(m_service.isRemote());

    m_countdownTimer->setObjectName(u"reconnectCountdownTimer"_s);
    m_countdownTimer->setSingleShot(true);
    m_countdownTimer->setTimerType(Qt::PreciseTimer);
    connect(m_countdownTimer, &QTimer::timeout, this, [this] { updateConnectionText(); });
    connect(&m_service, &service::ServiceFacade::connectionChanged, this,
            [this](const ConnectionInfo &connection) { applyConnection(connection); });

    connect(&m_service, &service::ServiceFacade::statusChanged, this,
            [this](const ServiceStatus &status) { applyStatus(status); });
    updateToken();
    applyStatus(m_service.status());
    if (m_service.isRemote())
        showRemote();
    // A remembered appearance was applied while the menus were made, before
    // the header could follow it (changeEvent waits for m_connectionStatus).
    applyColors();

    const QSettings settings(windowsettings::organization(), windowsettings::application());
    if (!restoreGeometry(settings.value(windowsettings::geometryKey()).toByteArray())) {
        // The first time: 1280×860, or the screen's free area where that is
        // smaller (a 1280×800 laptop) and still holds the window's minimum.
        QSize size(1280, 860);
        if (const QScreen *s = screen()) {
            // Less the title bar the window manager adds above it.
            const QSize free = s->availableSize()
                - QSize(0, style()->pixelMetric(QStyle::PM_TitleBarHeight, nullptr, this));
            const QSize least = minimumSizeHint();
            if (free.width() >= least.width() && free.height() >= least.height())
                size = size.boundedTo(free);
        }
        resize(size);
    }
    m_tabs->setCurrentIndex(
        std::clamp(settings.value(windowsettings::tabKey(), 0).toInt(), 0, m_tabs->count() - 1));
}

MainWindow::~MainWindow() = default;

// A second dashboard on the same service, in a window of its own (for a
// wall screen); the one in the tab goes on. Made once, raised after.
void MainWindow::showDashboardWindow()
{
    if (!m_dashboardWindow) {
        m_dashboardWindow = new QWidget(this, Qt::Window);
        m_dashboardWindow->setObjectName(u"dashboardWindow"_s);
        m_dashboardWindow->setAttribute(Qt::WA_DeleteOnClose);
        const QString server = m_service.isRemote() ? m_service.connection().server : QString();
        m_dashboardWindow->setWindowTitle(
            server.isEmpty() ? tr("Sluice dashboard") : tr("Sluice dashboard: %1").arg(server));
        auto layout = new QVBoxLayout(m_dashboardWindow);
        auto page = new DashboardPage(m_service);
        page->setThresholds(m_dashboard->thresholds());
        layout->addWidget(page);
        m_dashboardWindow->resize(1100, 720);
    }
    m_dashboardWindow->show();
    m_dashboardWindow->raise();
    m_dashboardWindow->activateWindow();
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->setObjectName(u"fileMenu"_s);
    QAction *connectAction = file->addAction(tr("&Connect to\u2026"));
    connectAction->setObjectName(u"connectAction"_s);
    // Ctrl+L, as a browser's address bar (Ctrl+Shift+O is the Jobs tab's Show in folder).
    connectAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    connect(connectAction, &QAction::triggered, this, &MainWindow::connectRequested);
    m_localServiceAction = file->addAction(tr("&Local service"));
    m_localServiceAction->setObjectName(u"localServiceAction"_s);
    m_localServiceAction->setToolTip(tr("Show the service running on this computer"));
    m_localServiceAction->setEnabled(m_service.isRemote()); // it is what a local window shows
    connect(m_localServiceAction, &QAction::triggered, this, &MainWindow::localServiceRequested);
    file->addSeparator();
    QAction *newExport = file->addAction(tr("&New export\u2026"));
    newExport->setObjectName(u"newExportAction"_s);
    newExport->setShortcut(QKeySequence::New);
    newExport->setToolTip(tr("Start an export job of a dataset"));
    connect(newExport, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_jobs);
        m_jobs->newExport();
    });
    m_openDataDirAction = file->addAction(tr("Open &data folder"));
    m_openDataDirAction->setObjectName(u"openDataDirAction"_s);
    m_openDataDirAction->setToolTip(tr("Open the service's data folder in the file manager"));
    m_openDataDirAction->setVisible(!m_service.isRemote()); // a remote one is on its machine
    connect(m_openDataDirAction, &QAction::triggered, this, &MainWindow::openDataFolder);
    file->addSeparator();
    m_quitAction = file->addAction(tr("&Quit"));
    m_quitAction->setObjectName(u"quitAction"_s);
    m_quitAction->setShortcut(QKeySequence::Quit);
    m_quitAction->setMenuRole(QAction::QuitRole);
    m_quitAction->setToolTip(tr("Close the window and stop the service it runs"));
    connect(m_quitAction, &QAction::triggered, this, &MainWindow::quit);

    // Service: what the buttons of the Service box do, from the keyboard too.
    QMenu *serviceMenu = menuBar()->addMenu(tr("&Service"));
    serviceMenu->setObjectName(u"serviceMenu"_s);
    m_startAction = serviceMenu->addAction(tr("&Start"));
    m_startAction->setObjectName(u"startAction"_s);
    connect(m_startAction, &QAction::triggered, &m_service, &service::ServiceFacade::start);
    m_stopAction = serviceMenu->addAction(tr("S&top"));
    m_stopAction->setObjectName(u"stopAction"_s);
    connect(m_stopAction, &QAction::triggered, &m_service, &service::ServiceFacade::stop);
    // A remote service is started and stopped where it runs.
    m_startAction->setVisible(!m_service.isRemote());
    m_stopAction->setVisible(!m_service.isRemote());
    serviceMenu->addSeparator();
    m_copyAddressAction = serviceMenu->addAction(tr("Copy &address"));
    m_copyAddressAction->setObjectName(u"copyAddressAction"_s);
    connect(m_copyAddressAction, &QAction::triggered, this, [this] {
        const QString address
            = m_service.isRemote() ? m_service.connection().server : m_url.toString();
        copyToClipboard(address, tr("Address copied to the clipboard."));
    });
    m_copyTokenAction = serviceMenu->addAction(tr("Copy &token"));
    m_copyTokenAction->setObjectName(u"copyTokenAction"_s);
    connect(m_copyTokenAction, &QAction::triggered, this, [this] {
        copyToClipboard(m_service.firstRunToken(), tr("Access token copied to the clipboard."));
    });

    QMenu *view = menuBar()->addMenu(tr("&View"));
    view->setObjectName(u"viewMenu"_s);
    for (int i = 0; i < std::min(m_tabs->count(), 9); ++i) {
        QAction *tab = view->addAction(m_tabs->tabText(i));
        tab->setObjectName(u"viewTab%1Action"_s.arg(i + 1));
        tab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(tab, &QAction::triggered, m_tabs, [this, i] {
            m_tabs->setCurrentIndex(i);
            focusPage(m_tabs->widget(i));
        });
    }
    view->addSeparator();
    QAction *dashboardWindow = view->addAction(tr("Dashboard in a &window"));
    dashboardWindow->setObjectName(u"dashboardWindowAction"_s);
    dashboardWindow->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D));
    dashboardWindow->setToolTip(tr("The dashboard in a window of its own, for a second screen"));
    connect(dashboardWindow, &QAction::triggered, this, &MainWindow::showDashboardWindow);
    createAppearanceMenu(view);

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->setObjectName(u"helpMenu"_s);
    QAction *api = help->addAction(tr("&API reference"));
    api->setObjectName(u"apiReferenceAction"_s);
    const QString apiPath = apiReferencePath();
    api->setEnabled(!apiPath.isEmpty());
    api->setToolTip(apiPath.isEmpty() ? tr("docs/api.md is not installed") : apiPath);
    connect(api, &QAction::triggered, this, [this, apiPath] {
        if (!QDesktopServices::openUrl(QUrl::fromLocalFile(apiPath)))
            statusBar()->showMessage(tr("Could not open %1").arg(apiPath), 5'000);
    });
    QAction *about = help->addAction(tr("&About Sluice"));
    about->setObjectName(u"aboutAction"_s);
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this,
            [this] { QMessageBox::about(this, tr("About Sluice"), aboutText()); });
    updateServiceActions();
}

// The page's table where it has one, otherwise its first control (a
// selector, the search field).
void MainWindow::focusPage(QWidget *page)
{
    if (!page || !isActiveWindow())
        return;
    const QList<QAbstractItemView *> views = page->findChildren<QAbstractItemView *>();
    for (QAbstractItemView *view : views) {
        if (view->isVisibleTo(page) && view->isEnabled()) {
            view->setFocus(Qt::TabFocusReason);
            return;
        }
    }
    for (QWidget *w = page->nextInFocusChain(); w && w != page; w = w->nextInFocusChain()) {
        if (page->isAncestorOf(w) && (w->focusPolicy() & Qt::TabFocus) && w->isVisibleTo(page)
            && w->isEnabled()) {
            w->setFocus(Qt::TabFocusReason);
            return;
        }
    }
}

// View > Appearance: the choice is the application's, and remembered.
void MainWindow::createAppearanceMenu(QMenu *view)
{
    // main() applied it already; a window made without main() (tests) applies it here.
    applySavedAppearance();
    QMenu *menu = view->addMenu(tr("&Appearance"));
    menu->setObjectName(u"appearanceMenu"_s);
    auto group = new QActionGroup(menu);
    const struct
    {
        Appearance appearance;
        QString text;
        QString toolTip;
    } choices[] = {
        {Appearance::System, tr("&System"), tr("The desktop's style and colours")},
        {Appearance::Light, tr("&Light"), tr("Light colours, whatever the desktop's")},
        {Appearance::Dark, tr("&Dark"), tr("Dark colours, whatever the desktop's")},
    };
    for (const auto &choice : choices) {
        QAction *action = menu->addAction(choice.text);
        action->setObjectName(u"appearance%1Action"_s.arg(toSettingsValue(choice.appearance)));
        action->setToolTip(choice.toolTip);
        action->setCheckable(true);
        action->setChecked(choice.appearance == currentAppearance());
        group->addAction(action);
        connect(action, &QAction::triggered, this, [appearance = choice.appearance] {
            applyAppearance(appearance);
            QSettings(windowsettings::organization(), windowsettings::application())
                .setValue(windowsettings::appearanceKey(), toSettingsValue(appearance));
        });
    }
}

// docs/api.md as installed (the sluice-common package's doc directory), or
// the source tree's when run from a build directory; empty when neither.
QString MainWindow::apiReferencePath()
{
    const QString installed = QDir(QCoreApplication::applicationDirPath())
                                  .absoluteFilePath(u"../share/doc/sluice-common/api.md"_s);
    for (const QString &candidate : {installed, QStringLiteral(SLUICE_SOURCE_DIR "/docs/api.md")}) {
        if (QFileInfo(candidate).isFile())
            return QFileInfo(candidate).canonicalFilePath();
    }
    return {};
}

QString MainWindow::aboutText()
{
    return tr("<h3>Sluice %1</h3>"
              "<p>HTTP uploads and exports that stay calm under load, and the window to "
              "watch and steer them.</p>"
              "<p>Qt %2 (built with %3)<br>%4</p>"
              "<p>GPL-3.0-or-later</p>")
        .arg(QStringLiteral(SLUICE_VERSION), QString::fromLatin1(qVersion()),
             QStringLiteral(QT_VERSION_STR), QSslSocket::sslLibraryVersionString().toHtmlEscaped());
}

void MainWindow::updateServiceActions()
{
    if (!m_startAction)
        return;
    const ServiceState state = m_status.state;
    m_startAction->setEnabled(state == ServiceState::Stopped || state == ServiceState::Failed);
    m_stopAction->setEnabled(state == ServiceState::Running || state == ServiceState::Starting);
    m_copyAddressAction->setEnabled(m_service.isRemote() || m_url.isValid());
    m_copyTokenAction->setEnabled(!m_service.firstRunToken().isEmpty());
}

void MainWindow::copyToClipboard(const QString &text, const QString &confirmation)
{
    QGuiApplication::clipboard()->setText(text);
    statusBar()->showMessage(confirmation, 3'000);
}

} // namespace sluice::ui
