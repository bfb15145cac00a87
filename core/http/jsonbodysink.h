#pragma once

#include "http/bodysink.h"

#include <QJsonObject>
#include <QPointer>

#include <functional>

namespace sluice::http {

class Exchange;

// Collects a small JSON object body, up to a limit, then hands it over.
// Answers 413 (naming max_json_body_bytes) as soon as the body outgrows the
// limit, 415 for another Content-Type, and 400 with the parse error for
// anything that is not one JSON object.
class JsonBodySink final : public BodySink
{
    Q_OBJECT
public:
    using Handler = std::function<void(Exchange &, const QJsonObject &)>;

    JsonBodySink(Exchange &exchange, qint64 maxBytes, Handler handler);
    // Checks the declared type and length first; on success asks the exchange
    // for the body, otherwise answers.
    static void receive(Exchange &exchange, qint64 maxBytes, Handler handler);

    void write(const QByteArray &piece) override;
    bool isFull() const override { return false; }
    void finish() override;
    void abort(const QString &reason) override;

private:
    QPointer<Exchange> m_exchange;
    qint64 m_maxBytes;
    Handler m_handler;
    QByteArray m_body;
    bool m_rejected = false;
};

} // namespace sluice::http
