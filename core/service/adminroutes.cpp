#include "service/adminroutes.h"

#include "http/exchange.h"
#include "http/jsonbodysink.h"
#include "service/service.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>

#include <algorithm>

using namespace Qt::StringLiterals;
using sluice::http::HttpError;

namespace sluice::service {

QJsonObject limitsJson(const config::Limits &limits)
{
    QJsonArray list;
    for (const config::LimitField &f : config::limitFields()) {
        list.append(QJsonObject {{u"name"_s, QLatin1StringView(f.key)},
                                 {u"value"_s, limits.*f.member},
                                 {u"unit"_s, QLatin1StringView(f.unit)},
                                 {u"min"_s, f.minimum},
                                 {u"max"_s, f.maximum},
                                 {u"default"_s, f.defaultValue},
                                 {u"description"_s, QLatin1StringView(f.help)}});
    }
    return {{u"limits"_s, list}};
}

http::Response limitsPatchResponse(const LimitsApplyResult &result)
{
    if (result.ok)
        return http::Response::json(200, limitsJson(result.limits));
    if (result.invalid.isEmpty())
        return http::Response::error({500, result.errors.join(u"; "_s)});
    QJsonObject fields;
    for (const config::LimitError &e : result.invalid)
        fields.insert(e.key, e.message);
    const QString what = result.invalid.size() == 1
        ? u"1 limit is invalid, nothing was changed: "_s
        : u"%1 limits are invalid, nothing was changed: "_s.arg(result.invalid.size());
    const QString message = what + result.errors.join(u"; "_s);
    return http::Response::json(400, QJsonObject {{u"error"_s, message}, {u"fields"_s, fields}});
}

QJsonObject toJson(const http::Transfer &t)
{
    return {{u"id"_s, QString::number(t.requestId)},
            {u"connection_id"_s, QString::number(t.connectionId)},
            {u"client"_s, t.client},
            {u"method"_s, t.method},
            {u"route"_s, t.route},
            {u"path"_s, t.path},
            {u"account"_s, t.account},
            {u"phase"_s, http::toString(t.phase)},
            {u"bytes_in"_s, t.bytesIn},
            {u"total_in"_s, t.totalIn},
            {u"bytes_out"_s, t.bytesOut},
            {u"total_out"_s, t.totalOut},
            {u"started"_s,
             QDateTime::fromMSecsSinceEpoch(t.startedMs, Qt::UTC).toString(Qt::ISODateWithMs)},
            {u"read_pauses"_s, qint64(t.readPauses)},
            {u"write_pauses"_s, qint64(t.writePauses)}};
}

void addAdminRoutes(http::Router &router, AdminHooks hooks)
{
    using http::Exchange;
    auto *const service = hooks.service;
    auto *const replyTo = hooks.replyTo;
    const auto limits = hooks.limits;
    router.add("GET", u"/admin/limits"_s, http::Access::Admin, [limits](Exchange &ex) {
        http::Response r = http::Response::json(200, limitsJson(limits()));
        r.headers.add("Cache-Control", "no-store");
        ex.respond(std::move(r));
    });

    // {"name": value, ...}: the named limits change, the others stay as they
    // are in the config file; all or nothing.
    router.add("PATCH", u"/admin/limits"_s, http::Access::Admin, [=](Exchange &ex) {
        http::JsonBodySink::receive(
            ex, limits().maxJsonBodyBytes, [=](Exchange &ex, const QJsonObject &changes) {
                QPointer<Exchange> p(&ex);
                const QString by = ex.request().account;
                // The Service lives on the main thread; its answer comes back
                // here through replyTo. `p` is only read on this thread.
                QMetaObject::invokeMethod(service, [=] {
                    service->updateLimits(
                        [changes](config::Limits &inFile) { return inFile.patch(changes); }, by,
                        [replyTo, p](const LimitsApplyResult &result) {
                            QMetaObject::invokeMethod(replyTo, [p, result] {
                                if (p)
                                    p->respond(limitsPatchResponse(result));
                            });
                        });
                });
            });
    });

    // This request is among them (it is in flight while it is answered).
    router.add(
        "GET", u"/admin/transfers"_s, http::Access::Admin,
        [transfers = hooks.transfers](Exchange &ex) {
            QJsonArray list;
            for (const http::Transfer &t : transfers())
                list.append(toJson(t));
            http::Response r = http::Response::json(200, QJsonObject {{u"transfers"_s, list}});
            r.headers.add("Cache-Control", "no-store");
            ex.respond(std::move(r));
        });

    // Ends the request's connection, as the window's Abort does: its sink or
    // producer cleans up (a partial upload's temp file goes, a live export's
    // query is cancelled). By request id, so that a keep-alive connection
    // that has moved on to its next request is not cut by mistake.
    router.add("POST", u"/admin/transfers/{id}/abort"_s, http::Access::Admin,
               [transfers = hooks.transfers, abort = hooks.abortConnection](Exchange &ex) {
                   const QString id = ex.pathParam(u"id"_s);
                   bool ok = false;
                   const quint64 requestId = id.toULongLong(&ok);
                   const QList<http::Transfer> all = transfers();
                   const auto find = [&](quint64 wanted) {
                       return std::find_if(all.cbegin(), all.cend(), [&](const http::Transfer &t) {
                           return t.requestId == wanted;
                       });
                   };
                   const auto target = ok ? find(requestId) : all.cend();
                   if (target == all.cend()) {
                       ex.respond(HttpError {404, u"no request %1 in flight"_s.arg(id.left(32))});
                       return;
                   }
                   // Its own connection (this request, or one pipelined with it).
                   const auto self = find(ex.request().id);
                   if (self != all.cend() && self->connectionId == target->connectionId) {
                       ex.respond(HttpError {
                           409, u"request %1 is on this request's own connection"_s.arg(id)});
                       return;
                   }
                   abort(target->connectionId);
                   ex.respond(http::Response::json(200, QJsonObject {{u"aborted"_s, id}}));
               });
}

} // namespace sluice::service
