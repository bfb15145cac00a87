// How a JobRecord maps to a row of `jobs`, and the transaction guard.

#include "jobs/sqlitejobstore_p.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QSqlError>
#include <QStringBuilder>

#include <array>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::jobs::detail {
namespace {

constexpr std::array<QLatin1StringView, ColumnCount> ColumnNames = {
    "id"_L1,
    "kind"_L1,
    "owner"_L1,
    "params"_L1,
    "state"_L1,
    "attempts"_L1,
    "max_attempts"_L1,
    "created_at"_L1,
    "queued_at"_L1,
    "started_at"_L1,
    "finished_at"_L1,
    "not_before"_L1,
    "progress_rows"_L1,
    "progress_bytes"_L1,
    "progress_fraction"_L1,
    "last_error"_L1,
    "error_reason"_L1,
    "result_path"_L1,
    "result_size"_L1,
    "result_name"_L1,
    "result_mime"_L1,
    "result_expires_at"_L1,
    "attempt_log"_L1,
    "owner_id"_L1,
};

QString joinedColumns(QLatin1StringView suffix)
{
    QStringList parts;
    for (QLatin1StringView name : ColumnNames)
        parts.append(name + suffix);
    return parts.join(u", "_s);
}

QString jsonText(const QJsonDocument &document)
{
    return QString::fromUtf8(document.toJson(QJsonDocument::Compact));
}

// Reads the columns of one row and remembers the first that does not hold
// what the schema promises, so that a damaged row is reported, not guessed at.
class RowReader final
{
public:
    explicit RowReader(const QSqlQuery &query)
        : m_query(query)
    { }

    QString text(Column column) const { return m_query.value(column).toString(); }

    qint64 integer(Column column)
    {
        bool ok = false;
        const qint64 value = m_query.value(column).toLongLong(&ok);
        return check(ok, column) ? value : 0;
    }

    double real(Column column)
    {
        bool ok = false;
        const double value = m_query.value(column).toDouble(&ok);
        return check(ok, column) ? value : -1;
    }

    QDateTime time(Column column)
    {
        const QVariant value = m_query.value(column);
        if (value.isNull())
            return {};
        bool ok = false;
        const qint64 ms = value.toLongLong(&ok);
        return check(ok, column) ? QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC) : QDateTime();
    }

    QJsonDocument json(Column column, bool wantObject)
    {
        QJsonParseError error;
        const QJsonDocument document
            = QJsonDocument::fromJson(m_query.value(column).toString().toUtf8(), &error);
        const bool ok = error.error == QJsonParseError::NoError
            && (wantObject ? document.isObject() : document.isArray());
        return check(ok, column) ? document : QJsonDocument();
    }

    JobState state()
    {
        const std::optional<JobState> state = jobStateFromString(text(State));
        return check(state.has_value(), State) ? *state : JobState::Queued;
    }

    std::optional<Column> firstBadColumn() const { return m_bad; }

private:
    bool check(bool ok, Column column)
    {
        if (!ok && !m_bad)
            m_bad = column;
        return ok;
    }

    const QSqlQuery &m_query;
    std::optional<Column> m_bad;
};

} // namespace

Q_LOGGING_CATEGORY(lcJobStore, "sluice.jobs", QtInfoMsg)

const QString &selectColumns()
{
    static const QString columns = joinedColumns({});
    return columns;
}

const QString &insertStatement()
{
    static const QString statement = u"INSERT INTO jobs ("_s % selectColumns() % u") VALUES ("_s
        % QStringList(ColumnCount, u"?"_s).join(u", "_s) % u")"_s;
    return statement;
}

const QString &updateStatement()
{
    static const QString statement
        = u"UPDATE jobs SET "_s % joinedColumns(" = ?"_L1) % u" WHERE id = ?"_s;
    return statement;
}

QVariant timeValue(const QDateTime &time)
{
    return time.isValid() ? QVariant(qint64(time.toMSecsSinceEpoch())) : QVariant();
}

QDateTime timeFrom(const QVariant &value)
{
    return value.isNull() ? QDateTime()
                          : QDateTime::fromMSecsSinceEpoch(value.toLongLong(), Qt::UTC);
}

double normalisedFraction(double fraction)
{
    return (fraction >= 0 && fraction <= 1) ? fraction : -1.0;
}

QVariantList rowValues(const JobRecord &job)
{
    QVariantList values(ColumnCount);
    values[Id] = job.id;
    values[Kind] = job.kind;
    values[Owner] = job.owner;
    values[Params] = jsonText(QJsonDocument(job.params));
    values[State] = toString(job.state);
    values[Attempts] = job.attempts;
    values[MaxAttempts] = job.maxAttempts;
    values[CreatedAt] = timeValue(job.createdAt);
    values[QueuedAt] = timeValue(job.queuedAt);
    values[StartedAt] = timeValue(job.startedAt);
    values[FinishedAt] = timeValue(job.finishedAt);
    values[NotBefore] = timeValue(job.notBefore);
    values[ProgressRows] = job.progressRows;
    values[ProgressBytes] = job.progressBytes;
    values[ProgressFraction] = normalisedFraction(job.progressFraction);
    values[LastError] = job.lastError;
    values[ErrorReason] = job.errorReason;
    values[ResultPath] = job.resultPath;
    values[ResultSize] = job.resultSize;
    values[ResultName] = job.resultName;
    values[ResultMime] = job.resultMime;
    values[ResultExpiresAt] = timeValue(job.resultExpiresAt);
    values[AttemptLog] = jsonText(QJsonDocument(job.attemptLog));
    values[OwnerId] = job.ownerId;
    return values;
}

Expected<JobRecord> readRecord(const QSqlQuery &query)
{
    RowReader row(query);
    JobRecord job;
    job.id = row.text(Id);
    job.kind = row.text(Kind);
    job.owner = row.text(Owner);
    job.params = row.json(Params, true).object();
    job.state = row.state();
    job.attempts = int(row.integer(Attempts));
    job.maxAttempts = int(row.integer(MaxAttempts));
    job.createdAt = row.time(CreatedAt);
    job.queuedAt = row.time(QueuedAt);
    job.startedAt = row.time(StartedAt);
    job.finishedAt = row.time(FinishedAt);
    job.notBefore = row.time(NotBefore);
    job.progressRows = row.integer(ProgressRows);
    job.progressBytes = row.integer(ProgressBytes);
    job.progressFraction = row.real(ProgressFraction);
    job.lastError = row.text(LastError);
    job.errorReason = row.text(ErrorReason);
    job.resultPath = row.text(ResultPath);
    job.resultSize = row.integer(ResultSize);
    job.resultName = row.text(ResultName);
    job.resultMime = row.text(ResultMime);
    job.resultExpiresAt = row.time(ResultExpiresAt);
    job.attemptLog = row.json(AttemptLog, false).array();
    job.ownerId = row.text(OwnerId);
    if (const std::optional<Column> bad = row.firstBadColumn()) {
        return Error {u"job "_s % job.id % u" is damaged in the job store: column "_s
                      % ColumnNames[*bad] % u" holds \""_s % query.value(*bad).toString().left(80)
                      % u'"'};
    }
    return job;
}

bool execute(QSqlQuery &query, const QString &sql, const QVariantList &values)
{
    if (!query.prepare(sql))
        return false;
    for (const QVariant &value : values)
        query.addBindValue(value);
    return query.exec();
}

Error failure(QStringView what, const QSqlError &error)
{
    return Error {u"cannot "_s % what % u": "_s % error.text()};
}

Transaction::Transaction(QSqlDatabase db, QString what)
    : m_db(std::move(db))
    , m_what(std::move(what))
{ }

Transaction::~Transaction()
{
    if (!m_open)
        return;
    QSqlQuery rollback(m_db);
    if (!rollback.exec(u"ROLLBACK"_s))
        qCWarning(lcJobStore) << "cannot roll back" << m_what << rollback.lastError().text();
}

Expected<void> Transaction::begin(Mode mode)
{
    QSqlQuery query(m_db);
    if (!query.exec(mode == Mode::Write ? u"BEGIN IMMEDIATE"_s : u"BEGIN"_s))
        return fail(query);
    m_open = true;
    return {};
}

Expected<void> Transaction::commit()
{
    QSqlQuery query(m_db);
    if (!query.exec(u"COMMIT"_s))
        return fail(query); // still open: the destructor rolls back
    m_open = false;
    return {};
}

} // namespace sluice::jobs::detail
