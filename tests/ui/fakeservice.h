#pragma once

#include "service/servicefacade.h"

#include <QDateTime>
#include <QTimer>

#include <utility>

namespace sluice::testing {

using namespace Qt::StringLiterals;

// What FakeService reports once running.
inline const auto ListenAddress = u"127.0.0.1:8080"_s;
inline const auto ListenUrl = u"http://127.0.0.1:8080"_s;

inline service::ServiceStatus makeStatus(service::ServiceState state)
{
    service::ServiceStatus status;
    status.state = state;
    if (state == service::ServiceState::Running || state == service::ServiceState::Stopping) {
        status.listenAddress = ListenAddress;
        status.startedAt = QDateTime::currentDateTimeUtc();
    }
    return status;
}

// Stands in for the real service: commands take effect later, through the
// event loop, and report back only through statusChanged.
class FakeService final : public service::ServiceFacade
{
    Q_OBJECT
public:
    explicit FakeService(QString token = {})
        : m_token(std::move(token))
    { }

    service::ServiceStatus status() const override { return m_status; }
    config::Limits limits() const override { return m_limits; }
    QString firstRunToken() const override { return m_token; }
    metrics::Sample latestSample() const override { return m_sample; }
    QList<metrics::Event> recentEvents(int) const override { return events; }

    // Answers later, through the event loop, as the real service does.
    void requestHistory(qint64 sinceMs, const QStringList &) override
    {
        ++historyRequests;
        QTimer::singleShot(0, this, [this, sinceMs] { emit historyReady(sinceMs, history); });
    }
    void requestJobs(int) override
    {
        QTimer::singleShot(0, this, [this] { emit jobsReset(jobs, int(jobs.size())); });
    }
    void cancelJobs(const QStringList &ids) override { cancelled += ids; }
    void retryJobs(const QStringList &ids) override { retried += ids; }
    void removeJobs(const QStringList &ids) override { removed += ids; }
    void applyLimits(const config::Limits &limits) override
    {
        applied.append(limits);
        QTimer::singleShot(0, this, [this, limits] {
            const QStringList errors = limits.validate();
            if (errors.isEmpty()) {
                m_limits = limits;
                emit limitsChanged(m_limits);
            }
            emit limitsApplyFinished({errors.isEmpty(), errors, m_limits});
        });
    }
    void abortTransfer(quint64 connectionId) override { aborted.append(connectionId); }
    // Exports: answered later from the fields below.
    void requestExportCatalog() override
    {
        QTimer::singleShot(0, this, [this] { emit exportCatalogReady(datasets, QString()); });
    }
    void estimateExport(const QJsonObject &request) override
    {
        estimated.append(request);
        QTimer::singleShot(0, this, [this, request] { emit exportEstimated(request, estimate); });
    }
    void submitExport(const QJsonObject &request) override
    {
        submitted.append(request);
        QTimer::singleShot(0, this,
                           [this, request] { emit exportSubmitted(request, submitResult); });
    }

    // Uploads: answer later, through the event loop, from `uploads`.
    void requestUploads(int) override
    {
        ++uploadRequests;
        QTimer::singleShot(0, this, [this] { emit uploadsReset(uploads, int(uploads.size())); });
    }
    void removeUploads(const QStringList &ids) override { removedUploads += ids; }
    void saveUpload(const QString &id, const QString &path) override { saved.append({id, path}); }
    void requestUploadThumbnail(const QString &id) override
    {
        QTimer::singleShot(0, this, [this, id] { emit uploadThumbnailReady(id, {}); });
    }
    // Unfinished resumable uploads: answered later from `resumable`.
    void requestResumableUploads() override
    {
        ++resumableRequests;
        QTimer::singleShot(0, this, [this] { emit resumableUploadsReset(resumable); });
    }
    void removeResumableUploads(const QStringList &ids) override { removedResumable += ids; }

    // Set before the window is made: a remote service's window is built as one.
    bool remote = false;
    bool isRemote() const override { return remote; }
    service::ConnectionInfo connection() const override { return m_connection; }
    void setConnection(const service::ConnectionInfo &connection)
    {
        m_connection = connection;
        emit connectionChanged(connection);
    }

    void sample(const metrics::Sample &s)
    {
        m_sample = s;
        emit metricsSampled(s);
    }

    void publish(const service::ServiceStatus &status)
    {
        m_status = status;
        emit statusChanged(status);
    }

    int startCalls = 0;
    int stopCalls = 0;
    int historyRequests = 0;
    service::HistorySnapshot history; // what requestHistory answers
    QList<jobs::JobRecord> jobs; // what requestJobs answers
    QList<metrics::Event> events;
    QStringList cancelled, retried, removed;
    QList<config::Limits> applied;
    QList<quint64> aborted;
    QList<service::DatasetInfo> datasets; // what requestExportCatalog answers
    service::ExportEstimate estimate {true, 0, false, {}}; // what estimateExport answers
    service::ExportSubmitResult submitResult; // what submitExport answers
    QList<QJsonObject> estimated, submitted;
    QList<upload::UploadRecord> uploads; // what requestUploads answers
    int uploadRequests = 0;
    QStringList removedUploads;
    QList<std::pair<QString, QString>> saved; // (id, path)
    QList<upload::ResumableInfo> resumable; // what requestResumableUploads answers
    int resumableRequests = 0;
    QStringList removedResumable;

public slots:
    void start() override
    {
        ++startCalls;
        QTimer::singleShot(0, this, [this] {
            publish(makeStatus(service::ServiceState::Starting));
            QTimer::singleShot(0, this,
                               [this] { publish(makeStatus(service::ServiceState::Running)); });
        });
    }

    void stop() override
    {
        ++stopCalls;
        QTimer::singleShot(0, this, [this] {
            publish(makeStatus(service::ServiceState::Stopping));
            QTimer::singleShot(0, this,
                               [this] { publish(makeStatus(service::ServiceState::Stopped)); });
        });
    }

private:
    service::ServiceStatus m_status;
    QString m_token;
    config::Limits m_limits;
    metrics::Sample m_sample;
    service::ConnectionInfo m_connection;
};

} // namespace sluice::testing
