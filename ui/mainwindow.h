#pragma once

#include "service/servicefacade.h"

#include <QDeadlineTimer>
#include <QMainWindow>
#include <QPointer>
#include <QUrl>

#include <optional>

QT_BEGIN_NAMESPACE
class QAction;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QMenu;
class QMessageBox;
class QPushButton;
class QSystemTrayIcon;
class QTabWidget;
class QTimer;
QT_END_NAMESPACE

namespace sluice::ui {

class AlertNotifier;
class CertificateDialog;
class DashboardPage;
class EventsPage;
class JobsPage;
class UploadsPage;
class LimitsEditor;
class TransfersPage;

// The operator's window: what the service is doing, where it listens, how to
// authenticate, and the buttons to start and stop it; below, the dashboard,
// jobs, transfers, limits and events tabs. Everything it shows comes from the
// ServiceFacade's signals; it never waits for the service.
//
// On a remote service (ServiceFacade::isRemote()) it shows the server and the
// state of the connection instead of the start and stop buttons and the
// token, and asks the operator about a certificate the system does not
// trust. It never switches services itself: File > Connect to... and File >
// Local service only ask, by signal, whoever made the window.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(service::ServiceFacade &service, QWidget *parent = nullptr);
    ~MainWindow() override;

    QTabWidget *tabs() const { return m_tabs; }
    DashboardPage *dashboard() const { return m_dashboard; }
    JobsPage *jobsPage() const { return m_jobs; }
    TransfersPage *transfersPage() const { return m_transfers; }
    LimitsEditor *limitsEditor() const { return m_limits; }
    EventsPage *eventsPage() const { return m_events; }
    UploadsPage *uploadsPage() const { return m_uploads; }

    // Help: where docs/api.md is (empty when it is not), and the About text.
    static QString apiReferencePath();
    static QString aboutText();

    // Tests: whether the platform has a tray (offscreen has none); nullopt: ask it.
    static void setSystemTrayAvailableForTesting(std::optional<bool> available);
    AlertNotifier *alerts() const { return m_alerts; }

public slots:
    void quit(); // close the window and end the program, whatever the tray
    void openDataFolder(); // the embedded service's, in the file manager
    void showDashboardWindow(); // View > Dashboard in a window

signals:
    void connectRequested(); // File > Connect to...
    void localServiceRequested(); // File > Local service
    // The operator trusts this certificate of `server` (CertificateUntrusted).
    void certificateAccepted(const QString &server, const QString &fingerprint);
    // Quit was chosen: the window has closed, and the program should end.
    void quitRequested();

protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

private:
    QGroupBox *createServiceGroup();
    QGroupBox *createInstanceGroup();
    void updateInstance();
    QWidget *createAddressRow();
    QWidget *createTokenRow();
    static bool trayAvailable();
    void createTray();
    void updateTray();
    void showFromTray();
    std::optional<bool> keepInTray();
    void updateServiceActions();
    void createMenus();
    void createAppearanceMenu(QMenu *view);
    void applyColors();
    void focusPage(QWidget *page);
    void showRemote();

    void applyConnection(const service::ConnectionInfo &connection);
    void updateConnectionText();
    void askAboutCertificate();
    void applyStatus(const service::ServiceStatus &status);
    void updateAddress();
    void updateUptime();
    void updateToken();
    void copyToClipboard(const QString &text, const QString &confirmation);

    service::ServiceFacade &m_service;
    service::ServiceStatus m_status;
    QUrl m_url; // where the service listens, invalid when it does not

    QTimer *m_uptimeTimer = nullptr;
    QFormLayout *m_serviceForm = nullptr;
    QLabel *m_stateIndicator = nullptr;
    QLabel *m_stateLabel = nullptr;
    QLabel *m_addressLabel = nullptr;
    QPushButton *m_copyAddressButton = nullptr;
    QLineEdit *m_tokenField = nullptr;
    QPushButton *m_showTokenButton = nullptr;
    QPushButton *m_copyTokenButton = nullptr;
    QLabel *m_tokenNote = nullptr;
    QLabel *m_uptimeLabel = nullptr;
    QLabel *m_errorLabel = nullptr;
    QFormLayout *m_instanceForm = nullptr;
    QLabel *m_readyLabel = nullptr;
    QLabel *m_versionLabel = nullptr;
    QLabel *m_dataDirLabel = nullptr;
    QPushButton *m_openDataDirButton = nullptr;
    QLabel *m_configFileLabel = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_stopButton = nullptr;
    QTabWidget *m_tabs = nullptr;
    DashboardPage *m_dashboard = nullptr;
    JobsPage *m_jobs = nullptr;
    TransfersPage *m_transfers = nullptr;
    LimitsEditor *m_limits = nullptr;
    EventsPage *m_events = nullptr;
    UploadsPage *m_uploads = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    AlertNotifier *m_alerts = nullptr;
    QString m_alertJobId; // the job the last notification is about
    bool m_quitting = false; // Quit, or "stop and quit": no tray on the way out
    bool m_toldAboutTray = false;
    QPointer<QMessageBox> m_closeQuestion; // open while closing asks about the tray
    QAction *m_quitAction = nullptr;
    QAction *m_openDataDirAction = nullptr;
    QPointer<QWidget> m_dashboardWindow;

    // A remote service's connection (unused for the local one).
    service::ConnectionInfo m_connection;
    QDeadlineTimer m_retryDeadline; // Reconnecting: when the next attempt starts
    QTimer *m_countdownTimer = nullptr;
    QAction *m_localServiceAction = nullptr;
    QAction *m_startAction = nullptr;
    QAction *m_stopAction = nullptr;
    QAction *m_copyAddressAction = nullptr;
    QAction *m_copyTokenAction = nullptr;
    QLabel *m_serverLabel = nullptr;
    QLabel *m_connectionLabel = nullptr;
    QLabel *m_connectionStatus = nullptr; // the same text, in the status bar
    QWidget *m_addressRow = nullptr;
    QWidget *m_tokenRow = nullptr;
    QPointer<CertificateDialog> m_certificateDialog;
    QString m_askedFingerprint; // asked about (Untrusted) or warned of (Changed) already
};

} // namespace sluice::ui
