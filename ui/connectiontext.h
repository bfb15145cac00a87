#pragma once

#include "service/servicefacade.h"

#include <QString>

namespace sluice::ui {

// What the window says about its connection to a remote service, such as
// "Connected to https://h:8443" or "Reconnecting in 4 s… (connection refused)".
// `retryInMs` is what is left of info.retryInMs when shown (it counts down).
QString describeConnection(const service::ConnectionInfo &info, qint64 retryInMs);

// The service's state in the window's language ("running" in English, the API's word).
QString describeServiceState(service::ServiceState state);

// The states that need the operator (a refused token or certificate): shown in red.
bool connectionNeedsOperator(service::ConnectionState state);

} // namespace sluice::ui
