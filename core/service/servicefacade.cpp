#include "service/servicefacade.h"

namespace sluice::service {

QString toString(ServiceState state)
{
    switch (state) {
    case ServiceState::Stopped:
        return QStringLiteral("stopped");
    case ServiceState::Starting:
        return QStringLiteral("starting");
    case ServiceState::Running:
        return QStringLiteral("running");
    case ServiceState::Stopping:
        return QStringLiteral("stopping");
    case ServiceState::Failed:
        return QStringLiteral("failed");
    }
    return QStringLiteral("unknown");
}

QString toString(ConnectionState state)
{
    switch (state) {
    case ConnectionState::Local:
        return QStringLiteral("local");
    case ConnectionState::Connecting:
        return QStringLiteral("connecting");
    case ConnectionState::Connected:
        return QStringLiteral("connected");
    case ConnectionState::Reconnecting:
        return QStringLiteral("reconnecting");
    case ConnectionState::Unauthorized:
        return QStringLiteral("unauthorized");
    case ConnectionState::CertificateUntrusted:
        return QStringLiteral("certificate untrusted");
    case ConnectionState::CertificateChanged:
        return QStringLiteral("certificate changed");
    case ConnectionState::Refused:
        return QStringLiteral("refused");
    }
    return QStringLiteral("unknown");
}

} // namespace sluice::service
