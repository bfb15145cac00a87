#pragma once

#include "jobs/jobkind.h"

#include <memory>

namespace sluice::exports {

class ExportCatalog;

// The `export` job kind: the same query as a live export, read in batches of
// export_batch_rows on a job worker, written (CSV or gzipped CSV) to the
// attempt's temp file, with rows and bytes reported as progress. A stop
// request (cancel, runtime limit, shutdown) interrupts the running statement
// (sqlite3_interrupt, PQcancel) and is checked between batches; the engine
// then removes the partial file with the attempt's folder. On success
// the engine publishes the file (fsync, atomic rename) for GET /jobs/{id}/result.
// Parameters: {"dataset", "from", "to", "filters", "limit", "format"}.
class ExportJob final : public jobs::JobKind
{
public:
    ExportJob(std::shared_ptr<ExportCatalog> catalog, std::function<qint64()> batchRows);

    QString name() const override { return QStringLiteral("export"); }
    QString validate(const QJsonObject &params) const override;
    jobs::JobOutcome run(jobs::JobContext &context) const override;
    std::optional<AccountCap> accountCap(const config::Limits &limits) const override
    {
        return AccountCap {QStringLiteral("max_export_jobs_per_account"),
                           limits.maxExportJobsPerAccount};
    }
    // An export's size is known only once written: it keeps
    // min_free_disk_bytes free, checked between batches.
    bool needsFreeDisk() const override { return true; }

private:
    std::shared_ptr<ExportCatalog> m_catalog;
    std::function<qint64()> m_batchRows; // thread-safe: the current export_batch_rows
};

} // namespace sluice::exports
