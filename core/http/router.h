#pragma once

#include "http/httptypes.h"

#include <QHash>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>

namespace sluice::http {

class Exchange;

enum class Access { Public, Account, Admin };
using Handler = std::function<void(Exchange &)>;

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

private:
    QList<Route> m_routes;
};

} // namespace sluice::http
