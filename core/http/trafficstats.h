#pragma once

#include <optional>

#include "metrics/prometheus.h"

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>

namespace sluice::http {

// What the HTTP server counts, for /metrics. Lives with the server, on its
// thread; copied out as a value.
struct TrafficStats
{
    struct Key
    {
        QString route; // the route pattern ("/jobs/{id}"), never the raw path
        QByteArray method;
        int status = 0; // 0: the client left before an answer
        bool operator<(const Key &o) const
        {
            return std::tie(route, method, status) < std::tie(o.route, o.method, o.status);
        }
    };
    struct Series
    {
        quint64 count = 0;
        metrics::Histogram durations
            = metrics::Histogram::withBounds(metrics::Histogram::defaultSecondsBounds());
    };

    quint64 bytesIn = 0;
    quint64 bytesOut = 0;
    quint64 readPauses = 0; // a full body sink stopped socket reads
    quint64 writePauses = 0; // the high-water mark stopped a producer
    quint64 requestsTotal = 0;
    quint64 connectionsRejected = 0;
    QHash<QString, quint64> rejections; // by reason: the limit at fault, or what was wrong
    QMap<Key, Series> requests;

    // Without `seconds` (a live stream, which lasts as long as its client
    // stays) the request is counted but its duration is not observed.
    void recordRequest(const QString &route, const QByteArray &method, int status,
                       std::optional<double> seconds)
    {
        ++requestsTotal;
        Series &s = requests[Key {route, method, status}];
        ++s.count;
        if (seconds)
            s.durations.observe(*seconds);
    }
    quint64 rejectionsTotal() const
    {
        quint64 n = 0;
        for (quint64 v : rejections)
            n += v;
        return n;
    }
};

} // namespace sluice::http
