#pragma once

#include "config/config.h"
#include "service/servicefacade.h"

#include <QFileSystemWatcher>
#include <QHostAddress>
#include <QPointer>
#include <QThread>
#include <QThreadPool>
#include <QTimer>

#include <functional>

#include <memory>

namespace sluice {
class LockFile;
}
namespace sluice::http {
class Router;
}

namespace sluice::jobs {
class JobEngine;
}
namespace sluice::upload {
class UploadStore;
struct ImageDecodeLimits;
} // namespace sluice::upload
namespace sluice::exports {
class ExportCatalog;
}

namespace sluice::service {

class ServiceRuntime;
class UploadFileTasks;

struct ListenAddress
{
    QHostAddress host;
    quint16 port = 0;
    bool tls = false; // https: the config's tls section gives the certificate and key
    QString toString() const; // "HOST:PORT", IPv6 in brackets
    QString url() const; // "http://HOST:PORT" or "https://HOST:PORT"
    // Accepts "HOST:PORT", "[V6]:PORT" and "localhost:PORT", each optionally
    // after "http://" (the same, plain) or "https://" (TLS); port 0 picks a free one.
    static std::optional<ListenAddress> parse(const QString &text);
};

// The composition root: owns the config and the threads, and runs the HTTP
// server on a thread of its own. Lives on the thread that created it (the GUI
// thread in sluice, the main thread in sluiced); no call here blocks it,
// except the destructor, which stops the service within its grace period.
class Service final : public ServiceFacade
{
    Q_OBJECT
public:
    struct Options
    {
        QString dataDir;
        QString configPath;
        std::optional<ListenAddress> listen; // overrides the config file
        // Tests: more routes, added on the HTTP thread at each start.
        std::function<void(http::Router &)> extraRoutes {};
        // One process per data directory. The programs take it before they
        // read or create anything there (lockDataDir); when absent, the
        // Service takes it itself and, refused, touches nothing and fails.
        std::shared_ptr<LockFile> dataDirLock {};
        // Where the sluice-thumbnail helper is; empty: next to the running
        // program, then ../libexec/sluice (upload::findThumbnailHelper).
        QString helperDir {};
    };

    // The data directory's lock ("DIR/sluice.lock"), or why it is held.
    static Expected<std::shared_ptr<LockFile>> lockDataDir(const QString &dataDir);

    Service(Options options, config::LoadedConfig loaded, QObject *parent = nullptr);
    ~Service() override;

    ServiceStatus status() const override { return m_status; }
    config::Limits limits() const override { return m_config.limits; }
    QString firstRunToken() const override { return m_firstRunToken; }
    metrics::Sample latestSample() const override { return m_latestSample; }
    QList<metrics::Event> recentEvents(int max = -1) const override;
    metrics::EventLog *eventLog() const { return m_events.get(); }
    const Options &options() const { return m_options; }
    // Lives on its own thread: call its thread-safe methods only.
    jobs::JobEngine *jobEngine() const { return m_engine; }
    // Lives on its own thread: call its thread-safe methods only.
    upload::UploadStore *uploadStore() const { return m_uploadStore; }
    // Datasets, demo generation, live export threads and counters; thread-safe.
    std::shared_ptr<exports::ExportCatalog> exportCatalog() const { return m_exports; }
    // Runs `f` on the HTTP thread, from its event loop (a liveness probe: a
    // watchdog ping sent from there stops when that loop is wedged).
    void postToHttpThread(std::function<void()> f) const;

    void requestHistory(qint64 sinceMs, const QStringList &names) override;
    void requestJobs(int limit) override;
    void cancelJobs(const QStringList &ids) override;
    void retryJobs(const QStringList &ids) override;
    void removeJobs(const QStringList &ids) override;
    void applyLimits(const config::Limits &limits) override;
    void abortTransfer(quint64 connectionId) override;
    // Exports (serviceexports.cpp): the code paths of GET /exports, POST
    // /exports/estimate and POST /exports, as the window's operator.
    void requestExportCatalog() override;
    void estimateExport(const QJsonObject &request) override;
    void submitExport(const QJsonObject &request) override;
    // Uploads (serviceuploads.cpp).
    void requestUploads(int limit) override;
    void removeUploads(const QStringList &ids) override;
    void saveUpload(const QString &id, const QString &path) override;
    void requestUploadThumbnail(const QString &id) override;
    QString localUploadPath(const QString &id) const override;
    // Unfinished resumable uploads: ResumableUploads on the HTTP thread.
    void requestResumableUploads() override;
    void removeResumableUploads(const QStringList &ids) override;

    // How a caller changes the limits: given those in the config file (read
    // under its lock), changes them in place or returns the problems.
    using LimitsChange = std::function<QList<config::LimitError>(config::Limits &)>;
    // The one way limits change, for the window's Apply and PATCH
    // /admin/limits: `change` runs on the config writer's thread, all or
    // nothing; the file is saved, the running service takes the result, a
    // limits_changed event names `by`, and `done` runs on this thread (after
    // the HTTP thread has been handed the new limits).
    void updateLimits(LimitsChange change, const QString &by,
                      std::function<void(const LimitsApplyResult &)> done);

public slots:
    void start() override;
    void stop() override;

private:
    friend class ServiceRuntime;
    void onSample(const metrics::Sample &sample);
    void onLimitsSaved(const config::Limits &limits, const QString &error,
                       const QList<config::LimitError> &invalid, const QString &by,
                       const std::function<void(const LimitsApplyResult &)> &done);
    void recordLimitsChange(const config::Limits &from, const config::Limits &to,
                            const QString &by);
    void setStatus(const ServiceStatus &status);
    void stampStatus(ServiceStatus &status) const; // version, data dir, config file
    void onConfigFileChanged();
    void watchConfigFile();
    void applyConfig();

    Options m_options;
    config::Config m_config;
    QString m_firstRunToken;
    std::shared_ptr<exports::ExportCatalog> m_exports;
    std::shared_ptr<std::atomic<qint64>> m_exportBatchRows;
    std::shared_ptr<upload::ImageDecodeLimits> m_imageDecodeLimits;
    ServiceStatus m_status;
    metrics::Sample m_latestSample;
    std::unique_ptr<metrics::EventLog> m_events; // thread-safe record(); signals on this thread
    QThread m_httpThread;
    ServiceRuntime *m_runtime = nullptr; // lives on m_httpThread
    QThread m_jobsThread;
    jobs::JobEngine *m_engine = nullptr; // lives on m_jobsThread
    QThread m_uploadsThread;
    upload::UploadStore *m_uploadStore = nullptr; // lives on m_uploadsThread; deleted last
    QString m_startError; // why the service cannot start (data dir in use, job engine)
    QFileSystemWatcher m_watcher;
    QTimer m_reloadDebounce;
    QString m_lastConfigError; // of the last reload refused, until one succeeds
    QThreadPool m_configWriter; // one thread: config saves (fsync) off the caller's thread
    // Saves and thumbnail reads off this thread (serviceuploads.cpp). Last, so
    // that it goes first: it stops and waits for its tasks.
    std::shared_ptr<UploadFileTasks> m_uploadFiles;
};

} // namespace sluice::service
