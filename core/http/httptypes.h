#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QJsonValue>
#include <QList>
#include <QLoggingCategory>
#include <QString>
#include <QUrlQuery>

#include <memory>
#include <optional>
#include <utility>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace sluice::http {

class ResponseProducer;

// Header fields in arrival order; names compared case-insensitively.
class Headers
{
public:
    void add(QByteArray name, QByteArray value);
    void set(const QByteArray &name, QByteArray value); // replaces all with that name
    QByteArray value(QByteArrayView name) const; // first one, or empty
    int count(QByteArrayView name) const;
    bool contains(QByteArrayView name) const { return count(name) > 0; }
    const QList<std::pair<QByteArray, QByteArray>> &fields() const { return m_fields; }
    qsizetype size() const { return m_fields.size(); }

private:
    QList<std::pair<QByteArray, QByteArray>> m_fields;
};

// Whether a comma-separated field value lists `token` (RFC 9110 §5.6.1).
bool listContainsToken(QByteArrayView value, QByteArrayView token);

// A parsed request head. Plain value; the body is delivered to a BodySink.
struct Request
{
    QByteArray method;
    QByteArray target; // as received (origin-form)
    QString path; // percent-decoded path, no query
    QUrlQuery query;
    int version = 11; // 10 or 11
    Headers headers;
    std::optional<quint64> contentLength;
    bool chunked = false;
    bool expectContinue = false;
    bool keepAlive = true; // what the client asked for

    // Set by the server
    quint64 id = 0;
    QHostAddress peer;
    QString account; // the account's name; empty when unauthenticated
    QString accountId; // what owns data (config::Account::id); empty when unauthenticated
    bool admin = false;

    bool hasBody() const { return chunked || contentLength.value_or(0) > 0; }
};

// An error a client sees: status plus JSON {"error", "limit", "value"}.
struct HttpError
{
    HttpError() = default;
    HttpError(int status, QString message, bool close = false)
        : status(status)
        , message(std::move(message))
        , closeConnection(close)
    { }
    HttpError(int status, QString message, QString limit, QJsonValue value, bool close)
        : status(status)
        , message(std::move(message))
        , limit(std::move(limit))
        , value(std::move(value))
        , closeConnection(close)
    { }

    int status = 400;
    QString message;
    QString limit; // the Limits key at fault, if any
    QJsonValue value = QJsonValue::Undefined; // the limit's value, or the input at fault
    bool closeConnection = false;
    // Seconds after which trying again may help (Retry-After), if it may.
    int retryAfterS = 0;

    static HttpError limitExceeded(int status, QString message, QString limit, qint64 value)
    {
        return {status, std::move(message), std::move(limit), QJsonValue(value), false};
    }
};

struct Response
{
    int status = 200;
    Headers headers;
    QByteArray body; // used when producer is null
    std::shared_ptr<ResponseProducer> producer; // pulled by the connection
    bool closeConnection = false;

    static Response json(int status, const QJsonValue &value);
    static Response text(int status, QByteArray text,
                         QByteArray contentType = "text/plain; charset=utf-8");
    static Response error(const HttpError &error);
};

QByteArray reasonPhrase(int status);

} // namespace sluice::http
