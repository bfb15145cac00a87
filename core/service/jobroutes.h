#pragma once

#include "config/limits.h"
#include "http/httptypes.h"
#include "http/router.h"

#include <functional>

namespace sluice::jobs {
class JobEngine;
struct Refusal;
struct Principal;
struct SubmitResult;
} // namespace sluice::jobs

namespace sluice::http {
class Exchange;
}

namespace sluice::service {

// GET/POST /jobs, GET/DELETE /jobs/{id}, POST /jobs/{id}/cancel|retry,
// GET /jobs/{id}/result. Handlers run on the HTTP thread and call the engine
// asynchronously; its answers come back through `replyTo`, an object of the
// HTTP thread that outlives every request.
// A refused submission as 429/400/503 naming the limit (Retry-After on 429/503).
http::Response refusalResponse(const jobs::Refusal &refusal);
// The account a request acts for, as the job engine and stores see it.
jobs::Principal principalOf(const http::Exchange &exchange);
// The answer to a submission: 202 with the job and its Location, or the refusal.
void respondSubmitted(http::Exchange &exchange, const jobs::SubmitResult &result);

void addJobRoutes(http::Router &router, jobs::JobEngine *engine, QObject *replyTo,
                  std::function<config::Limits()> limits);

} // namespace sluice::service
