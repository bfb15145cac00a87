#include "jobs/jobjson.h"

using namespace Qt::StringLiterals;

namespace sluice::jobs {

namespace {

QJsonValue time(const QDateTime &t)
{
    return t.isValid() ? QJsonValue(t.toUTC().toString(Qt::ISODateWithMs))
                       : QJsonValue(QJsonValue::Null);
}

} // namespace

QJsonObject toJson(const JobRecord &job, bool withDetail)
{
    QJsonObject progress {{u"rows"_s, job.progressRows}, {u"bytes"_s, job.progressBytes}};
    progress.insert(u"fraction"_s,
                    job.progressFraction >= 0 ? QJsonValue(job.progressFraction) : QJsonValue());
    QJsonObject o {
        {u"id"_s, job.id},
        {u"kind"_s, job.kind},
        {u"owner"_s, job.owner},
        {u"owner_id"_s, job.ownerId},
        {u"state"_s, toString(job.state)},
        {u"attempts"_s, job.attempts},
        {u"max_attempts"_s, job.maxAttempts},
        {u"created_at"_s, time(job.createdAt)},
        {u"queued_at"_s, time(job.queuedAt)},
        {u"started_at"_s, time(job.startedAt)},
        {u"finished_at"_s, time(job.finishedAt)},
        {u"next_attempt_at"_s, job.state == JobState::Queued ? time(job.notBefore) : QJsonValue()},
        {u"progress"_s, progress},
        {u"error"_s, job.lastError.isEmpty() ? QJsonValue() : QJsonValue(job.lastError)},
        {u"error_reason"_s, job.errorReason.isEmpty() ? QJsonValue() : QJsonValue(job.errorReason)},
    };
    if (!job.resultPath.isEmpty() && job.state == JobState::Succeeded) {
        o.insert(u"result"_s,
                 QJsonObject {{u"size"_s, job.resultSize},
                              {u"name"_s, job.resultName},
                              {u"mime"_s, job.resultMime},
                              {u"expires_at"_s, time(job.resultExpiresAt)},
                              {u"url"_s, u"/jobs/%1/result"_s.arg(job.id)}});
    } else {
        o.insert(u"result"_s, QJsonValue());
    }
    if (withDetail) {
        o.insert(u"params"_s, job.params);
        o.insert(u"attempt_log"_s, job.attemptLog);
    }
    return o;
}

} // namespace sluice::jobs
