#pragma once

#include <QHash>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

namespace sluice::metrics {

// One reading of the whole service, taken once a second. A value: it goes to
// the history, to /metrics and /api/status, and to the UI by queued signal.
struct Sample
{
    qint64 timeMs = 0; // since the epoch, UTC; never goes back (SampleClock)
    // The monotonic time the rates below cover (0 on the first sample).
    qint64 intervalMs = 0;

    // Process and disk (-1: not available)
    qint64 residentBytes = -1;
    qint64 openFds = -1;
    qint64 maxFds = -1;
    double cpuSeconds = -1;
    double cpuFraction = 0; // of one core, over the last interval
    qint64 diskFreeBytes = -1; // in the data dir

    // Files the service keeps
    qint64 tempFiles = 0;
    qint64 tempBytes = 0;
    qint64 resultFiles = 0;
    qint64 resultBytes = 0;

    // Traffic now, and per second over the last interval
    int connections = 0;
    int requestsInFlight = 0;
    int uploadsInFlight = 0;
    int exportsInFlight = 0; // filled in once live exports exist
    double requestsPerSecond = 0;
    double bytesInPerSecond = 0;
    double bytesOutPerSecond = 0;
    double rowsPerSecond = 0;
    double readPausesPerSecond = 0;
    double writePausesPerSecond = 0;

    // Jobs
    QHash<QString, int> jobsByState;
    int jobsRunning = 0;
    qint64 oldestQueuedAgeMs = 0;
    qint64 longestRunningMs = 0;
    double jobWaitP50Ms = 0, jobWaitP90Ms = 0, jobWaitP99Ms = 0;
    double jobRunP50Ms = 0, jobRunP90Ms = 0, jobRunP99Ms = 0;

    // Totals since start
    quint64 requestsTotal = 0;
    quint64 rejectionsTotal = 0;
    quint64 cleanupsTotal = 0;
    quint64 rowsExportedTotal = 0; // rows read from datasets, live and jobs
    quint64 exportStallsTotal = 0; // live exports ended by export_stall_timeout_ms

    // Flat numeric series for the history and the charts, e.g. "resident_bytes".
    QHash<QString, double> series() const;
    QJsonObject toJson() const;
};

} // namespace sluice::metrics

Q_DECLARE_METATYPE(sluice::metrics::Sample)
