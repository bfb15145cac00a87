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

} // namespace sluice::service
