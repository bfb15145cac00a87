// The tray: the service's state at a glance, a menu (show, start, stop,
// quit), the notifications AlertNotifier decides on, and closing the window
// into it while the embedded service runs, asked once and remembered.
#include "mainwindow.h"

#include "alertnotifier.h"
#include "connectiontext.h"
#include "dashboardpage.h"
#include "jobspage.h"
#include "servicestate.h"
#include "windowsettings.h"

#include <QStatusBar>

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabWidget>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using service::ServiceState;

namespace {

std::optional<bool> s_trayAvailable; // tests: what the platform would say

} // namespace

void MainWindow::setSystemTrayAvailableForTesting(std::optional<bool> available)
{
    s_trayAvailable = available;
}

bool MainWindow::trayAvailable()
{
    return s_trayAvailable.value_or(QSystemTrayIcon::isSystemTrayAvailable());
}

void MainWindow::createTray()
{
    m_alerts = new AlertNotifier(this);
    m_alerts->setObjectName(u"alertNotifier"_s);
    connect(m_dashboard, &DashboardPage::tileLevelChanged, m_alerts,
            &AlertNotifier::tileLevelChanged);
    connect(&m_service, &service::ServiceFacade::jobsChanged, m_alerts,
            [this](const QList<jobs::JobRecord> &changed) { m_alerts->jobsChanged(changed); });
    connect(m_alerts, &AlertNotifier::alert, this,
            [this](const QString &title, const QString &message, const QString &jobId) {
                m_alertJobId = jobId;
                if (m_tray)
                    m_tray->showMessage(title, message, QSystemTrayIcon::Warning, 15'000);
                else
                    statusBar()->showMessage(title + u": "_s + message, 15'000);
            });

    if (!trayAvailable())
        return;
    m_tray = new QSystemTrayIcon(this);
    m_tray->setObjectName(u"trayIcon"_s);
    auto menu = new QMenu(this);
    menu->setObjectName(u"trayMenu"_s);
    QAction *show = menu->addAction(tr("&Show Sluice"));
    show->setObjectName(u"trayShowAction"_s);
    connect(show, &QAction::triggered, this, &MainWindow::showFromTray);
    menu->addSeparator();
    menu->addAction(m_startAction);
    menu->addAction(m_stopAction);
    menu->addSeparator();
    menu->addAction(m_quitAction);
    m_tray->setContextMenu(menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason r) {
        if (r == QSystemTrayIcon::Trigger || r == QSystemTrayIcon::DoubleClick)
            showFromTray();
    });
    connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
        showFromTray();
        if (!m_alertJobId.isEmpty()) {
            m_tabs->setCurrentWidget(m_jobs);
            m_jobs->showJob(m_alertJobId);
        }
    });
    updateTray();
    m_tray->show();
}

void MainWindow::updateTray()
{
    if (!m_tray)
        return;
    const QIcon base
        = windowIcon().isNull() ? style()->standardIcon(QStyle::SP_ComputerIcon) : windowIcon();
    m_tray->setIcon(serviceStateIcon(base, m_status.state, palette()));
    QString tip = tr("Sluice: %1").arg(describeServiceState(m_status.state));
    if (m_status.state == ServiceState::Running && !m_status.version.isEmpty())
        tip += m_status.ready ? tr(", ready") : tr(", not ready");
    if (m_service.isRemote())
        tip += u"\n"_s + m_service.connection().server;
    m_tray->setToolTip(tip);
}

void MainWindow::showFromTray()
{
    QGuiApplication::setQuitOnLastWindowClosed(true);
    showNormal();
    raise();
    activateWindow();
}

void MainWindow::quit()
{
    m_quitting = true;
    // Asked from the tray while the close question is open: that close,
    // already under way, ends in quitting (a second close() would be lost).
    if (m_closeQuestion) {
        m_closeQuestion->reject();
        return;
    }
    close(); // closeEvent asks the program to quit, even while hidden in the tray
}

// Whether closing should leave the service running in the tray: asked the
// first time, remembered after. nullopt: the operator cancelled the close.
std::optional<bool> MainWindow::keepInTray()
{
    QSettings settings(windowsettings::organization(), windowsettings::application());
    if (settings.contains(windowsettings::closeKeepsServiceInTrayKey()))
        return settings.value(windowsettings::closeKeepsServiceInTrayKey()).toBool();
    QMessageBox box(QMessageBox::Question, tr("Keep the service running?"),
                    tr("The service is running on this computer. Keep it running in the tray "
                       "when the window closes, or stop it and quit?"),
                    QMessageBox::NoButton, this);
    box.setObjectName(u"closeToTrayQuestion"_s);
    box.setInformativeText(tr("Sluice remembers the answer. Quit from the File or tray menu "
                              "stops the service whatever the answer."));
    QPushButton *keep = box.addButton(tr("Keep running"), QMessageBox::AcceptRole);
    QPushButton *quit = box.addButton(tr("Stop and quit"), QMessageBox::DestructiveRole);
    box.addButton(QMessageBox::Cancel);
    box.setDefaultButton(keep);
    m_closeQuestion = &box;
    box.exec();
    m_closeQuestion = nullptr;
    if (m_quitting)
        return false; // Quit came meanwhile: nothing to remember
    if (box.clickedButton() != keep && box.clickedButton() != quit)
        return std::nullopt;
    const bool answer = box.clickedButton() == keep;
    settings.setValue(windowsettings::closeKeepsServiceInTrayKey(), answer);
    return answer;
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const bool serviceRuns = !m_service.isRemote()
        && (m_status.state == ServiceState::Running || m_status.state == ServiceState::Starting);
    if (!m_quitting && m_tray && serviceRuns && isVisible()) {
        const std::optional<bool> keep = keepInTray();
        if (!keep) {
            event->ignore();
            return;
        }
        if (*keep) {
            event->ignore();
            // Hidden, not closed: a dialog closed later must not end the program.
            QGuiApplication::setQuitOnLastWindowClosed(false);
            hide();
            if (!m_toldAboutTray) {
                m_toldAboutTray = true;
                m_tray->showMessage(tr("Sluice is still running"),
                                    tr("The service keeps answering. Open the window or quit "
                                       "from this icon."),
                                    QSystemTrayIcon::Information, 8'000);
            }
            return;
        }
        m_quitting = true; // stop and quit: the window closes, and the program with it
    }
    QSettings settings(windowsettings::organization(), windowsettings::application());
    settings.setValue(windowsettings::geometryKey(), saveGeometry());
    settings.setValue(windowsettings::tabKey(), m_tabs->currentIndex());
    QMainWindow::closeEvent(event);
    if (m_quitting)
        emit quitRequested();
}

} // namespace sluice::ui
