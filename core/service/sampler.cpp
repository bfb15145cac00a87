#include "service/sampler.h"

#include "metrics/processinfo.h"

using namespace Qt::StringLiterals;

namespace sluice::service {

using metrics::DiskReading;
using metrics::ProcessInfo;
using metrics::readDisk;
using metrics::Sample;

Sampler::Sampler(QString dataDir)
    : m_dataDir(std::move(dataDir))
{ }

Sample Sampler::take(const metrics::SampleTime &time, const SamplerInput &input)
{
    Sample s;
    s.timeMs = time.timeMs;
    s.residentBytes = ProcessInfo::residentBytes();
    s.openFds = ProcessInfo::openFileDescriptors();
    s.maxFds = ProcessInfo::maxFileDescriptors();
    s.cpuSeconds = ProcessInfo::cpuSeconds();
    const DiskReading disk = input.disk ? *input.disk : readDisk(m_dataDir);
    s.diskFreeBytes = disk.freeBytes;
    s.tempFiles = disk.tempFiles;
    s.tempBytes = disk.tempBytes;
    s.resultFiles = input.engine.resultFiles;
    s.resultBytes = input.engine.resultBytes;

    s.connections = input.server.connections;
    s.requestsInFlight = input.server.requestsInFlight;
    s.uploadsInFlight = input.uploadsInFlight;
    s.exportsInFlight = input.exportsInFlight;

    const jobs::EngineStats &e = input.engine;
    s.jobsByState = e.byState;
    s.jobsRunning = e.running;
    s.oldestQueuedAgeMs = e.oldestQueuedAgeMs;
    s.longestRunningMs = e.longestRunningMs;
    s.jobWaitP50Ms = e.waitP50Ms;
    s.jobWaitP90Ms = e.waitP90Ms;
    s.jobWaitP99Ms = e.waitP99Ms;
    s.jobRunP50Ms = e.runP50Ms;
    s.jobRunP90Ms = e.runP90Ms;
    s.jobRunP99Ms = e.runP99Ms;
    s.cleanupsTotal = e.cleanups + e.expired;

    const http::TrafficStats none;
    const http::TrafficStats &t = input.traffic ? *input.traffic : none;
    s.requestsTotal = t.requestsTotal;
    s.rejectionsTotal = t.rejectionsTotal() + e.refused;

    // Rates over the interval since the previous sample (none on the first).
    s.intervalMs = m_lastSteadyMs ? time.steadyMs - *m_lastSteadyMs : 0;
    const double seconds = double(s.intervalMs) / 1000.0;
    const auto rate = [seconds](quint64 now, quint64 before) {
        return seconds > 0 && now >= before ? double(now - before) / seconds : 0.0;
    };
    s.requestsPerSecond = rate(t.requestsTotal, m_lastRequests);
    s.bytesInPerSecond = rate(t.bytesIn, m_lastBytesIn);
    s.bytesOutPerSecond = rate(t.bytesOut, m_lastBytesOut);
    s.readPausesPerSecond = rate(t.readPauses, m_lastReadPauses);
    s.writePausesPerSecond = rate(t.writePauses, m_lastWritePauses);
    s.exportsInFlight = input.exportsInFlight;
    s.rowsPerSecond = rate(input.rowsExported, m_lastRowsExported);
    s.rowsExportedTotal = input.rowsExported;
    s.exportStallsTotal = input.exportStalls;
    s.cpuFraction
        = seconds > 0 && s.cpuSeconds >= m_lastCpu ? (s.cpuSeconds - m_lastCpu) / seconds : 0;

    m_lastSteadyMs = time.steadyMs;
    m_lastCpu = s.cpuSeconds;
    m_lastRequests = t.requestsTotal;
    m_lastBytesIn = t.bytesIn;
    m_lastBytesOut = t.bytesOut;
    m_lastReadPauses = t.readPauses;
    m_lastWritePauses = t.writePauses;
    m_lastRowsExported = input.rowsExported;
    return s;
}

} // namespace sluice::service
