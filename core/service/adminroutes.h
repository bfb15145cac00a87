#pragma once

#include "config/limits.h"
#include "http/router.h"
#include "http/transfer.h"

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

// One request in flight as GET /admin/transfers lists it.
QJsonObject toJson(const http::Transfer &transfer);

// What the admin routes read and do on the HTTP thread.
struct AdminHooks
{
    Service *service; // lives on the main thread
    QObject *replyTo; // of the HTTP thread, lives as long as the service
    std::function<config::Limits()> limits; // what the HTTP thread runs with
    std::function<QList<http::Transfer>()> transfers; // requests in flight
    // Closes that connection from the HTTP thread's event loop, soon after
    // the handler returns (never from inside one).
    std::function<void(quint64 connectionId)> abortConnection;
};

// GET and PATCH /admin/limits, GET /admin/transfers and POST
// /admin/transfers/{id}/abort (admins). Handlers run on the HTTP thread;
// PATCH goes to the Service on its thread (Service::updateLimits, the
// window's own path) and answers through `replyTo`.
void addAdminRoutes(http::Router &router, AdminHooks hooks);

} // namespace sluice::service
