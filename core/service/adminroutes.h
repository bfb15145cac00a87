#pragma once

#include "config/limits.h"
#include "http/router.h"
#include "http/transfer.h"
#include "metrics/eventlog.h"
#include "metrics/history.h"

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

// {"series": {NAME: {"points": [[MS, VALUE], ...], "minutes": [[START_MS,
// MIN, AVG, MAX, COUNT], ...]}}, "now_ms": MS}: compact, since a day of
// history for every series is large.
QJsonObject historyJson(const QHash<QString, metrics::SeriesSnapshot> &history, qint64 nowMs);

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
    metrics::EventLog *events; // thread-safe
    // The sampler's history (all series when `names` is empty) and the
    // names it knows; the time of the latest sample.
    std::function<QHash<QString, metrics::SeriesSnapshot>(qint64 sinceMs, const QStringList &names)>
        history;
    std::function<QStringList()> seriesNames;
    std::function<qint64()> nowMs;
};

// GET and PATCH /admin/limits, GET /admin/transfers, POST
// /admin/transfers/{id}/abort and GET /admin/events (admins); GET
// /api/history (admins and metrics accounts, as /metrics). Handlers run on the HTTP thread;
// PATCH goes to the Service on its thread (Service::updateLimits, the
// window's own path) and answers through `replyTo`.
void addAdminRoutes(http::Router &router, AdminHooks hooks);

} // namespace sluice::service
