#include "upload/uploadrecord.h"

#include <QJsonDocument>
#include <QRandomGenerator>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::upload {

QString toString(ProcessingState state)
{
    switch (state) {
    case ProcessingState::Pending:
        return u"pending"_s;
    case ProcessingState::Done:
        return u"done"_s;
    case ProcessingState::Failed:
        return u"failed"_s;
    case ProcessingState::NotQueued:
        return u"not_queued"_s;
    }
    return u"pending"_s;
}

std::optional<ProcessingState> processingStateFromString(QStringView text)
{
    for (ProcessingState s : {ProcessingState::Pending, ProcessingState::Done,
                              ProcessingState::Failed, ProcessingState::NotQueued}) {
        if (toString(s) == text)
            return s;
    }
    return std::nullopt;
}

QJsonObject toJson(const UploadRecord &r)
{
    QJsonObject processing = r.outcome;
    processing.insert(u"state"_s, toString(r.processing));
    return QJsonObject {
        {u"id"_s, r.id},
        {u"name"_s, r.name},
        {u"size"_s, r.size},
        {u"sha256"_s, QString::fromLatin1(r.sha256)},
        {u"mime"_s, r.mime},
        {u"account"_s, r.account},
        {u"account_id"_s, r.accountId},
        {u"created_at"_s, r.createdAt.toString(Qt::ISODateWithMs)},
        {u"job"_s, r.jobId.isEmpty() ? QJsonValue() : QJsonValue(r.jobId)},
        {u"processing"_s, processing},
    };
}

QString newUploadId()
{
    quint32 words[4];
    QRandomGenerator::system()->fillRange(words);
    return u"u"_s
        % QString::fromLatin1(
               QByteArray(reinterpret_cast<const char *>(words), sizeof(words)).toHex());
}

bool isValidUploadId(QStringView id)
{
    if (id.size() != 33 || id.front() != u'u')
        return false;
    for (QChar c : id.sliced(1)) {
        if (!((c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f')))
            return false;
    }
    return true;
}

namespace uploaddb {

namespace {

Error sqlError(const QString &what, const QSqlError &error)
{
    return Error {u"uploads database: "_s % what % u": "_s % error.text()};
}

Expected<void> exec(QSqlQuery &query, const QString &what)
{
    if (!query.exec())
        return sqlError(what, query.lastError());
    return {};
}

QByteArray outcomeText(const QJsonObject &outcome)
{
    return QJsonDocument(outcome).toJson(QJsonDocument::Compact);
}

} // namespace

// Step N takes user_version from N-1 to N; a released step never changes.
// Version 0 is the table as first released (created if missing).
const QList<QList<const char *>> &migrations()
{
    static const QList<QList<const char *>> steps = {
        // 1: uploads belong to an account id, not a name. A row owned by a
        // name gets the id config::legacyAccountId() gives that account in a
        // version 1 config file; a name no longer there owns nothing.
        {"ALTER TABLE uploads ADD COLUMN account_id TEXT NOT NULL DEFAULT ''",
         "UPDATE uploads SET account_id = 'name:' || account WHERE account <> ''"},
        // 2: which attempt of its job recorded the findings, and whose verdict
        // the processing state is (UploadStore::followJob()).
        {"ALTER TABLE uploads ADD COLUMN findings_attempt INTEGER NOT NULL DEFAULT 0",
         "ALTER TABLE uploads ADD COLUMN settled_attempt INTEGER NOT NULL DEFAULT 0"},
        // 3: the list (GET /uploads, the window's Uploads tab) reads newest first.
        {"CREATE INDEX IF NOT EXISTS uploads_by_time ON uploads (created_at, id)"},
    };
    return steps;
}

// In one write transaction that reads the version again, so that two
// connections opening at once never apply a step twice.
Expected<void> migrate(QSqlDatabase &db)
{
    QSqlQuery q(db);
    const auto failed = [&](const QString &what) {
        const QSqlError error = q.lastError();
        q.exec(u"ROLLBACK"_s);
        return sqlError(what, error);
    };
    if (!q.exec(u"BEGIN IMMEDIATE"_s))
        return sqlError(u"cannot migrate"_s, q.lastError());
    if (!q.exec(u"PRAGMA user_version"_s) || !q.next())
        return failed(u"cannot read the schema version"_s);
    const int version = q.value(0).toInt();
    q.finish();
    if (version > migrations().size()) {
        q.exec(u"ROLLBACK"_s);
        return Error {u"uploads database "_s % db.databaseName() % u" has schema version "_s
                      % QString::number(version) % u", newer than this Sluice knows ("_s
                      % QString::number(migrations().size()) % u')'};
    }
    for (qsizetype step = version; step < migrations().size(); ++step) {
        for (const char *statement : migrations().at(step)) {
            if (!q.exec(QString::fromLatin1(statement)))
                return failed(u"cannot migrate to version "_s % QString::number(step + 1));
        }
    }
    if (version < migrations().size()
        && !q.exec(u"PRAGMA user_version = "_s % QString::number(migrations().size())))
        return failed(u"cannot record the schema version"_s);
    if (!q.exec(u"COMMIT"_s))
        return failed(u"cannot migrate"_s);
    return {};
}

Expected<void> open(QSqlDatabase &db)
{
    if (!db.isOpen() && !db.open())
        return sqlError(u"cannot open "_s % db.databaseName(), db.lastError());
    QSqlQuery q(db);
    for (const char *statement :
         {"PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = FULL",
          "CREATE TABLE IF NOT EXISTS uploads ("
          " id TEXT PRIMARY KEY, account TEXT NOT NULL, name TEXT NOT NULL,"
          " size INTEGER NOT NULL, sha256 TEXT NOT NULL, mime TEXT NOT NULL,"
          " created_at INTEGER NOT NULL, job_id TEXT,"
          " processing TEXT NOT NULL, outcome TEXT NOT NULL DEFAULT '{}')"}) {
        if (!q.exec(QString::fromLatin1(statement)))
            return sqlError(QString::fromLatin1(statement).left(40), q.lastError());
    }
    return migrate(db);
}

Expected<void> insert(QSqlDatabase &db, const UploadRecord &r)
{
    QSqlQuery q(db);
    q.prepare(u"INSERT INTO uploads (id, account, name, size, sha256, mime, created_at, job_id,"
              " processing, outcome, account_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"_s);
    q.addBindValue(r.id);
    q.addBindValue(r.account);
    q.addBindValue(r.name);
    q.addBindValue(r.size);
    q.addBindValue(QString::fromLatin1(r.sha256));
    q.addBindValue(r.mime);
    q.addBindValue(r.createdAt.toMSecsSinceEpoch());
    q.addBindValue(r.jobId);
    q.addBindValue(toString(r.processing));
    q.addBindValue(QString::fromUtf8(outcomeText(r.outcome)));
    q.addBindValue(r.accountId);
    return exec(q, u"cannot record upload "_s % r.id);
}

QString recordColumns()
{
    return u"id, account, name, size, sha256, mime, created_at, job_id, processing, outcome,"
           " findings_attempt, settled_attempt, account_id"_s;
}

UploadRecord recordAt(const QSqlQuery &q)
{
    UploadRecord r;
    r.id = q.value(0).toString();
    r.account = q.value(1).toString();
    r.name = q.value(2).toString();
    r.size = q.value(3).toLongLong();
    r.sha256 = q.value(4).toString().toLatin1();
    r.mime = q.value(5).toString();
    r.createdAt = QDateTime::fromMSecsSinceEpoch(q.value(6).toLongLong(), Qt::UTC);
    r.jobId = q.value(7).toString();
    r.processing
        = processingStateFromString(q.value(8).toString()).value_or(ProcessingState::Pending);
    r.outcome = QJsonDocument::fromJson(q.value(9).toString().toUtf8()).object();
    r.findingsAttempt = q.value(10).toInt();
    r.settledAttempt = q.value(11).toInt();
    r.accountId = q.value(12).toString();
    return r;
}

Expected<std::optional<UploadRecord>> find(QSqlDatabase &db, const QString &id)
{
    QSqlQuery q(db);
    q.prepare(u"SELECT "_s % recordColumns() % u" FROM uploads WHERE id = ?"_s);
    q.addBindValue(id);
    if (auto done = exec(q, u"cannot read upload "_s % id); !done)
        return done.error();
    if (!q.next())
        return std::optional<UploadRecord>();
    return std::optional<UploadRecord>(recordAt(q));
}

Expected<bool> remove(QSqlDatabase &db, const QString &id)
{
    QSqlQuery q(db);
    q.prepare(u"DELETE FROM uploads WHERE id = ?"_s);
    q.addBindValue(id);
    if (auto done = exec(q, u"cannot delete upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<bool> setJob(QSqlDatabase &db, const QString &id, const QString &jobId)
{
    QSqlQuery q(db);
    // Attempt numbers count per job: a new job starts from none.
    q.prepare(u"UPDATE uploads SET job_id = ?, findings_attempt = 0, settled_attempt = 0"
              " WHERE id = ? AND processing = ? AND (job_id IS NULL OR job_id = '')"_s);
    q.addBindValue(jobId);
    q.addBindValue(id);
    q.addBindValue(toString(ProcessingState::Pending));
    if (auto done = exec(q, u"cannot update upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<bool> recordFindings(QSqlDatabase &db, const QString &id, const QString &jobId,
                              int attempt, const QJsonObject &outcome)
{
    QSqlQuery q(db);
    q.prepare(u"UPDATE uploads SET outcome = ?, findings_attempt = ? WHERE id = ?"
              " AND (job_id IS NULL OR job_id = '' OR job_id = ?) AND settled_attempt < ?"_s);
    q.addBindValue(QString::fromUtf8(outcomeText(outcome)));
    q.addBindValue(attempt);
    q.addBindValue(id);
    q.addBindValue(jobId);
    q.addBindValue(attempt);
    if (auto done = exec(q, u"cannot update upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<bool> settle(QSqlDatabase &db, const QString &id, const QString &jobId,
                      ProcessingState state, int attempt, const std::optional<QJsonObject> &outcome)
{
    QSqlQuery q(db);
    q.prepare(u"UPDATE uploads SET job_id = ?, processing = ?, settled_attempt = ?,"
              " outcome = COALESCE(?, outcome)"
              " WHERE id = ? AND (job_id IS NULL OR job_id = '' OR job_id = ?)"_s);
    q.addBindValue(jobId);
    q.addBindValue(toString(state));
    q.addBindValue(attempt);
    q.addBindValue(outcome ? QVariant(QString::fromUtf8(outcomeText(*outcome)))
                           : QVariant(QMetaType(QMetaType::QString)));
    q.addBindValue(id);
    q.addBindValue(jobId);
    if (auto done = exec(q, u"cannot update upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<bool> reopen(QSqlDatabase &db, const QString &id, const QString &jobId)
{
    QSqlQuery q(db);
    q.prepare(u"UPDATE uploads SET processing = ?, outcome = CASE WHEN findings_attempt"
              " <= settled_attempt THEN '{}' ELSE outcome END WHERE id = ? AND job_id = ?"_s);
    q.addBindValue(toString(ProcessingState::Pending));
    q.addBindValue(id);
    q.addBindValue(jobId);
    if (auto done = exec(q, u"cannot update upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<bool> clearJob(QSqlDatabase &db, const QString &id, const QString &jobId)
{
    QSqlQuery q(db);
    q.prepare(u"UPDATE uploads SET job_id = '', findings_attempt = 0, settled_attempt = 0"
              " WHERE id = ? AND job_id = ? AND processing = ?"_s);
    q.addBindValue(id);
    q.addBindValue(jobId);
    q.addBindValue(toString(ProcessingState::Pending));
    if (auto done = exec(q, u"cannot update upload "_s % id); !done)
        return done.error();
    return q.numRowsAffected() > 0;
}

Expected<QStringList> allIds(QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT id FROM uploads"_s))
        return sqlError(u"cannot list uploads"_s, q.lastError());
    QStringList ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

Expected<QHash<QString, qint64>> bytesByAccount(QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    if (!q.exec(u"SELECT account_id, SUM(size) FROM uploads GROUP BY account_id"_s))
        return sqlError(u"cannot sum uploads per account"_s, q.lastError());
    QHash<QString, qint64> bytes;
    while (q.next())
        bytes.insert(q.value(0).toString(), q.value(1).toLongLong());
    return bytes;
}

Expected<QStringList> pendingWithoutJob(QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT id FROM uploads WHERE processing = ? AND (job_id IS NULL OR job_id = '')"_s);
    q.addBindValue(toString(ProcessingState::Pending));
    if (auto done = exec(q, u"cannot list uploads without a job"_s); !done)
        return done.error();
    QStringList ids;
    while (q.next())
        ids.append(q.value(0).toString());
    return ids;
}

Expected<QList<std::pair<QString, QString>>> pendingWithJob(QSqlDatabase &db)
{
    QSqlQuery q(db);
    q.setForwardOnly(true);
    q.prepare(u"SELECT id, job_id FROM uploads WHERE processing = ? AND job_id <> ''"_s);
    q.addBindValue(toString(ProcessingState::Pending));
    if (auto done = exec(q, u"cannot list uploads being processed"_s); !done)
        return done.error();
    QList<std::pair<QString, QString>> rows;
    while (q.next())
        rows.append({q.value(0).toString(), q.value(1).toString()});
    return rows;
}

} // namespace uploaddb

} // namespace sluice::upload
