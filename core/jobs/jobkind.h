#pragma once

#include "config/limits.h"
#include "jobs/job.h"
#include "util/expected.h"

#include <QSqlDatabase>
#include <QString>

#include <functional>
#include <memory>

namespace sluice::jobs {

// What a running job may use. Called from the job's worker thread only.
class JobContext
{
public:
    virtual ~JobContext();

    virtual const JobRecord &job() const = 0; // as it was when this attempt started
    // True once the job should stop: cancelled, timed out, or shutting down.
    // Check it at least once per batch of work.
    virtual bool isStopRequested() const = 0;
    // For work that does not return to check isStopRequested() (a statement
    // waiting on a hung database): `handler` runs when the stop is requested,
    // on the thread that requests it (the engine's), or at once if it was
    // requested already. It must be thread-safe, idempotent (a race may run it
    // twice) and return at once (QueryInterrupter::interrupt, say). Dropped
    // when the attempt ends.
    virtual void setStopHandler(std::function<void()> handler) = 0;
    virtual void reportProgress(qint64 rows, qint64 bytes, double fraction = -1) = 0;
    // Fails, naming min_free_disk_bytes ("disk below min_free_disk_bytes"),
    // once the data dir's disk has less free space than that limit (as it was
    // when this attempt started). For jobs that write a lot: check it between
    // batches, so that a job stops before it fills the disk.
    virtual Expected<void> checkFreeDisk() const = 0;
    // A new empty file in this attempt's private temp folder, which is removed
    // whatever the outcome; a result is handed back as one of these files.
    virtual Expected<QString> createTempFile(const QString &suffix) = 0;
    // A database connection of this worker thread (Qt SQL connections are per
    // thread); closed and removed when the attempt ends.
    virtual QSqlDatabase database(const QString &driver, const QString &databaseName,
                                  const QString &connectOptions = {})
        = 0;
};

struct JobOutcome
{
    enum class Status { Succeeded, Failed };
    Status status = Status::Failed;
    QString error; // names the input or limit at fault
    bool retryable = true; // false: no automatic retry (bad parameters, say)
    QString resultFile; // from createTempFile(): published atomically on success
    QString resultName; // download file name
    QString resultMime = QStringLiteral("application/octet-stream");

    static JobOutcome success(QString file, QString name, QString mime)
    {
        JobOutcome o;
        o.status = Status::Succeeded;
        o.resultFile = std::move(file);
        o.resultName = std::move(name);
        o.resultMime = std::move(mime);
        return o;
    }
    static JobOutcome failure(QString error, bool retryable = true)
    {
        JobOutcome o;
        o.error = std::move(error);
        o.retryable = retryable;
        return o;
    }
};

// One kind of job: its parameters are checked when the job is submitted, and
// run() does the work on a worker thread. Implementations are stateless (one
// instance serves every job of the kind, possibly on several threads at once).
class JobKind
{
public:
    virtual ~JobKind();
    virtual QString name() const = 0;
    // Empty when the parameters are fine; otherwise what is wrong with them.
    virtual QString validate(const QJsonObject &params) const = 0;
    virtual JobOutcome run(JobContext &context) const = 0;

    // A cap on the queued and running jobs of this kind per account, on top of
    // max_jobs_per_account: the Limits key and its value; none by default.
    struct AccountCap
    {
        QString limit;
        qint64 value = 0;
    };
    virtual std::optional<AccountCap> accountCap(const config::Limits &) const
    {
        return std::nullopt;
    }
    // True for kinds whose output can fill the data disk (exports): while
    // the disk is below min_free_disk_bytes, such a job is refused (507) and
    // a queued one, a retry included, waits for space rather than start.
    virtual bool needsFreeDisk() const { return false; }
    // False for kinds the service submits on an account's behalf (upload
    // processing): their results count towards max_result_bytes but not
    // towards the account's own quotas, which are for what it asked for.
    virtual bool countsAsAccountResult() const { return true; }
};

} // namespace sluice::jobs
