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
// - then, fair share (docs/decisions/0016): while an account holds more than
//   its share of max_result_bytes (Limits::accountShare()) or more than
//   max_results_per_account, its oldest result, whatever its age, but never
//   its newest: the overshoot comes from its own jobs;
// - while all results together reach max_result_bytes, the oldest result
//   older than result_eviction_floor_ms of the account holding the most
//   bytes among those holding more than an equal part of the budget (never
//   one within its equal part, nor anyone's while an account over its quota
//   has nothing left to give). So the budget may stay reached for up to
//   the floor (new jobs are refused meanwhile) only when the accounts
//   together, each within its share, fill it.
// Results of `exemptKinds` (JobKind::countsAsAccountResult()) count towards
// the budget only, not towards their account's quotas.
QList<ResultRemoval> planResultSweep(const QList<JobRecord> &withResults,
                                     const config::Limits &limits, const QDateTime &now,
                                     const QStringList &exemptKinds = {});

} // namespace sluice::jobs
