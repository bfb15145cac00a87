#include "jobs/job.h"

#include <QByteArray>
#include <QRandomGenerator>

#include <array>

using namespace Qt::StringLiterals;

namespace sluice::jobs {
namespace {

constexpr qsizetype JobIdRandomBytes = 16;
constexpr qsizetype JobIdLength = 22; // ceil(16 * 8 / 6) base64url digits, no padding

} // namespace

QString toString(JobState state)
{
    switch (state) {
    case JobState::Queued:
        return u"queued"_s;
    case JobState::Running:
        return u"running"_s;
    case JobState::Succeeded:
        return u"succeeded"_s;
    case JobState::Failed:
        return u"failed"_s;
    case JobState::Cancelled:
        return u"cancelled"_s;
    case JobState::Expired:
        return u"expired"_s;
    }
    return QString();
}

std::optional<JobState> jobStateFromString(QStringView text)
{
    for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded,
                           JobState::Failed, JobState::Cancelled, JobState::Expired}) {
        if (text == toString(state))
            return state;
    }
    return std::nullopt;
}

bool isTerminal(JobState state)
{
    switch (state) {
    case JobState::Queued:
    case JobState::Running:
        return false;
    case JobState::Succeeded:
    case JobState::Failed:
    case JobState::Cancelled:
    case JobState::Expired:
        return true;
    }
    return false;
}

bool isLegalTransition(JobState from, JobState to)
{
    switch (from) {
    case JobState::Queued:
        return to == JobState::Running || to == JobState::Cancelled;
    case JobState::Running:
        return to == JobState::Succeeded || to == JobState::Failed || to == JobState::Cancelled
            || to == JobState::Queued;
    case JobState::Succeeded:
        return to == JobState::Expired;
    case JobState::Failed:
    case JobState::Cancelled:
    case JobState::Expired:
        return to == JobState::Queued;
    }
    return false;
}

QString newJobId()
{
    std::array<quint32, JobIdRandomBytes / sizeof(quint32)> words;
    QRandomGenerator::system()->fillRange(words.data(), qsizetype(words.size()));
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), JobIdRandomBytes);
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

bool isValidJobId(QStringView id)
{
    if (id.size() != JobIdLength)
        return false;
    for (QChar c : id) {
        const char16_t u = c.unicode();
        const bool allowed = (u >= u'A' && u <= u'Z') || (u >= u'a' && u <= u'z')
            || (u >= u'0' && u <= u'9') || u == u'-' || u == u'_';
        if (!allowed)
            return false;
    }
    return true;
}

} // namespace sluice::jobs
