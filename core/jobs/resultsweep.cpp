#include "jobs/resultsweep.h"

#include <QHash>
#include <QSet>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::jobs {

namespace {

struct Holdings
{
    QString name; // the account's, for the messages
    qint64 bytes = 0; // all its results, towards max_result_bytes
    qint64 files = 0;
    qint64 ownBytes = 0; // those towards its own quotas (not exempt kinds)
    qint64 ownFiles = 0;
    QList<const JobRecord *> evictable; // older than the floor, oldest first
};

qint64 sizeOf(const JobRecord &job)
{
    return std::max<qint64>(0, job.resultSize);
}

} // namespace

QList<ResultRemoval> planResultSweep(const QList<JobRecord> &withResults,
                                     const config::Limits &limits, const QDateTime &now,
                                     const QStringList &exemptKinds)
{
    QList<ResultRemoval> removals;
    QHash<QString, Holdings> byOwner;
    qint64 total = 0;
    const QDateTime floor = now.addMSecs(-limits.resultEvictionFloorMs);
    for (const JobRecord &job : withResults) {
        if (job.state == JobState::Succeeded && job.resultExpiresAt.isValid()
            && job.resultExpiresAt <= now) {
            removals.append({job, true, u"result older than result_ttl_ms"_s});
            continue;
        }
        const qint64 size = sizeOf(job);
        total += size;
        Holdings &h = byOwner[job.ownerId];
        h.name = job.owner;
        h.bytes += size;
        ++h.files;
        if (!exemptKinds.contains(job.kind)) {
            h.ownBytes += size;
            ++h.ownFiles;
        }
        const bool oldEnough = !job.finishedAt.isValid() || job.finishedAt <= floor;
        if (job.state == JobState::Succeeded && oldEnough)
            h.evictable.append(&job);
    }

    const qint64 perAccountBytes = std::min(limits.maxAccountResultBytes, limits.maxResultBytes);
    const auto overOwnQuota = [&](const Holdings &h) {
        return h.ownBytes > perAccountBytes || h.ownFiles > limits.maxResultsPerAccount;
    };
    const auto firstOwn = [&](const Holdings &h) -> qsizetype {
        for (qsizetype i = 0; i < h.evictable.size(); ++i) {
            if (!exemptKinds.contains(h.evictable.at(i)->kind))
                return i;
        }
        return -1;
    };
    for (;;) {
        // The account that gives up its oldest result: one over its own
        // quota (the largest), else, while the budget is reached, the largest
        // of those holding more than an equal part of it. An account within
        // its equal part never loses a result to make room for another's, and
        // while an account over its own quota is protected by the floor, the
        // overshoot is its own: nobody within their quota pays for it.
        qint64 holders = 0;
        bool overQuotaProtected = false;
        for (const Holdings &h : std::as_const(byOwner)) {
            holders += h.files > 0 ? 1 : 0;
            overQuotaProtected = overQuotaProtected || (overOwnQuota(h) && firstOwn(h) < 0);
        }
        const qint64 equalPart = limits.maxResultBytes / std::max<qint64>(1, holders);
        QString loser;
        bool forQuota = false;
        for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it) {
            const bool over = overOwnQuota(*it) && firstOwn(*it) >= 0;
            const bool underPressure = !it->evictable.isEmpty() && !overQuotaProtected
                && total >= limits.maxResultBytes && it->bytes > equalPart;
            if (!over && (forQuota || !underPressure))
                continue;
            if (loser.isNull() || (over && !forQuota)
                || (over == forQuota && it->bytes > byOwner.value(loser).bytes)) {
                loser = it.key();
                forQuota = over;
            }
        }
        if (loser.isNull())
            break;
        Holdings &h = byOwner[loser];
        const JobRecord &job = *h.evictable.takeAt(forQuota ? firstOwn(h) : 0);
        h.bytes -= sizeOf(job);
        --h.files;
        if (!exemptKinds.contains(job.kind)) {
            h.ownBytes -= sizeOf(job);
            --h.ownFiles;
        }
        total -= sizeOf(job);
        removals.append(
            {job, false,
             forQuota ? u"evicted: account '%1' held more than its share "
                        "(max_account_result_bytes, max_results_per_account)"_s.arg(h.name)
                      : u"evicted: results over max_result_bytes; account '%1' held more than "
                        "an equal part of them"_s.arg(h.name)});
    }
    return removals;
}

} // namespace sluice::jobs
