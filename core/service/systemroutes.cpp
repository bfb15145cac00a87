#include "service/systemroutes.h"

#include "http/exchange.h"

namespace sluice::service {

void addSystemRoutes(http::Router &router, std::function<QJsonObject(const http::Request &)> status)
{
    // Liveness only: no locks, no I/O, no dependence on other work.
    router.add("GET", QStringLiteral("/healthz"), http::Access::Public, [](http::Exchange &ex) {
        http::Response r = http::Response::text(200, "ok\n");
        r.headers.add("Cache-Control", "no-store");
        ex.respond(std::move(r));
    });
    router.add("GET", QStringLiteral("/api/status"), http::Access::Account,
               [status = std::move(status)](http::Exchange &ex) {
                   http::Response r = http::Response::json(200, status(ex.request()));
                   r.headers.add("Cache-Control", "no-store");
                   ex.respond(std::move(r));
               });
}

} // namespace sluice::service
