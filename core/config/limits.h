#pragma once

#include "util/expected.h"

#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QStringList>

namespace sluice::config {

// One problem with a limit's value: the limit's key, and a message naming it.
struct LimitError
{
    QString key;
    QString message;
};

// Every limit of the service, in one value: validated, persisted in the config
// file, editable live (GUI, admin API) and applied without a restart.
// Durations are milliseconds, sizes bytes. Nothing is unlimited.
struct Limits
{
    // HTTP connection handling (RFC 9112 framing limits and timeouts)
    qint64 headerDeadlineMs = 10'000; // first byte of a request to end of its header
    qint64 bodyIdleTimeoutMs = 30'000; // no body byte received / no response byte sent
    qint64 keepAliveIdleTimeoutMs = 15'000; // idle connection between requests
    qint64 maxConnections = 512;
    qint64 maxConnectionsPerClient = 64;
    qint64 maxRequestLineBytes = 8 * 1024;
    qint64 maxHeaderBytes = 16 * 1024;
    qint64 maxHeaderFields = 100;
    qint64 maxChunkExtensionBytes = 16 * 1024;
    qint64 socketReadBufferBytes = 64 * 1024;
    qint64 responseHighWaterBytes = 256 * 1024;
    qint64 maxSendBufferBytes = 64 * 1024 * 1024; // all connections' unsent bytes together
    qint64 shutdownGraceMs = 10'000;
    qint64 responseDeadlineMs = 120'000; // handler answer, or a full body sink draining
    qint64 maxJsonBodyBytes = 1024 * 1024; // JSON request bodies (POST /jobs, PATCH /admin/limits)
    // Fairness among connections, and transfers too slow to keep a slot
    qint64 maxUnauthenticatedConnections = 128; // no valid token seen on them yet
    qint64 maxConnectionsPerIpv6Prefix = 64; // one IPv6 /64, like one IPv4 address
    qint64 healthReserveConnections = 8; // beyond every cap, for /healthz and /readyz only
    qint64 minTransferRateBytesPerS = 512; // a body or response slower than this over...
    qint64 minTransferRateWindowMs = 60'000; // ...this window is ended like an idle one

    // Fair share between accounts (docs/decisions/0016): the most of each
    // shared whole one account may hold; see accountShare().
    qint64 accountSharePercent = 25;

    // Job engine
    qint64 maxQueueDepth = 1'000; // queued jobs, all accounts
    qint64 maxJobsPerAccount = 20; // queued + running, one account
    qint64 maxActiveJobs = 2; // running at once
    qint64 jobMaxRuntimeMs = 60 * 60'000; // one attempt
    qint64 maxAttempts = 3;
    qint64 retryBaseDelayMs = 2'000; // doubled per attempt, with jitter
    qint64 retryMaxDelayMs = 5 * 60'000;
    qint64 resultTtlMs = 24 * 60 * 60'000;
    qint64 maxResultBytes = 10LL * 1024 * 1024 * 1024; // finished results on disk
    qint64 expirySweepIntervalMs = 60'000;
    qint64 cancelGraceMs = 10'000; // a cancelled job has this long to return
    qint64 maxResultsPerAccount = 250; // result files one account holds
    qint64 resultEvictionFloorMs = 15 * 60'000; // younger: evicted only for its account's overshoot

    // Observability
    qint64 metricsIntervalMs = 1'000; // sampling period of the dashboards and /metrics
    qint64 maxStreams = 32; // GET /api/stream subscribers at once
    qint64 minFreeDiskBytes = 1024LL * 1024 * 1024; // kept free in the data dir (uploads, exports)

    // Uploads
    qint64 maxUploadBytes = 16LL * 1024 * 1024 * 1024; // one file (raw body or multipart part)
    qint64 maxConcurrentUploads = 16; // upload requests receiving at once, all accounts
    qint64 maxUploadsPerAccount = 4; // upload requests receiving at once, one account
    qint64 maxUploadTempBytes = 64LL * 1024 * 1024 * 1024; // declared bytes of uploads in flight
    qint64 maxAccountStoredUploadBytes = 256LL * 1024 * 1024 * 1024; // stored uploads, one account
    qint64 tempFileTtlMs = 60 * 60'000; // orphaned temp files older than this are removed
    qint64 resumableUploadTtlMs
        = 24 * 60 * 60'000; // an unfinished tus upload's life since its last byte
    qint64 uploadBufferBytes = 1024 * 1024; // bytes waiting for the disk before reading pauses
    qint64 maxMultipartParts = 20; // files and fields together
    qint64 maxMultipartFileParts = 10;
    qint64 maxMultipartFields = 50;
    qint64 maxMultipartFieldBytes = 64 * 1024; // one field's value
    qint64 maxMultipartPartHeaderBytes = 8 * 1024; // one part's header block

    // Exports
    qint64 liveExportMaxDays = 31; // longest date range served live
    qint64 liveExportMaxRows = 250'000; // estimated rows above which a live export is refused
    qint64 exportBatchRows = 2'000; // rows fetched from the database at a time
    qint64 exportStallTimeoutMs = 30'000; // a batch taking longer ends the export
    qint64 maxExportJobsPerAccount = 2; // queued and running export jobs of one account
    qint64 maxLiveExports = 16; // live exports holding a database query at once, all accounts
    qint64 maxLiveExportsPerAccount = 4; // of those, one account's

    // Image decoding (thumbnails of uploads; in a worker process, docs/decisions/0018)
    qint64 imageDecodeMaxBytes = 256LL * 1024 * 1024; // memory one decode may use
    qint64 imageDecodeMaxMs = 20'000; // time one decode may take; then it is killed

    bool operator==(const Limits &) const = default;

    // One account's part of a shared whole: account_share_percent of it, or
    // an equal part when fewer accounts share it (`accounts`, if known: one
    // account alone may use it all). The wholes: max_result_bytes,
    // max_upload_temp_bytes, max_connections, and the disk above
    // min_free_disk_bytes that uploads may use.
    qint64 accountShare(qint64 whole, int accounts = 0) const;
    // The percentage accountShare() applies: what refusals report.
    qint64 accountSharePercentFor(int accounts = 0) const;

    // Empty when valid; otherwise one message per bad field, naming the field,
    // the value and the allowed range.
    QStringList validate() const;

    // JSON uses the snake_case keys of fields(). fromJson starts from the
    // defaults, so a partial object is fine; unknown keys, wrong types and
    // out-of-range values are errors that name the key.
    QJsonObject toJson() const;
    static Expected<Limits> fromJson(const QJsonObject &object);
    // Applies `changes` (some of toJson()'s keys) over this value, all or
    // nothing: on any problem (unknown key, not an integer, out of range, a
    // pair out of order) this value stays as it was and every problem is
    // returned.
    QList<LimitError> patch(const QJsonObject &changes);
};

// Describes one field of Limits, for validation, persistence and the editor.
struct LimitField
{
    const char *key; // snake_case, as in the config file and the admin API
    const char *unit; // "ms", "bytes", "bytes_per_s", "count", "days", "percent"
    qint64 minimum;
    qint64 maximum;
    qint64 defaultValue;
    const char *help; // one line for the operator
    qint64 Limits::*member;
};

const QList<LimitField> &limitFields();
const LimitField *findLimitField(QStringView key);

} // namespace sluice::config

Q_DECLARE_METATYPE(sluice::config::Limits)
