#pragma once

#include "jobs/jobstore.h"

#include <QSqlDatabase>
#include <QString>

#include <memory>

namespace sluice::jobs {

// The job store in one SQLite file (WAL journal, synchronous=FULL), so that a
// committed state change survives a crash or power loss. Owns one Qt SQL
// connection, which Qt binds to the thread that opens it: open, use and
// destroy the store on the job engine's thread.
//
// Writes check what they store: insert() refuses an id that isValidJobId()
// rejects, a missing createdAt or an id already present; progressFraction is
// kept in 0..1, anything else (negative, NaN) is stored as -1 ("unknown").
class SqliteJobStore final : public JobStore
{
public:
    // Opens the store at path, creating the file (mode 0600) and its parent
    // directories (0700) if missing, and migrates the schema to the current
    // version. A file written by a newer Sluice (a higher schema version) is
    // refused and left untouched.
    static Expected<std::unique_ptr<SqliteJobStore>> open(const QString &path);
    // The schema version this build writes: the number of migration steps.
    static int schemaVersion();

    ~SqliteJobStore() override;
    Q_DISABLE_COPY_MOVE(SqliteJobStore)

    QString path() const { return m_path; }

    Expected<void> insert(const JobRecord &job) override;
    Expected<std::optional<JobRecord>> find(const QString &id) override;
    Expected<JobRecord> transition(const QString &id, JobState from, JobState to,
                                   const std::function<void(JobRecord &)> &edit = {}) override;
    Expected<void> updateProgress(const QString &id, qint64 rows, qint64 bytes,
                                  double fraction) override;
    Expected<JobRecord> update(const QString &id,
                               const std::function<void(JobRecord &)> &edit) override;
    Expected<void> remove(const QString &id) override;

    Expected<JobPage> list(const JobQuery &query) override;
    Expected<JobCounts> counts(const QStringList &exemptKinds = {}) override;
    Expected<QList<JobRecord>> due(const QDateTime &now, int limit,
                                   const QStringList &skipKinds = {}) override;
    Expected<std::optional<QDateTime>> nextDue(const QDateTime &now) override;
    Expected<QList<JobRecord>> inState(JobState state) override;
    Expected<QList<JobRecord>> withResults() override;
    Expected<std::pair<std::optional<QDateTime>, std::optional<QDateTime>>> oldest() override;

private:
    explicit SqliteJobStore(const QString &path);

    // sqlitejobstore_schema.cpp
    Expected<void> initialise();
    Expected<void> configureConnection();
    Expected<void> migrate();

    QString m_path;
    QString m_connectionName;
    // Reset before the connection is removed in the destructor: Qt warns and
    // leaks when a connection is removed while a QSqlDatabase still refers to it.
    QSqlDatabase m_db;
};

} // namespace sluice::jobs
