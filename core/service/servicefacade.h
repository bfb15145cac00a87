#pragma once

#include "config/limits.h"
#include "metrics/eventlog.h"
#include "metrics/sample.h"

#include <QDateTime>
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
    QString error; // why the last start failed, if it did
    int connections = 0;
    int requestsInFlight = 0;
    quint64 requestsTotal = 0;
    QDateTime startedAt; // UTC, invalid when stopped
};

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

public slots:
    virtual void start() = 0;
    virtual void stop() = 0;

signals:
    void statusChanged(const sluice::service::ServiceStatus &status);
    void metricsSampled(const sluice::metrics::Sample &sample);
    void eventRecorded(const sluice::metrics::Event &event);
};

} // namespace sluice::service

Q_DECLARE_METATYPE(sluice::service::ServiceStatus)
