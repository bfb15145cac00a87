#pragma once

#include "config/limits.h"
#include "http/router.h"

#include <QJsonObject>

#include <functional>

namespace sluice::service {

class Service;
struct LimitsApplyResult;

// Every limit with what an editor needs: {"limits": [{"name", "value",
// "unit", "min", "max", "default", "description"}, ...]}, in the order of
// config::limitFields() (grouped as the window groups them).
QJsonObject limitsJson(const config::Limits &limits);
// The answer to a PATCH: 200 with limitsJson(), 400 naming every bad field,
// or 500 naming the file that could not be saved.
http::Response limitsPatchResponse(const LimitsApplyResult &result);

// GET and PATCH /admin/limits (admins). Handlers run on the HTTP thread;
// PATCH goes to `service` on its thread (Service::updateLimits, the window's
// own path) and answers through `replyTo`, an object of the HTTP thread that
// lives as long as the service. `limits`: what the HTTP thread runs with.
void addAdminRoutes(http::Router &router, Service *service, QObject *replyTo,
                    std::function<config::Limits()> limits);

} // namespace sluice::service
