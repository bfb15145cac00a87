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
// pool, jobs on the engine's workers. freeDiskBytes is a recent reading of
// the data dir's free space (-1: unknown), no disk I/O on the HTTP thread:
// below min_free_disk_bytes an export job is refused (507) before the
// request body is read.
void addExportRoutes(http::Router &router, std::shared_ptr<exports::ExportCatalog> catalog,
                     jobs::JobEngine *engine, QObject *replyTo,
                     std::function<config::Limits()> limits,
                     std::function<qint64()> freeDiskBytes = {});

} // namespace sluice::service
