#include "jobs/sqlitejobstore.h"
#include "jobs/sqlitejobstore_p.h"

#include <QSqlError>
#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::jobs {
namespace {

using detail::Transaction;
using Mode = detail::Transaction::Mode;

QString jobPhrase(QStringView verb, const QString &id)
{
    return verb % u" job "_s % id;
}

Error noJob(const QString &id)
{
    return Error {u"no job "_s % id};
}

// Rows selected by `tail` (WHERE / ORDER BY / LIMIT after the FROM clause).
// `with`, if given, is a WITH clause for the tail to use.
Expected<QList<JobRecord>> selectRecords(const Transaction &transaction, QSqlDatabase &db,
                                         const QString &tail, const QVariantList &values = {},
                                         const QString &with = {})
{
    QSqlQuery query(db);
    query.setForwardOnly(true);
    if (!detail::execute(query,
                         with % u" SELECT "_s % detail::selectColumns() % u" FROM jobs "_s % tail,
                         values)) {
        return transaction.fail(query);
    }
    QList<JobRecord> jobs;
    while (query.next()) {
        Expected<JobRecord> job = detail::readRecord(query);
        if (!job)
            return Error {u"cannot "_s % transaction.what() % u": "_s % job.error().message};
        jobs.append(std::move(*job));
    }
    if (query.lastError().isValid())
        return transaction.fail(query);
    return jobs;
}

Expected<std::optional<JobRecord>> selectRecord(const Transaction &transaction, QSqlDatabase &db,
                                                const QString &id)
{
    Expected<QList<JobRecord>> jobs = selectRecords(transaction, db, u"WHERE id = ?"_s, {id});
    if (!jobs)
        return jobs.error();
    if (jobs->isEmpty())
        return std::optional<JobRecord>();
    return std::optional<JobRecord>(jobs->takeFirst());
}

// The single value of a one-row query, NULL included.
Expected<QVariant> selectValue(const Transaction &transaction, QSqlDatabase &db, const QString &sql,
                               const QVariantList &values = {})
{
    QSqlQuery query(db);
    if (!detail::execute(query, sql, values) || !query.next())
        return transaction.fail(query);
    return query.value(0);
}

std::optional<QDateTime> optionalTime(const QVariant &value)
{
    const QDateTime time = detail::timeFrom(value);
    return time.isValid() ? std::optional<QDateTime>(time) : std::nullopt;
}

// Writes `job` over its row: the job was read in this same write transaction.
Expected<void> rewrite(const Transaction &transaction, QSqlDatabase &db, const JobRecord &job)
{
    QSqlQuery query(db);
    QVariantList values = detail::rowValues(job);
    values.append(job.id);
    if (!detail::execute(query, detail::updateStatement(), values))
        return transaction.fail(query);
    return {};
}

// Runs edit on a copy of `current`; the id and state stay the store's to set.
JobRecord edited(const JobRecord &current, const std::function<void(JobRecord &)> &edit,
                 JobState state)
{
    JobRecord job = current;
    if (edit)
        edit(job);
    job.id = current.id;
    job.state = state;
    return job;
}

} // namespace

Expected<void> SqliteJobStore::insert(const JobRecord &job)
{
    const QString what = jobPhrase(u"insert", job.id);
    if (!isValidJobId(job.id))
        return Error {u"cannot "_s % what % u": not a valid job id"_s};
    if (!job.createdAt.isValid())
        return Error {u"cannot "_s % what % u": it has no creation time"_s};
    Transaction transaction(m_db, what);
    if (auto begun = transaction.begin(Mode::Write); !begun)
        return begun;
    const Expected<std::optional<JobRecord>> existing = selectRecord(transaction, m_db, job.id);
    if (!existing)
        return existing.error();
    if (existing->has_value())
        return Error {u"cannot "_s % what % u": a job with that id exists"_s};
    QSqlQuery query(m_db);
    if (!detail::execute(query, detail::insertStatement(), detail::rowValues(job)))
        return transaction.fail(query);
    return transaction.commit();
}

Expected<std::optional<JobRecord>> SqliteJobStore::find(const QString &id)
{
    Transaction transaction(m_db, jobPhrase(u"read", id));
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    Expected<std::optional<JobRecord>> job = selectRecord(transaction, m_db, id);
    if (!job)
        return job;
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return job;
}

Expected<JobRecord> SqliteJobStore::transition(const QString &id, JobState from, JobState to,
                                               const std::function<void(JobRecord &)> &edit)
{
    Transaction transaction(
        m_db, jobPhrase(u"move", id) % u" from "_s % toString(from) % u" to "_s % toString(to));
    if (auto begun = transaction.begin(Mode::Write); !begun)
        return begun.error();
    const Expected<std::optional<JobRecord>> current = selectRecord(transaction, m_db, id);
    if (!current)
        return current.error();
    if (!current->has_value())
        return noJob(id);
    const JobState actual = (*current)->state;
    if (actual != from)
        return Error {u"job "_s % id % u" is "_s % toString(actual) % u", not "_s % toString(from)};
    if (!isLegalTransition(from, to)) {
        return Error {u"illegal transition "_s % toString(from) % u" -> "_s % toString(to)
                      % u" for job "_s % id};
    }
    JobRecord job = edited(**current, edit, to);
    if (auto written = rewrite(transaction, m_db, job); !written)
        return written.error();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return job;
}

Expected<void> SqliteJobStore::updateProgress(const QString &id, qint64 rows, qint64 bytes,
                                              double fraction)
{
    Transaction transaction(m_db, jobPhrase(u"record progress of", id));
    if (auto begun = transaction.begin(Mode::Write); !begun)
        return begun;
    QSqlQuery query(m_db);
    if (!detail::execute(query,
                         u"UPDATE jobs SET progress_rows = ?, progress_bytes = ?,"
                         " progress_fraction = ? WHERE id = ? AND state = 'running'"_s,
                         {rows, bytes, detail::normalisedFraction(fraction), id})) {
        return transaction.fail(query);
    }
    return transaction.commit();
}

Expected<JobRecord> SqliteJobStore::update(const QString &id,
                                           const std::function<void(JobRecord &)> &edit)
{
    Transaction transaction(m_db, jobPhrase(u"update", id));
    if (auto begun = transaction.begin(Mode::Write); !begun)
        return begun.error();
    const Expected<std::optional<JobRecord>> current = selectRecord(transaction, m_db, id);
    if (!current)
        return current.error();
    if (!current->has_value())
        return noJob(id);
    JobRecord job = edited(**current, edit, (*current)->state);
    if (auto written = rewrite(transaction, m_db, job); !written)
        return written.error();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return job;
}

Expected<void> SqliteJobStore::remove(const QString &id)
{
    Transaction transaction(m_db, jobPhrase(u"remove", id));
    if (auto begun = transaction.begin(Mode::Write); !begun)
        return begun;
    QSqlQuery query(m_db);
    if (!detail::execute(query, u"DELETE FROM jobs WHERE id = ?"_s, {id}))
        return transaction.fail(query);
    if (query.numRowsAffected() == 0)
        return noJob(id);
    return transaction.commit();
}

Expected<JobPage> SqliteJobStore::list(const JobQuery &jobQuery)
{
    QStringList conditions;
    QVariantList values;
    if (jobQuery.state) {
        conditions.append(u"state = ?"_s);
        values.append(toString(*jobQuery.state));
    }
    if (!jobQuery.kind.isEmpty()) {
        conditions.append(u"kind = ?"_s);
        values.append(jobQuery.kind);
    }
    if (!jobQuery.ownerId.isEmpty()) {
        conditions.append(u"owner_id = ?"_s);
        values.append(jobQuery.ownerId);
    }
    const QString where
        = conditions.isEmpty() ? QString() : u"WHERE "_s % conditions.join(u" AND "_s);

    Transaction transaction(m_db, u"list jobs"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    const Expected<QVariant> total
        = selectValue(transaction, m_db, u"SELECT COUNT(*) FROM jobs "_s % where, values);
    if (!total)
        return total.error();
    const Expected<QList<JobRecord>> jobs = selectRecords(
        transaction, m_db, where % u" ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"_s,
        values + QVariantList {qMax(jobQuery.limit, 0), qMax(jobQuery.offset, 0)});
    if (!jobs)
        return jobs.error();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return JobPage {*jobs, total->toInt()};
}

Expected<JobCounts> SqliteJobStore::counts(const QStringList &exemptKinds)
{
    Transaction transaction(m_db, u"count jobs"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    JobCounts counts;
    for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded,
                           JobState::Failed, JobState::Cancelled, JobState::Expired}) {
        counts.byState.insert(state, 0);
    }
    QSqlQuery query(m_db);
    if (!detail::execute(query, u"SELECT state, COUNT(*) FROM jobs GROUP BY state"_s))
        return transaction.fail(query);
    while (query.next()) {
        if (const std::optional<JobState> state = jobStateFromString(query.value(0).toString()))
            counts.byState.insert(*state, query.value(1).toInt());
    }
    if (!detail::execute(query,
                         u"SELECT owner_id, COUNT(*) FROM jobs"
                         " WHERE state IN ('queued', 'running') GROUP BY owner_id"_s)) {
        return transaction.fail(query);
    }
    while (query.next())
        counts.activeByOwner.insert(query.value(0).toString(), query.value(1).toInt());
    query.finish();
    // A result file of unknown size (-1) must not make the total smaller.
    const Expected<QVariant> bytes = selectValue(
        transaction, m_db,
        u"SELECT COALESCE(SUM(MAX(result_size, 0)), 0) FROM jobs WHERE result_path <> ''"_s);
    if (!bytes)
        return bytes.error();
    counts.resultBytes = bytes->toLongLong();
    const Expected<QVariant> files
        = selectValue(transaction, m_db, u"SELECT COUNT(*) FROM jobs WHERE result_path <> ''"_s);
    if (!files)
        return files.error();
    counts.resultFiles = files->toLongLong();
    QStringList marks;
    for (qsizetype i = 0; i < exemptKinds.size(); ++i)
        marks.append(u"?"_s);
    query.prepare(
        u"SELECT owner_id, COALESCE(SUM(MAX(result_size, 0)), 0), COUNT(*) FROM jobs"
        " WHERE result_path <> ''"_s
        % (marks.isEmpty() ? QString() : u" AND kind NOT IN ("_s % marks.join(u',') % u')')
        % u" GROUP BY owner_id"_s);
    for (const QString &kind : exemptKinds)
        query.addBindValue(kind);
    if (!query.exec())
        return transaction.fail(query);
    while (query.next()) {
        counts.resultBytesByOwner.insert(query.value(0).toString(), query.value(1).toLongLong());
        counts.resultFilesByOwner.insert(query.value(0).toString(), query.value(2).toLongLong());
    }
    query.finish();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return counts;
}

Expected<QList<JobRecord>> SqliteJobStore::due(const QDateTime &now, int limit,
                                               const QStringList &skipKinds)
{
    Transaction transaction(m_db, u"find due jobs"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    QVariantList bindings {detail::timeValue(now)};
    QString skip;
    for (const QString &kind : skipKinds) {
        skip += skip.isEmpty() ? u" AND kind NOT IN (?"_s : u", ?"_s;
        bindings.append(kind);
    }
    if (!skip.isEmpty())
        skip += u')';
    bindings.append(qMax(limit, 0));
    // Fair between accounts (docs/decisions/0022): an account's k-th due
    // job's turn is k plus the jobs it has running; within a turn, the
    // account that started a job longest ago (or never) goes first, then the
    // oldest job. Per due job two index lookups (jobs_owner_id_state,
    // jobs_owner_id_started_at); only the jobs picked are read in full.
    Expected<QList<JobRecord>> jobs = selectRecords(
        transaction, m_db,
        u"JOIN picked ON picked.pick_id = jobs.id ORDER BY picked.turn, picked.last_start, "
        "jobs.queued_at, jobs.created_at, jobs.id"_s,
        bindings,
        u"WITH picked AS (SELECT q.id AS pick_id, ROW_NUMBER() OVER (PARTITION BY q.owner_id "
        "ORDER BY q.queued_at, q.created_at, q.id) + (SELECT COUNT(*) FROM jobs r "
        "WHERE r.owner_id IS q.owner_id AND r.state = 'running') AS turn, "
        "COALESCE((SELECT s.started_at FROM jobs s WHERE s.owner_id IS q.owner_id AND "
        "s.started_at IS NOT NULL ORDER BY s.started_at DESC LIMIT 1), -1) AS last_start, "
        "q.queued_at AS pick_queued, q.created_at AS pick_created FROM jobs q "
        "WHERE q.state = 'queued' AND (q.not_before IS NULL OR q.not_before <= ?)"_s
            + skip.replace(u"kind NOT IN"_s, u"q.kind NOT IN"_s)
            + u" ORDER BY turn, last_start, pick_queued, pick_created, pick_id LIMIT ?)"_s);
    if (!jobs)
        return jobs;
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return jobs;
}

Expected<std::optional<QDateTime>> SqliteJobStore::nextDue(const QDateTime &now)
{
    Transaction transaction(m_db, u"find when the next job is due"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    const Expected<QVariant> next = selectValue(
        transaction, m_db,
        u"SELECT MIN(not_before) FROM jobs WHERE state = 'queued' AND not_before > ?"_s,
        {detail::timeValue(now)});
    if (!next)
        return next.error();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return optionalTime(*next);
}

Expected<QList<JobRecord>> SqliteJobStore::inState(JobState state)
{
    Transaction transaction(m_db, u"list "_s % toString(state) % u" jobs"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    Expected<QList<JobRecord>> jobs = selectRecords(
        transaction, m_db, u"WHERE state = ? ORDER BY created_at ASC, id ASC"_s, {toString(state)});
    if (!jobs)
        return jobs;
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return jobs;
}

Expected<QList<JobRecord>> SqliteJobStore::withResults()
{
    Transaction transaction(m_db, u"list jobs with results"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    Expected<QList<JobRecord>> jobs = selectRecords(
        transaction, m_db, u"WHERE result_path <> '' ORDER BY finished_at ASC, id ASC"_s);
    if (!jobs)
        return jobs;
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return jobs;
}

Expected<std::pair<std::optional<QDateTime>, std::optional<QDateTime>>> SqliteJobStore::oldest()
{
    Transaction transaction(m_db, u"find the oldest queued and running jobs"_s);
    if (auto begun = transaction.begin(Mode::Read); !begun)
        return begun.error();
    const Expected<QVariant> queued = selectValue(
        transaction, m_db, u"SELECT MIN(queued_at) FROM jobs WHERE state = 'queued'"_s);
    if (!queued)
        return queued.error();
    const Expected<QVariant> running = selectValue(
        transaction, m_db, u"SELECT MIN(started_at) FROM jobs WHERE state = 'running'"_s);
    if (!running)
        return running.error();
    if (auto committed = transaction.commit(); !committed)
        return committed.error();
    return std::pair(optionalTime(*queued), optionalTime(*running));
}

} // namespace sluice::jobs
