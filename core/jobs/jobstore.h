#pragma once

#include "jobs/job.h"
#include "util/expected.h"

#include <QHash>
#include <QList>

#include <functional>
#include <optional>

namespace sluice::jobs {

struct JobQuery
{
    std::optional<JobState> state;
    QString kind; // empty: any
    QString ownerId; // empty: any (admins)
    int offset = 0;
    int limit = 50; // newest first (created_at, then id)
};

struct JobPage
{
    QList<JobRecord> jobs;
    int total = 0; // matching the query, ignoring offset and limit
};

struct JobCounts
{
    QHash<JobState, int> byState;
    QHash<QString, int> activeByOwner; // queued + running per account id
    qint64 resultBytes = 0; // sum of resultSize over jobs that hold a result file
    qint64 resultFiles = 0; // jobs that hold a result file
    QHash<QString, qint64> resultBytesByOwner; // the same two, per account id
    QHash<QString, qint64> resultFilesByOwner;
};

// Where jobs persist. Used from one thread only (the job engine's); every
// call is one transaction. An interface so that a PostgreSQL store shared by
// several sluiced instances can follow.
class JobStore
{
public:
    virtual ~JobStore();

    virtual Expected<void> insert(const JobRecord &job) = 0;
    virtual Expected<std::optional<JobRecord>> find(const QString &id) = 0;
    // Reads the job, checks that it is in state `from` and that from -> to is
    // legal, applies `edit`, sets state = to, writes: one transaction. The
    // error names the job, its actual state and the refused move.
    virtual Expected<JobRecord> transition(const QString &id, JobState from, JobState to,
                                           const std::function<void(JobRecord &)> &edit = {})
        = 0;
    // Progress only; no state change. Ignored (no error) unless the job is running.
    virtual Expected<void> updateProgress(const QString &id, qint64 rows, qint64 bytes,
                                          double fraction)
        = 0;
    // Any other field change without a state change (e.g. result expiry bookkeeping).
    virtual Expected<JobRecord> update(const QString &id,
                                       const std::function<void(JobRecord &)> &edit)
        = 0;
    virtual Expected<void> remove(const QString &id) = 0;

    virtual Expected<JobPage> list(const JobQuery &query) = 0;
    // The per-account result sums leave out the kinds in exemptKinds.
    virtual Expected<JobCounts> counts(const QStringList &exemptKinds = {}) = 0;
    // Queued jobs whose notBefore is unset or <= now, leaving out the kinds
    // named in skipKinds (those that must wait). Fair between accounts: an
    // account's k-th due job ranks k plus the jobs it has running; within a
    // rank the account that started a job longest ago (or never) goes
    // first, then the oldest queuedAt.
    virtual Expected<QList<JobRecord>> due(const QDateTime &now, int limit,
                                           const QStringList &skipKinds = {})
        = 0;
    // Earliest notBefore among queued jobs that are not due yet.
    virtual Expected<std::optional<QDateTime>> nextDue(const QDateTime &now) = 0;
    virtual Expected<QList<JobRecord>> inState(JobState state) = 0;
    // Jobs holding a result file (resultPath not empty), oldest finishedAt first.
    virtual Expected<QList<JobRecord>> withResults() = 0;
    // The oldest queuedAt among queued jobs and oldest startedAt among running ones.
    virtual Expected<std::pair<std::optional<QDateTime>, std::optional<QDateTime>>> oldest() = 0;
};

} // namespace sluice::jobs
