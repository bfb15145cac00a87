#include "windowhost.h"

#include "connectdialog.h"
#include "mainwindow.h"
#include "remote/remoteservicefacade.h"

#include <QApplication>
#include <QMessageBox>
#include <QTabWidget>
#include <QTimer>

#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::app {

WindowHost::WindowHost(CommandLine commandLine, QTextStream &out, QTextStream &err)
    : m_commandLine(std::move(commandLine))
    , m_out(out)
    , m_err(err)
{ }

WindowHost::~WindowHost()
{
    delete m_window; // before the service it shows
}

std::optional<int> WindowHost::start()
{
    if (m_commandLine.connectTo.isEmpty())
        return showLocalService() ? std::nullopt : std::optional<int>(2);
    const QString problem = ui::ConnectDialog::problemWithUrl(m_commandLine.connectTo);
    if (!problem.isEmpty()) {
        m_err << "sluice: --connect: " << problem << Qt::endl;
        return 2;
    }
    connectAtStart(ui::ConnectDialog::serverUrl(m_commandLine.connectTo));
    return std::nullopt;
}

service::Service *WindowHost::localService()
{
    if (m_local)
        return m_local.get();
    auto prepared = prepareService(m_commandLine);
    if (!prepared) {
        m_err << "sluice: " << prepared.error().message << Qt::endl;
        QMessageBox::critical(m_window, tr("Sluice cannot start"), prepared.error().message);
        return nullptr;
    }
    m_local = std::make_unique<service::Service>(prepared->first, prepared->second);
    if (!m_local->firstRunToken().isEmpty())
        m_out << "token " << m_local->firstRunToken() << Qt::endl;
    connect(m_local.get(), &service::Service::statusChanged, this,
            [this](const service::ServiceStatus &status) {
                if (status.state == m_localState)
                    return; // counters changed, not the state
                m_localState = status.state;
                if (status.state == service::ServiceState::Running)
                    m_out << "listening on " << (status.tls ? "https://" : "http://")
                          << status.listenAddress << Qt::endl;
                else if (status.state == service::ServiceState::Failed)
                    m_err << "sluice: " << status.error << Qt::endl;
            });
    m_local->start();
    return m_local.get();
}

bool WindowHost::showLocalService()
{
    service::Service *local = localService();
    if (!local)
        return false;
    show(*local, nullptr);
    return true;
}

void WindowHost::connectAtStart(const QUrl &server)
{
    // No window yet: a closed Connect dialog must not end the program before
    // the window it leads to is shown (show() turns this back on).
    QGuiApplication::setQuitOnLastWindowClosed(false);
    if (const QString token = qEnvironmentVariable("SLUICE_TOKEN"); !token.isEmpty()) {
        showRemoteService(server, token);
        return;
    }
    m_credentials.readToken(server, this, [this, server](const QString &token) {
        if (token.isEmpty())
            askForServer(server, {});
        else
            showRemoteService(server, token);
    });
}

void WindowHost::askForServer(const QUrl &server, const QString &token)
{
    auto dialog = new ui::ConnectDialog(m_credentials, m_window);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!server.isEmpty())
        dialog->setUrl(server);
    dialog->setToken(token);
    connect(dialog, &QDialog::accepted, this, [this, dialog] {
        const QUrl url = dialog->url();
        if (dialog->rememberToken())
            m_credentials.writeToken(url, dialog->token());
        else
            m_credentials.deleteToken(url); // not to be remembered any more
        showRemoteService(url, dialog->token());
    });
    if (!m_window) // started with --connect and nothing to show
        connect(dialog, &QDialog::rejected, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    dialog->open();
}

void WindowHost::showRemoteService(const QUrl &server, const QString &token)
{
    remote::RemoteOptions options;
    options.url = server;
    options.token = token;
    options.pinnedFingerprint = ui::CredentialStore::pin(server);
    ui::ConnectDialog::addRecentServer(server); // --connect's too, for File > Connect to...
    auto remote = std::make_unique<remote::RemoteServiceFacade>(std::move(options));
    remote::RemoteServiceFacade &facade = *remote;
    show(facade, std::move(remote));
    // Whether the facade opens its stream on its own or waits for a first
    // reconnect(): if nothing has started by the next turn of the event
    // loop, start it.
    QTimer::singleShot(0, &facade, [&facade] {
        if (facade.connection().state == service::ConnectionState::Local)
            facade.reconnect();
    });
}

void WindowHost::show(service::ServiceFacade &facade,
                      std::unique_ptr<remote::RemoteServiceFacade> remote)
{
    QPointer<ui::MainWindow> old = m_window;
    std::unique_ptr<remote::RemoteServiceFacade> oldRemote
        = std::exchange(m_remote, std::move(remote));

    m_window = new ui::MainWindow(facade);
    connect(m_window, &ui::MainWindow::connectRequested, this,
            [this] { askForServer(m_remote ? m_remote->url() : QUrl(), {}); });
    connect(m_window, &ui::MainWindow::localServiceRequested, this, [this] { showLocalService(); });
    // Quit while the window sits in the tray: no last window closes to end the program.
    connect(m_window, &ui::MainWindow::quitRequested, qApp, &QCoreApplication::quit,
            Qt::QueuedConnection);
    connect(m_window, &ui::MainWindow::certificateAccepted, this,
            [this](const QString &, const QString &fingerprint) { trustCertificate(fingerprint); });
    if (old) {
        m_window->restoreGeometry(old->saveGeometry());
        m_window->tabs()->setCurrentIndex(old->tabs()->currentIndex());
    }
    m_window->show();
    QGuiApplication::setQuitOnLastWindowClosed(true);

    if (!old)
        return;
    old->hide();
    old->deleteLater();
    // The old remote service goes after the window that shows it.
    if (oldRemote)
        connect(old, &QObject::destroyed, oldRemote.release(), &QObject::deleteLater);
}

void WindowHost::trustCertificate(const QString &fingerprint)
{
    if (!m_remote)
        return;
    // Pinned for the URL this facade was made with, whatever it calls itself.
    ui::CredentialStore::setPin(m_remote->url(), fingerprint);
    m_remote->trustCertificate(fingerprint);
}

} // namespace sluice::app
