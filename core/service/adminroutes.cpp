#include "service/adminroutes.h"

#include "http/exchange.h"
#include "http/jsonbodysink.h"
#include "service/service.h"

#include <QDateTime>
#include <QJsonArray>
#include <QPointer>
#include <QUrlQuery>

#include <algorithm>
#include <limits>

using namespace Qt::StringLiterals;
using sluice::http::Exchange;
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

QJsonObject historyJson(const QHash<QString, metrics::SeriesSnapshot> &history, qint64 nowMs)
{
    QJsonObject series;
    for (auto it = history.cbegin(); it != history.cend(); ++it) {
        QJsonArray points;
        for (const metrics::MetricPoint &p : it->points)
            points.append(QJsonArray {double(p.timeMs), p.value});
        QJsonArray minutes;
        for (const metrics::AggregatePoint &m : it->minutes)
            minutes.append(QJsonArray {double(m.minuteStartMs), m.min, m.avg, m.max, m.count});
        series.insert(it.key(), QJsonObject {{u"points"_s, points}, {u"minutes"_s, minutes}});
    }
    return {{u"now_ms"_s, double(nowMs)}, {u"series"_s, series}};
}

namespace {

// A whole number in [min, max] from the query, or the default; on a bad
// value answers 400 naming the parameter and returns nullopt.
std::optional<qint64> numberParam(Exchange &ex, const QString &name, qint64 min, qint64 max,
                                  qint64 fallback)
{
    const QUrlQuery &query = ex.request().query;
    if (!query.hasQueryItem(name))
        return fallback;
    bool ok = false;
    const qint64 value = query.queryItemValue(name, QUrl::FullyDecoded).toLongLong(&ok);
    if (ok && value >= min && value <= max)
        return value;
    ex.respond(HttpError {
        400, u"parameter '%1' must be a whole number from %2 to %3"_s.arg(name).arg(min).arg(max)});
    return std::nullopt;
}

// Refuses parameters a route does not know (a typo would otherwise be ignored).
bool onlyParams(Exchange &ex, const QStringList &allowed)
{
    for (const auto &[key, value] : ex.request().query.queryItems(QUrl::FullyDecoded)) {
        if (!allowed.contains(key)) {
            ex.respond(HttpError {400,
                                  u"unknown parameter '%1' (allowed: %2)"_s.arg(
                                      key.left(32), allowed.join(u", "_s))});
            return false;
        }
    }
    return true;
}

} // namespace

void addAdminRoutes(http::Router &router, AdminHooks hooks)
{
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

    // The event log by sequence number: ?after=SEQ (default 0) returns the
    // events after it still held in memory, oldest first; `next_after` is
    // where the next page starts and `missed` says some were no longer held.
    router.add(
        "GET", u"/admin/events"_s, http::Access::Admin, [events = hooks.events](Exchange &ex) {
            if (!onlyParams(ex, {u"after"_s, u"limit"_s, u"kind"_s}))
                return;
            const auto after
                = numberParam(ex, u"after"_s, 0, std::numeric_limits<qint64>::max(), 0);
            if (!after)
                return;
            const auto limit = numberParam(ex, u"limit"_s, 1, 1000, 100);
            if (!limit)
                return;
            const QString kind = ex.request().query.queryItemValue(u"kind"_s, QUrl::FullyDecoded);
            const metrics::EventLog::Page page = events->after(quint64(*after), int(*limit), kind);
            QJsonArray list;
            for (const metrics::Event &e : page.events)
                list.append(e.toJson());
            http::Response r
                = http::Response::json(200,
                                       QJsonObject {{u"events"_s, list},
                                                    {u"last_seq"_s, double(page.lastSeq)},
                                                    {u"oldest_seq"_s, double(page.oldestSeq)},
                                                    {u"next_after"_s, double(page.nextAfter)},
                                                    {u"missed"_s, page.missed}});
            r.headers.add("Cache-Control", "no-store");
            ex.respond(std::move(r));
        });

    // The dashboard's history: ?since=MS (sample time, default: all held)
    // and ?series=a,b (default: every series).
    router.add(
        "GET", u"/api/history"_s, http::Access::Metrics,
        [history = hooks.history, names = hooks.seriesNames, now = hooks.nowMs](Exchange &ex) {
            if (!onlyParams(ex, {u"since"_s, u"series"_s}))
                return;
            const auto since
                = numberParam(ex, u"since"_s, 0, std::numeric_limits<qint64>::max(), 0);
            if (!since)
                return;
            QStringList wanted;
            if (ex.request().query.hasQueryItem(u"series"_s)) {
                wanted = ex.request()
                             .query.queryItemValue(u"series"_s, QUrl::FullyDecoded)
                             .split(u',', Qt::SkipEmptyParts);
                const QStringList known = names();
                for (const QString &name : std::as_const(wanted)) {
                    if (!known.contains(name)) {
                        ex.respond(HttpError {400,
                                              u"unknown series '%1' (known: %2)"_s.arg(
                                                  name.left(64), known.join(u", "_s))});
                        return;
                    }
                }
                if (wanted.isEmpty()) {
                    ex.respond(HttpError {400, u"parameter 'series' names no series"_s});
                    return;
                }
            }
            http::Response r
                = http::Response::json(200, historyJson(history(*since, wanted), now()));
            r.headers.add("Cache-Control", "no-store");
            ex.respond(std::move(r));
        });
}

} // namespace sluice::service
