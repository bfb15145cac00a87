#pragma once

#include "service/servicefacade.h"

#include <QElapsedTimer>
#include <QNetworkAccessManager>
#include <QPointer>
#include <QSet>
#include <QTimer>
#include <QUrl>

#include <functional>
#include <memory>
#include <optional>

class QNetworkReply;

namespace sluice::remote {

class SseParser;

struct RemoteOptions
{
    QUrl url; // "https://HOST:PORT" or "http://HOST:PORT", no path
    QString token; // an admin's token
    // The SHA-256 fingerprint the operator accepted for this server ("AB:CD:..."),
    // or empty. When set, only that certificate is accepted, trusted or not.
    QString pinnedFingerprint;
    int reconnectMinMs = 500;
    int reconnectMaxMs = 30'000;
    // Nothing on the stream for this long (not even a heartbeat): reconnect.
    int silenceTimeoutMs = 45'000;
};

// The ServiceFacade of a sluiced elsewhere, over its HTTP API (docs/api.md):
// the live stream (GET /api/stream) brings status, samples, jobs, events,
// limits and transfers; queries and commands are single requests. Every call
// returns at once and answers by signal, as the embedded Service does.
//
// The stream is the connection: while it is open the state is Connected;
// when it drops, the facade reconnects with a growing backoff, resuming with
// Last-Event-ID, and after a `reset` (or any reconnect) it fetches jobs and
// the history again, so nothing shown is stale. A refused token and a
// certificate that is not the pinned one stop it; an untrusted certificate
// with nothing pinned waits for trustCertificate().
//
// Lives on one thread (the UI's); every member is called there.
class RemoteServiceFacade final : public service::ServiceFacade
{
    Q_OBJECT
public:
    explicit RemoteServiceFacade(RemoteOptions options, QObject *parent = nullptr);
    ~RemoteServiceFacade() override;
    Q_DISABLE_COPY_MOVE(RemoteServiceFacade)

    service::ServiceStatus status() const override { return m_status; }
    config::Limits limits() const override { return m_limits; }
    QString firstRunToken() const override { return {}; }
    metrics::Sample latestSample() const override { return m_sample; }
    QList<metrics::Event> recentEvents(int max = -1) const override;

    void requestHistory(qint64 sinceMs, const QStringList &names) override;
    void requestJobs(int limit) override;
    void cancelJobs(const QStringList &ids) override;
    void retryJobs(const QStringList &ids) override;
    void removeJobs(const QStringList &ids) override;
    void applyLimits(const config::Limits &limits) override;
    void abortTransfer(quint64 connectionId) override;
    // Exports (remoteexports.cpp): GET /exports, POST /exports/estimate, POST /exports.
    void requestExportCatalog() override;
    void estimateExport(const QJsonObject &request) override;
    void submitExport(const QJsonObject &request) override;
    // Uploads (remoteuploads.cpp).
    void requestUploads(int limit) override;
    void removeUploads(const QStringList &ids) override;
    void saveUpload(const QString &id, const QString &path) override;
    void requestUploadThumbnail(const QString &id) override;
    // GET /files/, DELETE /files/{id} (remoteuploads.cpp).
    void requestResumableUploads() override;
    void removeResumableUploads(const QStringList &ids) override;

    bool isRemote() const override { return true; }
    service::ConnectionInfo connection() const override { return m_connection; }
    QUrl url() const { return m_options.url; }

    // The operator accepted `fingerprint` (as shown in CertificateUntrusted):
    // it is pinned for this facade and the connection starts again.
    void trustCertificate(const QString &fingerprint);

public slots:
    // Not for a remote service: it is started and stopped where it runs.
    void start() override { }
    void stop() override { }
    // Connects (again) now, not after the backoff.
    void reconnect();

private:
    using JsonHandler
        = std::function<void(int status, const QJsonObject &body, const QString &error)>;
    QNetworkRequest request(const QString &pathAndQuery) const;
    using RawHeaders = QList<std::pair<QByteArray, QByteArray>>;
    void send(const QByteArray &verb, const QString &pathAndQuery, const QByteArray &body,
              JsonHandler handler, const RawHeaders &headers = {});
    void openStream();
    void onStreamData();
    void onStreamEnded();
    void onFrame(const QByteArray &event, const QByteArray &data, const QByteArray &id);
    void onSslErrors(QNetworkReply *reply, const QList<QSslError> &errors);
    // False (and the reply aborted) when the peer is not the pinned certificate.
    bool checkPin(QNetworkReply *reply);
    void setConnection(service::ConnectionState state, const QString &message = {},
                       const QString &fingerprint = {}, qint64 retryInMs = 0);
    void scheduleReconnect(const QString &why);
    // Refused: no retry until reconnect() or trustCertificate().
    void stopWith(service::ConnectionState state, const QString &message,
                  const QString &fingerprint = {});
    void refetch();
    void fetchEvents();
    void jobCommand(service::JobCommandResult::Command command, const QStringList &ids);
    void addEvent(const metrics::Event &event);
    // A GET whose answer is not JSON, read up to `maxBytes` (remoteuploads.cpp).
    using BytesHandler
        = std::function<void(int status, const QByteArray &body, const QString &error)>;
    void fetchBytes(const QString &pathAndQuery, qint64 maxBytes, BytesHandler handler);

    RemoteOptions m_options;
    QNetworkAccessManager m_network;
    QPointer<QNetworkReply> m_stream;
    std::unique_ptr<SseParser> m_parser;
    QByteArray m_lastEventId;
    QElapsedTimer m_streamUp; // since the open stream's first frame; invalid before it
    bool m_stopped = false; // refused: no reconnect until reconnect()/trustCertificate()
    quint64 m_attempt = 0; // each reconnect() and stop; older status answers are ignored
    int m_backoffMs = 0;
    QTimer m_reconnectTimer;
    QTimer m_silenceTimer;

    service::ConnectionInfo m_connection;
    service::ServiceStatus m_status;
    config::Limits m_limits;
    metrics::Sample m_sample;
    QList<metrics::Event> m_events; // the newest, oldest first
    QSet<quint64> m_eventSeqs; // those of m_events

    QList<http::Transfer> m_transfers; // the latest list, to find a connection's request

    int m_jobsLimit = -1; // the last requestJobs(), repeated after a reconnect
    quint64 m_jobsGeneration = 0; // a newer requestJobs() drops the pages of an older one
    std::optional<std::pair<qint64, QStringList>> m_historyAsked; // the same for requestHistory()
    int m_uploadsLimit = -1; // the last requestUploads(), repeated after a reconnect
    quint64 m_uploadsGeneration = 0; // a newer requestUploads() drops an older answer
    bool m_resumableAsked = false; // repeat requestResumableUploads() after a reconnect
    quint64 m_resumableGeneration = 0; // a newer requestResumableUploads() drops an older answer
};

} // namespace sluice::remote
