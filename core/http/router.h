#pragma once

#include "config/authenticator.h"
#include "http/httptypes.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace sluice::http {

class Exchange;

// Public: no token. Account: any account but a metrics-only one. Admin:
// admins only. Metrics: admins and metrics-only (scrape) accounts.
enum class Access { Public, Account, Admin, Metrics };
using Handler = std::function<void(Exchange &)>;

// Why an authenticated account may not use a route of this access (the 403
// message), or an empty string when it may.
QString accessRefusal(Access access, const config::Principal &who);

// Maps method and path to a handler. Patterns are literal segments and
// "{name}" placeholders that match exactly one non-empty segment.
class Router
{
public:
    struct Route
    {
        QByteArray method;
        QStringList segments;
        Access access = Access::Account;
        Handler handler;
        QString pattern; // as registered, for logs and metrics
    };

    struct Match
    {
        const Route *route = nullptr;
        QHash<QString, QString> params;
        QList<QByteArray> allowedMethods; // when the path exists with other methods
    };

    void add(QByteArray method, const QString &pattern, Access access, Handler handler);
    // HEAD falls back to the GET route.
    Match match(const QByteArray &method, const QString &path) const;

    // Under `prefix`, a POST with X-HTTP-Method-Override is routed as the
    // method it names (tus clients behind proxies that pass only GET and POST).
    void allowMethodOverride(const QString &prefix) { m_overridePrefixes.append(prefix); }
    // The method a request is routed as.
    QByteArray effectiveMethod(const Request &request) const;

private:
    QList<Route> m_routes;
    QStringList m_overridePrefixes;
};

} // namespace sluice::http
