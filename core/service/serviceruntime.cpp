#include "service/serviceruntime.h"

#include "export/exportcatalog.h"
#include "http/exchange.h"
#include "metrics/processinfo.h"
#include "service/adminroutes.h"
#include "service/exportroutes.h"
#include "service/exposition.h"
#include "service/jobroutes.h"
#include "service/service.h"
#include "service/systemroutes.h"
#include "service/tusroutes.h"
#include "service/uploadroutes.h"
#include "upload/resumable.h"
#include "upload/uploadstore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::service {

ServiceRuntime::ServiceRuntime(Service *service, QString dataDir, jobs::JobEngine *engine,
                               metrics::EventLog *events, upload::UploadStore *uploads)
    : m_service(service)
    , m_dataDir(dataDir)
    , m_engine(engine)
    , m_events(events)
    , m_uploads(uploads)
    , m_uploadGate(this) // moves to the HTTP thread with us
    , m_statsTimer(this) // children, so that they move to the HTTP thread with us
    , m_sampleTimer(this)
    , m_transfersTimer(this)
    , m_sampler(std::move(dataDir))
    , m_stream(this)
{
    m_transfersTimer.setInterval(std::chrono::seconds(1));
    QObject::connect(&m_transfersTimer, &QTimer::timeout, this, &ServiceRuntime::publishTransfers);
    m_statsTimer.setInterval(std::chrono::milliseconds(250));
    QObject::connect(&m_statsTimer, &QTimer::timeout, this, &ServiceRuntime::publishStats);
    QObject::connect(&m_sampleTimer, &QTimer::timeout, this, &ServiceRuntime::sample);
    m_processStart = metrics::ProcessInfo::startTimeSeconds();
}

ServiceRuntime::~ServiceRuntime()
{
    delete m_server;
}

void ServiceRuntime::init(const config::Limits &limits, const QStringList &uploadTypes,
                          bool resumableUploads)
{
    m_limits = limits;
    m_uploadGate.setLimits(limits);
    m_service->exportCatalog()->setMaxLiveExports(int(limits.maxLiveExports));
    if (m_uploads)
        m_uploadGate.setStoredBytes(m_uploads->storedBytes());
    m_uploadPolicy = upload::ContentPolicy(uploadTypes);
    if (m_uploads && resumableUploads && !m_resumable) {
        // Beside uploads/: a finished one is moved there by rename().
        m_resumable = new upload::ResumableUploads(
            {&m_uploadGate, m_uploads, m_dataDir + u"/resumable"_s, [this] { return m_limits; },
             [this] {
                 return m_uploadPolicy;
             }},
            this);
        m_resumable->load();
    }
    // Both signal from their own threads: queued to this one.
    if (m_events) {
        QObject::connect(
            m_events, &metrics::EventLog::recorded, this,
            [this](const metrics::Event &e) { m_stream.publish(StreamKind::Event, e.toJson()); });
    }
    if (m_engine) {
        QObject::connect(
            m_engine, &jobs::JobEngine::jobsChanged, this,
            [this](const QList<jobs::JobRecord> &changed, const QStringList &removed,
                   const QStringList &owners) { m_stream.publishJobs(changed, removed, owners); });
    }
    applyStreamLimits();
    m_stream.publish(StreamKind::Limits, limitsJson(m_limits));
    m_sampleTimer.start(std::chrono::milliseconds(m_limits.metricsIntervalMs));
    sample();
}

void ServiceRuntime::start(const ListenAddress &address, const config::Limits &limits,
                           std::shared_ptr<const config::Authenticator> authenticator,
                           const std::optional<QSslConfiguration> &tls)
{
    m_limits = limits;
    http::Router router;
    addSystemRoutes(router, [this](const http::Request &asker) { return statusJson(asker); });
    router.add("GET", u"/readyz"_s, http::Access::Public, [this](http::Exchange &ex) {
        QJsonObject why;
        ex.respond(isReady(&why) ? http::Response::json(200, QJsonObject {{u"ready"_s, true}})
                                 : http::Response::json(503, why));
    });
    // Admins and scrape accounts only: the figures are everyone's (docs/decisions/0017).
    router.add("GET", u"/metrics"_s, http::Access::Metrics, [this](http::Exchange &ex) {
        ex.respond(http::Response::text(
            200,
            renderExposition(m_latest, m_processStart, m_traffic, m_engineStats,
                             m_server ? m_server->stats() : http::ServerStats {}),
            "text/plain; version=0.0.4; charset=utf-8"));
    });
    addJobRoutes(router, m_engine, this, [this] { return m_limits; });
    addAdminRoutes(
        router,
        {m_service, this, [this] { return m_limits; },
         [this] { return m_server ? m_server->transfers() : QList<http::Transfer> {}; },
         [this](quint64 connectionId) {
             // Queued: never inside another connection's handler.
             QMetaObject::invokeMethod(
                 this, [this, connectionId] { abortTransfer(connectionId); }, Qt::QueuedConnection);
         },
         m_events,
         [this](qint64 sinceMs, const QStringList &names) { return history(sinceMs, names); },
         [this] { return m_history.names(); },
         [this] {
             return m_latest.timeMs;
         }});
    addUploadRoutes(router,
                    {&m_uploadGate, m_uploads, m_engine, this, m_dataDir + u"/tmp"_s,
                     [this] { return m_limits; },
                     [this] {
                         return m_uploadPolicy;
                     }});
    if (m_resumable)
        addTusRoutes(router,
                     {m_resumable, [this] { return m_limits; },
                      [this] {
                          return m_uploadPolicy;
                      }});
    addExportRoutes(
        router, m_service->exportCatalog(), m_engine, this, [this] { return m_limits; },
        [this] { return m_engineStats.disk ? m_engineStats.disk->freeBytes : qint64(-1); });
    // Any account: admins get everything, others their own jobs' changes.
    router.add("GET", u"/api/stream"_s, http::Access::Account, [this](http::Exchange &ex) {
        const http::Request &who = ex.request();
        if (m_stream.subscriberCount() >= m_limits.maxStreams) {
            http::HttpError e = http::HttpError::limitExceeded(
                503,
                u"%1 live streams are open, max_streams allows %2"_s.arg(m_stream.subscriberCount())
                    .arg(m_limits.maxStreams),
                u"max_streams"_s, m_limits.maxStreams);
            e.retryAfterS = 5;
            ex.respond(e);
            return;
        }
        // Another account may hold its share of them, so that it cannot
        // lock the admins out (docs/decisions/0016).
        const qint64 share = std::max<qint64>(1, m_limits.accountShare(m_limits.maxStreams));
        if (!who.admin && m_stream.subscriberCount(who.accountId) >= share) {
            http::HttpError e = http::HttpError::limitExceeded(
                429,
                u"account '%1' has %2 live streams open, its share of max_streams (%3%)"_s
                    .arg(who.account)
                    .arg(share)
                    .arg(m_limits.accountSharePercentFor()),
                u"account_share_percent"_s, m_limits.accountSharePercentFor());
            e.retryAfterS = 5;
            ex.respond(e);
            return;
        }
        http::Response r;
        r.headers.add("Content-Type", "text/event-stream; charset=utf-8");
        r.headers.add("Cache-Control", "no-store");
        r.producer = m_stream.subscribe(ex.request(), ex.request().headers.value("Last-Event-ID"));
        ex.respond(std::move(r));
    });
    if (m_service->options().extraRoutes) // immutable after construction: safe to read here
        m_service->options().extraRoutes(router);

    m_server = new http::HttpServer(std::move(router));
    m_server->setLimits(limits);
    m_server->setTlsConfiguration(tls);
    if (authenticator)
        m_uploadGate.setAccounts(authenticator->dataAccounts());
    m_server->setAuthenticator(std::move(authenticator));
    m_server->setTrafficStats(&m_traffic);
    m_server->setEventLog(m_events);
    QObject::connect(m_server, &http::HttpServer::stopped, this, &ServiceRuntime::onStopped);
    QString error;
    if (!m_server->listen(address.host, address.port, &error)) {
        delete m_server;
        m_server = nullptr;
        report([error](ServiceStatus &s) {
            s.state = ServiceState::Failed;
            s.error = error;
        });
        return;
    }
    m_uptime.start();
    m_bound = ListenAddress {m_server->serverAddress(), m_server->serverPort()}.toString();
    m_statsTimer.start();
    m_transfersTimer.start();
    report([bound = m_bound, tls = address.tls](ServiceStatus &s) {
        s.state = ServiceState::Running;
        s.listenAddress = bound;
        s.tls = tls;
        s.error.clear();
        s.startedAt = QDateTime::currentDateTimeUtc();
    });
}

void ServiceRuntime::stop()
{
    m_stream.closeAll(); // a stream never ends by itself: it would hold the grace period
    if (m_server)
        m_server->shutdown();
}

void ServiceRuntime::abortAll()
{
    m_sampleTimer.stop();
    m_stream.closeAll();
    delete m_server;
    m_server = nullptr;
}

void ServiceRuntime::applyLimits(const config::Limits &limits)
{
    const bool intervalChanged = limits.metricsIntervalMs != m_limits.metricsIntervalMs;
    m_limits = limits;
    m_uploadGate.setLimits(limits);
    m_service->exportCatalog()->setMaxLiveExports(int(limits.maxLiveExports));
    if (m_server)
        m_server->setLimits(limits);
    if (intervalChanged && m_sampleTimer.isActive())
        m_sampleTimer.start(std::chrono::milliseconds(m_limits.metricsIntervalMs));
    applyStreamLimits();
    m_stream.publish(StreamKind::Limits, limitsJson(m_limits));
}

// A heartbeat well within the timeouts that would end a quiet response.
void ServiceRuntime::applyStreamLimits()
{
    const qint64 quietest = std::min({qint64(StreamHub::DefaultHeartbeatMs) * 2,
                                      m_limits.bodyIdleTimeoutMs, m_limits.responseDeadlineMs});
    m_stream.setHeartbeatInterval(int(quietest / 2));
}

void ServiceRuntime::publishStatus(const QJsonObject &status)
{
    m_stream.publish(StreamKind::Status, status);
}

void ServiceRuntime::applyAuthenticator(std::shared_ptr<const config::Authenticator> authenticator)
{
    if (authenticator)
        m_uploadGate.setAccounts(authenticator->dataAccounts());
    if (m_server)
        m_server->setAuthenticator(std::move(authenticator));
}

void ServiceRuntime::onEngineStats(const jobs::EngineStats &stats)
{
    m_engineStats = stats;
    if (stats.disk)
        m_uploadGate.setFreeDiskBytes(stats.disk->freeBytes);
}

void ServiceRuntime::onStopped()
{
    if (!m_server)
        return;
    m_statsTimer.stop();
    m_transfersTimer.stop();
    m_server->deleteLater();
    m_server = nullptr;
    publishTransfers(); // the last rows go
    m_last = {};
    // The request total counts for the service's life, as /metrics does.
    report([total = m_traffic.requestsTotal](ServiceStatus &s) {
        s = ServiceStatus {};
        s.state = ServiceState::Stopped;
        s.requestsTotal = total;
    });
}

void ServiceRuntime::publishStats()
{
    if (!m_server)
        return;
    const http::ServerStats st = m_server->stats();
    QJsonObject why;
    const bool ready = isReady(&why);
    const QString notReady = ready ? QString() : why.value(u"error"_s).toString();
    if (st.connections == m_last.connections && st.requestsInFlight == m_last.requestsInFlight
        && st.requestsTotal == m_last.requestsTotal && ready == m_lastReady
        && notReady == m_lastNotReady)
        return;
    m_last = st;
    m_lastReady = ready;
    m_lastNotReady = notReady;
    report([st, ready, notReady](ServiceStatus &s) {
        s.connections = st.connections;
        s.requestsInFlight = st.requestsInFlight;
        s.requestsTotal = st.requestsTotal;
        s.ready = ready;
        s.notReadyReason = notReady;
    });
}

void ServiceRuntime::sample()
{
    SamplerInput input;
    input.server = m_server ? m_server->stats() : http::ServerStats {};
    input.traffic = &m_traffic;
    input.engine = m_engineStats;
    input.disk = m_engineStats.disk; // no disk I/O on the HTTP thread
    input.uploadsInFlight = m_uploadGate.inFlight();
    exports::ExportStats &exportStats = m_service->exportCatalog()->stats();
    input.exportsInFlight = exportStats.liveInFlight;
    input.rowsExported = exportStats.rowsRead;
    input.exportStalls = exportStats.stalls;
    m_latest = m_sampler.take(m_clock.now(), input);
    m_history.append(m_latest.timeMs, m_latest.series());
    m_stream.publish(StreamKind::Sample, m_latest.toJson());
    QMetaObject::invokeMethod(
        m_service, [service = m_service, s = m_latest] { service->onSample(s); },
        Qt::QueuedConnection);
}

QHash<QString, metrics::SeriesSnapshot> ServiceRuntime::history(qint64 sinceMs,
                                                                const QStringList &names) const
{
    if (names.isEmpty())
        return m_history.snapshot(sinceMs);
    QHash<QString, metrics::SeriesSnapshot> out;
    for (const QString &name : names) {
        if (const metrics::SeriesHistory *series = m_history.series(name))
            out.insert(name, series->snapshot(sinceMs));
    }
    return out;
}

// Once a second while anything is in flight, and once more when it ends, so
// that an idle service sends nothing.
void ServiceRuntime::publishTransfers()
{
    QList<http::Transfer> transfers = m_server ? m_server->transfers() : QList<http::Transfer> {};
    const qint64 sampledMs = metrics::steadyNowMs();
    if (transfers.isEmpty() && !m_hadTransfers)
        return;
    m_hadTransfers = !transfers.isEmpty();
    QJsonArray list;
    for (const http::Transfer &t : std::as_const(transfers))
        list.append(toJson(t));
    m_stream.publish(StreamKind::Transfers,
                     QJsonObject {{u"transfers"_s, list}, {u"sampled_ms"_s, double(sampledMs)}});
    QMetaObject::invokeMethod(
        m_service,
        [service = m_service, transfers = std::move(transfers), sampledMs] {
            emit service->transfersChanged(transfers, sampledMs);
        },
        Qt::QueuedConnection);
}

void ServiceRuntime::abortTransfer(quint64 connectionId)
{
    if (m_server && m_server->abortConnection(connectionId, u"aborted by the operator"_s))
        publishTransfers(); // at once, so that the row goes away without waiting a second
}

// Admins see the whole service. Another account sees its own requests in
// flight and nothing that counts other accounts' work (issue 18).
QJsonObject ServiceRuntime::statusJson(const http::Request &asker) const
{
    QJsonObject ready;
    QJsonObject status {
        {u"version"_s, QStringLiteral(SLUICE_VERSION)},
        {u"uptime_seconds"_s, double(m_uptime.elapsed()) / 1000.0},
        {u"account"_s, asker.account},
        {u"admin"_s, asker.admin},
        {u"ready"_s, isReady(&ready)},
    };
    if (asker.admin) {
        if (!status.value(u"ready"_s).toBool())
            status.insert(u"ready_reason"_s, ready.value(u"error"_s));
        const http::ServerStats st = m_server ? m_server->stats() : http::ServerStats {};
        status.insert(u"listen"_s, m_bound);
        status.insert(u"connections"_s, st.connections);
        status.insert(u"requests_in_flight"_s, st.requestsInFlight);
        status.insert(u"requests_total"_s, qint64(st.requestsTotal));
        status.insert(u"sample"_s, m_latest.toJson());
        return status;
    }
    int requests = 0, uploads = 0, exports = 0;
    const QList<http::Transfer> transfers
        = m_server ? m_server->transfers() : QList<http::Transfer>();
    for (const http::Transfer &t : transfers) {
        if (t.account != asker.account)
            continue;
        ++requests;
        uploads
            += (t.method == u"PUT"_s || t.method == u"POST"_s) && t.route.startsWith(u"/uploads"_s);
        exports += t.method == u"GET"_s && t.route == u"/exports/{file}"_s;
    }
    status.insert(u"requests_in_flight"_s, requests); // this one included
    status.insert(u"uploads_in_flight"_s, uploads);
    status.insert(u"exports_in_flight"_s, exports);
    return status;
}

// Ready means new work would be taken: enough disk, and a queue that accepts.
bool ServiceRuntime::isReady(QJsonObject *why) const
{
    const auto notReady = [why](const QString &reason, const QString &limit, qint64 value) {
        *why = QJsonObject {{u"error"_s, reason}, {u"limit"_s, limit}, {u"value"_s, value}};
        return false;
    };
    // The engine's once-a-second reading: no statvfs on the HTTP thread per request.
    const qint64 freeBytes = m_engineStats.disk ? m_engineStats.disk->freeBytes : -1;
    if (freeBytes >= 0 && freeBytes < m_limits.minFreeDiskBytes)
        return notReady(
            u"free disk in the data dir is %1 bytes, under min_free_disk_bytes"_s.arg(freeBytes),
            u"min_free_disk_bytes"_s, m_limits.minFreeDiskBytes);
    if (m_engineStats.byState.isEmpty())
        return notReady(u"the job engine has not reported yet"_s, {}, 0);
    if (m_engineStats.queued >= m_limits.maxQueueDepth)
        return notReady(u"the job queue is full"_s, u"max_queue_depth"_s, m_limits.maxQueueDepth);
    if (m_engineStats.resultBytes >= m_limits.maxResultBytes)
        return notReady(u"job results fill their disk budget"_s, u"max_result_bytes"_s,
                        m_limits.maxResultBytes);
    return true;
}

template<typename Update> void ServiceRuntime::report(Update update)
{
    QMetaObject::invokeMethod(
        m_service,
        [service = m_service, update] {
            ServiceStatus s = service->status();
            update(s);
            service->setStatus(s);
        },
        Qt::QueuedConnection);
}

} // namespace sluice::service
