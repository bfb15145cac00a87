// The header of the operator's window: the Service box (state, address,
// token, uptime) and the Instance box (readiness, version, data folder,
// config file). The status bar keeps only passing messages and, for a
// remote service, the connection.
#include "mainwindow.h"

#include "connectiontext.h"
#include "palette.h"
#include "servicestate.h"

#include <QApplication>
#include <QDesktopServices>
#include <QDir>
#include <QEvent>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using service::ServiceState;
using service::ServiceStatus;

namespace {

const auto NoValue = u"\u2014"_s; // em dash
// The Instance box's rows.
constexpr int DataDirRow = 2;
constexpr int ConfigFileRow = 3;

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

// The label of the form's row holding `field` (a widget or a layout) names `value`.
void setRowBuddy(QFormLayout *form, QObject *field, QWidget *value)
{
    QWidget *label = nullptr;
    if (auto layout = qobject_cast<QLayout *>(field))
        label = form->labelForField(layout);
    else
        label = form->labelForField(qobject_cast<QWidget *>(field));
    if (auto rowLabel = qobject_cast<QLabel *>(label))
        rowLabel->setBuddy(value);
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
    m_startButton = new QPushButton(tr("&Start"));
    m_startButton->setObjectName(u"startButton"_s);
    m_stopButton = new QPushButton(tr("S&top"));
    m_startButton->setIcon(serviceCommandIcon(ServiceCommand::Start, palette()));
    m_stopButton->setIcon(serviceCommandIcon(ServiceCommand::Stop, palette()));
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
    m_serviceForm->addRow(tr("Last error:"), m_errorLabel);
    // A screen reader says the row's label with its value.
    for (const auto &[field, value] : {std::pair<QObject *, QWidget *>(stateRow, m_stateLabel),
                                       {m_serverLabel, m_serverLabel},
                                       {m_connectionLabel, m_connectionLabel},
                                       {m_addressRow, m_addressLabel},
                                       {m_tokenRow, m_tokenField},
                                       {m_uptimeLabel, m_uptimeLabel},
                                       {m_errorLabel, m_errorLabel}})
        setRowBuddy(m_serviceForm, field, value);
    return group;
}

// What the dashboard does not show: whether new work would be taken, and
// which service this is (version, data folder, config file).
QGroupBox *MainWindow::createInstanceGroup()
{
    auto group = new QGroupBox(tr("Instance"));
    m_instanceForm = new QFormLayout(group);
    m_readyLabel = createValueLabel(u"readyLabel"_s, group);
    m_readyLabel->setWordWrap(true);
    m_instanceForm->addRow(tr("Ready:"), m_readyLabel);
    m_versionLabel = createValueLabel(u"versionLabel"_s, group);
    m_instanceForm->addRow(tr("Version:"), m_versionLabel);

    auto dataRow = new QHBoxLayout;
    m_dataDirLabel = createValueLabel(u"dataDirLabel"_s, group);
    m_dataDirLabel->setWordWrap(true);
    dataRow->addWidget(m_dataDirLabel, 1);
    m_openDataDirButton = new QPushButton(tr("Open"));
    m_openDataDirButton->setObjectName(u"openDataDirButton"_s);
    m_openDataDirButton->setToolTip(tr("Open the data folder in the file manager"));
    m_openDataDirButton->setAccessibleName(tr("Open data folder"));
    connect(m_openDataDirButton, &QPushButton::clicked, this, &MainWindow::openDataFolder);
    dataRow->addWidget(m_openDataDirButton);
    m_instanceForm->addRow(tr("Data folder:"), dataRow);
    m_configFileLabel = createValueLabel(u"configFileLabel"_s, group);
    m_configFileLabel->setWordWrap(true);
    m_instanceForm->addRow(tr("Config file:"), m_configFileLabel);
    setRowBuddy(m_instanceForm, m_readyLabel, m_readyLabel);
    setRowBuddy(m_instanceForm, m_versionLabel, m_versionLabel);
    setRowBuddy(m_instanceForm, dataRow, m_dataDirLabel);
    setRowBuddy(m_instanceForm, m_configFileLabel, m_configFileLabel);
    return group;
}

void MainWindow::updateInstance()
{
    const ServiceStatus &s = m_status;
    const bool running = s.state == ServiceState::Running;
    QString ready = NoValue;
    bool notReady = false;
    if (running && s.ready) {
        ready = tr("Ready: new uploads and jobs are taken");
    } else if (running && !s.version.isEmpty()) { // an older remote service says nothing
        notReady = true;
        ready = s.notReadyReason.isEmpty() ? tr("Not ready")
                                           : tr("Not ready: %1").arg(s.notReadyReason);
    }
    m_readyLabel->setText(ready);
    QPalette palette = m_readyLabel->palette();
    palette.setColor(QPalette::WindowText,
                     notReady ? coloursFor(this->palette()).errorText
                              : this->palette().color(QPalette::WindowText));
    m_readyLabel->setPalette(palette);

    const QString window = QStringLiteral(SLUICE_VERSION);
    if (s.version.isEmpty())
        m_versionLabel->setText(m_service.isRemote() ? NoValue : window);
    else if (s.version != window)
        m_versionLabel->setText(tr("%1 (this window: %2)").arg(s.version, window));
    else
        m_versionLabel->setText(s.version);

    // A remote service's paths are on its machine, and no answer names them.
    const bool local = !m_service.isRemote();
    m_instanceForm->setRowVisible(DataDirRow, local);
    m_instanceForm->setRowVisible(ConfigFileRow, local);
    m_dataDirLabel->setText(s.dataDir.isEmpty() ? NoValue : QDir::toNativeSeparators(s.dataDir));
    m_openDataDirButton->setEnabled(!s.dataDir.isEmpty());
    m_configFileLabel->setText(s.configFile.isEmpty() ? tr("none: built-in defaults")
                                                      : QDir::toNativeSeparators(s.configFile));
    if (m_openDataDirAction)
        m_openDataDirAction->setEnabled(!m_service.isRemote() && !s.dataDir.isEmpty());
}

// The header's colours, again when the palette changes (View > Appearance).
void MainWindow::applyColors()
{
    // The application's palette: when this runs, the buttons (and, while the
    // window is being made, the window itself) still have the old one.
    const QPalette colours = QApplication::palette(this);
    m_startButton->setIcon(serviceCommandIcon(ServiceCommand::Start, colours));
    m_stopButton->setIcon(serviceCommandIcon(ServiceCommand::Stop, colours));
    updateAddress();
    applyStatus(m_status);
    if (m_service.isRemote())
        updateConnectionText();
}

void MainWindow::changeEvent(QEvent *event)
{
    QMainWindow::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && m_connectionStatus) // constructed
        applyColors();
}

void MainWindow::openDataFolder()
{
    const QString dir = m_status.dataDir;
    if (dir.isEmpty() || m_service.isRemote())
        return;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(dir)))
        statusBar()->showMessage(tr("Could not open %1").arg(QDir::toNativeSeparators(dir)), 5'000);
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
    m_copyAddressButton->setAccessibleName(tr("Copy address"));
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
    m_showTokenButton->setAccessibleName(tr("Show access token"));
    connect(m_showTokenButton, &QPushButton::toggled, this, [this](bool shown) {
        m_tokenField->setEchoMode(shown ? QLineEdit::Normal : QLineEdit::Password);
        m_showTokenButton->setText(shown ? tr("Hide") : tr("Show"));
        m_showTokenButton->setAccessibleName(shown ? tr("Hide access token")
                                                   : tr("Show access token"));
    });
    layout->addWidget(m_showTokenButton);

    m_copyTokenButton = new QPushButton(tr("Copy"));
    m_copyTokenButton->setObjectName(u"copyTokenButton"_s);
    m_copyTokenButton->setToolTip(tr("Copy the access token to the clipboard"));
    m_copyTokenButton->setAccessibleName(tr("Copy access token"));
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

    m_stateLabel->setText(describeServiceState(state));
    const int dotSize = m_stateLabel->fontMetrics().height() * 2 / 3;
    m_stateIndicator->setPixmap(
        serviceStateDot(serviceStateColor(state, palette()), dotSize, devicePixelRatio()));

    updateAddress();
    updateUptime();

    updateInstance();

    const bool failed = state == ServiceState::Failed;
    m_errorLabel->setText(status.error.isEmpty() ? tr("No reason was reported.") : status.error);
    QPalette errorPalette = m_errorLabel->palette();
    errorPalette.setColor(QPalette::WindowText, coloursFor(palette()).errorText);
    m_errorLabel->setPalette(errorPalette);
    m_serviceForm->setRowVisible(m_errorLabel, failed);

    m_startButton->setEnabled(state == ServiceState::Stopped || failed);
    m_stopButton->setEnabled(state == ServiceState::Running || state == ServiceState::Starting);
    updateTray();
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
        // The link's colour is written out: QLabel keeps the one it had when
        // the text was set, and setting the same text again changes nothing.
        m_addressLabel->setText(u"<a href=\"%1\" style=\"color: %2\">%1</a>"_s.arg(
            url, QApplication::palette(this).color(QPalette::Link).name()));
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

} // namespace sluice::ui
