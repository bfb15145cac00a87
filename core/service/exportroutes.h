#pragma once

#include "config/limits.h"
#include "http/router.h"

#include <functional>
#include <memory>

namespace sluice::exports {
class ExportCatalog;
}
namespace sluice::jobs {
class JobEngine;
}

namespace sluice::service {

// GET /exports/{dataset}.csv (live, or 413 / 202 with Prefer: respond-async)
// and POST /exports (an `export` job). Handlers run on the HTTP thread and
// never touch a database: counts and rows are read on the catalog's live
// pool, jobs on the engine's workers.
void addExportRoutes(http::Router &router, std::shared_ptr<exports::ExportCatalog> catalog,
                     jobs::JobEngine *engine, QObject *replyTo,
                     std::function<config::Limits()> limits);

} // namespace sluice::service
