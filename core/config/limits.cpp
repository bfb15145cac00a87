#include "config/limits.h"
#include "config/jsontext_p.h"
#include "config/limits_p.h"

#include <QJsonValue>
#include <QStringBuilder>

#include <array>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::config {
namespace {

constexpr qint64 KiB = 1024;
constexpr qint64 MiB = 1024 * KiB;
constexpr qint64 Second = 1000;
constexpr qint64 Minute = 60 * Second;
constexpr qint64 Hour = 60 * Minute;

constexpr Limits Defaults {};

// One row per member of Limits; adding a limit is a member plus a row here.
// The help stays English here and in the admin API; QT_TRANSLATE_NOOP only
// marks it for the window's translation, which the limits editor looks up.
constexpr std::array Fields {
    LimitField {"header_deadline_ms", "ms", 100, Hour, Defaults.headerDeadlineMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Time a client has from the first byte of a request to the end of its header."),
                &Limits::headerDeadlineMs},
    LimitField {"body_idle_timeout_ms", "ms", 100, Hour, Defaults.bodyIdleTimeoutMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Longest pause while a body is received or a response is sent."),
                &Limits::bodyIdleTimeoutMs},
    LimitField {"keep_alive_idle_timeout_ms", "ms", 100, Hour, Defaults.keepAliveIdleTimeoutMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Time an idle connection is kept open between requests."),
                &Limits::keepAliveIdleTimeoutMs},
    LimitField {"max_connections", "count", 1, 100'000, Defaults.maxConnections,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Open connections accepted at once; more are refused."),
                &Limits::maxConnections},
    LimitField {"max_connections_per_client", "count", 1, 100'000, Defaults.maxConnectionsPerClient,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Open connections accepted at once from one client address."),
                &Limits::maxConnectionsPerClient},
    LimitField {"max_request_line_bytes", "bytes", 256, 64 * KiB, Defaults.maxRequestLineBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Longest request line (method, target and version)."),
                &Limits::maxRequestLineBytes},
    LimitField {"max_header_bytes", "bytes", KiB, MiB, Defaults.maxHeaderBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Largest request header section, all fields together."),
                &Limits::maxHeaderBytes},
    LimitField {"max_header_fields", "count", 8, 1000, Defaults.maxHeaderFields,
                QT_TRANSLATE_NOOP("sluice::config::Limits", "Most header fields in one request."),
                &Limits::maxHeaderFields},
    LimitField {"max_chunk_extension_bytes", "bytes", 64, MiB, Defaults.maxChunkExtensionBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Largest chunk extension accepted in a chunked request body."),
                &Limits::maxChunkExtensionBytes},
    LimitField {"socket_read_buffer_bytes", "bytes", 4 * KiB, 16 * MiB,
                Defaults.socketReadBufferBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Bytes buffered per connection before reading pauses."),
                &Limits::socketReadBufferBytes},
    LimitField {
        "response_high_water_bytes", "bytes", 4 * KiB, 64 * MiB, Defaults.responseHighWaterBytes,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Unsent response bytes per connection above which producing pauses."),
        &Limits::responseHighWaterBytes},
    LimitField {"max_send_buffer_bytes", "bytes", MiB, 16 * 1024 * MiB, Defaults.maxSendBufferBytes,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Unsent response bytes all connections together may hold in memory; when full, "
                    "connections take turns (file downloads hold none: they are sent from the page "
                    "cache)."),
                &Limits::maxSendBufferBytes},
    LimitField {"shutdown_grace_ms", "ms", 0, 10 * Minute, Defaults.shutdownGraceMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Time running requests get to finish when the service stops."),
                &Limits::shutdownGraceMs},
    LimitField {
        "response_deadline_ms", "ms", 100, Hour, Defaults.responseDeadlineMs,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Time a request's handler has to answer, or a full body sink to drain; then 503."),
        &Limits::responseDeadlineMs},
    LimitField {"max_json_body_bytes", "bytes", KiB, 64 * MiB, Defaults.maxJsonBodyBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Largest JSON request body (job submissions, limit changes)."),
                &Limits::maxJsonBodyBytes},
    LimitField {
        "max_unauthenticated_connections", "count", 1, 100'000,
        Defaults.maxUnauthenticatedConnections,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Open connections no valid token has been seen on, within max_connections (keep it "
            "well below, to leave room for accounts); when full, the one quiet longest gives "
            "way to a new one, or 503 if none is quiet."),
        &Limits::maxUnauthenticatedConnections},
    LimitField {"max_connections_per_ipv6_prefix", "count", 1, 100'000,
                Defaults.maxConnectionsPerIpv6Prefix,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Open connections accepted at once from one IPv6 /64 (one site, like one IPv4 "
                    "address)."),
                &Limits::maxConnectionsPerIpv6Prefix},
    LimitField {"health_reserve_connections", "count", 0, 1'000, Defaults.healthReserveConnections,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Connections accepted beyond every other cap that may only ask for /healthz or "
                    "/readyz, so that the operator's probe gets an answer."),
                &Limits::healthReserveConnections},
    LimitField {
        "min_transfer_rate_bytes_per_s", "bytes_per_s", 1, 1024 * MiB,
        Defaults.minTransferRateBytesPerS,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "A request body or response moving slower than this, on average over "
                          "min_transfer_rate_window_ms, is ended (408, or the connection closed)."),
        &Limits::minTransferRateBytesPerS},
    LimitField {"min_transfer_rate_window_ms", "ms", 100, Hour, Defaults.minTransferRateWindowMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Time over which min_transfer_rate_bytes_per_s is averaged: the longest a "
                    "transfer may fall behind that rate."),
                &Limits::minTransferRateWindowMs},
    LimitField {
        "account_share_percent", "percent", 1, 100, Defaults.accountSharePercent,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Most one account may hold of each shared whole: job results (max_result_bytes), "
            "upload bytes in flight (max_upload_temp_bytes), connections (max_connections) "
            "and the disk above min_free_disk_bytes; an equal part if fewer accounts share it."),
        &Limits::accountSharePercent},
    LimitField {"max_queue_depth", "count", 1, 1'000'000, Defaults.maxQueueDepth,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Queued jobs, all accounts together; more are refused (503)."),
                &Limits::maxQueueDepth},
    LimitField {
        "max_jobs_per_account", "count", 1, 100'000, Defaults.maxJobsPerAccount,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Queued and running jobs of one account; more are refused (429)."),
        &Limits::maxJobsPerAccount},
    LimitField {"max_active_jobs", "count", 1, 64, Defaults.maxActiveJobs,
                QT_TRANSLATE_NOOP("sluice::config::Limits", "Jobs running at once."),
                &Limits::maxActiveJobs},
    LimitField {"job_max_runtime_ms", "ms", 1000, 7 * 24 * Hour, Defaults.jobMaxRuntimeMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Longest one attempt of a job may run; then it fails with reason timeout."),
                &Limits::jobMaxRuntimeMs},
    LimitField {
        "max_attempts", "count", 1, 100, Defaults.maxAttempts,
        QT_TRANSLATE_NOOP("sluice::config::Limits", "Attempts a job gets before it stays failed."),
        &Limits::maxAttempts},
    LimitField {"retry_base_delay_ms", "ms", 0, Hour, Defaults.retryBaseDelayMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Wait before the first retry; doubled for each further one, with jitter."),
                &Limits::retryBaseDelayMs},
    LimitField {"retry_max_delay_ms", "ms", 0, 24 * Hour, Defaults.retryMaxDelayMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits", "Longest wait between two attempts."),
                &Limits::retryMaxDelayMs},
    LimitField {"result_ttl_ms", "ms", 1000, 365 * 24 * Hour, Defaults.resultTtlMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "How long a finished job's result stays downloadable."),
                &Limits::resultTtlMs},
    LimitField {
        "max_result_bytes", "bytes", MiB, 16 * 1024 * 1024 * MiB, Defaults.maxResultBytes,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Job results on disk, all together; the oldest are evicted past it."),
        &Limits::maxResultBytes},
    LimitField {
        "expiry_sweep_interval_ms", "ms", 100, Hour, Defaults.expirySweepIntervalMs,
        QT_TRANSLATE_NOOP("sluice::config::Limits", "How often expired results are deleted."),
        &Limits::expirySweepIntervalMs},
    LimitField {"cancel_grace_ms", "ms", 100, Hour, Defaults.cancelGraceMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Time a cancelled or timed-out job has to stop before it is reported stuck."),
                &Limits::cancelGraceMs},
    LimitField {"max_results_per_account", "count", 1, 1'000'000, Defaults.maxResultsPerAccount,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Job results on disk of one account; its new jobs are refused (507) past it."),
                &Limits::maxResultsPerAccount},
    LimitField {"result_eviction_floor_ms", "ms", 0, 7 * 24 * Hour, Defaults.resultEvictionFloorMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Age under which a result is not evicted to make room for others (expiry still "
                    "applies); only its own account's overshoot of its share, while all results "
                    "together fill max_result_bytes, evicts younger ones (never the newest)."),
                &Limits::resultEvictionFloorMs},
    LimitField {
        "metrics_interval_ms", "ms", 100, Minute, Defaults.metricsIntervalMs,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "How often the service samples itself for the dashboards and /metrics."),
        &Limits::metricsIntervalMs},
    LimitField {
        "max_streams", "count", 0, 1000, Defaults.maxStreams,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Live streams (GET /api/stream, a remote window each) open at once; beyond it 503."),
        &Limits::maxStreams},
    LimitField {"min_free_disk_bytes", "bytes", 0, 1024 * 1024 * MiB, Defaults.minFreeDiskBytes,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Free disk in the data dir kept free: below it /readyz reports not ready, and "
                    "uploads and export jobs are refused or wait."),
                &Limits::minFreeDiskBytes},
    LimitField {
        "max_upload_bytes", "bytes", KiB, 1024 * 1024 * MiB, Defaults.maxUploadBytes,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Largest file one upload may carry; larger ones are refused (413)."),
        &Limits::maxUploadBytes},
    LimitField {
        "max_concurrent_uploads", "count", 1, 10'000, Defaults.maxConcurrentUploads,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Uploads receiving at once, all accounts; more are refused (503)."),
        &Limits::maxConcurrentUploads},
    LimitField {
        "max_uploads_per_account", "count", 1, 10'000, Defaults.maxUploadsPerAccount,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Uploads receiving at once for one account; more are refused (429)."),
        &Limits::maxUploadsPerAccount},
    LimitField {"max_upload_temp_bytes", "bytes", MiB, 1024 * 1024 * MiB,
                Defaults.maxUploadTempBytes,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Bytes that uploads in flight may hold in the temp folder (507 past it)."),
                &Limits::maxUploadTempBytes},
    LimitField {"max_account_stored_upload_bytes", "bytes", MiB, 1024 * 1024 * 1024 * MiB,
                Defaults.maxAccountStoredUploadBytes,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Stored uploads of one account, with those in flight; more are refused (507)."),
                &Limits::maxAccountStoredUploadBytes},
    LimitField {"temp_file_ttl_ms", "ms", Minute, 7 * 24 * Hour, Defaults.tempFileTtlMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Age after which a temp file no request owns is deleted."),
                &Limits::tempFileTtlMs},
    LimitField {"resumable_upload_ttl_ms", "ms", Second, 30 * 24 * Hour,
                Defaults.resumableUploadTtlMs,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Life of an unfinished resumable upload (/files/) after its last "
                                  "byte; then it expires (410) and its file is deleted."),
                &Limits::resumableUploadTtlMs},
    LimitField {
        "upload_buffer_bytes", "bytes", 64 * KiB, 256 * MiB, Defaults.uploadBufferBytes,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Upload bytes waiting for the disk before the socket stops being read."),
        &Limits::uploadBufferBytes},
    LimitField {"max_multipart_parts", "count", 1, 10'000, Defaults.maxMultipartParts,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Parts (files and fields) in one multipart upload."),
                &Limits::maxMultipartParts},
    LimitField {"max_multipart_file_parts", "count", 1, 1'000, Defaults.maxMultipartFileParts,
                QT_TRANSLATE_NOOP("sluice::config::Limits", "Files in one multipart upload."),
                &Limits::maxMultipartFileParts},
    LimitField {
        "max_multipart_fields", "count", 0, 10'000, Defaults.maxMultipartFields,
        QT_TRANSLATE_NOOP("sluice::config::Limits", "Non-file fields in one multipart upload."),
        &Limits::maxMultipartFields},
    LimitField {"max_multipart_field_bytes", "bytes", 16, 16 * MiB, Defaults.maxMultipartFieldBytes,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Largest value of one non-file multipart field."),
                &Limits::maxMultipartFieldBytes},
    LimitField {
        "max_multipart_part_header_bytes", "bytes", 256, MiB, Defaults.maxMultipartPartHeaderBytes,
        QT_TRANSLATE_NOOP("sluice::config::Limits", "Largest header block of one multipart part."),
        &Limits::maxMultipartPartHeaderBytes},
    LimitField {
        "live_export_max_days", "days", 1, 3660, Defaults.liveExportMaxDays,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Longest date range an export may cover when served live; longer ones are jobs."),
        &Limits::liveExportMaxDays},
    LimitField {"live_export_max_rows", "count", 1, 1'000'000'000, Defaults.liveExportMaxRows,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Estimated rows above which an export is not served live (413, or a job)."),
                &Limits::liveExportMaxRows},
    LimitField {"export_batch_rows", "count", 1, 1'000'000, Defaults.exportBatchRows,
                QT_TRANSLATE_NOOP("sluice::config::Limits",
                                  "Rows read from the database at a time during an export."),
                &Limits::exportBatchRows},
    LimitField {
        "export_stall_timeout_ms", "ms", 100, Hour, Defaults.exportStallTimeoutMs,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Longest wait for one batch of rows; a slower database ends the export."),
        &Limits::exportStallTimeoutMs},
    LimitField {
        "max_export_jobs_per_account", "count", 1, 1'000, Defaults.maxExportJobsPerAccount,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Queued and running export jobs of one account; more are refused (429)."),
        &Limits::maxExportJobsPerAccount},
    LimitField {
        "max_live_exports", "count", 1, 256, Defaults.maxLiveExports,
        QT_TRANSLATE_NOOP("sluice::config::Limits",
                          "Live exports (CSV read from the database while it is sent) at once, all "
                          "accounts; each holds a thread and a database connection. More get 503."),
        &Limits::maxLiveExports},
    LimitField {"max_live_exports_per_account", "count", 1, 256, Defaults.maxLiveExportsPerAccount,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Live exports of one account at once, of max_live_exports; more get 429."),
                &Limits::maxLiveExportsPerAccount},
    LimitField {
        "image_decode_max_bytes", "bytes", 16 * MiB, 64 * 1024 * MiB, Defaults.imageDecodeMaxBytes,
        QT_TRANSLATE_NOOP(
            "sluice::config::Limits",
            "Memory one image decode (a thumbnail) may use; a larger need fails processing."),
        &Limits::imageDecodeMaxBytes},
    LimitField {"image_decode_max_ms", "ms", 100, Hour, Defaults.imageDecodeMaxMs,
                QT_TRANSLATE_NOOP(
                    "sluice::config::Limits",
                    "Time one image decode (a thumbnail) may take; then it is killed and fails."),
                &Limits::imageDecodeMaxMs},
};

// Every member is a qint64 and needs its row above.
static_assert(sizeof(Limits) == Fields.size() * sizeof(qint64),
              "each member of Limits needs a row in Fields");

QString withUnit(qint64 value, const LimitField &field)
{
    const QLatin1StringView unit(field.unit);
    if (unit == "count"_L1)
        return QString::number(value);
    return QString::number(value) % u' ' % unit;
}

QString outOfRange(const LimitField &field, const QString &got)
{
    return u"must be between "_s % QString::number(field.minimum) % u" and "_s
        % withUnit(field.maximum, field) % u" (got "_s % got % u')';
}

detail::LimitProblem problem(const LimitField &field, const QString &reason)
{
    const QString key = QLatin1StringView(field.key);
    return {key, reason, key % u' ' % reason};
}

} // namespace

qint64 Limits::accountSharePercentFor(int accounts) const
{
    return accounts > 0 ? std::max(accountSharePercent, 100 / qint64(accounts))
                        : accountSharePercent;
}

qint64 Limits::accountShare(qint64 whole, int accounts) const
{
    const qint64 percent = accountSharePercentFor(accounts);
    // whole / 100 * percent would round small wholes to nothing; whole is at
    // most 2^60 here and percent at most 100, so the product does not overflow.
    return std::max<qint64>(1, whole / 100 * percent + whole % 100 * percent / 100);
}

const QList<LimitField> &limitFields()
{
    static const QList<LimitField> fields(Fields.begin(), Fields.end());
    return fields;
}

const LimitField *findLimitField(QStringView key)
{
    for (const LimitField &field : limitFields()) {
        if (QLatin1StringView(field.key) == key)
            return &field;
    }
    return nullptr;
}

QStringList Limits::validate() const
{
    QStringList messages;
    for (const detail::LimitProblem &problem : detail::limitProblems(*this))
        messages.append(problem.message);
    return messages;
}

QJsonObject Limits::toJson() const
{
    QJsonObject object;
    for (const LimitField &field : limitFields())
        object.insert(QLatin1StringView(field.key), this->*field.member);
    return object;
}

Expected<Limits> Limits::fromJson(const QJsonObject &object)
{
    Limits limits;
    const QList<detail::LimitProblem> problems = detail::readLimits(object, limits);
    if (problems.isEmpty())
        return limits;
    QStringList messages;
    for (const detail::LimitProblem &problem : problems)
        messages.append(problem.message);
    return Error {messages.join(u"; "_s)};
}

QList<LimitError> Limits::patch(const QJsonObject &changes)
{
    Limits next = *this;
    QList<LimitError> errors;
    for (const detail::LimitProblem &problem : detail::readLimitsOver(changes, next))
        errors.append({problem.key, problem.message});
    if (errors.isEmpty())
        *this = next;
    return errors;
}

namespace detail {

QList<LimitProblem> limitProblems(const Limits &limits)
{
    QList<LimitProblem> problems;
    for (const LimitField &field : limitFields()) {
        const qint64 value = limits.*field.member;
        if (value < field.minimum || value > field.maximum) {
            problems.append(problem(field, outOfRange(field, QString::number(value))));
        }
    }
    // Pairs where one limit must stay within another. The field named in the
    // message is the first of the pair.
    struct Bound
    {
        qint64 Limits::*field;
        qint64 Limits::*bound;
        bool atLeast; // field >= bound, else field <= bound
    };
    static constexpr Bound bounds[] = {
        // A single client or account must not be allowed more than everyone.
        {&Limits::maxConnectionsPerClient, &Limits::maxConnections, false},
        {&Limits::maxUploadsPerAccount, &Limits::maxConcurrentUploads, false},
        {&Limits::maxLiveExportsPerAccount, &Limits::maxLiveExports, false},

        {&Limits::maxMultipartFileParts, &Limits::maxMultipartParts, false},
        // The temp sweeper tells an orphan by its age: a receiving upload
        // writes at least every body_idle_timeout_ms.
        {&Limits::tempFileTtlMs, &Limits::bodyIdleTimeoutMs, true},
    };
    const auto fieldOf = [](qint64 Limits::*member) {
        for (const LimitField &f : limitFields()) {
            if (f.member == member)
                return &f;
        }
        Q_UNREACHABLE();
    };
    for (const Bound &b : bounds) {
        const qint64 value = limits.*b.field;
        const qint64 bound = limits.*b.bound;
        if (b.atLeast ? value >= bound : value <= bound)
            continue;
        const QString other = QLatin1StringView(fieldOf(b.bound)->key);
        problems.append(problem(*fieldOf(b.field),
                                (b.atLeast ? u"must not be shorter than "_s : u"must not exceed "_s)
                                    % other % u" (got "_s % QString::number(value) % u", "_s % other
                                    % u" is "_s % QString::number(bound) % u')'));
    }
    return problems;
}

QList<LimitProblem> readLimits(const QJsonObject &object, Limits &limits)
{
    limits = Limits {};
    return readLimitsOver(object, limits);
}

QList<LimitProblem> readLimitsOver(const QJsonObject &object, Limits &limits)
{
    QList<LimitProblem> problems;
    for (auto it = object.begin(); it != object.end(); ++it) {
        const LimitField *field = findLimitField(it.key());
        // Limits an earlier build wrote that a later one replaced: read and
        // dropped, so that its config file still loads.
        static const QStringList retired {
            // per-account bytes, now account_share_percent (decision 0016)
            u"max_account_result_bytes"_s, u"max_account_upload_temp_bytes"_s};
        if (!field && retired.contains(it.key()))
            continue;
        if (!field) {
            problems.append(
                {it.key(), u"is not a known limit"_s, u"unknown limit '"_s % it.key() % u'\''});
            continue;
        }
        const QJsonValue value = it.value();
        const double number = value.toDouble();
        if (!value.isDouble() || !std::isfinite(number) || std::trunc(number) != number) {
            problems.append(
                problem(*field, u"must be an integer (got "_s % describeJsonValue(value) % u')'));
            continue;
        }
        // Beyond every range, and possibly beyond qint64: report it as such.
        if (number < double(field->minimum) || number > double(field->maximum)) {
            problems.append(problem(*field, outOfRange(*field, describeJsonValue(value))));
            continue;
        }
        limits.*field->member = value.toInteger();
    }
    problems.append(limitProblems(limits));
    return problems;
}

} // namespace detail
} // namespace sluice::config
