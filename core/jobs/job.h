#pragma once

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QMetaType>
#include <QString>

#include <optional>

namespace sluice::jobs {

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled, Expired };

QString toString(JobState state); // "queued", "running", ...
std::optional<JobState> jobStateFromString(QStringView text);
bool isTerminal(JobState state); // succeeded, failed, cancelled, expired
// The only legal moves:
//   queued    -> running, cancelled
//   running   -> succeeded, failed, cancelled, queued (automatic retry, crash recovery)
//   succeeded -> expired
//   failed, cancelled, expired -> queued (manual retry)
bool isLegalTransition(JobState from, JobState to);

// 128 random bits (QRandomGenerator::system()), base64url without padding: 22 characters.
QString newJobId();
// What an id from a URL must look like before it goes anywhere near the store.
bool isValidJobId(QStringView id);

// One job, as stored. A plain value: it crosses threads as a snapshot.
struct JobRecord
{
    QString id;
    QString kind; // e.g. "export", "upload.process", "selftest"
    QString owner; // account name, for people
    QString ownerId; // the account that owns it (config::Account::id)
    QJsonObject params;
    JobState state = JobState::Queued;
    int attempts = 0; // attempts started in the current series
    int maxAttempts = 3;

    QDateTime createdAt; // UTC, millisecond precision
    QDateTime queuedAt; // last time it entered the queue
    QDateTime startedAt; // start of the current or last attempt
    QDateTime finishedAt; // when it reached a terminal state
    QDateTime notBefore; // queued: not to be started before (retry backoff)

    qint64 progressRows = 0;
    qint64 progressBytes = 0;
    double progressFraction = -1; // 0..1, or -1 when the total is unknown

    QString lastError; // human-readable, names the input or limit at fault
    QString errorReason; // machine-readable: "timeout", "cancelled", "crash", "error", ...

    QString resultPath; // absolute path of the finished result, if any
    qint64 resultSize = -1;
    QString resultName; // download file name
    QString resultMime;
    QDateTime resultExpiresAt;

    // One object per attempt: {"attempt", "started", "finished", "outcome", "error"}.
    QJsonArray attemptLog;

    bool operator==(const JobRecord &) const = default;
};

} // namespace sluice::jobs

Q_DECLARE_METATYPE(sluice::jobs::JobRecord)
