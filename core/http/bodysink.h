#pragma once

#include "http/httptypes.h"

#include <QByteArray>
#include <QObject>

namespace sluice::http {

// Where a request body goes. The connection feeds it bounded pieces and stops
// reading the socket while isFull() is true; the sink emits drained() once it
// can take more. The sink answers the request itself (through its Exchange)
// after finish(), or at any time it decides to reject the body.
class BodySink : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~BodySink() override;

    // Takes a piece of decoded body. Never refuses; may become full.
    virtual void write(const QByteArray &piece) = 0;
    virtual bool isFull() const = 0;
    // The fields of a chunked body's trailer section, just before finish()
    // (only when there were some).
    virtual void trailers(const Headers &) { }
    // The whole body has arrived.
    virtual void finish() = 0;
    // The request ended without a complete body (client abort, timeout, parse
    // error, shutdown): release everything, leave nothing behind.
    virtual void abort(const QString &reason) = 0;

signals:
    void drained();
};

} // namespace sluice::http
