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
    QList<const JobRecord *> own; // of its own quotas, any age, oldest first
    bool newestOwnIsYoung = false; // its newest own result is younger than the floor
};

qint64 sizeOf(const JobRecord &job)
{
    return std::max<qint64>(0, job.resultSize);
}

} // namespace

QList<ResultRemoval> planResultSweep(const QList<JobRecord> &withResults,
                                     const config::Limits &limits, const QDateTime &now,
                                     const QStringList &exemptKinds, int accounts)
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
        const bool own = !exemptKinds.contains(job.kind);
        if (own) {
            h.ownBytes += size;
            ++h.ownFiles;
        }
        if (job.state != JobState::Succeeded)
            continue;
        if (!job.finishedAt.isValid() || job.finishedAt <= floor)
            h.evictable.append(&job);
        if (own)
            h.own.append(&job);
    }
    // An account's newest result is never taken for its own quota: the job
    // that just finished stays downloadable.
    for (Holdings &h : byOwner) {
        if (h.own.isEmpty())
            continue;
        const JobRecord *newest = h.own.takeLast();
        h.newestOwnIsYoung = newest->finishedAt.isValid() && newest->finishedAt > floor;
    }

    const qint64 perAccountBytes = limits.accountShare(limits.maxResultBytes, accounts);
    const auto overOwnQuota = [&](const Holdings &h) {
        return h.ownBytes > perAccountBytes || h.ownFiles > limits.maxResultsPerAccount;
    };
    // What an account over its own quota gives up: its oldest, once past the
    // floor; younger ones only while the budget is reached, when others'
    // jobs would be refused for its overshoot.
    const auto givesUp = [&](const Holdings &h, qint64 total) {
        if (h.own.isEmpty())
            return false;
        const QDateTime &at = h.own.first()->finishedAt;
        return total >= limits.maxResultBytes || !at.isValid() || at <= floor;
    };
    for (;;) {
        // The account that gives up its oldest result: one over its own
        // quota (the largest), while the budget is reached whatever the age
        // of its results, as the overshoot is its own (jobs it had admitted
        // before it reached the quota); else, while the budget is reached, the largest of those
        // holding more than an equal part of it, with results older than the
        // floor. An account within its equal part never loses a result to
        // make room for another's, and while an account is over its own
        // quota with nothing left to give but its newest, younger than the
        // floor, nobody within theirs pays for it; past the floor, the
        // pressure rule applies to everyone again.
        qint64 holders = 0;
        bool overQuotaStuck = false;
        for (const Holdings &h : std::as_const(byOwner)) {
            holders += h.files > 0 ? 1 : 0;
            overQuotaStuck
                = overQuotaStuck || (overOwnQuota(h) && h.own.isEmpty() && h.newestOwnIsYoung);
        }
        const qint64 equalPart = limits.maxResultBytes / std::max<qint64>(1, holders);
        QString loser;
        bool forQuota = false;
        for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it) {
            const bool over = overOwnQuota(*it) && givesUp(*it, total);
            const bool underPressure = !it->evictable.isEmpty()
                && (!overQuotaStuck || overOwnQuota(*it)) && total >= limits.maxResultBytes
                && it->bytes >= equalPart;
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
        const JobRecord &job = forQuota ? *h.own.takeFirst() : *h.evictable.takeFirst();
        h.evictable.removeOne(&job);
        h.own.removeOne(&job);
        h.bytes -= sizeOf(job);
        --h.files;
        if (!exemptKinds.contains(job.kind)) {
            h.ownBytes -= sizeOf(job);
            --h.ownFiles;
        }
        total -= sizeOf(job);
        removals.append(
            {job, false,
             forQuota
                 ? u"evicted: account '%1' held more than its share "
                   "(account_share_percent of max_result_bytes, or max_results_per_account)"_s.arg(
                       h.name)
                 : u"evicted: results over max_result_bytes; account '%1' held more than "
                   "an equal part of them"_s.arg(h.name)});
    }
    return removals;
}

} // namespace sluice::jobs
