#pragma once

#include <QObject>
#include <QString>
#include <QTimer>

namespace sluice::service {
class Service;
}

namespace sluice::app {

// Tells systemd how sluiced is doing (sd_notify(3)), for a Type=notify unit:
// READY=1 once the service listens, STATUS= with its address, STOPPING=1
// when it stops, and WATCHDOG=1 pings while the watchdog is enabled
// (WatchdogSec=). The pings are sent from the HTTP thread's event loop, on a
// timer of the main thread, so a wedged loop on either stops them and
// systemd restarts the service. Outside systemd (no NOTIFY_SOCKET) every
// call does nothing.
class SystemdNotifier final : public QObject
{
    Q_OBJECT
public:
    explicit SystemdNotifier(const service::Service &service, QObject *parent = nullptr);

    void ready(const QString &listenAddress, bool tls); // nothing once stopping() was called
    void stopping();
    void failed(const QString &error); // STATUS=, before sluiced exits

private:
    const service::Service &m_service;
    QTimer m_watchdog;
    bool m_stopping = false;
};

} // namespace sluice::app
