// Opening the SQLite job store: connection settings and schema migrations.

#include "jobs/sqlitejobstore.h"
#include "jobs/sqlitejobstore_p.h"
#include "util/durablefile.h"

#include <QFile>
#include <QFileInfo>
#include <QSqlError>
#include <QStringBuilder>

#include <atomic>

using namespace Qt::StringLiterals;

namespace sluice::jobs {
namespace {

using detail::lcJobStore;
using detail::Transaction;

// One step per schema version, applied in order; step N takes user_version
// from N-1 to N. A released step never changes: later changes are new steps,
// because databases in the field already went through the old ones.
const QList<QList<QLatin1StringView>> &migrations()
{
    static const QList<QList<QLatin1StringView>> steps = {
        // 1: the jobs table. Times are ms since the epoch (UTC) or NULL; params
        // and attempt_log are JSON text. The optional text columns accept NULL
        // so that a null QString reads back null and an empty one empty.
        {
            "CREATE TABLE jobs ("
            " id TEXT PRIMARY KEY NOT NULL,"
            " kind TEXT,"
            " owner TEXT,"
            " params TEXT NOT NULL,"
            " state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded',"
            "  'failed', 'cancelled', 'expired')),"
            " attempts INTEGER NOT NULL,"
            " max_attempts INTEGER NOT NULL,"
            " created_at INTEGER NOT NULL,"
            " queued_at INTEGER,"
            " started_at INTEGER,"
            " finished_at INTEGER,"
            " not_before INTEGER,"
            " progress_rows INTEGER NOT NULL,"
            " progress_bytes INTEGER NOT NULL,"
            " progress_fraction REAL NOT NULL,"
            " last_error TEXT,"
            " error_reason TEXT,"
            " result_path TEXT,"
            " result_size INTEGER NOT NULL,"
            " result_name TEXT,"
            " result_mime TEXT,"
            " result_expires_at INTEGER,"
            " attempt_log TEXT NOT NULL)"_L1,
            "CREATE INDEX jobs_state_not_before ON jobs (state, not_before)"_L1,
            "CREATE INDEX jobs_owner_state ON jobs (owner, state)"_L1,
            "CREATE INDEX jobs_created_at ON jobs (created_at)"_L1,
        },
        // 2: jobs belong to an account id, not a name (a name revoked and
        // added again is a new account). A job owned by a name gets the id
        // that config::legacyAccountId() gives an account of a version 1
        // config file: the account still there owns it; a name no longer in
        // the config owns nothing (admins still see it).
        {
            "ALTER TABLE jobs ADD COLUMN owner_id TEXT"_L1,
            "UPDATE jobs SET owner_id = 'name:' || owner WHERE owner IS NOT NULL AND owner <> ''"_L1,
            "DROP INDEX jobs_owner_state"_L1,
            "CREATE INDEX jobs_owner_id_state ON jobs (owner_id, state)"_L1,
        },
        // 3: due() takes accounts in turn, by when each last started a job:
        // one index lookup per account (docs/decisions/0022).
        {
            "CREATE INDEX jobs_owner_id_started_at ON jobs (owner_id, started_at)"_L1,
        },
    };
    return steps;
}

Expected<int> readUserVersion(QSqlDatabase &db, QStringView what)
{
    QSqlQuery query(db);
    if (!query.exec(u"PRAGMA user_version"_s) || !query.next())
        return detail::failure(what, query.lastError());
    return query.value(0).toInt();
}

Error newerSchema(const QString &path, int found)
{
    return Error {
        u"job store "_s % path % u" has schema version "_s % QString::number(found)
        % u", but this Sluice knows versions up to "_s
        % QString::number(SqliteJobStore::schemaVersion())
        % u"; it was written by a newer Sluice: upgrade, or use another data directory"_s};
}

// Creates the file with owner-only permissions; SQLite would use the umask,
// and its -wal and -shm files copy the main file's mode.
Expected<void> createFileIfMissing(const QString &path)
{
    const QFileInfo info(path);
    if (auto made = createPrivateDirectories(info.absolutePath()); !made)
        return Error {u"cannot create the job store's directory: "_s % made.error().message};
    if (info.exists())
        return {};
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                   QFileDevice::ReadOwner | QFileDevice::WriteOwner)) {
        return Error {u"cannot create job store "_s % path % u": "_s % file.errorString()};
    }
    file.close();
    return fsyncDirectory(info.absolutePath());
}

} // namespace

int SqliteJobStore::schemaVersion()
{
    return int(migrations().size());
}

Expected<std::unique_ptr<SqliteJobStore>> SqliteJobStore::open(const QString &path)
{
    if (path.isEmpty())
        return Error {u"cannot open the job store: no file name given"_s};
    const QString absolutePath = QFileInfo(path).absoluteFilePath();
    if (auto created = createFileIfMissing(absolutePath); !created)
        return created.error();
    // Owned from here on, so that a failure below also removes the connection.
    std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(absolutePath));
    if (auto ready = store->initialise(); !ready)
        return ready.error();
    return store;
}

SqliteJobStore::SqliteJobStore(const QString &path)
    : m_path(path)
{
    static std::atomic<quint64> nextConnection = 0;
    m_connectionName = u"sluice.jobstore."_s % QString::number(nextConnection++);
    m_db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connectionName);
    m_db.setDatabaseName(path);
}

SqliteJobStore::~SqliteJobStore()
{
    m_db.close();
    m_db = QSqlDatabase();
    QSqlDatabase::removeDatabase(m_connectionName);
}

Expected<void> SqliteJobStore::initialise()
{
    if (!m_db.isValid())
        return Error {u"cannot open job store "_s % m_path
                      % u": the Qt SQLite driver (QSQLITE) is not available"_s};
    if (!m_db.open())
        return detail::failure(QString(u"open job store "_s % m_path), m_db.lastError());
    if (auto configured = configureConnection(); !configured)
        return configured;
    return migrate();
}

Expected<void> SqliteJobStore::configureConnection()
{
    const QString what = u"set up job store "_s % m_path;
    QSqlQuery query(m_db);
    // First, so that the statements below wait for another process's lock.
    if (!query.exec(u"PRAGMA busy_timeout = 5000"_s))
        return detail::failure(what, query.lastError());
    if (!query.exec(u"PRAGMA journal_mode = WAL"_s) || !query.next())
        return detail::failure(what, query.lastError());
    const QString mode = query.value(0).toString();
    if (mode.compare("wal"_L1, Qt::CaseInsensitive) != 0) {
        return Error {u"cannot "_s % what
                      % u": SQLite cannot use WAL journal mode there (it kept \""_s % mode
                      % u"\")"_s};
    }
    query.finish();
    // FULL also syncs the WAL on every commit: a committed state change
    // survives power loss, not only a crash of the process.
    for (const QString &pragma : {u"PRAGMA synchronous = FULL"_s, u"PRAGMA foreign_keys = ON"_s}) {
        if (!query.exec(pragma))
            return detail::failure(what, query.lastError());
    }
    return {};
}

// Each step runs in its own transaction together with its user_version bump,
// and the version is read again inside it, so that a crash mid-way or a second
// process opening the same file never applies a step twice.
Expected<void> SqliteJobStore::migrate()
{
    const int known = schemaVersion();
    while (true) {
        Transaction transaction(m_db, u"migrate job store "_s % m_path);
        if (auto begun = transaction.begin(Transaction::Mode::Write); !begun)
            return begun;
        const Expected<int> version = readUserVersion(m_db, transaction.what());
        if (!version)
            return version.error();
        if (*version > known)
            return newerSchema(m_path, *version);
        if (*version == known)
            return transaction.commit();
        QSqlQuery query(m_db);
        for (QLatin1StringView statement : migrations().at(*version)) {
            if (!query.exec(statement))
                return transaction.fail(query);
        }
        if (!query.exec(u"PRAGMA user_version = "_s % QString::number(*version + 1)))
            return transaction.fail(query);
        query.finish();
        if (auto committed = transaction.commit(); !committed)
            return committed;
        qCInfo(lcJobStore) << "job store" << m_path << "migrated to schema version" << *version + 1;
    }
}

} // namespace sluice::jobs
