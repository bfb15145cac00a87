#pragma once

#include "config/limits.h"
#include "http/httptypes.h"
#include "http/router.h"

#include <functional>

namespace sluice::jobs {
class JobEngine;
struct Refusal;
} // namespace sluice::jobs

namespace sluice::service {

// GET/POST /jobs, GET/DELETE /jobs/{id}, POST /jobs/{id}/cancel|retry,
// GET /jobs/{id}/result. Handlers run on the HTTP thread and call the engine
// asynchronously; its answers come back through `replyTo`, an object of the
// HTTP thread that outlives every request.
// A refused submission as 429/400/503 naming the limit (Retry-After on 429/503).
http::Response refusalResponse(const jobs::Refusal &refusal);

void addJobRoutes(http::Router &router, jobs::JobEngine *engine, QObject *replyTo,
                  std::function<config::Limits()> limits);

} // namespace sluice::service
