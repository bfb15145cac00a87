#pragma once

#include "commandline.h"
#include "credentialstore.h"

#include <QObject>
#include <QPointer>
#include <QTextStream>
#include <QUrl>

#include <memory>
#include <optional>

namespace sluice::remote {
class RemoteServiceFacade;
}

namespace sluice::ui {
class MainWindow;
}

namespace sluice::app {

// Owns what the operator's window shows and switches between them: this
// computer's service (made, started and kept running from its first use on)
// and at most one remote service. Switching builds a new MainWindow on the
// other service where the old one was, then lets the old window go and,
// after it, the old remote service.
class WindowHost final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(WindowHost)
public:
    WindowHost(CommandLine commandLine, QTextStream &out, QTextStream &err);
    ~WindowHost() override;

    // Opens the first window: on the --connect server, or on this computer's
    // service. Returns the exit code when the program cannot go on.
    std::optional<int> start();

private:
    // Nullptr when it cannot be prepared (said on stderr and in a message box).
    service::Service *localService();
    bool showLocalService();
    // The token from SLUICE_TOKEN, else the keyring, else the Connect dialog.
    void connectAtStart(const QUrl &server);
    void askForServer(const QUrl &server, const QString &token);
    void showRemoteService(const QUrl &server, const QString &token);
    void show(service::ServiceFacade &facade, std::unique_ptr<remote::RemoteServiceFacade> remote);
    void trustCertificate(const QString &fingerprint);

    CommandLine m_commandLine;
    QTextStream &m_out;
    QTextStream &m_err;
    ui::CredentialStore m_credentials;
    std::unique_ptr<service::Service> m_local;
    service::ServiceState m_localState {};
    std::unique_ptr<remote::RemoteServiceFacade> m_remote; // the one m_window shows, if remote
    QPointer<ui::MainWindow> m_window;
};

} // namespace sluice::app
