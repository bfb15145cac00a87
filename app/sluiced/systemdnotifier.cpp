#include "systemdnotifier.h"

#include "service/service.h"

#include <systemd/sd-daemon.h>

namespace sluice::app {

SystemdNotifier::SystemdNotifier(const service::Service &service, QObject *parent)
    : QObject(parent)
    , m_service(service)
{
    uint64_t usec = 0;
    // > 0: WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is ours).
    if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
        return;
    // Twice per interval, as sd_watchdog_enabled(3) advises.
    m_watchdog.setInterval(std::chrono::milliseconds(std::max<uint64_t>(1, usec / 2000)));
    connect(&m_watchdog, &QTimer::timeout, this,
            [this] { m_service.postToHttpThread([] { sd_notify(0, "WATCHDOG=1"); }); });
    m_watchdog.start();
}

void SystemdNotifier::ready(const QString &listenAddress, bool tls)
{
    // Asked to stop while it was starting: the listener that comes up now is
    // about to go, and systemd must not hear READY after STOPPING.
    if (m_stopping)
        return;
    const QByteArray message = QByteArray("READY=1\nSTATUS=listening on ")
        + (tls ? "https://" : "http://") + listenAddress.toUtf8();
    sd_notify(0, message.constData());
}

void SystemdNotifier::stopping()
{
    m_stopping = true;
    m_watchdog.stop();
    sd_notify(0, "STOPPING=1\nSTATUS=stopping (finishing requests in flight)");
}

void SystemdNotifier::failed(const QString &error)
{
    // What `systemctl status sluiced` shows beside the exit code.
    const QByteArray message = "STATUS=failed: " + error.toUtf8();
    sd_notify(0, message.constData());
}

} // namespace sluice::app
