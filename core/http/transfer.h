#pragma once

#include <QList>
#include <QMetaType>
#include <QString>

namespace sluice::http {

// One request in flight on one connection, as the operator sees it: who, what,
// how far. A plain value taken on the server's thread (HttpServer::transfers())
// and handed to other threads as a copy.
struct Transfer
{
    enum class Phase { Receiving, Processing, Sending };

    quint64 connectionId = 0; // what HttpServer::abortConnection() takes
    quint64 requestId = 0;
    QString client; // "ADDRESS:PORT"
    QString method;
    QString route; // the route pattern, e.g. "/jobs/{id}"
    QString path;
    QString account; // empty when unauthenticated
    Phase phase = Phase::Processing;
    qint64 bytesIn = 0; // request body bytes taken so far
    qint64 totalIn = -1; // Content-Length of the request body, -1 when chunked or unknown
    qint64 bytesOut = 0; // response bytes the kernel has taken so far, head included
    qint64 totalOut = -1; // head + Content-Length of the response, -1 when not known yet
    qint64 startedMs = 0; // since the epoch, when the request head was complete
    quint64 readPauses = 0; // times a full body sink stopped reading
    quint64 writePauses = 0; // times the high-water mark stopped the producer

    bool operator==(const Transfer &) const = default;
};

QString toString(Transfer::Phase phase); // "receiving", "processing", "sending"

} // namespace sluice::http

Q_DECLARE_METATYPE(sluice::http::Transfer)
