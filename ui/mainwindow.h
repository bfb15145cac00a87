#pragma once

#include "service/servicefacade.h"

#include <QMainWindow>
#include <QUrl>

QT_BEGIN_NAMESPACE
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTimer;
QT_END_NAMESPACE

namespace sluice::ui {

// The operator's window: what the service is doing, where it listens, how to
// authenticate, and the buttons to start and stop it. Everything it shows comes
// from ServiceFacade::statusChanged; it never waits for the service.
class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    explicit MainWindow(service::ServiceFacade &service, QWidget *parent = nullptr);
    ~MainWindow() override;

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    QGroupBox *createServiceGroup();
    QGroupBox *createTrafficGroup();
    QWidget *createAddressRow();
    QWidget *createTokenRow();

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
    QLabel *m_connectionsLabel = nullptr;
    QLabel *m_requestsInFlightLabel = nullptr;
    QLabel *m_requestsTotalLabel = nullptr;
    QPushButton *m_startButton = nullptr;
    QPushButton *m_stopButton = nullptr;
    QLabel *m_statusMessage = nullptr;
};

} // namespace sluice::ui
