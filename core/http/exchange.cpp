#include "http/exchange.h"

#include "http/bodysink.h"

namespace sluice::http {

Exchange::Exchange(Request request, QHash<QString, QString> pathParams, Hooks hooks,
                   QObject *parent)
    : QObject(parent)
    , m_request(std::move(request))
    , m_pathParams(std::move(pathParams))
    , m_hooks(std::move(hooks))
{ }

void Exchange::respond(Response response)
{
    if (m_responded) {
        qCWarning(lcHttp) << "request" << m_request.id << "answered twice; second answer dropped";
        return;
    }
    m_responded = true;
    m_hooks.respond(std::move(response));
}

void Exchange::receiveBody(BodySink *sink)
{
    Q_ASSERT(sink);
    if (m_responded) {
        sink->abort(QStringLiteral("request already answered"));
        sink->deleteLater();
        return;
    }
    m_hooks.receiveBody(sink);
}

} // namespace sluice::http
