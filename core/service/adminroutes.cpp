#include "service/adminroutes.h"

#include "http/exchange.h"
#include "http/jsonbodysink.h"
#include "service/service.h"

#include <QJsonArray>
#include <QPointer>

using namespace Qt::StringLiterals;

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

void addAdminRoutes(http::Router &router, Service *service, QObject *replyTo,
                    std::function<config::Limits()> limits)
{
    using http::Exchange;
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
}

} // namespace sluice::service
