#include "service/servicefacade.h"

using namespace Qt::StringLiterals;

namespace sluice::service {

// Paths on the server are left out: no answer names one (tst_joberrors).
QJsonObject toJson(const ServiceStatus &status)
{
    QJsonObject json {{u"state"_s, toString(status.state)},
                      {u"listen"_s, status.listenAddress},
                      {u"tls"_s, status.tls},
                      {u"connections"_s, status.connections},
                      {u"requests_in_flight"_s, status.requestsInFlight},
                      {u"requests_total"_s, double(status.requestsTotal)},
                      {u"ready"_s, status.ready},
                      {u"version"_s, status.version}};
    if (!status.error.isEmpty())
        json.insert(u"error"_s, status.error);
    if (!status.notReadyReason.isEmpty())
        json.insert(u"ready_reason"_s, status.notReadyReason);
    if (status.startedAt.isValid())
        json.insert(u"started"_s, status.startedAt.toString(Qt::ISODateWithMs));
    return json;
}

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
