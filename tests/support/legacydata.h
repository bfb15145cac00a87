#pragma once

// Data written by a Sluice from before accounts had ids: jobs.db at schema
// version 1 and uploads.db as first released, with rows owned by a name.
// The statements are those releases' own, frozen here: a migration test must
// start from what is in the field, not from today's schema minus a column.

#include <QDateTime>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QString>
#include <QStringList>

namespace sluice::test {

struct LegacyJob
{
    QString id; // 22 characters
    QString owner; // an account name
    QString state = QStringLiteral("succeeded");
    QString resultPath; // empty: none
    qint64 resultSize = -1;
};

struct LegacyUpload
{
    QString id; // "u" + 32 hex digits
    QString account; // an account name
    QString name;
    qint64 size = 0;
    QString sha256;
};

// Runs the statements on a fresh connection to path; the first error, or empty.
inline QString runSql(const QString &path, const QStringList &statements)
{
    const QString connection = QStringLiteral("legacy.%1").arg(quintptr(&statements));
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (!db.open())
            error = db.lastError().text();
        QSqlQuery q(db);
        for (const QString &statement : statements) {
            if (!error.isEmpty())
                break;
            if (!q.exec(statement))
                error = statement.left(60) + QStringLiteral(": ") + q.lastError().text();
        }
        q.finish();
        db.close();
    }
    QSqlDatabase::removeDatabase(connection);
    return error;
}

inline QString quoted(const QString &text)
{
    return QLatin1Char('\'') + QString(text).replace(QLatin1Char('\''), QStringLiteral("''"))
        + QLatin1Char('\'');
}

// jobs.db as schema version 1 left it.
inline QString writeVersion1JobStore(const QString &path, const QList<LegacyJob> &jobs)
{
    QStringList sql = {
        QStringLiteral(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY NOT NULL, kind TEXT, owner TEXT,"
            " params TEXT NOT NULL, state TEXT NOT NULL CHECK (state IN ('queued', 'running',"
            " 'succeeded', 'failed', 'cancelled', 'expired')), attempts INTEGER NOT NULL,"
            " max_attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, queued_at INTEGER,"
            " started_at INTEGER, finished_at INTEGER, not_before INTEGER,"
            " progress_rows INTEGER NOT NULL, progress_bytes INTEGER NOT NULL,"
            " progress_fraction REAL NOT NULL, last_error TEXT, error_reason TEXT,"
            " result_path TEXT, result_size INTEGER NOT NULL, result_name TEXT,"
            " result_mime TEXT, result_expires_at INTEGER, attempt_log TEXT NOT NULL)"),
        QStringLiteral("CREATE INDEX jobs_state_not_before ON jobs (state, not_before)"),
        QStringLiteral("CREATE INDEX jobs_owner_state ON jobs (owner, state)"),
        QStringLiteral("CREATE INDEX jobs_created_at ON jobs (created_at)"),
        QStringLiteral("PRAGMA user_version = 1"),
    };
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const qint64 expires = now + 24 * 3600 * 1000;
    for (const LegacyJob &job : jobs) {
        const bool finished = job.state != QStringLiteral("queued");
        sql.append(
            QStringLiteral("INSERT INTO jobs VALUES (%1, 'selftest', %2, '{\"steps\":1}', %3, 1, 3,"
                           " %4, %4, %4, %5, NULL, 1, %6, 1.0, NULL, NULL, %7, %8, %9, %10, %11,"
                           " '[]')")
                .arg(quoted(job.id), quoted(job.owner), quoted(job.state))
                .arg(now)
                .arg(finished ? QString::number(now) : QStringLiteral("NULL"))
                .arg(qMax<qint64>(job.resultSize, 0))
                .arg(quoted(job.resultPath))
                .arg(job.resultSize)
                .arg(job.resultPath.isEmpty() ? QStringLiteral("NULL")
                                              : quoted(job.id + QStringLiteral(".txt")))
                .arg(job.resultPath.isEmpty() ? QStringLiteral("NULL")
                                              : quoted(QStringLiteral("text/plain")))
                .arg(job.resultPath.isEmpty() ? QStringLiteral("NULL") : QString::number(expires)));
    }
    return runSql(path, sql);
}

// uploads.db as first released (no user_version).
inline QString writeFirstUploadStore(const QString &path, const QList<LegacyUpload> &uploads)
{
    QStringList sql = {QStringLiteral(
        "CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, account TEXT NOT NULL,"
        " name TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL, mime TEXT NOT NULL,"
        " created_at INTEGER NOT NULL, job_id TEXT, processing TEXT NOT NULL,"
        " outcome TEXT NOT NULL DEFAULT '{}')")};
    for (const LegacyUpload &u : uploads) {
        sql.append(QStringLiteral("INSERT INTO uploads VALUES (%1, %2, %3, %4, %5, 'text/plain',"
                                  " %6, '', 'done', '{}')")
                       .arg(quoted(u.id), quoted(u.account), quoted(u.name))
                       .arg(u.size)
                       .arg(quoted(u.sha256))
                       .arg(QDateTime::currentMSecsSinceEpoch()));
    }
    return runSql(path, sql);
}

} // namespace sluice::test
