#pragma once

#include "config/limits.h"
#include "http/transfer.h"
#include "jobs/job.h"
#include "metrics/eventlog.h"
#include "metrics/history.h"
#include "metrics/sample.h"
#include "upload/resumableinfo.h"
#include "upload/uploadrecord.h"

#include <QDate>
#include <QDateTime>
#include <QImage>
#include <QJsonObject>
#include <QMetaType>
#include <QObject>
#include <QString>

namespace sluice::service {

enum class ServiceState { Stopped, Starting, Running, Stopping, Failed };
QString toString(ServiceState state);

// A value snapshot of the service, sent to the UI by queued signal.
struct ServiceStatus
{
    ServiceState state = ServiceState::Stopped;
    QString listenAddress; // "HOST:PORT" actually bound, empty when stopped
    bool tls = false; // the address speaks https
    QString error; // why the last start failed, if it did
    int connections = 0;
    int requestsInFlight = 0;
    quint64 requestsTotal = 0;
    QDateTime startedAt; // UTC, invalid when stopped
    // Whether new work would be taken (GET /readyz), and why not.
    bool ready = false;
    QString notReadyReason; // empty when ready or when not running
    // What the header shows of the service itself, set whatever the state.
    QString version;
    // Local only: no answer over HTTP names a path on the server.
    QString dataDir;
    QString configFile;

    bool operator==(const ServiceStatus &) const = default;
};
// The `status` entry of the live stream (remote::statusFromJson reads it back).
QJsonObject toJson(const ServiceStatus &status);

// Series name ("resident_bytes", "jobs_queued", ... as in Sample::series()) -> its history.
using HistorySnapshot = QHash<QString, metrics::SeriesSnapshot>;

// The answer to one job command (cancel, retry, delete) for one job.
struct JobCommandResult
{
    enum class Command { Cancel, Retry, Remove };
    Command command = Command::Cancel;
    QString jobId;
    bool ok = false;
    QString message; // why it was refused, naming the state or limit at fault
};

// The answer to applyLimits().
struct LimitsApplyResult
{
    bool ok = false;
    QStringList errors; // validation or persistence errors, each naming the field or file
    config::Limits limits; // what is in effect afterwards
    // The validation problems by limit (their messages are in `errors` too);
    // empty when the value was valid and the failure, if any, was the file's.
    QList<config::LimitError> invalid {};
};

// The answer to removeUploads() for one upload.
struct UploadCommandResult
{
    QString uploadId;
    bool ok = false;
    QString message; // why it failed, naming the upload or the service's reason
};

// How the window reaches the service it shows: in this process (Local, always
// there), or over HTTP (the other states; remote::RemoteServiceFacade).
enum class ConnectionState {
    Local,
    Connecting, // first contact
    Connected, // the live stream is open
    Reconnecting, // lost; trying again after a backoff (retryInMs)
    Unauthorized, // the token is refused, or is not an admin's: no retry
    CertificateUntrusted, // the system does not trust it and nothing is pinned: ask the operator
    CertificateChanged, // not the pinned certificate: refused, no retry
    Refused, // an answer the window cannot use (a redirect, ...): no retry
};
QString toString(ConnectionState state);

struct ConnectionInfo
{
    ConnectionState state = ConnectionState::Local;
    QString server; // the URL, empty for Local
    QString message; // what went wrong, for people; empty when all is well
    // With the certificate states: the SHA-256 fingerprint presented
    // ("AB:CD:...", as `sluiced tls self-signed` prints it).
    QString fingerprint;
    qint64 retryInMs = 0; // Reconnecting: when the next attempt starts
};

// --- Exports started from the window (issue 23) ---------------------------

// A dataset an export can be asked of: GET /exports, one entry.
struct DatasetInfo
{
    QString name;
    QStringList columns;
    QStringList filterColumns;
    QString timeColumn;
    bool ready = false;
    QString why; // when not ready: why (the demo is being generated, ...)
    QDate firstDay; // of the time column; invalid when unknown
    QDate lastDay;
};

// The answer to submitExport(): the job, or the service's refusal.
struct ExportSubmitResult
{
    bool ok = false;
    QString jobId;
    QString error; // the service's own wording (as POST /exports answers)
    QString limit; // the limit at fault, if a limit refused it
};

// The answer to estimateExport(): POST /exports/estimate.
struct ExportEstimate
{
    bool ok = false;
    qint64 rows = 0;
    bool lowerBound = false; // counting stopped at its cap: at least `rows`
    QString error; // the service's own wording (as POST /exports answers)
    // Refused for now (429, 503: live export threads busy, a count that
    // stalled): no verdict on the request, which may still be submitted.
    bool busy = false;
};

// --- end of exports ----------------------------------------------------------

// The one interface the UI (and later a remote client) uses. Commands are
// asynchronous and never block the caller; results arrive as signals.
class ServiceFacade : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual ServiceStatus status() const = 0;
    virtual config::Limits limits() const = 0;
    // The plain token created at first run, if this process created it.
    virtual QString firstRunToken() const = 0;
    // The latest sample of the service (once a second, see metricsSampled).
    virtual metrics::Sample latestSample() const = 0;
    // The most recent events (rejections, timeouts, cancellations, ...), oldest first.
    virtual QList<metrics::Event> recentEvents(int max = -1) const = 0;

    // Asynchronous queries: the answer comes by signal, on the caller's thread.
    // History of the named series since sinceMs (all series when names is empty).
    // Times are on the samples' time line (Sample::timeMs, metrics::SampleClock):
    // after the wall clock was set back it runs ahead of the wall clock.
    virtual void requestHistory(qint64 sinceMs, const QStringList &names) = 0; // historyReady
    // The newest `limit` jobs of every account.
    virtual void requestJobs(int limit) = 0; // jobsReset, then jobsChanged as they change

    // Commands: each answers by signal and never blocks the caller.
    virtual void cancelJobs(const QStringList &ids) = 0; // jobCommandFinished, one per id
    virtual void retryJobs(const QStringList &ids) = 0;
    virtual void removeJobs(const QStringList &ids) = 0;
    // Validates, persists to the config file, then applies to the running service.
    virtual void applyLimits(const config::Limits &limits) = 0; // limitsApplyFinished
    // Closes a connection with its request in flight; its sink or producer cleans up.
    virtual void abortTransfer(quint64 connectionId) = 0; // transfersChanged

    // Exports (issue 23). `request` is a POST /exports body, checked by the
    // service with its own wording; each answer carries the request it answers.
    virtual void requestExportCatalog() = 0; // exportCatalogReady
    virtual void estimateExport(const QJsonObject &request) = 0; // exportEstimated
    virtual void submitExport(const QJsonObject &request) = 0; // exportSubmitted
    // --- Uploads (the Uploads tab) ---------------------------------------
    // The newest `limit` (at most 1000) stored uploads of every account.
    virtual void requestUploads(int limit) = 0; // uploadsReset
    virtual void removeUploads(const QStringList &ids) = 0; // uploadCommandFinished, one per id
    // Copies the stored file to `path` (a local file) through a temp file
    // renamed at the end: a failed save leaves nothing at `path`.
    virtual void saveUpload(const QString &id, const QString &path) = 0; // uploadSaveFinished
    virtual void requestUploadThumbnail(const QString &id) = 0; // uploadThumbnailReady
    // Where the stored file is on this machine (Show in folder); empty for
    // a remote service, whose files are not here.
    virtual QString localUploadPath(const QString &id) const
    {
        Q_UNUSED(id);
        return {};
    }
    // Unfinished resumable uploads (tus, /files/; docs/decisions/0032): every
    // account's, soonest to expire first, as GET /files/ lists them to an admin.
    virtual void requestResumableUploads() = 0; // resumableUploadsReset
    // As DELETE /files/{id}: its bytes and record go, its reservation ends.
    // uploadCommandFinished, one per id.
    virtual void removeResumableUploads(const QStringList &ids) = 0;
    // ----------------------------------------------------------------------

    // Whether start() and stop() mean anything (the embedded service only).
    virtual bool isRemote() const { return false; }
    virtual ConnectionInfo connection() const { return {}; }

public slots:
    virtual void start() = 0;
    virtual void stop() = 0;

signals:
    void historyReady(qint64 sinceMs, const sluice::service::HistorySnapshot &history);
    // A full list (replaces what the receiver had); `total` counts all stored jobs.
    void jobsReset(const QList<sluice::jobs::JobRecord> &jobs, int total);
    // Batched (a few times a second at most): changed or new jobs, and removed ids.
    void jobsChanged(const QList<sluice::jobs::JobRecord> &changed, const QStringList &removed);
    void jobCommandFinished(const sluice::service::JobCommandResult &result);
    void limitsChanged(const sluice::config::Limits &limits); // applied, from any source
    void limitsApplyFinished(const sluice::service::LimitsApplyResult &result);
    // Requests in flight, once a second while there are any (and once when they end).
    // `sampledMs` is when the service took the list, on the monotonic clock
    // (metrics::steadyNowMs()): rates come from it, not from when the list
    // arrived, which a busy receiver delays (issue 23, defect 4).
    void transfersChanged(const QList<sluice::http::Transfer> &transfers, qint64 sampledMs);
    void statusChanged(const sluice::service::ServiceStatus &status);
    void metricsSampled(const sluice::metrics::Sample &sample);
    void eventRecorded(const sluice::metrics::Event &event);
    void connectionChanged(const sluice::service::ConnectionInfo &connection);
    // Exports: an empty `error` with the catalog, or why there is none.
    void exportCatalogReady(const QList<sluice::service::DatasetInfo> &datasets,
                            const QString &error);
    void exportEstimated(const QJsonObject &request,
                         const sluice::service::ExportEstimate &estimate);
    void exportSubmitted(const QJsonObject &request,
                         const sluice::service::ExportSubmitResult &result);

    // --- Uploads ----------------------------------------------------------
    // A full list, newest first (replaces what the receiver had); `total`
    // counts all stored uploads.
    void uploadsReset(const QList<sluice::upload::UploadRecord> &uploads, int total);
    void uploadCommandFinished(const sluice::service::UploadCommandResult &result);
    void uploadSaveFinished(const QString &id, const QString &path, bool ok, const QString &error);
    // A null image when the upload has none (not an image, not processed yet, gone).
    void uploadThumbnailReady(const QString &id, const QImage &image);
    // A full list (replaces what the receiver had), soonest to expire first.
    void resumableUploadsReset(const QList<sluice::upload::ResumableInfo> &uploads);
};

} // namespace sluice::service

Q_DECLARE_METATYPE(sluice::service::ServiceStatus)
Q_DECLARE_METATYPE(sluice::service::JobCommandResult)
Q_DECLARE_METATYPE(sluice::service::LimitsApplyResult)
Q_DECLARE_METATYPE(sluice::service::ConnectionInfo)
Q_DECLARE_METATYPE(sluice::service::DatasetInfo)
Q_DECLARE_METATYPE(sluice::service::ExportSubmitResult)
Q_DECLARE_METATYPE(sluice::service::ExportEstimate)
Q_DECLARE_METATYPE(sluice::service::UploadCommandResult)
