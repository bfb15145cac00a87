#include "export/exportjob.h"

#include "export/exportcatalog.h"
#include "export/gzipencoder.h"
#include "export/rowreader.h"

#include "util/outputfile.h"

using namespace Qt::StringLiterals;

namespace sluice::exports {

ExportJob::ExportJob(std::shared_ptr<ExportCatalog> catalog, std::function<qint64()> batchRows)
    : m_catalog(std::move(catalog))
    , m_batchRows(std::move(batchRows))
{ }

QString ExportJob::validate(const QJsonObject &params) const
{
    const QString name = params.value(u"dataset"_s).toString();
    const auto dataset = m_catalog->dataset(name);
    if (!dataset)
        return u"unknown dataset '%1' (known: %2)"_s.arg(name.left(64),
                                                         m_catalog->names().join(u", "_s));
    const auto request = parseJobRequest(*dataset, params);
    return request ? QString() : request.error().message;
}

jobs::JobOutcome ExportJob::run(jobs::JobContext &context) const
{
    using jobs::JobOutcome;
    const QJsonObject &params = context.job().params;
    const auto dataset = m_catalog->dataset(params.value(u"dataset"_s).toString());
    if (!dataset)
        return JobOutcome::failure(
            u"dataset '%1' is no longer configured"_s.arg(params.value(u"dataset"_s).toString()),
            false);
    const auto request = parseJobRequest(*dataset, params);
    if (!request)
        return JobOutcome::failure(request.error().message, false);
    QString why;
    if (m_catalog->readiness(dataset->name, &why) != ExportCatalog::Readiness::Ready) {
        m_catalog->startGeneration();
        return JobOutcome::failure(why); // retried with backoff
    }

    // Not started below the floor (the engine holds such a job in the queue;
    // this catches a disk that filled in between).
    if (auto room = context.checkFreeDisk(); !room)
        return JobOutcome::failure(room.error().message);
    const bool gzip = request->format == Format::CsvGzip;
    const auto path = context.createTempFile(gzip ? u".csv.gz"_s : u".csv"_s);
    if (!path)
        return JobOutcome::failure(path.error().message);
    // Each batch is one write, and a failure is reported by the write that
    // met it, with its reason (ENOSPC, EIO, a short write).
    OutputFile out;
    if (auto opened = out.open(*path, *path); !opened)
        return JobOutcome::failure(opened.error().message);

    // A cancel, timeout or shutdown also interrupts the statement that is
    // running, not only the loop between batches: a hung database would
    // otherwise keep this worker and its connection for good.
    const auto interrupter = std::make_shared<QueryInterrupter>();
    context.setStopHandler([interrupter] { interrupter->interrupt(); });
    RowReader reader(*dataset, m_catalog->databasePath(*dataset), interrupter);
    if (auto opened = reader.open(); !opened)
        return JobOutcome::failure(opened.error().message);
    const ExportQuery query
        = buildQuery(*dataset, *request, std::numeric_limits<qint64>::max() / 2);
    // A count over a table (its time index) is cheap and gives the progress a
    // fraction; over an arbitrary SELECT it could cost a second full run.
    Expected<qint64> total = qint64(0);
    if (!dataset->table.isEmpty())
        total = reader.count(query);
    if (!total)
        return JobOutcome::failure(total.error().message);
    if (auto started = reader.start(query); !started)
        return JobOutcome::failure(started.error().message);

    CsvWriter csv(dataset->neutralizeFormulas);
    csv.header(dataset->columns);
    std::optional<GzipEncoder> encoder;
    if (gzip)
        encoder.emplace();
    const qint64 batchRows = std::max<qint64>(1, m_batchRows());
    qint64 rows = 0;
    qint64 bytes = 0;
    context.reportProgress(0, 0, *total ? 0.0 : -1);
    while (!reader.atEnd()) {
        if (context.isStopRequested())
            return JobOutcome::failure(u"stopped after %1 rows"_s.arg(rows));
        const auto got = reader.readBatch(csv, batchRows);
        if (!got)
            return JobOutcome::failure(got.error().message);
        rows += *got;
        m_catalog->stats().rowsRead += quint64(*got);
        QByteArray piece = csv.take();
        if (encoder) {
            piece = encoder->compress(piece);
            if (reader.atEnd())
                piece += encoder->finish();
        }
        if (auto written = out.write(piece); !written)
            return JobOutcome::failure(written.error().message);
        bytes += piece.size();
        context.reportProgress(rows, bytes,
                               *total ? std::min(1.0, double(rows) / double(*total)) : -1);
        // The floor, between batches: an export stops at most one batch
        // past it, leaving the rest for uploads, the job store and the log.
        if (auto room = context.checkFreeDisk(); !room)
            return JobOutcome::failure(room.error().message);
    }
    if (auto closed = out.close(); !closed)
        return JobOutcome::failure(closed.error().message);
    return JobOutcome::success(*path, exportFileName(*request),
                               gzip ? u"application/gzip"_s : u"text/csv; charset=utf-8"_s);
}

} // namespace sluice::exports
