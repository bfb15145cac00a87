#pragma once

#include "config/limits.h"
#include "export/exportrequest.h"
#include "http/httptypes.h"
#include "service/servicefacade.h"
#include "util/expected.h"

#include <QJsonObject>

#include <functional>
#include <memory>

namespace sluice::exports {
class ExportCatalog;
}
namespace sluice::jobs {
struct Principal;
}

namespace sluice::service {

// What an export would be, asked before it is submitted: the catalog with
// each dataset's days, a POST /exports body checked, and its row count.
// One code path for the routes (GET /exports, POST /exports/estimate, POST
// /exports) and the embedded facade, so the window says what curl gets.

// A POST /exports body checked against the catalog: the 400 answers of POST /exports.
Expected<exports::ExportRequest, http::HttpError>
parseExportBody(const exports::ExportCatalog &catalog, const QJsonObject &body);

// 503 while the dataset's demo database is generated (the generation is
// started if it was not), 500 if that failed; nothing when it is ready.
std::optional<http::HttpError> notReady(exports::ExportCatalog &catalog, const QString &dataset);

// A row count that did not come: 503, naming export_stall_timeout_ms when
// that is why, with Retry-After.
http::HttpError countRefusal(const QString &message, qint64 stallTimeoutMs);

// Counts the rows of `request` as a live export does before its 413 check
// (on the catalog's live pool, with its slots and export_stall_timeout_ms;
// at most 4 x live_export_max_rows + 1 rows, then a lower bound). `done` runs
// on `context`'s thread, before this returns when refused at once.
using EstimateAnswer = std::function<void(Expected<ExportEstimate, http::HttpError>)>;
void estimateRows(exports::ExportCatalog &catalog, const exports::ExportRequest &request,
                  const config::Limits &limits, const jobs::Principal &who, QObject *context,
                  EstimateAnswer done);

// The datasets, and for each ready one the first and last day of its time
// column, read on the catalog's live pool (one query each, MIN and MAX);
// those not read within stallTimeoutMs, or when the pool is full, stay
// unknown. `done` runs later on `context`'s thread, unless it is gone.
void describeDatasets(const std::shared_ptr<exports::ExportCatalog> &catalog, qint64 stallTimeoutMs,
                      QObject *context, std::function<void(QList<DatasetInfo>)> done);

QJsonObject toJson(const DatasetInfo &info); // an entry of GET /exports
QJsonObject toJson(const ExportEstimate &estimate); // POST /exports/estimate

} // namespace sluice::service
