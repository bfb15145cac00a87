#pragma once

#include "jobs/jobkind.h"

namespace sluice::jobs {

// A diagnostic job an admin can submit (POST /jobs) to see the queue work
// end to end: it writes a small text result in steps, reports progress,
// honours stop requests between steps, and can be told to fail its first
// attempts or to ignore stop requests (to exercise retries and stuck jobs).
// Parameters: steps (1..100000, 10), step_ms (0..60000, 100),
// bytes_per_step (0..1048576, 1024), fail_attempts (0..100, 0),
// ignore_stop (false).
class SelftestJob final : public JobKind
{
public:
    QString name() const override { return QStringLiteral("selftest"); }
    QString validate(const QJsonObject &params) const override;
    JobOutcome run(JobContext &context) const override;
};

} // namespace sluice::jobs
