#include "service/exposition.h"

#include "metrics/prometheus.h"

using namespace Qt::StringLiterals;

namespace sluice::service {

using metrics::PrometheusWriter;
using metrics::Sample;

QByteArray renderExposition(const Sample &s, double processStartSeconds,
                            const http::TrafficStats &t, const jobs::EngineStats &e,
                            const http::ServerStats &server)
{
    PrometheusWriter w;
    // Process metrics, as the client libraries name them.
    w.gauge(u"process_resident_memory_bytes"_s, u"Resident memory size in bytes."_s,
            double(s.residentBytes));
    w.gauge(u"process_open_fds"_s, u"Number of open file descriptors."_s, double(s.openFds));
    w.gauge(u"process_max_fds"_s, u"Maximum number of open file descriptors."_s, double(s.maxFds));
    // Left out when unknown, rather than a sentinel a dashboard would plot.
    if (processStartSeconds >= 0)
        w.gauge(u"process_start_time_seconds"_s,
                u"Start time of the process since unix epoch in seconds."_s, processStartSeconds);
    w.counter(u"process_cpu_seconds_total"_s, u"Total user and system CPU time spent in seconds."_s,
              s.cpuSeconds);

    w.gauge(u"sluice_disk_free_bytes"_s, u"Free disk space in the data directory."_s,
            double(s.diskFreeBytes));
    w.gauge(u"sluice_temp_files"_s, u"Temporary files in the data directory."_s,
            double(s.tempFiles));
    w.gauge(u"sluice_temp_bytes"_s, u"Bytes in temporary files."_s, double(s.tempBytes));
    w.gauge(u"sluice_result_files"_s, u"Job result files on disk."_s, double(s.resultFiles));
    w.gauge(u"sluice_result_bytes"_s, u"Bytes in job result files."_s, double(s.resultBytes));

    w.gauge(u"sluice_connections"_s, u"Open client connections."_s, s.connections);
    w.gauge(u"sluice_requests_in_flight"_s, u"Requests being served."_s, s.requestsInFlight);
    w.gauge(u"sluice_uploads_in_flight"_s, u"Uploads being received."_s, s.uploadsInFlight);
    w.gauge(u"sluice_exports_in_flight"_s, u"Live exports being sent."_s, s.exportsInFlight);
    w.counter(u"sluice_received_bytes_total"_s, u"Bytes read from clients."_s, double(t.bytesIn));
    w.counter(u"sluice_sent_bytes_total"_s, u"Bytes written to clients."_s, double(t.bytesOut));
    const QString pausesHelp = u"Times a transfer was paused to let the slower side catch up."_s;
    w.counter(u"sluice_backpressure_pauses_total"_s, pausesHelp, double(t.readPauses),
              {{u"direction"_s, u"read"_s}});
    w.counter(u"sluice_backpressure_pauses_total"_s, pausesHelp, double(t.writePauses),
              {{u"direction"_s, u"write"_s}});
    w.gauge(u"sluice_send_buffer_bytes"_s,
            u"Unsent response bytes all connections hold in memory (max_send_buffer_bytes)."_s,
            double(server.sendBufferBytes));
    w.gauge(u"sluice_send_buffer_peak_bytes"_s,
            u"Most unsent response bytes held in memory at once since the server started."_s,
            double(server.sendBufferPeakBytes));
    w.gauge(u"sluice_send_buffer_waiting"_s,
            u"Responses waiting for room under max_send_buffer_bytes."_s, server.sendBufferWaiting);
    w.counter(u"sluice_sent_direct_bytes_total"_s,
              u"Response bytes sent from the page cache by sendfile, never held in memory."_s,
              double(server.sentDirectBytes));
    w.counter(u"sluice_connections_rejected_total"_s,
              u"Connections refused by a connection cap or shutdown."_s,
              double(t.connectionsRejected));
    const QString rejectionsHelp = u"Requests rejected, by the limit or rule at fault."_s;
    for (auto it = t.rejections.cbegin(); it != t.rejections.cend(); ++it)
        w.counter(u"sluice_rejections_total"_s, rejectionsHelp, double(it.value()),
                  {{u"reason"_s, it.key()}});
    if (e.refused > 0)
        w.counter(u"sluice_rejections_total"_s, rejectionsHelp, double(e.refused),
                  {{u"reason"_s, u"job_admission"_s}});
    w.counter(u"sluice_exported_rows_total"_s, u"Rows read from datasets by exports."_s,
              double(s.rowsExportedTotal));
    w.counter(u"sluice_export_stalls_total"_s,
              u"Live exports ended because the database stalled past export_stall_timeout_ms."_s,
              double(s.exportStallsTotal));
    w.counter(u"sluice_cleanups_total"_s, u"Orphaned, expired or evicted files removed."_s,
              double(s.cleanupsTotal));

    for (auto it = s.jobsByState.cbegin(); it != s.jobsByState.cend(); ++it)
        w.gauge(u"sluice_jobs"_s, u"Jobs in the store, by state."_s, it.value(),
                {{u"state"_s, it.key()}});
    if (s.jobsByState.isEmpty())
        w.gauge(u"sluice_jobs"_s, u"Jobs in the store, by state."_s, 0,
                {{u"state"_s, u"queued"_s}});
    w.gauge(u"sluice_jobs_running_attempts"_s,
            u"Job attempts on worker threads, stuck ones included."_s, e.running);
    w.gauge(u"sluice_jobs_stuck"_s,
            u"Stopped jobs that have not returned within cancel_grace_ms."_s, e.stuck);
    w.gauge(u"sluice_job_oldest_queued_age_seconds"_s, u"Age of the oldest queued job."_s,
            double(s.oldestQueuedAgeMs) / 1000.0);
    w.gauge(u"sluice_job_longest_running_seconds"_s, u"Run time of the longest running job."_s,
            double(s.longestRunningMs) / 1000.0);
    // Gauges with a "percentile" label: a "quantile" label is reserved for
    // summaries, which would also need _sum and _count over all time.
    const auto quantiles
        = [&](const QString &name, const QString &help, double p50, double p90, double p99) {
              w.gauge(name, help, p50 / 1000.0, {{u"percentile"_s, u"50"_s}});
              w.gauge(name, help, p90 / 1000.0, {{u"percentile"_s, u"90"_s}});
              w.gauge(name, help, p99 / 1000.0, {{u"percentile"_s, u"99"_s}});
          };
    quantiles(u"sluice_job_wait_seconds"_s,
              u"Time jobs waited in the queue, over the last 512 starts."_s, s.jobWaitP50Ms,
              s.jobWaitP90Ms, s.jobWaitP99Ms);
    quantiles(u"sluice_job_run_seconds"_s, u"Run time of the last 512 finished attempts."_s,
              s.jobRunP50Ms, s.jobRunP90Ms, s.jobRunP99Ms);
    w.counter(u"sluice_jobs_started_total"_s, u"Job attempts started."_s, double(e.started));
    w.counter(u"sluice_job_retries_total"_s, u"Automatic retries scheduled."_s, double(e.retries));
    w.counter(u"sluice_job_timeouts_total"_s, u"Attempts stopped by job_max_runtime_ms."_s,
              double(e.timeouts));
    w.counter(u"sluice_job_results_expired_total"_s, u"Results expired or evicted."_s,
              double(e.expired));

    for (auto it = t.requests.cbegin(); it != t.requests.cend(); ++it) {
        const QList<std::pair<QString, QString>> labels {
            {u"route"_s, it.key().route},
            {u"method"_s, QString::fromLatin1(it.key().method)},
            {u"status"_s, QString::number(it.key().status)}};
        w.counter(u"sluice_http_requests_total"_s,
                  u"Requests answered, by route, method and status."_s, double(it->count), labels);
        w.histogram(u"sluice_http_request_duration_seconds"_s,
                    u"Time from the first byte of a request to the end of its answer."_s,
                    it->durations, labels);
    }
    return w.finish();
}

} // namespace sluice::service
