#pragma once

#include "config/dataset.h"
#include "config/limits.h"
#include "export/exportcatalog.h"
#include "export/exportrequest.h"
#include "http/httptypes.h"
#include "http/responseproducer.h"
#include "util/expected.h"

#include <QObject>
#include <QTimer>

#include <functional>
#include <memory>

namespace sluice::exports {

struct ExportStats;
struct LivePipe;

struct LiveExportSpec
{
    config::Dataset dataset;
    QString databasePath;
    ExportQuery query;
    bool gzip = false;
    qint64 batchRows = 2000;
    qint64 stallTimeoutMs = 30'000;
    QString account; // whose export (the account id): max_live_exports_per_account
    QString accountName; // for the answers
    qint64 maxPerAccount = config::Limits {}.maxLiveExportsPerAccount;
};

// A live export: its query runs on a thread of the catalog's live pool (its
// own connection), never on the HTTP thread. First the worker counts the rows
// (bounded by query.countCap) and reports the count; the caller then either
// streams (the worker goes on with the query) or cancels. While streaming the
// worker reads one batch of export_batch_rows, encodes it (CSV, gzip) and
// hands it over, then waits until the socket has taken all of it: rows read
// never exceed rows handed to the connection plus one batch.
class LiveExport final
{
public:
    using Counted = std::function<void(LiveExport, Expected<qint64>)>;

    // `counted` runs once on `context`'s thread: with the count, or an error
    // (database unreachable, or no count within stallTimeoutMs). If `context`
    // is destroyed before stream(), the worker is stopped. Refused with 429
    // when the account runs spec.maxPerAccount already, 503 when
    // the catalog's max_live_exports queries run.
    static Expected<void, http::HttpError> start(ExportCatalog &catalog, LiveExportSpec spec,
                                                 QObject *context, Counted counted);

    // The response body; lets the worker go on with the query.
    std::shared_ptr<http::ResponseProducer> stream() const;
    // Not served live after all: stops the worker and releases its connection.
    void cancel() const;

private:
    explicit LiveExport(std::shared_ptr<LivePipe> pipe)
        : m_pipe(std::move(pipe))
    { }
    std::shared_ptr<LivePipe> m_pipe;
};

// Signals from a worker to the HTTP thread (queued connections).
class LivePipeNotifier final : public QObject
{
    Q_OBJECT
signals:
    void counted(qint64 rows, const QString &error);
    void dataReady();
};

// The body of a live export, pulled by the connection.
class LiveExportProducer final : public http::ResponseProducer
{
    Q_OBJECT
public:
    LiveExportProducer(std::shared_ptr<LivePipe> pipe, qint64 stallTimeoutMs, ExportStats *stats);
    ~LiveExportProducer() override;

    std::optional<qint64> size() const override { return std::nullopt; }
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override;
    void abort() override;

private:
    void onDataReady();
    void onStall();

    std::shared_ptr<LivePipe> m_pipe;
    ExportStats *m_stats;
    QTimer m_stall;
    bool m_failed = false;
    bool m_stopped = false;
    bool m_pulled = false;
};

} // namespace sluice::exports
