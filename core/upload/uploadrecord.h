#pragma once

#include "util/expected.h"

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMetaType>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QString>

#include <optional>
#include <utility>

namespace sluice::upload {

// What happened after an upload was stored: its processing job checks type
// and checksum again, counts the rows and columns of a CSV, thumbnails an
// image, and records the outcome here.
enum class ProcessingState { Pending, Done, Failed, NotQueued };
QString toString(ProcessingState state);
std::optional<ProcessingState> processingStateFromString(QStringView text);

// One stored upload: the file at `<uploads dir>/<id>` and this row.
struct UploadRecord
{
    QString id; // "u" + 32 lowercase hex digits
    QString accountId; // owns it (config::Account::id)
    QString account; // the name, for people
    QString name; // sanitized file name
    qint64 size = 0;
    QByteArray sha256; // lowercase hex
    QString mime;
    QDateTime createdAt; // UTC
    QString jobId; // the processing job, empty when none could be queued
    ProcessingState processing = ProcessingState::Pending;
    QJsonObject outcome; // rows/columns, thumbnail, or {"error": ...}
    int findingsAttempt = 0; // the job attempt that recorded `outcome`
    int settledAttempt = 0; // the job attempt whose verdict `processing` is

    bool operator==(const UploadRecord &) const = default;
};

QJsonObject toJson(const UploadRecord &record);
QString newUploadId();
bool isValidUploadId(QStringView id);

// The uploads table, shared by the store's thread and the processing jobs'
// threads (each with a connection of its own; WAL lets them read while one
// writes). Every function is one statement or one transaction.
namespace uploaddb {

// Pragmas and schema, migrated to the current version (user_version):
// 1 adds account_id, 2 the attempts, 3 an index by time. Safe for several connections at once.
Expected<void> open(QSqlDatabase &db);
Expected<void> insert(QSqlDatabase &db, const UploadRecord &record);
Expected<std::optional<UploadRecord>> find(QSqlDatabase &db, const QString &id);
// The columns recordAt() reads, in its order, for a SELECT of whole records.
QString recordColumns();
UploadRecord recordAt(const QSqlQuery &query);
Expected<bool> remove(QSqlDatabase &db, const QString &id);
// Who writes what: the store's thread records the job and settles the
// state, following the job engine's verdict (the upload is done only once
// its job has succeeded); the job's thread records what it found. Each
// update touches only an upload handled by that job or by none yet, so a
// late or stray writer changes nothing (false).
Expected<bool> setJob(QSqlDatabase &db, const QString &id, const QString &jobId);
// Findings of an attempt whose verdict is settled already (a cancelled one
// that went on) are refused.
Expected<bool> recordFindings(QSqlDatabase &db, const QString &id, const QString &jobId,
                              int attempt, const QJsonObject &outcome);
// The verdict of the job's attempt `attempt` (done, failed or not_queued);
// `outcome` empty: the findings stay as recorded.
Expected<bool> settle(QSqlDatabase &db, const QString &id, const QString &jobId,
                      ProcessingState state, int attempt,
                      const std::optional<QJsonObject> &outcome);
// Pending again (the job was retried): findings of settled attempts go.
Expected<bool> reopen(QSqlDatabase &db, const QString &id, const QString &jobId);
// A pending upload whose job is gone loses it, to be queued again.
Expected<bool> clearJob(QSqlDatabase &db, const QString &id, const QString &jobId);
Expected<QStringList> allIds(QSqlDatabase &db);
Expected<QHash<QString, qint64>> bytesByAccount(QSqlDatabase &db);
// Uploads still pending that have no processing job (a crash came between
// the row and its job).
Expected<QStringList> pendingWithoutJob(QSqlDatabase &db);
// (upload id, job id) of the uploads waiting for their job's verdict.
Expected<QList<std::pair<QString, QString>>> pendingWithJob(QSqlDatabase &db);

} // namespace uploaddb

} // namespace sluice::upload

Q_DECLARE_METATYPE(sluice::upload::UploadRecord)
