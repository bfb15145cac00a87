#include "http/httptypes.h"

#include "http/responseproducer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

Q_LOGGING_CATEGORY(lcHttp, "sluice.http", QtInfoMsg)

namespace sluice::http {

void Headers::add(QByteArray name, QByteArray value)
{
    m_fields.emplaceBack(std::move(name), std::move(value));
}

void Headers::set(const QByteArray &name, QByteArray value)
{
    m_fields.removeIf(
        [&](const auto &f) { return f.first.compare(name, Qt::CaseInsensitive) == 0; });
    m_fields.emplaceBack(name, std::move(value));
}

QByteArray Headers::value(QByteArrayView name) const
{
    for (const auto &[n, v] : m_fields) {
        if (QByteArrayView(n).compare(name, Qt::CaseInsensitive) == 0)
            return v;
    }
    return {};
}

int Headers::count(QByteArrayView name) const
{
    int n = 0;
    for (const auto &f : m_fields) {
        if (QByteArrayView(f.first).compare(name, Qt::CaseInsensitive) == 0)
            ++n;
    }
    return n;
}

bool listContainsToken(QByteArrayView value, QByteArrayView token)
{
    for (const QByteArray &item : value.toByteArray().split(',')) {
        if (item.trimmed().compare(token, Qt::CaseInsensitive) == 0)
            return true;
    }
    return false;
}

Response Response::json(int status, const QJsonValue &value)
{
    Response r;
    r.status = status;
    r.headers.add("Content-Type", "application/json");
    r.body = value.isObject() ? QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact)
                              : QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact);
    r.body.append('\n');
    return r;
}

Response Response::text(int status, QByteArray text, QByteArray contentType)
{
    Response r;
    r.status = status;
    r.headers.add("Content-Type", std::move(contentType));
    r.body = std::move(text);
    return r;
}

Response Response::error(const HttpError &error)
{
    QJsonObject o {{QStringLiteral("error"), error.message}};
    if (!error.limit.isEmpty())
        o.insert(QStringLiteral("limit"), error.limit);
    if (!error.value.isUndefined())
        o.insert(QStringLiteral("value"), error.value);
    Response r = json(error.status, o);
    r.closeConnection = error.closeConnection;
    if (error.retryAfterS > 0)
        r.headers.add("Retry-After", QByteArray::number(error.retryAfterS));
    return r;
}

QByteArray reasonPhrase(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 206:
        return "Partial Content";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 411:
        return "Length Required";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 416:
        return "Range Not Satisfiable";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 426:
        return "Upgrade Required";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    case 507:
        return "Insufficient Storage";
    default:
        return "Unknown";
    }
}

} // namespace sluice::http
