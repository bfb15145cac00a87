#include "mainwindow.h"

#include "certificatedialog.h"
#include "connectiontext.h"
#include "dashboardpage.h"
#include "eventspage.h"
#include "jobspage.h"
#include "limitseditor.h"
#include "transferspage.h"
#include "uploadspage.h"

#include <QAction>
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
#include <QSettings>
#include <QShortcut>
#include <QSslSocket>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
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

namespace {

const auto SettingsOrganization = u"Sluice"_s;
const auto SettingsApplication = u"sluice"_s;
const auto GeometryKey = u"mainWindow/geometry"_s;
const auto TabKey = u"mainWindow/tab"_s;
const auto NoValue = u"\u2014"_s; // em dash

// listenAddress is "HOST:PORT"; an IPv6 host may come in brackets.
QUrl urlForListenAddress(const QString &address, bool tls)
{
    const qsizetype colon = address.lastIndexOf(u':');
    if (colon <= 0)
        return {};
    QString host = address.left(colon);
    if (host.startsWith(u'[') && host.endsWith(u']'))
        host = host.mid(1, host.size() - 2);
    bool ok = false;
    const int port = QStringView(address).mid(colon + 1).toInt(&ok);
    if (!ok || port <= 0 || port > 65535)
        return {};
    QUrl url;
    url.setScheme(tls ? u"https"_s : u"http"_s);
    url.setHost(host);
    url.setPort(port);
    return url.isValid() ? url : QUrl();
}

QColor stateColor(ServiceState state, const QPalette &palette)
{
    switch (state) {
    case ServiceState::Running:
        return QColor(0x2e, 0x9d, 0x46);
    case ServiceState::Starting:
    case ServiceState::Stopping:
        return QColor(0xe0, 0x9b, 0x12);
    case ServiceState::Failed:
        return QColor(0xd3, 0x2f, 0x2f);
    case ServiceState::Stopped:
        break;
    }
    return palette.color(QPalette::Disabled, QPalette::WindowText);
}

QPixmap stateDot(const QColor &color, int size, qreal devicePixelRatio)
{
    QPixmap pixmap(QSize(size, size) * devicePixelRatio);
    pixmap.setDevicePixelRatio(devicePixelRatio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(color.darker(130));
    painter.setBrush(color);
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1));
    return pixmap;
}

QString formatUptime(qint64 seconds)
{
    const qint64 days = seconds / 86'400;
    const int hours = int(seconds / 3'600 % 24);
    const int minutes = int(seconds / 60 % 60);
    const int secs = int(seconds % 60);
    const QString clock = u"%1:%2:%3"_s.arg(hours, days > 0 ? 2 : 1, 10, QChar(u'0'))
                              .arg(minutes, 2, 10, QChar(u'0'))
                              .arg(secs, 2, 10, QChar(u'0'));
    if (days == 0)
        return clock;
    return MainWindow::tr("%1 d %2").arg(days).arg(clock);
}

QString statusMessage(const ServiceStatus &status, const QUrl &url)
{
    switch (status.state) {
    case ServiceState::Stopped:
        return MainWindow::tr("The service is stopped.");
    case ServiceState::Starting:
        return MainWindow::tr("Starting the service\u2026");
    case ServiceState::Running:
        if (url.isValid())
            return MainWindow::tr("Listening on %1").arg(url.toString());
        return MainWindow::tr("The service is running.");
    case ServiceState::Stopping:
        return MainWindow::tr("Stopping the service\u2026");
    case ServiceState::Failed:
        return MainWindow::tr("The service failed. See the last error.");
    }
    return {};
}

QLabel *createValueLabel(const QString &objectName, QWidget *parent)
{
    auto label = new QLabel(NoValue, parent);
    label->setObjectName(objectName);
    label->setTextFormat(Qt::PlainText); // service text such as errors is never markup
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

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
    header->addWidget(createTrafficGroup(), 1);
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
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);
    // Ctrl+1 ... Ctrl+N switch tabs (View menu, built from the tabs; Alt + the
    // underlined letter works too). Nine at most have a Ctrl+digit.
    for (int i = 0; i < std::min(m_tabs->count(), 9); ++i)
        m_tabs->setTabToolTip(i,
                              tr("%1 (%2)").arg(m_tabs->tabText(i).remove(u'&'),
                                                QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i))
                                                    .toString(QKeySequence::NativeText)));
    createTrayIcon();
    createMenus();

    m_statusMessage = new QLabel(this);
    m_statusMessage->setObjectName(u"statusMessage"_s);
    statusBar()->addWidget(m_statusMessage, 1);
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

    const QSettings settings(SettingsOrganization, SettingsApplication);
    if (!restoreGeometry(settings.value(GeometryKey).toByteArray()))
        resize(1280, 860);
    m_tabs->setCurrentIndex(std::clamp(settings.value(TabKey, 0).toInt(), 0, m_tabs->count() - 1));
}

MainWindow::~MainWindow() = default;

void MainWindow::closeEvent(QCloseEvent *event)
{
    QSettings settings(SettingsOrganization, SettingsApplication);
    settings.setValue(GeometryKey, saveGeometry());
    settings.setValue(TabKey, m_tabs->currentIndex());
    QMainWindow::closeEvent(event);
}

void MainWindow::createTrayIcon()
{
    if (!QSystemTrayIcon::isSystemTrayAvailable())
        return;
    m_tray = new QSystemTrayIcon(this);
    m_tray->setIcon(windowIcon().isNull() ? style()->standardIcon(QStyle::SP_ComputerIcon)
                                          : windowIcon());
    connect(m_tray, &QSystemTrayIcon::activated, this, [this] {
        showNormal();
        raise();
        activateWindow();
    });
    m_tray->show();
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
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setObjectName(u"quitAction"_s);
    quit->setShortcut(QKeySequence::Quit);
    quit->setMenuRole(QAction::QuitRole);
    connect(quit, &QAction::triggered, this, &QWidget::close);

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
        connect(tab, &QAction::triggered, m_tabs, [this, i] { m_tabs->setCurrentIndex(i); });
    }

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

QGroupBox *MainWindow::createServiceGroup()
{
    auto group = new QGroupBox(tr("Service"));
    m_serviceForm = new QFormLayout(group);

    m_stateIndicator = new QLabel;
    m_stateIndicator->setObjectName(u"stateIndicator"_s);
    m_stateLabel = createValueLabel(u"stateLabel"_s, group);
    QFont bold = m_stateLabel->font();
    bold.setBold(true);
    m_stateLabel->setFont(bold);
    // The commands sit beside the state they change.
    m_startButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaPlay), tr("&Start"));
    m_startButton->setObjectName(u"startButton"_s);
    m_stopButton = new QPushButton(style()->standardIcon(QStyle::SP_MediaStop), tr("S&top"));
    m_stopButton->setObjectName(u"stopButton"_s);
    // The facade may live on another thread: these calls are queued there and return at once.
    connect(m_startButton, &QPushButton::clicked, &m_service, &service::ServiceFacade::start);
    connect(m_stopButton, &QPushButton::clicked, &m_service, &service::ServiceFacade::stop);
    auto stateRow = new QHBoxLayout;
    stateRow->addWidget(m_stateIndicator);
    stateRow->addWidget(m_stateLabel, 1);
    stateRow->addWidget(m_startButton);
    stateRow->addWidget(m_stopButton);
    m_serviceForm->addRow(tr("State:"), stateRow);

    // A remote service: where it is and how the connection fares (hidden for the local one).
    m_serverLabel = new QLabel;
    m_serverLabel->setObjectName(u"serverLabel"_s);
    m_serverLabel->setTextFormat(Qt::RichText);
    m_serverLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_serverLabel->setOpenExternalLinks(true);
    m_serviceForm->addRow(tr("Server:"), m_serverLabel);
    m_connectionLabel = createValueLabel(u"connectionLabel"_s, group);
    m_connectionLabel->setWordWrap(true);
    m_serviceForm->addRow(tr("Connection:"), m_connectionLabel);
    m_serviceForm->setRowVisible(m_serverLabel, false);
    m_serviceForm->setRowVisible(m_connectionLabel, false);

    m_addressRow = createAddressRow();
    m_serviceForm->addRow(tr("Address:"), m_addressRow);
    m_tokenRow = createTokenRow();
    m_serviceForm->addRow(tr("Access token:"), m_tokenRow);
    m_uptimeLabel = createValueLabel(u"uptimeLabel"_s, group);
    m_serviceForm->addRow(tr("Uptime:"), m_uptimeLabel);

    m_errorLabel = createValueLabel(u"errorLabel"_s, group);
    m_errorLabel->setWordWrap(true);
    QPalette errorPalette = m_errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, stateColor(ServiceState::Failed, errorPalette));
    m_errorLabel->setPalette(errorPalette);
    m_serviceForm->addRow(tr("Last error:"), m_errorLabel);
    return group;
}

QGroupBox *MainWindow::createTrafficGroup()
{
    auto group = new QGroupBox(tr("Traffic"));
    auto form = new QFormLayout(group);
    m_connectionsLabel = createValueLabel(u"connectionsLabel"_s, group);
    form->addRow(tr("Live connections:"), m_connectionsLabel);
    m_requestsInFlightLabel = createValueLabel(u"requestsInFlightLabel"_s, group);
    form->addRow(tr("Requests in flight:"), m_requestsInFlightLabel);
    m_requestsTotalLabel = createValueLabel(u"requestsTotalLabel"_s, group);
    form->addRow(tr("Requests total:"), m_requestsTotalLabel);
    return group;
}

QWidget *MainWindow::createAddressRow()
{
    auto row = new QWidget;
    auto layout = new QHBoxLayout(row);
    layout->setContentsMargins({});

    m_addressLabel = new QLabel;
    m_addressLabel->setObjectName(u"addressLabel"_s);
    m_addressLabel->setTextFormat(Qt::RichText);
    m_addressLabel->setTextInteractionFlags(Qt::TextBrowserInteraction);
    m_addressLabel->setOpenExternalLinks(true);
    layout->addWidget(m_addressLabel, 1);

    m_copyAddressButton = new QPushButton(tr("Copy"));
    m_copyAddressButton->setObjectName(u"copyAddressButton"_s);
    m_copyAddressButton->setToolTip(tr("Copy the service URL to the clipboard"));
    connect(m_copyAddressButton, &QPushButton::clicked, this,
            [this] { copyToClipboard(m_url.toString(), tr("Address copied to the clipboard.")); });
    layout->addWidget(m_copyAddressButton);
    return row;
}

QWidget *MainWindow::createTokenRow()
{
    auto row = new QWidget;
    auto layout = new QHBoxLayout(row);
    layout->setContentsMargins({});

    m_tokenField = new QLineEdit;
    m_tokenField->setObjectName(u"tokenField"_s);
    m_tokenField->setReadOnly(true);
    m_tokenField->setEchoMode(QLineEdit::Password);
    const QFont fixedFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_tokenField->setFont(fixedFont);
    // Room for a 32-byte token in base64url (43 characters) without scrolling.
    m_tokenField->setMinimumWidth(QFontMetrics(fixedFont).horizontalAdvance(u'0') * 46);
    layout->addWidget(m_tokenField, 1);

    m_showTokenButton = new QPushButton(tr("Show"));
    m_showTokenButton->setObjectName(u"showTokenButton"_s);
    m_showTokenButton->setCheckable(true);
    connect(m_showTokenButton, &QPushButton::toggled, this, [this](bool shown) {
        m_tokenField->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_showTokenButton->setText(shown ? tr("Hide") : tr("Show"));
    });
    layout->addWidget(m_showTokenButton);

    m_copyTokenButton = new QPushButton(tr("Copy"));
    m_copyTokenButton->setObjectName(u"copyTokenButton"_s);
    m_copyTokenButton->setToolTip(tr("Copy the access token to the clipboard"));
    connect(m_copyTokenButton, &QPushButton::clicked, this, [this] {
        copyToClipboard(m_tokenField->text(), tr("Access token copied to the clipboard."));
    });
    layout->addWidget(m_copyTokenButton);

    m_tokenNote = new QLabel(tr("The token was shown once, at first run. To issue another, run "
                                "<code>sluiced token add NAME</code>."));
    m_tokenNote->setObjectName(u"tokenNote"_s);
    m_tokenNote->setTextFormat(Qt::RichText);
    m_tokenNote->setWordWrap(true);
    // Keep the window as wide with the note as with the token, so that wrapped text stays legible.
    m_tokenNote->setMinimumWidth(m_tokenField->minimumWidth());
    m_tokenNote->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_tokenNote, 1);
    return row;
}

void MainWindow::applyStatus(const ServiceStatus &status)
{
    const bool stateChanged = status.state != m_status.state;
    m_status = status;
    const ServiceState state = status.state;

    m_stateLabel->setText(service::toString(state));
    const int dotSize = m_stateLabel->fontMetrics().height() * 2 / 3;
    m_stateIndicator->setPixmap(
        stateDot(stateColor(state, palette()), dotSize, devicePixelRatio()));

    updateAddress();
    updateUptime();

    const QLocale locale;
    m_connectionsLabel->setText(locale.toString(status.connections));
    m_requestsInFlightLabel->setText(locale.toString(status.requestsInFlight));
    m_requestsTotalLabel->setText(locale.toString(status.requestsTotal));

    const bool failed = state == ServiceState::Failed;
    m_errorLabel->setText(status.error.isEmpty() ? tr("No reason was reported.") : status.error);
    m_serviceForm->setRowVisible(m_errorLabel, failed);

    m_startButton->setEnabled(state == ServiceState::Stopped || failed);
    m_stopButton->setEnabled(state == ServiceState::Running || state == ServiceState::Starting);
    // A remote service's listen address may mean nothing here (0.0.0.0, a proxy's backend).
    m_statusMessage->setText(statusMessage(status, m_service.isRemote() ? QUrl() : m_url));
    if (m_tray)
        m_tray->setToolTip(tr("Sluice: %1").arg(service::toString(state)));
    updateServiceActions();

    // The service may create the first-run token when it first starts.
    if (stateChanged)
        updateToken();
}

void MainWindow::updateAddress()
{
    m_url = urlForListenAddress(m_status.listenAddress, m_status.tls);
    m_copyAddressButton->setEnabled(m_url.isValid());
    if (m_url.isValid()) {
        const QString url = m_url.toString().toHtmlEscaped();
        m_addressLabel->setText(u"<a href=\"%1\">%1</a>"_s.arg(url));
        m_addressLabel->setToolTip(tr("Open in a web browser"));
    } else {
        // Not a URL we can build: show what the service said, if anything, as plain text.
        const QString text
            = m_status.listenAddress.isEmpty() ? tr("not listening") : m_status.listenAddress;
        m_addressLabel->setText(text.toHtmlEscaped());
        m_addressLabel->setToolTip({});
    }
    m_addressLabel->setEnabled(m_url.isValid());
    updateServiceActions();
}

void MainWindow::updateUptime()
{
    if (m_status.state != ServiceState::Running || !m_status.startedAt.isValid()) {
        m_uptimeTimer->stop();
        m_uptimeLabel->setText(NoValue);
        return;
    }
    const qint64 ms
        = std::max<qint64>(0, m_status.startedAt.msecsTo(QDateTime::currentDateTimeUtc()));
    m_uptimeLabel->setText(formatUptime(ms / 1'000));
    // Wake just after the next whole second of uptime, so no second is skipped or shown twice.
    m_uptimeTimer->start(int(1'000 - ms % 1'000) + 5);
}

void MainWindow::updateToken()
{
    const QString token = m_service.firstRunToken();
    const bool hasToken = !token.isEmpty();
    m_tokenField->setText(token);
    m_tokenField->setVisible(hasToken);
    m_showTokenButton->setVisible(hasToken);
    m_copyTokenButton->setVisible(hasToken);
    m_tokenNote->setVisible(!hasToken);
    updateServiceActions();
}

void MainWindow::copyToClipboard(const QString &text, const QString &confirmation)
{
    QGuiApplication::clipboard()->setText(text);
    statusBar()->showMessage(confirmation, 3'000);
}

} // namespace sluice::ui
