#pragma once

#include "http/httptypes.h"

#include <QHash>
#include <QObject>
#include <QPointer>

#include <functional>

namespace sluice::http {

class BodySink;

// One request/response exchange on a connection. A handler receives it and
// either responds at once, asks for the body (receiveBody), or keeps a
// QPointer and responds later; the pointer turns null if the client leaves.
class Exchange final : public QObject
{
    Q_OBJECT
public:
    struct Hooks
    {
        std::function<void(Response &&)> respond;
        std::function<void(BodySink *)> receiveBody;
    };

    Exchange(Request request, QHash<QString, QString> pathParams, Hooks hooks, QObject *parent);

    const Request &request() const { return m_request; }
    QString pathParam(const QString &name) const { return m_pathParams.value(name); }

    // The first call wins; later calls are ignored.
    void respond(Response response);
    void respond(const HttpError &error) { respond(Response::error(error)); }
    // Hands the body to `sink` (the connection takes ownership). With
    // "Expect: 100-continue" this is what sends "100 Continue".
    void receiveBody(BodySink *sink);
    bool hasResponded() const { return m_responded; }

private:
    Request m_request;
    QHash<QString, QString> m_pathParams;
    Hooks m_hooks;
    bool m_responded = false;
};

} // namespace sluice::http
