#include "jobs/resultsweep.h"

#include <QHash>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::jobs {

namespace {

struct Holdings
{
    QString name; // the account's, for the messages
    qint64 bytes = 0;
    qint64 files = 0;
    QList<const JobRecord *> evictable; // oldest first
};

} // namespace

QList<ResultRemoval> planResultSweep(const QList<JobRecord> &withResults,
                                     const config::Limits &limits, const QDateTime &now)
{
    QList<ResultRemoval> removals;
    QHash<QString, Holdings> byOwner;
    qint64 total = 0;
    const QDateTime floor = now.addMSecs(-limits.resultEvictionFloorMs);
    for (const JobRecord &job : withResults) {
        const qint64 size = std::max<qint64>(0, job.resultSize);
        if (job.state == JobState::Succeeded && job.resultExpiresAt.isValid()
            && job.resultExpiresAt <= now) {
            removals.append({job, true, u"result older than result_ttl_ms"_s});
            continue;
        }
        Holdings &h = byOwner[job.ownerId];
        h.name = job.owner;
        h.bytes += size;
        ++h.files;
        total += size;
        const bool oldEnough = !job.finishedAt.isValid() || job.finishedAt <= floor;
        if (job.state == JobState::Succeeded && oldEnough)
            h.evictable.append(&job);
    }

    const qint64 perAccountBytes = std::min(limits.maxAccountResultBytes, limits.maxResultBytes);
    const auto overOwnShare = [&](const Holdings &h) {
        return h.bytes > perAccountBytes || h.files > limits.maxResultsPerAccount;
    };
    for (;;) {
        // The account that gives up its oldest result: one over its own
        // quota (the largest), else, while the budget is reached, the largest
        // of those holding more than an equal part of it. An account within
        // its equal part never loses a result to make room for another's.
        // While an account over its own quota is protected by the floor, the
        // budget is its overshoot: nobody within their quota pays for it.
        qint64 holders = 0;
        bool overQuotaProtected = false;
        for (const Holdings &h : std::as_const(byOwner)) {
            holders += h.files > 0 ? 1 : 0;
            overQuotaProtected = overQuotaProtected || (overOwnShare(h) && h.evictable.isEmpty());
        }
        const qint64 equalPart = limits.maxResultBytes / std::max<qint64>(1, holders);
        QString loser;
        bool ownShare = false;
        for (auto it = byOwner.cbegin(); it != byOwner.cend(); ++it) {
            if (it->evictable.isEmpty())
                continue;
            const bool over = overOwnShare(*it);
            if (!over
                && (ownShare || overQuotaProtected || total < limits.maxResultBytes
                    || it->bytes <= equalPart))
                continue;
            const bool better = loser.isNull() || (over && !ownShare)
                || (over == ownShare && it->bytes > byOwner.value(loser).bytes);
            if (better) {
                loser = it.key();
                ownShare = over;
            }
        }
        if (loser.isNull())
            break;
        Holdings &h = byOwner[loser];
        const QString name = h.name;
        const JobRecord &job = *h.evictable.takeFirst();
        const qint64 size = std::max<qint64>(0, job.resultSize);
        h.bytes -= size;
        --h.files;
        total -= size;
        removals.append(
            {job, false,
             ownShare ? u"evicted: account '%1' held more than its share "
                        "(max_account_result_bytes, max_results_per_account)"_s.arg(name)
                      : u"evicted: results over max_result_bytes; account '%1' held more than "
                        "an equal part of them"_s.arg(name)});
    }
    return removals;
}

} // namespace sluice::jobs
