#include "jobs/jobstore.h"

namespace sluice::jobs {

JobStore::~JobStore() = default;

} // namespace sluice::jobs
