#pragma once

#include "http/httpserver.h"
#include "jobs/jobengine.h"
#include "metrics/processinfo.h"
#include "metrics/sample.h"
#include "metrics/sampleclock.h"

namespace sluice::service {

// What the sampler reads, gathered by its owner on the HTTP thread.
struct SamplerInput
{
    http::ServerStats server; // zeros while the server is stopped
    const http::TrafficStats *traffic = nullptr;
    jobs::EngineStats engine; // the latest the engine published
    // Disk readings taken elsewhere (the engine's thread); when absent the
    // sampler reads the disk itself, on its caller's thread.
    std::optional<metrics::DiskReading> disk;
    int uploadsInFlight = 0; // admitted upload requests still receiving or storing
    int exportsInFlight = 0; // live exports holding a query
    quint64 rowsExported = 0; // rows read from datasets so far, live and jobs
    quint64 exportStalls = 0; // live exports ended by export_stall_timeout_ms
};

// Turns readings and running totals into a Sample: gauges as read, rates
// from the difference to the previous call over the monotonic interval
// between the two (never the wall clock's: issue 23, defect 4). Cheap: a few small /proc reads, a
// statvfs, and a bounded walk of the temp folder.
class Sampler
{
public:
    explicit Sampler(QString dataDir);
    metrics::Sample take(const metrics::SampleTime &time, const SamplerInput &input);

private:
    QString m_dataDir;
    std::optional<qint64> m_lastSteadyMs;
    double m_lastCpu = 0;
    quint64 m_lastRequests = 0;
    quint64 m_lastBytesIn = 0;
    quint64 m_lastBytesOut = 0;
    quint64 m_lastReadPauses = 0;
    quint64 m_lastWritePauses = 0;
    quint64 m_lastRowsExported = 0;
};

} // namespace sluice::service
