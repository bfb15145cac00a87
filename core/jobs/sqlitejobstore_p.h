#pragma once

// Internals shared by the SqliteJobStore sources; not part of core's API.

#include "jobs/job.h"
#include "util/expected.h"

#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QVariantList>

namespace sluice::jobs::detail {

Q_DECLARE_LOGGING_CATEGORY(lcJobStore)

// The columns of the current `jobs` table, in the order that rowValues(),
// readRecord() and the statements below use.
enum Column {
    Id,
    Kind,
    Owner,
    Params,
    State,
    Attempts,
    MaxAttempts,
    CreatedAt,
    QueuedAt,
    StartedAt,
    FinishedAt,
    NotBefore,
    ProgressRows,
    ProgressBytes,
    ProgressFraction,
    LastError,
    ErrorReason,
    ResultPath,
    ResultSize,
    ResultName,
    ResultMime,
    ResultExpiresAt,
    AttemptLog,
    OwnerId, // added by schema version 2
    ColumnCount
};

// "id, kind, ...": every column, for SELECT.
const QString &selectColumns();
// INSERT of every column, positional placeholders in Column order.
const QString &insertStatement();
// UPDATE of every column by id: the values of rowValues(), then the id.
const QString &updateStatement();

// The values to bind for a record, indexed by Column.
QVariantList rowValues(const JobRecord &job);
// The record in the query's current row (selected with selectColumns()); an
// error names the job and the column whose stored value is unreadable.
Expected<JobRecord> readRecord(const QSqlQuery &query);

// Times are stored as milliseconds since the epoch (UTC), or NULL.
QVariant timeValue(const QDateTime &time);
QDateTime timeFrom(const QVariant &value);
// 0..1 as given; -1 ("unknown") for anything else, NaN included.
double normalisedFraction(double fraction);

// Prepares sql, binds values in order and executes it.
bool execute(QSqlQuery &query, const QString &sql, const QVariantList &values = {});
Error failure(QStringView what, const QSqlError &error);

// One transaction around a public call. Rolls back unless commit() succeeded.
// `what` names the operation and the job for every error it produces:
// "cannot <what>: <reason>".
class Transaction final
{
public:
    enum class Mode { Read, Write };

    Transaction(QSqlDatabase db, QString what);
    ~Transaction();
    Q_DISABLE_COPY_MOVE(Transaction)

    // Write takes the write lock up front (BEGIN IMMEDIATE), so that a
    // read-check-write sequence cannot be interleaved with another writer.
    Expected<void> begin(Mode mode);
    Expected<void> commit();

    const QString &what() const { return m_what; }
    Error fail(const QSqlQuery &query) const { return failure(m_what, query.lastError()); }

private:
    QSqlDatabase m_db;
    QString m_what;
    bool m_open = false;
};

} // namespace sluice::jobs::detail
