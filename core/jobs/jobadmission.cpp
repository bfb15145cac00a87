// JobEngine, part three: admission. The caps a job must fit to enter the
// queue (the queue, the account's jobs and results, the kind's own cap and
// its need of free disk), for new jobs and manual retries alike. On the
// engine's thread.
#include "jobs/attempt_p.h" // diskFloorProblem()
#include "jobs/jobengine.h"

using namespace Qt::StringLiterals;

namespace sluice::jobs {

// Kinds whose results do not count towards the account result quotas.
QStringList JobEngine::exemptKinds() const
{
    QStringList kinds;
    for (auto it = m_kinds.cbegin(); it != m_kinds.cend(); ++it) {
        if (!(*it)->countsAsAccountResult())
            kinds.append(it.key());
    }
    return kinds;
}

std::optional<Refusal> JobEngine::admissionRefusal(const QString &ownerId, const QString &ownerName,
                                                   const QString &kindName)
{
    const QStringList exempt = exemptKinds();
    const bool ownResults = !exempt.contains(kindName);
    const auto counts = m_store->counts(exempt);
    if (!counts)
        return Refusal {Refusal::Reason::Unavailable, counts.error().message, {}, 0};
    std::optional<Refusal> refusal;
    if (counts->byState.value(JobState::Queued) >= m_limits.maxQueueDepth) {
        refusal = Refusal {Refusal::Reason::QueueFull, u"the job queue is full"_s,
                           u"max_queue_depth"_s, m_limits.maxQueueDepth};
    } else if (counts->activeByOwner.value(ownerId) >= m_limits.maxJobsPerAccount) {
        refusal = Refusal {Refusal::Reason::AccountBusy,
                           u"account '%1' has too many queued and running jobs"_s.arg(ownerName),
                           u"max_jobs_per_account"_s, m_limits.maxJobsPerAccount};
    } else if (const qint64 held = counts->resultBytesByOwner.value(ownerId);
               ownResults && held >= m_limits.accountShare(m_limits.maxResultBytes, m_accounts)) {
        const qint64 percent = m_limits.accountSharePercentFor(m_accounts);
        refusal = Refusal {Refusal::Reason::AccountResults,
                           u"account '%1' holds %2 bytes of job results, its share (%3 % of "
                           "max_result_bytes, %4 bytes); delete some (DELETE /jobs/{id}) or wait "
                           "for them to expire"_s.arg(ownerName)
                               .arg(held)
                               .arg(percent)
                               .arg(m_limits.accountShare(m_limits.maxResultBytes, m_accounts)),
                           u"account_share_percent"_s, percent};
    } else if (const qint64 files = counts->resultFilesByOwner.value(ownerId);
               ownResults && files >= m_limits.maxResultsPerAccount) {
        refusal = Refusal {Refusal::Reason::AccountResults,
                           u"account '%1' holds %2 job results; delete some "
                           "(DELETE /jobs/{id}) or wait for them to expire"_s.arg(ownerName)
                               .arg(files),
                           u"max_results_per_account"_s, m_limits.maxResultsPerAccount};
    } else if (counts->resultBytes >= m_limits.maxResultBytes) {
        refusal = Refusal {Refusal::Reason::ResultSpace, u"job results fill their disk budget"_s,
                           u"max_result_bytes"_s, m_limits.maxResultBytes};
    }
    if (refusal)
        ++m_counters.refused;
    return refusal;
}

// A job that could fill the disk is not taken while the disk is below its
// floor: it would only fail, or wait in the queue for space.
std::optional<Refusal> JobEngine::diskRefusal(const JobKind &kind)
{
    if (!kind.needsFreeDisk())
        return std::nullopt;
    auto problem = diskFloorProblem(m_paths.dataDir, m_limits.minFreeDiskBytes);
    if (!problem)
        return std::nullopt;
    ++m_counters.refused;
    return Refusal {Refusal::Reason::DiskSpace, *problem, u"min_free_disk_bytes"_s,
                    m_limits.minFreeDiskBytes};
}

// A kind's own per-account cap (export jobs: max_export_jobs_per_account),
// and its need of free disk.
std::optional<Refusal> JobEngine::kindRefusal(const QString &kindName, const QString &ownerId,
                                              const QString &ownerName)
{
    const auto kind = m_kinds.value(kindName);
    const auto cap = kind ? kind->accountCap(m_limits) : std::nullopt;
    if (!cap)
        return kind ? diskRefusal(*kind) : std::nullopt;
    int active = 0;
    for (const JobState state : {JobState::Queued, JobState::Running}) {
        JobQuery query;
        query.state = state;
        query.kind = kindName;
        query.ownerId = ownerId;
        query.limit = 1;
        const auto page = m_store->list(query);
        if (!page)
            return Refusal {Refusal::Reason::Unavailable, page.error().message, {}, 0};
        active += page->total;
    }
    if (active < cap->value)
        return diskRefusal(*kind);
    ++m_counters.refused;
    return Refusal {
        Refusal::Reason::AccountBusy,
        u"account '%1' has %2 queued and running %3 jobs"_s.arg(ownerName).arg(active).arg(
            kindName),
        cap->limit, cap->value};
}

} // namespace sluice::jobs
