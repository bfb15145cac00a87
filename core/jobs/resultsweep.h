#pragma once

#include "config/limits.h"
#include "jobs/job.h"

#include <QDateTime>
#include <QList>
#include <QString>

namespace sluice::jobs {

// A result the sweep deletes, and why (recorded on the job, shown to its
// account, and in the event log).
struct ResultRemoval
{
    JobRecord job;
    bool expired = false; // else evicted
    QString why;
};

// What one sweep removes, in order, from the jobs holding a result (oldest
// first, as JobStore::withResults() lists them):
// - every result older than its expiry;
// - then, fair share (docs/decisions/0016, 0022): while an account holds
//   more than its share of max_result_bytes (Limits::accountShare()) or more
//   than max_results_per_account, its oldest result, never its newest: once
//   older than result_eviction_floor_ms, or whatever its age while all
//   results together reach max_result_bytes (the overshoot comes from its
//   own jobs, and others would be refused for it);
// - while all results together reach max_result_bytes, the oldest result
//   older than result_eviction_floor_ms of the account holding the most
//   bytes among those holding more than an equal part of the budget (never
//   one within its equal part, nor anyone else's while an account over its
//   quota has nothing left to give but its newest, younger than the floor).
//   So the budget may stay reached for up to the floor (new jobs are
//   refused meanwhile) when the accounts together, each within its share,
//   fill it, or when one account's newest result alone is larger than its
//   share (a single job is never cut short for it).
// `accounts` is the number of accounts sharing the budget
// (Limits::accountShare()); 0 if unknown.
// Results of `exemptKinds` (JobKind::countsAsAccountResult()) count towards
// the budget only, not towards their account's quotas.
QList<ResultRemoval> planResultSweep(const QList<JobRecord> &withResults,
                                     const config::Limits &limits, const QDateTime &now,
                                     const QStringList &exemptKinds = {}, int accounts = 0);

} // namespace sluice::jobs
