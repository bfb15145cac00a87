// sluiced: the Sluice service without a display.
#include "commandline.h"
#include "systemdnotifier.h"

#include <QCoreApplication>
#include <QSocketNotifier>

#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

using namespace sluice;

namespace {

int g_signalFd[2] = {-1, -1};

void onSignal(int)
{
    const char c = 1;
    [[maybe_unused]] const auto n = ::write(g_signalFd[1], &c, 1); // async-signal-safe
}

void installSignalHandlers()
{
    ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, g_signalFd);
    struct sigaction sa = {};
    sa.sa_handler = onSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    ::sigaction(SIGTERM, &sa, nullptr);
    ::sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("sluice"));
    QCoreApplication::setApplicationVersion(QStringLiteral(SLUICE_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);

    auto cmd = app::parseCommandLine(
        QCoreApplication::arguments(),
        QStringLiteral(
            "Sluice headless service: HTTP uploads and exports that stay calm under load."));
    if (const auto done = app::handleCommandLine(cmd, "sluiced", out, err))
        return *done;

    auto prepared = app::prepareService(*cmd);
    if (!prepared) {
        err << "sluiced: " << prepared.error().message << Qt::endl;
        return 2;
    }
    installSignalHandlers();
    service::Service service(prepared->first, prepared->second);
    if (!service.firstRunToken().isEmpty()) {
        out << "created " << cmd->configPath << " with admin account '"
            << config::Config::DefaultAccount << "'; its bearer token (shown once):" << Qt::endl
            << "token " << service.firstRunToken() << Qt::endl;
    } else {
        out << "accounts from " << cmd->configPath
            << "; `sluiced token add NAME` issues a new token" << Qt::endl;
    }

    int exitCode = 0;
    bool announced = false;
    app::SystemdNotifier systemd(service);
    QObject::connect(&service, &service::Service::statusChanged, &app,
                     [&](const service::ServiceStatus &s) {
                         switch (s.state) {
                         case service::ServiceState::Running:
                             if (!announced) {
                                 announced = true;
                                 out << "listening on " << (s.tls ? "https://" : "http://")
                                     << s.listenAddress << Qt::endl;
                                 systemd.ready(s.listenAddress, s.tls);
                             }
                             break;
                         case service::ServiceState::Stopping:
                             systemd.stopping();
                             break;
                         case service::ServiceState::Failed:
                             err << "sluiced: " << s.error << Qt::endl;
                             systemd.failed(s.error);
                             exitCode = 1;
                             QCoreApplication::exit(1);
                             break;
                         case service::ServiceState::Stopped:
                             out << "stopped" << Qt::endl;
                             QCoreApplication::exit(exitCode);
                             break;
                         default:
                             break;
                         }
                     });
    QSocketNotifier signalNotifier(g_signalFd[0], QSocketNotifier::Read);
    QObject::connect(&signalNotifier, &QSocketNotifier::activated, &app, [&] {
        char c;
        [[maybe_unused]] const auto n = ::read(g_signalFd[0], &c, 1);
        if (service.status().state == service::ServiceState::Stopping) {
            err << "sluiced: second signal, aborting what is left" << Qt::endl;
            QCoreApplication::exit(exitCode); // the Service destructor aborts with cleanup
            return;
        }
        out << "stopping (finishing requests in flight)" << Qt::endl;
        service.stop();
    });
    // From the event loop: a start that fails at once (a TLS file at fault)
    // reports Failed from inside start(), and exit() before exec() is lost.
    QMetaObject::invokeMethod(&service, &service::Service::start, Qt::QueuedConnection);
    return app.exec();
}
