#include "http/jsonbodysink.h"

#include "http/exchange.h"

#include <QJsonDocument>
#include <QJsonParseError>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

HttpError tooLarge(qint64 maxBytes)
{
    return HttpError::limitExceeded(413, u"JSON body larger than max_json_body_bytes"_s,
                                    u"max_json_body_bytes"_s, maxBytes);
}

} // namespace

JsonBodySink::JsonBodySink(Exchange &exchange, qint64 maxBytes, Handler handler)
    : m_exchange(&exchange)
    , m_maxBytes(maxBytes)
    , m_handler(std::move(handler))
{ }

void JsonBodySink::receive(Exchange &exchange, qint64 maxBytes, Handler handler)
{
    const Request &r = exchange.request();
    const QByteArray type = r.headers.value("content-type").split(';').first().trimmed().toLower();
    if (!type.isEmpty() && type != "application/json") {
        exchange.respond(HttpError {415,
                                    u"expected Content-Type application/json, got '%1'"_s.arg(
                                        QString::fromLatin1(type.left(64)))});
        return;
    }
    if (r.contentLength && qint64(*r.contentLength) > maxBytes) {
        exchange.respond(tooLarge(maxBytes));
        return;
    }
    exchange.receiveBody(new JsonBodySink(exchange, maxBytes, std::move(handler)));
}

void JsonBodySink::write(const QByteArray &piece)
{
    if (m_rejected)
        return;
    if (m_body.size() + piece.size() > m_maxBytes) {
        m_rejected = true;
        m_body.clear();
        if (m_exchange)
            m_exchange->respond(tooLarge(m_maxBytes));
        return;
    }
    m_body += piece;
}

void JsonBodySink::finish()
{
    if (m_rejected || !m_exchange)
        return;
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(m_body, &error);
    if (error.error != QJsonParseError::NoError) {
        m_exchange->respond(HttpError {
            400, u"invalid JSON at offset %1: %2"_s.arg(error.offset).arg(error.errorString())});
        return;
    }
    if (!doc.isObject()) {
        m_exchange->respond(HttpError {400, u"expected a JSON object"_s});
        return;
    }
    m_handler(*m_exchange, doc.object());
}

void JsonBodySink::abort(const QString &)
{
    m_body.clear();
}

} // namespace sluice::http
