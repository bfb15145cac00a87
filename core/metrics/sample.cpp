#include "metrics/sample.h"

#include <QDateTime>

using namespace Qt::StringLiterals;

namespace sluice::metrics {

QHash<QString, double> Sample::series() const
{
    QHash<QString, double> s {
        {u"resident_bytes"_s, double(residentBytes)},
        {u"open_fds"_s, double(openFds)},
        {u"max_fds"_s, double(maxFds)},
        {u"cpu_fraction"_s, cpuFraction},
        {u"disk_free_bytes"_s, double(diskFreeBytes)},
        {u"temp_files"_s, double(tempFiles)},
        {u"temp_bytes"_s, double(tempBytes)},
        {u"result_files"_s, double(resultFiles)},
        {u"result_bytes"_s, double(resultBytes)},
        {u"connections"_s, double(connections)},
        {u"requests_in_flight"_s, double(requestsInFlight)},
        {u"uploads_in_flight"_s, double(uploadsInFlight)},
        {u"exports_in_flight"_s, double(exportsInFlight)},
        {u"requests_per_second"_s, requestsPerSecond},
        {u"bytes_in_per_second"_s, bytesInPerSecond},
        {u"bytes_out_per_second"_s, bytesOutPerSecond},
        {u"rows_per_second"_s, rowsPerSecond},
        {u"read_pauses_per_second"_s, readPausesPerSecond},
        {u"write_pauses_per_second"_s, writePausesPerSecond},
        {u"jobs_running"_s, double(jobsRunning)},
        {u"oldest_queued_age_seconds"_s, double(oldestQueuedAgeMs) / 1000.0},
        {u"longest_running_seconds"_s, double(longestRunningMs) / 1000.0},
    };
    for (auto it = jobsByState.cbegin(); it != jobsByState.cend(); ++it)
        s.insert(u"jobs_"_s + it.key(), double(it.value()));
    return s;
}

QJsonObject Sample::toJson() const
{
    QJsonObject jobs;
    for (auto it = jobsByState.cbegin(); it != jobsByState.cend(); ++it)
        jobs.insert(it.key(), it.value());
    return QJsonObject {
        {u"time"_s, QDateTime::fromMSecsSinceEpoch(timeMs, Qt::UTC).toString(Qt::ISODateWithMs)},
        {u"process"_s,
         QJsonObject {{u"resident_bytes"_s, residentBytes},
                      {u"open_fds"_s, openFds},
                      {u"max_fds"_s, maxFds},
                      {u"cpu_seconds"_s, cpuSeconds},
                      {u"cpu_fraction"_s, cpuFraction}}},
        {u"disk"_s,
         QJsonObject {{u"free_bytes"_s, diskFreeBytes},
                      {u"temp_files"_s, tempFiles},
                      {u"temp_bytes"_s, tempBytes},
                      {u"result_files"_s, resultFiles},
                      {u"result_bytes"_s, resultBytes}}},
        {u"traffic"_s,
         QJsonObject {{u"connections"_s, connections},
                      {u"requests_in_flight"_s, requestsInFlight},
                      {u"uploads_in_flight"_s, uploadsInFlight},
                      {u"exports_in_flight"_s, exportsInFlight},
                      {u"requests_per_second"_s, requestsPerSecond},
                      {u"bytes_in_per_second"_s, bytesInPerSecond},
                      {u"bytes_out_per_second"_s, bytesOutPerSecond},
                      {u"rows_per_second"_s, rowsPerSecond},
                      {u"read_pauses_per_second"_s, readPausesPerSecond},
                      {u"write_pauses_per_second"_s, writePausesPerSecond},
                      {u"requests_total"_s, qint64(requestsTotal)},
                      {u"rejections_total"_s, qint64(rejectionsTotal)},
                      {u"rows_exported_total"_s, qint64(rowsExportedTotal)},
                      {u"export_stalls_total"_s, qint64(exportStallsTotal)}}},
        {u"jobs"_s,
         QJsonObject {
             {u"by_state"_s, jobs},
             {u"running"_s, jobsRunning},
             {u"oldest_queued_age_seconds"_s, double(oldestQueuedAgeMs) / 1000.0},
             {u"longest_running_seconds"_s, double(longestRunningMs) / 1000.0},
             {u"wait_ms"_s,
              QJsonObject {
                  {u"p50"_s, jobWaitP50Ms}, {u"p90"_s, jobWaitP90Ms}, {u"p99"_s, jobWaitP99Ms}}},
             {u"run_ms"_s,
              QJsonObject {
                  {u"p50"_s, jobRunP50Ms}, {u"p90"_s, jobRunP90Ms}, {u"p99"_s, jobRunP99Ms}}}}},
        {u"cleanups_total"_s, qint64(cleanupsTotal)},
    };
}

} // namespace sluice::metrics
