#pragma once

#include "jobs/job.h"

#include <QJsonObject>

namespace sluice::jobs {

// The job as the HTTP API shows it (docs/api.md). Times are RFC 3339 UTC
// with milliseconds, absent ones null; the result appears once there is one.
QJsonObject toJson(const JobRecord &job, bool withDetail = true);

} // namespace sluice::jobs
