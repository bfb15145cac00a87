#include "remote/remoteservicefacade.h"

#include "remote/remotejson.h"
#include "remote/sseparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkReply>
#include <QRandomGenerator>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QUrlQuery>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::remote {

using service::ConnectionState;

namespace {

constexpr int MaxEvents = 1'000; // as many as the embedded EventLog keeps for the window
constexpr int JobsPage = 500; // GET /jobs answers at most this many at once
constexpr int RequestTimeoutMs = 30'000;
// The largest answer read (a page of 500 jobs with their detail is a few
// MiB): a wrong address that streams a download does not fill memory.
constexpr qint64 MaxAnswerBytes = 64LL * 1024 * 1024;
// The largest error answer read on the stream's request.
constexpr qint64 MaxStreamErrorBytes = 64 * 1024;

QString fingerprintOf(const QSslCertificate &certificate)
{
    if (certificate.isNull())
        return {};
    return QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper());
}

QString normalizedFingerprint(const QString &text)
{
    return text.trimmed().toUpper();
}

// The service's JSON error ({"error": "..."}), or what went wrong on the way.
QString errorText(QNetworkReply *reply, int status, const QJsonObject &body)
{
    if (status == 0)
        return reply->errorString();
    const QString error = body.value(u"error"_s).toString();
    if (!error.isEmpty())
        return error;
    return u"HTTP %1 %2"_s.arg(status).arg(
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
}

} // namespace

RemoteServiceFacade::RemoteServiceFacade(RemoteOptions options, QObject *parent)
    : ServiceFacade(parent)
    , m_options(std::move(options))
{
    m_options.pinnedFingerprint = normalizedFingerprint(m_options.pinnedFingerprint);
    // A redirect would carry the token elsewhere: none is followed.
    m_network.setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
    m_network.setAutoDeleteReplies(false);
    connect(&m_network, &QNetworkAccessManager::sslErrors, this, &RemoteServiceFacade::onSslErrors);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &RemoteServiceFacade::reconnect);
    m_silenceTimer.setSingleShot(true);
    connect(&m_silenceTimer, &QTimer::timeout, this, [this] {
        scheduleReconnect(
            tr("the live stream sent nothing for %1 s").arg(m_options.silenceTimeoutMs / 1000));
    });
    m_connection.server = m_options.url.toString();
    m_connection.state = ConnectionState::Connecting;
    m_status.tls = m_options.url.scheme() == u"https"_s;
    // After the constructor, so that whoever made this facade hears it.
    QTimer::singleShot(0, this, &RemoteServiceFacade::reconnect);
}

RemoteServiceFacade::~RemoteServiceFacade()
{
    m_stopped = true;
    // No reply may call back into this object while its members go.
    for (QNetworkReply *reply : m_network.findChildren<QNetworkReply *>()) {
        reply->disconnect(this);
        reply->abort();
    }
}

QList<metrics::Event> RemoteServiceFacade::recentEvents(int max) const
{
    if (max < 0 || max >= m_events.size())
        return m_events;
    return m_events.mid(m_events.size() - max);
}

QNetworkRequest RemoteServiceFacade::request(const QString &pathAndQuery) const
{
    QNetworkRequest req(m_options.url.resolved(QUrl(pathAndQuery)));
    req.setRawHeader("Authorization", "Bearer " + m_options.token.toUtf8());
    req.setRawHeader("Accept", "application/json");
    req.setAttribute(QNetworkRequest::Http2AllowedAttribute, false);
    req.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    if (m_options.url.scheme() == u"https"_s) {
        QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
        tls.setProtocol(QSsl::TlsV1_2OrLater);
        req.setSslConfiguration(tls);
    }
    return req;
}

void RemoteServiceFacade::send(const QByteArray &verb, const QString &pathAndQuery,
                               const QByteArray &body, JsonHandler handler,
                               const RawHeaders &headers)
{
    QNetworkRequest req = request(pathAndQuery);
    req.setTransferTimeout(RequestTimeoutMs);
    if (!body.isEmpty())
        req.setRawHeader("Content-Type", "application/json");
    for (const auto &[name, value] : headers)
        req.setRawHeader(name, value);
    QNetworkReply *reply = m_network.sendCustomRequest(req, verb, body);
    connect(reply, &QNetworkReply::encrypted, this, [this, reply] { checkPin(reply); });
    connect(reply, &QNetworkReply::downloadProgress, this, [reply](qint64 received, qint64) {
        if (received > MaxAnswerBytes && !reply->property("tooLarge").toBool()) {
            reply->setProperty("tooLarge", true);
            reply->abort();
        }
    });
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, pathAndQuery, handler = std::move(handler)] {
            reply->deleteLater();
            if (reply->property("tooLarge").toBool()) {
                handler(0, {},
                        tr("the answer to %1 was over %2 MiB: is this a Sluice service?")
                            .arg(pathAndQuery)
                            .arg(MaxAnswerBytes / (1024 * 1024)));
                return;
            }
            const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            const QJsonObject json = QJsonDocument::fromJson(reply->readAll()).object();
            QString error
                = status >= 200 && status < 300 ? QString() : errorText(reply, status, json);
            if (status >= 300 && status < 400) {
                error = tr("the server redirects to %1; redirects are not followed (the "
                           "token would go along): connect to that address instead")
                            .arg(reply->header(QNetworkRequest::LocationHeader).toUrl().toString());
            }
            if (status == 401)
                stopWith(ConnectionState::Unauthorized,
                         tr("the server refused the token: %1").arg(error));
            handler(status, json, error);
        });
}

void RemoteServiceFacade::reconnect()
{
    m_reconnectTimer.stop();
    m_stopped = false;
    const quint64 attempt = ++m_attempt;
    if (!m_options.url.isValid() || m_options.url.host().isEmpty()
        || (m_options.url.scheme() != u"http"_s && m_options.url.scheme() != u"https"_s)) {
        stopWith(ConnectionState::Unauthorized,
                 tr("'%1' is not an http:// or https:// address").arg(m_options.url.toString()));
        return;
    }
    if (m_connection.state != ConnectionState::Reconnecting)
        setConnection(ConnectionState::Connecting);
    // Who this token is first: the window needs an admin's.
    send("GET", u"/api/status"_s, {},
         [this, attempt](int status, const QJsonObject &body, const QString &error) {
             if (m_stopped || attempt != m_attempt)
                 return; // stopped, or a newer attempt started meanwhile
             if (status == 403) {
                 stopWith(ConnectionState::Unauthorized, error);
                 return;
             }
             if (status >= 300 && status < 400) {
                 stopWith(ConnectionState::Refused, error);
                 return;
             }
             if (status != 200) {
                 scheduleReconnect(error);
                 return;
             }
             if (!body.value(u"admin"_s).toBool()) {
                 stopWith(ConnectionState::Unauthorized,
                          tr("the token is account '%1''s, which is not an admin: the window "
                             "needs an admin's token")
                              .arg(body.value(u"account"_s).toString()));
                 return;
             }
             openStream();
         });
}

void RemoteServiceFacade::openStream()
{
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
        m_stream->deleteLater();
    }
    QNetworkRequest req = request(u"/api/stream"_s);
    req.setRawHeader("Accept", "text/event-stream");
    if (!m_lastEventId.isEmpty())
        req.setRawHeader("Last-Event-ID", m_lastEventId);
    m_parser = std::make_unique<SseParser>(
        [this](const SseParser::Event &e) { onFrame(e.name, e.data, e.id); });
    m_streamUp.invalidate(); // valid from this stream's first frame
    m_stream = m_network.get(req);
    connect(m_stream, &QNetworkReply::encrypted, this,
            [this, reply = m_stream.data()] { checkPin(reply); });
    connect(m_stream, &QNetworkReply::readyRead, this, &RemoteServiceFacade::onStreamData);
    connect(m_stream, &QNetworkReply::finished, this, &RemoteServiceFacade::onStreamEnded);
    m_silenceTimer.start(m_options.silenceTimeoutMs);
}

void RemoteServiceFacade::onStreamData()
{
    if (!m_stream)
        return;
    const int status = m_stream->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    if (status != 200) {
        // An error body: read when it is complete (onStreamEnded), if short.
        if (m_stream->bytesAvailable() > MaxStreamErrorBytes)
            scheduleReconnect(tr("the live stream was answered %1 with a body over %2 KiB")
                                  .arg(status)
                                  .arg(MaxStreamErrorBytes / 1024));
        return;
    }
    m_silenceTimer.start(m_options.silenceTimeoutMs);
    if (!m_parser->feed(m_stream->readAll()))
        scheduleReconnect(tr("the live stream sent an event over 16 MiB")); // drops the stream
}

void RemoteServiceFacade::onStreamEnded()
{
    QNetworkReply *reply = m_stream;
    if (!reply)
        return;
    reply->deleteLater();
    m_stream = nullptr;
    m_silenceTimer.stop();
    if (m_stopped)
        return;
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    if (status == 401 || status == 403) {
        stopWith(ConnectionState::Unauthorized, errorText(reply, status, body));
        return;
    }
    const QString why
        = status == 200 ? tr("the server ended the live stream") : errorText(reply, status, body);
    bool retryAfterOk = false;
    const int retryAfter = reply->rawHeader("Retry-After").toInt(&retryAfterOk);
    if (retryAfterOk && retryAfter > 0)
        m_backoffMs
            = std::max(m_backoffMs, std::min(retryAfter * 1000, m_options.reconnectMaxMs) / 2);
    scheduleReconnect(why);
}

void RemoteServiceFacade::onFrame(const QByteArray &event, const QByteArray &data,
                                  const QByteArray &id)
{
    if (!id.isEmpty())
        m_lastEventId = id;
    if (!m_streamUp.isValid()) {
        // The backoff starts again only once this stream has lasted (see
        // scheduleReconnect): one that a proxy or a crashing server ends at
        // once must not be reopened, and everything refetched, at full speed.
        m_streamUp.start();
        setConnection(ConnectionState::Connected);
        refetch(); // whatever happened while we were away
    }
    const QJsonObject json = QJsonDocument::fromJson(data).object();
    if (event == "status") {
        if (auto s = statusFromJson(json)) {
            m_status = *s;
            m_status.tls = m_options.url.scheme() == u"https"_s;
            emit statusChanged(m_status);
        }
    } else if (event == "sample") {
        if (auto s = sampleFromJson(json)) {
            m_sample = *s;
            emit metricsSampled(m_sample);
        }
    } else if (event == "jobs") {
        QList<jobs::JobRecord> changed;
        for (const QJsonValue &v : json.value(u"changed"_s).toArray()) {
            if (auto job = jobFromJson(v.toObject(), m_options.url))
                changed.append(*job);
        }
        QStringList removed;
        for (const QJsonValue &v : json.value(u"removed"_s).toArray())
            removed.append(v.toString());
        if (!changed.isEmpty() || !removed.isEmpty())
            emit jobsChanged(changed, removed);
    } else if (event == "event") {
        if (auto e = metrics::Event::fromJson(json))
            addEvent(*e);
    } else if (event == "limits") {
        if (auto limits = limitsFromJson(json)) {
            m_limits = *limits;
            emit limitsChanged(m_limits);
        }
    } else if (event == "transfers") {
        QList<http::Transfer> transfers;
        for (const QJsonValue &v : json.value(u"transfers"_s).toArray()) {
            if (auto t = transferFromJson(v.toObject()))
                transfers.append(*t);
        }
        m_transfers = transfers;
        emit transfersChanged(transfers, qint64(json.value(u"sampled_ms"_s).toDouble()));
    } else if (event == "reset") {
        refetch();
    }
}

void RemoteServiceFacade::addEvent(const metrics::Event &event)
{
    // The stream and the backlog (fetchEvents) may both bring one event.
    if (event.seq != 0 && m_eventSeqs.contains(event.seq))
        return;
    if (event.seq != 0)
        m_eventSeqs.insert(event.seq);
    m_events.append(event);
    if (m_events.size() > MaxEvents) {
        m_eventSeqs.remove(m_events.constFirst().seq);
        m_events.removeFirst();
    }
    emit eventRecorded(event);
}

void RemoteServiceFacade::refetch()
{
    if (m_jobsLimit > 0)
        requestJobs(m_jobsLimit);
    if (m_historyAsked)
        requestHistory(m_historyAsked->first, m_historyAsked->second);
    if (m_uploadsLimit > 0)
        requestUploads(m_uploadsLimit);
    if (m_resumableAsked)
        requestResumableUploads();
    fetchEvents();
}

// The newest events the service holds (the stream brings those after).
void RemoteServiceFacade::fetchEvents()
{
    send("GET", u"/admin/events?limit=1"_s, {},
         [this](int status, const QJsonObject &body, const QString &) {
             if (status != 200)
                 return;
             const auto last = qint64(body.value(u"last_seq"_s).toDouble());
             const qint64 after = std::max<qint64>(0, last - MaxEvents);
             const QString page = u"/admin/events?after=%1&limit=%2"_s.arg(after).arg(MaxEvents);
             send("GET", page, {}, [this](int status, const QJsonObject &body, const QString &) {
                 if (status != 200)
                     return;
                 for (const QJsonValue &v : body.value(u"events"_s).toArray()) {
                     if (auto e = metrics::Event::fromJson(v.toObject()))
                         addEvent(*e);
                 }
             });
         });
}

void RemoteServiceFacade::requestHistory(qint64 sinceMs, const QStringList &names)
{
    m_historyAsked = std::pair(sinceMs, names);
    QUrlQuery query;
    query.addQueryItem(u"since"_s, QString::number(std::max<qint64>(0, sinceMs)));
    if (!names.isEmpty())
        query.addQueryItem(u"series"_s, names.join(u','));
    send("GET", u"/api/history?"_s + query.toString(QUrl::FullyEncoded), {},
         [this, sinceMs](int status, const QJsonObject &body, const QString &) {
             if (status != 200)
                 return;
             if (auto history = historyFromJson(body))
                 emit historyReady(sinceMs, *history);
         });
}

void RemoteServiceFacade::requestJobs(int limit)
{
    m_jobsLimit = limit;
    const quint64 generation = ++m_jobsGeneration;
    auto collected = std::make_shared<QList<jobs::JobRecord>>();
    // Pages of JobsPage, newest first, until `limit` or the end. The chain
    // holds itself only through the handler of the page in flight, so it
    // goes with that reply (also when this facade is destroyed meanwhile).
    using Fetch = std::function<void(int)>;
    auto fetch = std::make_shared<Fetch>();
    *fetch = [this, limit, generation, collected, weak = std::weak_ptr<Fetch>(fetch)](int offset) {
        const int count = std::min(JobsPage, limit - offset);
        send("GET", u"/jobs?offset=%1&limit=%2&detail=true"_s.arg(offset).arg(count), {},
             [=, this, self = weak.lock()](int status, const QJsonObject &body, const QString &) {
                 if (generation != m_jobsGeneration || status != 200)
                     return;
                 const QJsonArray list = body.value(u"jobs"_s).toArray();
                 for (const QJsonValue &v : list) {
                     if (auto job = jobFromJson(v.toObject(), m_options.url))
                         collected->append(*job);
                 }
                 const int total = body.value(u"total"_s).toInt();
                 const int next = offset + int(list.size());
                 if (!list.isEmpty() && next < limit && next < total) {
                     (*self)(next);
                     return;
                 }
                 emit jobsReset(*collected, total);
             });
    };
    (*fetch)(0);
}

void RemoteServiceFacade::jobCommand(service::JobCommandResult::Command command,
                                     const QStringList &ids)
{
    using Command = service::JobCommandResult::Command;
    for (const QString &id : ids) {
        const QString path = u"/jobs/"_s + QString::fromLatin1(QUrl::toPercentEncoding(id));
        const QByteArray verb = command == Command::Remove ? "DELETE" : "POST";
        const QString target = command == Command::Cancel ? path + u"/cancel"_s
            : command == Command::Retry                   ? path + u"/retry"_s
                                                          : path;
        send(verb, target, {},
             [this, command, id](int status, const QJsonObject &, const QString &error) {
                 service::JobCommandResult result;
                 result.command = command;
                 result.jobId = id;
                 result.ok = status >= 200 && status < 300;
                 result.message = error;
                 emit jobCommandFinished(result);
             });
    }
}

void RemoteServiceFacade::cancelJobs(const QStringList &ids)
{
    jobCommand(service::JobCommandResult::Command::Cancel, ids);
}

void RemoteServiceFacade::retryJobs(const QStringList &ids)
{
    jobCommand(service::JobCommandResult::Command::Retry, ids);
}

void RemoteServiceFacade::removeJobs(const QStringList &ids)
{
    jobCommand(service::JobCommandResult::Command::Remove, ids);
}

// Only what differs from the limits in effect: another operator's change to
// another limit meanwhile is not undone.
void RemoteServiceFacade::applyLimits(const config::Limits &limits)
{
    const QJsonObject wanted = limits.toJson();
    const QJsonObject current = m_limits.toJson();
    QJsonObject changes;
    for (auto it = wanted.begin(); it != wanted.end(); ++it) {
        if (current.value(it.key()) != it.value())
            changes.insert(it.key(), it.value());
    }
    if (changes.isEmpty()) {
        QTimer::singleShot(0, this, [this] { emit limitsApplyFinished({true, {}, m_limits}); });
        return;
    }
    send("PATCH", u"/admin/limits"_s, QJsonDocument(changes).toJson(QJsonDocument::Compact),
         [this](int status, const QJsonObject &body, const QString &error) {
             service::LimitsApplyResult result;
             result.limits = m_limits;
             if (status == 200) {
                 if (auto applied = limitsFromJson(body)) {
                     m_limits = *applied;
                     result.ok = true;
                     result.limits = m_limits;
                     emit limitsChanged(m_limits);
                 } else {
                     result.errors.append(tr("the server's answer is not a list of limits: %1")
                                              .arg(applied.error().message));
                 }
             } else {
                 const QJsonObject fields = body.value(u"fields"_s).toObject();
                 for (auto it = fields.begin(); it != fields.end(); ++it) {
                     result.invalid.append({it.key(), it.value().toString()});
                     result.errors.append(u"%1: %2"_s.arg(it.key(), it.value().toString()));
                 }
                 if (result.errors.isEmpty())
                     result.errors.append(error);
             }
             emit limitsApplyFinished(result);
         });
}

// The API aborts by request id (a keep-alive connection may have moved on).
void RemoteServiceFacade::abortTransfer(quint64 connectionId)
{
    const auto t
        = std::find_if(m_transfers.cbegin(), m_transfers.cend(),
                       [&](const http::Transfer &x) { return x.connectionId == connectionId; });
    if (t == m_transfers.cend())
        return;
    send("POST", u"/admin/transfers/%1/abort"_s.arg(t->requestId), {},
         [](int, const QJsonObject &, const QString &) {
             // The row goes with the next `transfers` entry of the stream.
         });
}

void RemoteServiceFacade::trustCertificate(const QString &fingerprint)
{
    m_options.pinnedFingerprint = normalizedFingerprint(fingerprint);
    // Connections made under the old trust are not reused.
    m_network.clearConnectionCache();
    reconnect();
}

void RemoteServiceFacade::onSslErrors(QNetworkReply *reply, const QList<QSslError> &errors)
{
    const QString presented = fingerprintOf(reply->sslConfiguration().peerCertificate());
    if (!m_options.pinnedFingerprint.isEmpty()) {
        if (presented == m_options.pinnedFingerprint) {
            reply->ignoreSslErrors(); // the certificate the operator accepted
            return;
        }
        checkPin(reply);
        return;
    }
    QStringList why;
    for (const QSslError &e : errors)
        why.append(e.errorString());
    stopWith(ConnectionState::CertificateUntrusted, why.join(u"; "_s), presented);
}

bool RemoteServiceFacade::checkPin(QNetworkReply *reply)
{
    if (m_options.pinnedFingerprint.isEmpty())
        return true;
    const QString presented = fingerprintOf(reply->sslConfiguration().peerCertificate());
    if (presented == m_options.pinnedFingerprint)
        return true;
    // Stopped first: aborting finishes the reply at once, and its handler
    // must not take this for a network error and schedule a retry.
    stopWith(ConnectionState::CertificateChanged,
             tr("the server's certificate is not the one accepted for it (%1): "
                "refused. If the change is expected, forget the accepted certificate "
                "(File > Connect to...) and connect again.")
                 .arg(m_options.pinnedFingerprint),
             presented);
    reply->abort();
    return false;
}

void RemoteServiceFacade::stopWith(ConnectionState state, const QString &message,
                                   const QString &fingerprint)
{
    m_stopped = true;
    ++m_attempt; // answers to requests of this attempt are stale now
    m_reconnectTimer.stop();
    m_silenceTimer.stop();
    if (QNetworkReply *stream = m_stream) {
        m_stream = nullptr;
        stream->disconnect(this);
        stream->abort();
        stream->deleteLater();
    }
    setConnection(state, message, fingerprint);
}

void RemoteServiceFacade::setConnection(ConnectionState state, const QString &message,
                                        const QString &fingerprint, qint64 retryInMs)
{
    service::ConnectionInfo next;
    next.state = state;
    next.server = m_options.url.toString();
    next.message = message;
    next.fingerprint = fingerprint;
    next.retryInMs = retryInMs;
    if (next.state == m_connection.state && next.message == m_connection.message
        && next.fingerprint == m_connection.fingerprint && next.retryInMs == m_connection.retryInMs)
        return;
    m_connection = next;
    emit connectionChanged(m_connection);
}

void RemoteServiceFacade::scheduleReconnect(const QString &why)
{
    if (m_stopped)
        return;
    if (m_stream) {
        m_stream->disconnect(this);
        m_stream->abort();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
    m_silenceTimer.stop();
    if (m_streamUp.isValid() && m_streamUp.elapsed() >= m_options.silenceTimeoutMs)
        m_backoffMs = 0; // it had lasted: a new outage
    m_streamUp.invalidate();
    m_backoffMs = m_backoffMs == 0 ? m_options.reconnectMinMs
                                   : std::min(m_backoffMs * 2, m_options.reconnectMaxMs);
    // The server's own `retry:`, as an EventSource would.
    const int serverRetry = m_parser ? std::min(m_parser->retryMs(), m_options.reconnectMaxMs) : -1;
    m_backoffMs = std::max(m_backoffMs, serverRetry);
    // Up to a fifth less, so that many windows do not all come back at once.
    const int delay = m_backoffMs - int(QRandomGenerator::global()->bounded(m_backoffMs / 5 + 1));
    setConnection(ConnectionState::Reconnecting, why, {}, delay);
    m_reconnectTimer.start(delay);
}

} // namespace sluice::remote
