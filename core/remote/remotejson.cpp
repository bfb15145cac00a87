#include "remote/remotejson.h"

#include <QJsonArray>
#include <QUrl>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::remote {

namespace {

// A number the service wrote as a whole number (JSON numbers are doubles).
std::optional<qint64> integer(const QJsonValue &v)
{
    if (!v.isDouble())
        return std::nullopt;
    const double d = v.toDouble();
    if (!std::isfinite(d) || std::abs(d) > 9.007199254740992e15 || d != std::floor(d))
        return std::nullopt;
    return qint64(d);
}

std::optional<double> number(const QJsonValue &v)
{
    return v.isDouble() ? std::optional(v.toDouble()) : std::nullopt;
}

// RFC 3339 with milliseconds, or null for "none".
std::optional<QDateTime> time(const QJsonValue &v)
{
    if (v.isNull() || v.isUndefined())
        return QDateTime();
    if (!v.isString())
        return std::nullopt;
    QDateTime t = QDateTime::fromString(v.toString(), Qt::ISODateWithMs);
    if (!t.isValid())
        return std::nullopt;
    return t.toUTC();
}

// Reads fields into a value and remembers whether any was missing or of the
// wrong type, so that each reader below stays a plain list of fields.
class Reader
{
public:
    explicit Reader(const QJsonObject &o)
        : m_o(o)
    { }
    Reader child(const QString &key)
    {
        const QJsonValue v = m_o.value(key);
        if (!v.isObject())
            m_ok = false;
        return Reader(v.toObject(), this);
    }
    template<typename T> void integer(const QString &key, T &out)
    {
        if (const auto v = remote::integer(m_o.value(key)))
            out = T(*v);
        else
            fail();
    }
    void number(const QString &key, double &out)
    {
        if (const auto v = remote::number(m_o.value(key)))
            out = *v;
        else
            fail();
    }
    // Seconds with a fraction, to milliseconds.
    void seconds(const QString &key, qint64 &outMs)
    {
        double s = 0;
        number(key, s);
        outMs = qint64(std::llround(s * 1000.0));
    }
    void string(const QString &key, QString &out, bool nullable = false)
    {
        const QJsonValue v = m_o.value(key);
        if (v.isString())
            out = v.toString();
        else if (nullable && (v.isNull() || v.isUndefined()))
            out.clear();
        else
            fail();
    }
    void dateTime(const QString &key, QDateTime &out)
    {
        if (const auto v = remote::time(m_o.value(key)))
            out = *v;
        else
            fail();
    }
    const QJsonObject &object() const { return m_o; }
    bool ok() const { return m_ok; }

private:
    Reader(const QJsonObject &o, Reader *parent)
        : m_o(o)
        , m_parent(parent)
    { }
    void fail()
    {
        m_ok = false;
        for (Reader *p = m_parent; p; p = p->m_parent)
            p->m_ok = false;
    }

    QJsonObject m_o;
    Reader *m_parent = nullptr;
    bool m_ok = true;
};

} // namespace

std::optional<metrics::Sample> sampleFromJson(const QJsonObject &object)
{
    metrics::Sample s;
    Reader r(object);
    QDateTime t;
    r.dateTime(u"time"_s, t);
    s.timeMs = t.toMSecsSinceEpoch();
    Reader process = r.child(u"process"_s);
    process.integer(u"resident_bytes"_s, s.residentBytes);
    process.integer(u"open_fds"_s, s.openFds);
    process.integer(u"max_fds"_s, s.maxFds);
    process.number(u"cpu_seconds"_s, s.cpuSeconds);
    process.number(u"cpu_fraction"_s, s.cpuFraction);
    Reader disk = r.child(u"disk"_s);
    disk.integer(u"free_bytes"_s, s.diskFreeBytes);
    disk.integer(u"temp_files"_s, s.tempFiles);
    disk.integer(u"temp_bytes"_s, s.tempBytes);
    disk.integer(u"result_files"_s, s.resultFiles);
    disk.integer(u"result_bytes"_s, s.resultBytes);
    Reader traffic = r.child(u"traffic"_s);
    traffic.integer(u"connections"_s, s.connections);
    traffic.integer(u"requests_in_flight"_s, s.requestsInFlight);
    traffic.integer(u"uploads_in_flight"_s, s.uploadsInFlight);
    traffic.integer(u"exports_in_flight"_s, s.exportsInFlight);
    traffic.number(u"requests_per_second"_s, s.requestsPerSecond);
    traffic.number(u"bytes_in_per_second"_s, s.bytesInPerSecond);
    traffic.number(u"bytes_out_per_second"_s, s.bytesOutPerSecond);
    traffic.number(u"rows_per_second"_s, s.rowsPerSecond);
    traffic.number(u"read_pauses_per_second"_s, s.readPausesPerSecond);
    traffic.number(u"write_pauses_per_second"_s, s.writePausesPerSecond);
    traffic.integer(u"requests_total"_s, s.requestsTotal);
    traffic.integer(u"rejections_total"_s, s.rejectionsTotal);
    traffic.integer(u"rows_exported_total"_s, s.rowsExportedTotal);
    traffic.integer(u"export_stalls_total"_s, s.exportStallsTotal);
    Reader jobs = r.child(u"jobs"_s);
    Reader byState = jobs.child(u"by_state"_s);
    for (auto it = byState.object().begin(); it != byState.object().end(); ++it) {
        int n = 0;
        byState.integer(it.key(), n);
        s.jobsByState.insert(it.key(), n);
    }
    jobs.integer(u"running"_s, s.jobsRunning);
    jobs.seconds(u"oldest_queued_age_seconds"_s, s.oldestQueuedAgeMs);
    jobs.seconds(u"longest_running_seconds"_s, s.longestRunningMs);
    Reader wait = jobs.child(u"wait_ms"_s);
    wait.number(u"p50"_s, s.jobWaitP50Ms);
    wait.number(u"p90"_s, s.jobWaitP90Ms);
    wait.number(u"p99"_s, s.jobWaitP99Ms);
    Reader run = jobs.child(u"run_ms"_s);
    run.number(u"p50"_s, s.jobRunP50Ms);
    run.number(u"p90"_s, s.jobRunP90Ms);
    run.number(u"p99"_s, s.jobRunP99Ms);
    r.integer(u"cleanups_total"_s, s.cleanupsTotal);
    if (!r.ok() || !t.isValid())
        return std::nullopt;
    return s;
}

std::optional<jobs::JobRecord> jobFromJson(const QJsonObject &object, const QUrl &server)
{
    jobs::JobRecord job;
    Reader r(object);
    r.string(u"id"_s, job.id);
    r.string(u"kind"_s, job.kind);
    r.string(u"owner"_s, job.owner);
    r.string(u"owner_id"_s, job.ownerId);
    QString state;
    r.string(u"state"_s, state);
    const auto parsed = jobs::jobStateFromString(state);
    if (!parsed || !jobs::isValidJobId(job.id))
        return std::nullopt;
    job.state = *parsed;
    r.integer(u"attempts"_s, job.attempts);
    r.integer(u"max_attempts"_s, job.maxAttempts);
    r.dateTime(u"created_at"_s, job.createdAt);
    r.dateTime(u"queued_at"_s, job.queuedAt);
    r.dateTime(u"started_at"_s, job.startedAt);
    r.dateTime(u"finished_at"_s, job.finishedAt);
    r.dateTime(u"next_attempt_at"_s, job.notBefore);
    Reader progress = r.child(u"progress"_s);
    progress.integer(u"rows"_s, job.progressRows);
    progress.integer(u"bytes"_s, job.progressBytes);
    const QJsonValue fraction = progress.object().value(u"fraction"_s);
    job.progressFraction = fraction.isDouble() ? fraction.toDouble() : -1;
    r.string(u"error"_s, job.lastError, true);
    r.string(u"error_reason"_s, job.errorReason, true);
    const QJsonValue result = object.value(u"result"_s);
    if (result.isObject()) {
        Reader res(result.toObject());
        QString path;
        res.integer(u"size"_s, job.resultSize);
        res.string(u"name"_s, job.resultName);
        res.string(u"mime"_s, job.resultMime);
        res.dateTime(u"expires_at"_s, job.resultExpiresAt);
        res.string(u"url"_s, path);
        if (!res.ok())
            return std::nullopt;
        job.resultPath = server.resolved(QUrl(path)).toString();
    } else if (!result.isNull()) {
        return std::nullopt;
    }
    // In single-job answers only (GET /jobs/{id}): absent from lists.
    job.params = object.value(u"params"_s).toObject();
    job.attemptLog = object.value(u"attempt_log"_s).toArray();
    if (!r.ok())
        return std::nullopt;
    return job;
}

std::optional<upload::UploadRecord> uploadFromJson(const QJsonObject &object)
{
    upload::UploadRecord u;
    Reader r(object);
    r.string(u"id"_s, u.id);
    r.string(u"name"_s, u.name);
    r.integer(u"size"_s, u.size);
    QString sha256;
    r.string(u"sha256"_s, sha256);
    u.sha256 = sha256.toLatin1();
    r.string(u"mime"_s, u.mime);
    r.string(u"account"_s, u.account);
    r.string(u"account_id"_s, u.accountId);
    r.dateTime(u"created_at"_s, u.createdAt);
    r.string(u"job"_s, u.jobId, true);
    Reader processing = r.child(u"processing"_s);
    QString state;
    processing.string(u"state"_s, state);
    const auto parsed = upload::processingStateFromString(state);
    if (!r.ok() || !parsed || !upload::isValidUploadId(u.id) || u.size < 0)
        return std::nullopt;
    u.processing = *parsed;
    // What the job found, without what the route adds about the job's state.
    u.outcome = processing.object();
    u.outcome.remove(u"state"_s);
    u.outcome.remove(u"job_state"_s);
    return u;
}

std::optional<upload::ResumableInfo> resumableUploadFromJson(const QJsonObject &object)
{
    upload::ResumableInfo u;
    Reader r(object);
    r.string(u"id"_s, u.id);
    r.string(u"name"_s, u.name);
    r.string(u"account"_s, u.account);
    r.string(u"account_id"_s, u.accountId);
    r.integer(u"offset"_s, u.offset);
    r.dateTime(u"expires_at"_s, u.expires);
    const QJsonValue length = object.value(u"length"_s);
    if (!length.isNull()) {
        const auto n = integer(length);
        if (!n || *n < 0)
            return std::nullopt;
        u.length = *n;
    }
    const QJsonValue concat = object.value(u"concat"_s);
    if (concat == u"partial"_s)
        u.concat = upload::ResumableInfo::Concat::Partial;
    else if (!concat.isUndefined())
        return std::nullopt;
    if (!r.ok() || !upload::isValidUploadId(u.id) || u.offset < 0 || !u.expires.isValid()
        || (u.length && u.offset > *u.length))
        return std::nullopt;
    return u;
}

std::optional<http::Transfer> transferFromJson(const QJsonObject &object)
{
    http::Transfer t;
    Reader r(object);
    QString id, connection, phase, started;
    r.string(u"id"_s, id);
    r.string(u"connection_id"_s, connection);
    bool idOk = false, connectionOk = false;
    t.requestId = id.toULongLong(&idOk);
    t.connectionId = connection.toULongLong(&connectionOk);
    r.string(u"client"_s, t.client);
    r.string(u"method"_s, t.method);
    r.string(u"route"_s, t.route);
    r.string(u"path"_s, t.path);
    r.string(u"account"_s, t.account);
    r.string(u"phase"_s, phase);
    bool phaseOk = false;
    for (auto p : {http::Transfer::Phase::Receiving, http::Transfer::Phase::Processing,
                   http::Transfer::Phase::Sending}) {
        if (http::toString(p) == phase) {
            t.phase = p;
            phaseOk = true;
        }
    }
    r.integer(u"bytes_in"_s, t.bytesIn);
    r.integer(u"total_in"_s, t.totalIn);
    r.integer(u"bytes_out"_s, t.bytesOut);
    r.integer(u"total_out"_s, t.totalOut);
    QDateTime startedAt;
    r.dateTime(u"started"_s, startedAt);
    t.startedMs = startedAt.toMSecsSinceEpoch();
    r.integer(u"read_pauses"_s, t.readPauses);
    r.integer(u"write_pauses"_s, t.writePauses);
    if (!r.ok() || !idOk || !connectionOk || !phaseOk || !startedAt.isValid())
        return std::nullopt;
    return t;
}

std::optional<service::ServiceStatus> statusFromJson(const QJsonObject &object)
{
    using service::ServiceState;
    service::ServiceStatus s;
    Reader r(object);
    QString state;
    r.string(u"state"_s, state);
    bool known = false;
    for (auto st : {ServiceState::Stopped, ServiceState::Starting, ServiceState::Running,
                    ServiceState::Stopping, ServiceState::Failed}) {
        if (service::toString(st) == state) {
            s.state = st;
            known = true;
        }
    }
    r.string(u"listen"_s, s.listenAddress);
    s.tls = object.value(u"tls"_s).toBool();
    r.string(u"error"_s, s.error, true);
    r.integer(u"connections"_s, s.connections);
    r.integer(u"requests_in_flight"_s, s.requestsInFlight);
    r.integer(u"requests_total"_s, s.requestsTotal);
    r.dateTime(u"started"_s, s.startedAt);
    // Newer than the stream itself: a service that leaves them out is not ready, version unknown.
    s.ready = object.value(u"ready"_s).toBool();
    r.string(u"ready_reason"_s, s.notReadyReason, true);
    r.string(u"version"_s, s.version, true);
    if (!r.ok() || !known)
        return std::nullopt;
    return s;
}

std::optional<service::HistorySnapshot> historyFromJson(const QJsonObject &object)
{
    if (!object.value(u"series"_s).isObject())
        return std::nullopt;
    const QJsonObject series = object.value(u"series"_s).toObject();
    service::HistorySnapshot out;
    for (auto it = series.begin(); it != series.end(); ++it) {
        const QJsonObject o = it.value().toObject();
        metrics::SeriesSnapshot snap;
        for (const QJsonValue &v : o.value(u"points"_s).toArray()) {
            const QJsonArray p = v.toArray();
            const auto t = integer(p.at(0));
            if (p.size() != 2 || !t || !p.at(1).isDouble())
                return std::nullopt;
            snap.points.append({*t, p.at(1).toDouble()});
        }
        for (const QJsonValue &v : o.value(u"minutes"_s).toArray()) {
            const QJsonArray m = v.toArray();
            const auto t = integer(m.at(0));
            const auto count = integer(m.at(4));
            if (m.size() != 5 || !t || !count || !m.at(1).isDouble() || !m.at(2).isDouble()
                || !m.at(3).isDouble())
                return std::nullopt;
            snap.minutes.append(
                {*t, m.at(1).toDouble(), m.at(2).toDouble(), m.at(3).toDouble(), int(*count)});
        }
        out.insert(it.key(), snap);
    }
    return out;
}

Expected<config::Limits> limitsFromJson(const QJsonObject &object)
{
    if (!object.value(u"limits"_s).isArray())
        return Error {u"no 'limits' list"_s};
    QJsonObject flat;
    for (const QJsonValue &v : object.value(u"limits"_s).toArray()) {
        const QJsonObject o = v.toObject();
        // A newer service may know limits this client does not: skip them
        // rather than refuse the whole list.
        const QString name = o.value(u"name"_s).toString();
        const bool known = std::any_of(
            config::limitFields().begin(), config::limitFields().end(),
            [&](const config::LimitField &f) { return name == QLatin1StringView(f.key); });
        if (known)
            flat.insert(name, o.value(u"value"_s));
    }
    return config::Limits::fromJson(flat);
}

} // namespace sluice::remote
