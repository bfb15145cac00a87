#include "http/router.h"

namespace sluice::http {

namespace {

QStringList splitPath(const QString &path)
{
    QStringList segments = path.split(QLatin1Char('/'));
    if (!segments.isEmpty() && segments.first().isEmpty())
        segments.removeFirst();
    return segments;
}

bool isPlaceholder(const QString &segment)
{
    return segment.size() > 2 && segment.startsWith(QLatin1Char('{'))
        && segment.endsWith(QLatin1Char('}'));
}

bool matches(const QStringList &pattern, const QStringList &path, QHash<QString, QString> *params)
{
    if (pattern.size() != path.size())
        return false;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const QString &p = pattern.at(i);
        if (isPlaceholder(p)) {
            if (path.at(i).isEmpty())
                return false;
            params->insert(p.mid(1, p.size() - 2), path.at(i));
        } else if (p != path.at(i)) {
            return false;
        }
    }
    return true;
}

} // namespace

QString accessRefusal(Access access, const config::Principal &who)
{
    switch (access) {
    case Access::Public:
        return {};
    case Access::Metrics:
        if (who.admin || who.metricsOnly)
            return {};
        return QStringLiteral("account '%1' may not read the metrics: use an admin or a "
                              "metrics-only account (token add NAME --metrics-only)")
            .arg(who.account);
    case Access::Admin:
        if (who.admin)
            return {};
        return QStringLiteral("account '%1' is not an admin").arg(who.account);
    case Access::Account:
        break;
    }
    if (who.metricsOnly)
        return QStringLiteral("account '%1' is metrics-only: its tokens read GET /metrics and "
                              "GET /api/history, nothing else")
            .arg(who.account);
    return {};
}

QByteArray Router::effectiveMethod(const Request &request) const
{
    if (request.method != "POST" || !request.headers.contains("x-http-method-override"))
        return request.method;
    for (const QString &prefix : m_overridePrefixes) {
        if (request.path.startsWith(prefix))
            return request.headers.value("x-http-method-override").trimmed().toUpper();
    }
    return request.method;
}

void Router::add(QByteArray method, const QString &pattern, Access access, Handler handler)
{
    m_routes.append(
        Route {std::move(method), splitPath(pattern), access, std::move(handler), pattern});
}

Router::Match Router::match(const QByteArray &method, const QString &path) const
{
    Match result;
    const QStringList segments = splitPath(path);
    const Route *headFallback = nullptr;
    QHash<QString, QString> headParams;
    for (const Route &route : m_routes) {
        QHash<QString, QString> params;
        if (!matches(route.segments, segments, &params))
            continue;
        if (route.method == method) {
            result.route = &route;
            result.params = std::move(params);
            return result;
        }
        if (method == "HEAD" && route.method == "GET" && !headFallback) {
            headFallback = &route;
            headParams = std::move(params);
        }
        if (!result.allowedMethods.contains(route.method))
            result.allowedMethods.append(route.method);
    }
    if (headFallback) {
        result.route = headFallback;
        result.params = std::move(headParams);
    }
    return result;
}

} // namespace sluice::http
