#pragma once

#include "config/authenticator.h"
#include "http/httpserver.h"
#include "jobs/jobengine.h"
#include "metrics/history.h"
#include "metrics/sample.h"
#include "service/sampler.h"
#include "service/servicefacade.h"
#include "service/streamhub.h"
#include "upload/contentpolicy.h"
#include "upload/uploadgate.h"

#include <QElapsedTimer>
#include <QTimer>

namespace sluice::upload {
class ResumableUploads;
class UploadStore;
} // namespace sluice::upload

namespace sluice::service {

class Service;
struct ListenAddress;

// The part of the service that lives on the HTTP thread, for the whole life
// of the Service: the HTTP server (recreated by each start), and the sampler
// with its history, whose counters outlive server restarts. Every method runs
// on that thread; results go back to the Service by queued invocation.
class ServiceRuntime final : public QObject
{
public:
    ServiceRuntime(Service *service, QString dataDir, jobs::JobEngine *engine,
                   metrics::EventLog *events, upload::UploadStore *uploads);
    ~ServiceRuntime() override;

    // On the HTTP thread, once, after the move there.
    // resumableUploads: the data dir is this process's (its resumable
    // uploads are read, cut back and swept).
    void init(const config::Limits &limits, const QStringList &uploadTypes, bool resumableUploads);
    void start(const ListenAddress &address, const config::Limits &limits,
               std::shared_ptr<const config::Authenticator> authenticator,
               const std::optional<QSslConfiguration> &tls = std::nullopt);
    void stop();
    void abortAll(); // at destruction: no grace left; abort with cleanup
    void applyLimits(const config::Limits &limits);
    void applyUploadTypes(const QStringList &types)
    {
        m_uploadPolicy = upload::ContentPolicy(types);
    }
    void applyAuthenticator(std::shared_ptr<const config::Authenticator> authenticator);
    void onEngineStats(const jobs::EngineStats &stats);
    QHash<QString, metrics::SeriesSnapshot> history(qint64 sinceMs,
                                                    const QStringList &names = {}) const;
    void abortTransfer(quint64 connectionId);
    // The service's state, for the live stream (from the Service's thread).
    void publishStatus(const QJsonObject &status);
    StreamHub &stream() { return m_stream; }
    // The unfinished resumable uploads; null without an upload store. On this thread only.
    upload::ResumableUploads *resumable() const { return m_resumable; }

private:
    void onStopped();
    void publishStats();
    void sample();
    void publishTransfers();
    void applyStreamLimits();
    QJsonObject statusJson(const http::Request &asker) const;
    bool isReady(QJsonObject *why) const;
    template<typename Update> void report(Update update);

    Service *m_service;
    QString m_dataDir;
    jobs::JobEngine *m_engine;
    metrics::EventLog *m_events;
    upload::UploadStore *m_uploads;
    upload::UploadGate m_uploadGate;
    upload::ResumableUploads *m_resumable = nullptr; // a child, made by init() on this thread
    upload::ContentPolicy m_uploadPolicy;
    config::Limits m_limits;
    http::HttpServer *m_server = nullptr;
    QTimer m_statsTimer;
    QTimer m_sampleTimer;
    QTimer m_transfersTimer;
    bool m_hadTransfers = false;
    QElapsedTimer m_uptime;
    QString m_bound;
    http::ServerStats m_last;
    bool m_lastReady = false;
    QString m_lastNotReady;
    http::TrafficStats m_traffic;
    jobs::EngineStats m_engineStats;
    metrics::SampleClock m_clock;
    Sampler m_sampler;
    metrics::Sample m_latest;
    metrics::MetricsHistory m_history;
    StreamHub m_stream;
    double m_processStart = 0;
};

} // namespace sluice::service
