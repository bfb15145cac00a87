#pragma once

#include "config/limits.h"
#include "jobs/jobkind.h"
#include "jobs/jobstore.h"
#include "metrics/processinfo.h"
#include "util/filedescriptor.h"

#include <QHash>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <functional>
#include <memory>

namespace sluice::jobs {

struct Attempt;
struct EngineLink;

// Who asks: jobs belong to an account id; the name is for messages.
struct Principal
{
    QString accountId; // config::Account::id; empty: owns nothing (the window's operator)
    QString account; // the name
    bool admin = false;
};

// Why a submission was refused, naming the limit (mapped to 429/503/507).
struct Refusal
{
    enum class Reason {
        QueueFull,
        AccountBusy,
        ResultSpace, // all results together (503)
        AccountResults, // one account's results (507)
        DiskSpace,
        BadRequest,
        Unavailable
    };
    Reason reason = Reason::Unavailable;
    QString message;
    QString limit;
    qint64 value = 0;
};

// A job, and its result file opened on the engine's thread, where the expiry
// sweep and delete run too: a result found is a result that can be sent, even
// when the file is removed a moment later.
struct ResultLookup
{
    std::optional<JobRecord> job;
    std::shared_ptr<FileDescriptor> file; // with a succeeded job whose file opened
    QString openError; // a succeeded job whose file did not open (logged; no path)
};

struct SubmitResult
{
    std::optional<JobRecord> job; // accepted
    std::optional<Refusal> refusal; // or refused
};

struct ControlResult
{
    enum class Status { Ok, NotFound, Conflict, Refused, Failed };
    ControlResult() = default;
    ControlResult(Status status, QString message, std::optional<JobRecord> job,
                  std::optional<Refusal> refusal = {})
        : status(status)
        , message(std::move(message))
        , job(std::move(job))
        , refusal(std::move(refusal))
    { }

    Status status = Status::Ok;
    QString message;
    std::optional<JobRecord> job;
    std::optional<Refusal> refusal; // with Refused: the cap a retry would break
};

struct EngineStats
{
    int queued = 0;
    int running = 0; // attempts on worker threads, stuck ones included
    int stuck = 0; // cancelled or timed out, not returned within cancel_grace_ms
    QHash<QString, int> byState; // stored jobs per state name
    qint64 resultFiles = 0;
    qint64 resultBytes = 0;
    qint64 oldestQueuedAgeMs = 0; // 0 when nothing is queued
    qint64 longestRunningMs = 0; // 0 when nothing runs
    // Over the last completed attempts (up to 512): time queued before a start, and run time.
    double waitP50Ms = 0, waitP90Ms = 0, waitP99Ms = 0;
    double runP50Ms = 0, runP90Ms = 0, runP99Ms = 0;
    quint64 started = 0;
    quint64 cleanups = 0; // orphan temp folders and result files removed
    quint64 refused = 0; // submissions refused by a cap
    std::optional<metrics::DiskReading> disk; // with Paths::dataDir
    quint64 retries = 0;
    quint64 timeouts = 0;
    quint64 expired = 0;
    quint64 recovered = 0; // jobs found running at start-up
};

// The job engine: admission, scheduling on a bounded set of workers,
// runtime limits, cancellation, retries with backoff, crash recovery and
// result expiry. Lives on a thread of its own (the store's connection is
// bound to it). The request methods may be called from any thread: they are
// queued to the engine, and `reply` runs on the thread of `replyTo` (which
// must outlive the call, e.g. the HTTP server).
class JobEngine final : public QObject
{
    Q_OBJECT
public:
    struct Paths
    {
        QString database; // SQLite file
        QString tempDir; // attempts' private folders; emptied at start-up
        QString resultsDir; // published results
        QString dataDir; // when set, its disk use is read with the stats (off the HTTP thread)
    };

    JobEngine(Paths paths, config::Limits limits, QObject *parent = nullptr);
    ~JobEngine() override;
    Q_DISABLE_COPY_MOVE(JobEngine)

    // Registration happens before start(); the engine owns the kinds.
    void registerKind(std::unique_ptr<JobKind> kind);

    // On the engine's thread: opens the store, recovers from a crash, starts
    // the timers and the queue. Returns what went wrong, if anything.
    Expected<void> start();
    // On the engine's thread: stops scheduling, asks running attempts to stop
    // (they go back to the queue), waits for them up to cancel_grace_ms.
    void shutdown();

    // Thread-safe entry points.
    void submit(const QString &kind, const QJsonObject &params, const Principal &owner,
                QObject *replyTo, std::function<void(SubmitResult)> reply);
    void get(const QString &id, const Principal &who, QObject *replyTo,
             std::function<void(std::optional<JobRecord>)> reply);
    void openResult(const QString &id, const Principal &who, QObject *replyTo,
                    std::function<void(ResultLookup)> reply);
    void list(JobQuery query, const Principal &who, QObject *replyTo,
              std::function<void(Expected<JobPage>)> reply);
    void cancel(const QString &id, const Principal &who, QObject *replyTo,
                std::function<void(ControlResult)> reply);
    void retry(const QString &id, const Principal &who, QObject *replyTo,
               std::function<void(ControlResult)> reply);
    void remove(const QString &id, const Principal &who, QObject *replyTo,
                std::function<void(ControlResult)> reply);
    void setLimits(const config::Limits &limits);
    // Accounts that share the results (Authenticator::dataAccounts()): with
    // fewer than account_share_percent allows, an equal part each.
    void setAccounts(int accounts);

    // On the engine's thread (tests, metrics).
    EngineStats stats() const;
    JobStore *store() const { return m_store.get(); }
    void sweepNow();

signals:
    // Once a second, for the sampler.
    void statsPublished(const sluice::jobs::EngineStats &stats);
    // Batched (at most a few times a second): snapshots of changed jobs and
    // ids of removed ones. A job removed in this batch may also be in
    // `changed`, with its last state (a verdict followed by a delete within
    // one batch): readers that care apply `changed` first. `removedOwnerIds`
    // holds the owner of each removed job, in the same order (so that a
    // reader can tell an account about its own removals only).
    void jobsChanged(const QList<sluice::jobs::JobRecord> &changed, const QStringList &removed,
                     const QStringList &removedOwnerIds);
    void event(const QString &kind, const QString &jobId, const QString &detail);

private:
    friend void runAttempt(const std::shared_ptr<Attempt> &, const std::shared_ptr<EngineLink> &);

    template<typename R>
    void post(QObject *replyTo, std::function<R()> work, std::function<void(R)> reply);

    SubmitResult doSubmit(const QString &kind, const QJsonObject &params, const Principal &owner);
    std::optional<JobRecord> visible(const QString &id, const Principal &who);
    ResultLookup doOpenResult(const QString &id, const Principal &who);
    ControlResult doCancel(const QString &id, const Principal &who);
    ControlResult doRetry(const QString &id, const Principal &who);
    ControlResult doRemove(const QString &id, const Principal &who);
    void schedule();
    void startAttempt(const JobRecord &job);
    void onAttemptFinished(const std::shared_ptr<Attempt> &attempt, const JobOutcome &outcome);
    // Moves a running attempt whose verdict is recorded out of the active set.
    // It keeps its max_active_jobs slot until its worker has returned.
    void detach(const QString &id);
    // An attempt of this job was asked to stop and has not returned yet: no
    // retry or delete may start a second copy beside it.
    bool isStopping(const QString &id) const;
    void reconcile();
    // A message for the job's owner (lastError, attempt_log): paths in the
    // data dir relative to it, so that accounts do not learn the server's
    // layout. The event log and sluice.jobs keep the full text.
    QString forAccounts(const QString &message) const;
    // ownerId counts, ownerName is for the message.
    std::optional<Refusal> admissionRefusal(const QString &ownerId, const QString &ownerName,
                                            const QString &kindName);
    QStringList exemptKinds() const; // of the account result quotas
    std::optional<Refusal> kindRefusal(const QString &kind, const QString &ownerId,
                                       const QString &ownerName);
    std::optional<Refusal> diskRefusal(const JobKind &kind);
    void onAttemptFailed(const std::shared_ptr<Attempt> &attempt, const JobOutcome &outcome);
    void requeueUnspent(const QString &id, const QString &why);
    void tick();
    void sweep();
    void sweepIfOverShare(const QString &ownerId);
    void recover();
    void noteChanged(const JobRecord &job);
    void noteDurations(qint64 waitMs, qint64 runMs);
    void noteRemoved(const QString &id, const QString &ownerId);
    void flushChanges();
    qint64 backoffMs(int attempt) const;
    Expected<QString> publishResult(const JobRecord &job, const Attempt &attempt,
                                    const JobOutcome &outcome);
    void removeResultFile(const JobRecord &job);

    Paths m_paths;
    config::Limits m_limits;
    int m_accounts = 0; // see setAccounts()
    std::unique_ptr<JobStore> m_store;
    QHash<QString, std::shared_ptr<const JobKind>> m_kinds;
    QHash<QString, std::shared_ptr<Attempt>> m_attempts; // by job id, on worker threads
    QList<std::shared_ptr<Attempt>> m_draining; // stopped, verdict recorded, not returned yet
    QThreadPool *m_pool; // leaked if a job never returns
    std::shared_ptr<EngineLink> m_link;
    QTimer m_tickTimer; // runtime limits, progress, next due retry
    QTimer m_sweepTimer; // result expiry
    QTimer m_flushTimer; // batched change signals
    QHash<QString, JobRecord> m_pendingChanged;
    QStringList m_pendingRemoved;
    QStringList m_pendingRemovedOwners; // of m_pendingRemoved, same order
    bool m_started = false;
    bool m_shuttingDown = false;
    EngineStats m_counters;
    QList<qint64> m_recentWaitMs; // rings of the last attempts, for percentiles
    QList<qint64> m_recentRunMs;
    int m_ticks = 0;
};

} // namespace sluice::jobs

Q_DECLARE_METATYPE(sluice::jobs::EngineStats)
