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
    config::Limits limits() const override { return {}; }
    QString firstRunToken() const override { return m_token; }
    metrics::Sample latestSample() const override { return {}; }
    QList<metrics::Event> recentEvents(int) const override { return {}; }

    void publish(const service::ServiceStatus &status)
    {
        m_status = status;
        emit statusChanged(status);
    }

    int startCalls = 0;
    int stopCalls = 0;

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
};

} // namespace sluice::testing
