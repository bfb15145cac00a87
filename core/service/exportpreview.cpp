#include "service/exportpreview.h"

#include "export/exportcatalog.h"
#include "export/liveexport.h"
#include "export/rowreader.h"
#include "jobs/jobengine.h"
#include "util/threadpriority.h"

#include <QJsonArray>
#include <QPointer>
#include <QRunnable>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace sluice::service {

using exports::ExportCatalog;
using http::HttpError;

Expected<exports::ExportRequest, HttpError> parseExportBody(const ExportCatalog &catalog,
                                                            const QJsonObject &body)
{
    const QJsonValue name = body.value(u"dataset"_s);
    if (!name.isString())
        return HttpError {
            400, u"'dataset' is required (known: %1)"_s.arg(catalog.names().join(u", "_s))};
    const auto dataset = catalog.dataset(name.toString());
    if (!dataset)
        return HttpError {400,
                          u"unknown dataset '%1' (known: %2)"_s.arg(name.toString().left(64),
                                                                    catalog.names().join(u", "_s))};
    auto request = exports::parseJobRequest(*dataset, body);
    if (!request)
        return HttpError {400, request.error().message};
    return *request;
}

std::optional<HttpError> notReady(ExportCatalog &catalog, const QString &dataset)
{
    QString why;
    switch (catalog.readiness(dataset, &why)) {
    case ExportCatalog::Readiness::Ready:
        return std::nullopt;
    case ExportCatalog::Readiness::Generating: {
        catalog.startGeneration(); // if it has not started yet
        HttpError e {503, why + u"; try again shortly"_s};
        e.retryAfterS = 10;
        return e;
    }
    case ExportCatalog::Readiness::Failed:
        return HttpError {500, why};
    }
    return HttpError {500, why};
}

HttpError countRefusal(const QString &message, qint64 stallTimeoutMs)
{
    HttpError e = message.contains(u"export_stall_timeout_ms"_s)
        ? HttpError::limitExceeded(503, message, u"export_stall_timeout_ms"_s, stallTimeoutMs)
        : HttpError {503, message};
    e.retryAfterS = 5;
    return e;
}

void estimateRows(ExportCatalog &catalog, const exports::ExportRequest &request,
                  const config::Limits &limits, const jobs::Principal &who, QObject *context,
                  EstimateAnswer done)
{
    const auto dataset = catalog.dataset(request.dataset);
    if (!dataset)
        return done(HttpError {400,
                               u"unknown dataset '%1' (known: %2)"_s.arg(
                                   request.dataset, catalog.names().join(u", "_s))});
    if (auto refused = notReady(catalog, dataset->name))
        return done(*refused);
    exports::LiveExportSpec spec;
    spec.dataset = *dataset;
    spec.databasePath = catalog.databasePath(*dataset);
    // As a live export counts before its 413 check: past 4x its limit, a lower bound.
    spec.query = exports::buildQuery(*dataset, request, limits.liveExportMaxRows * 4 + 1);
    spec.stallTimeoutMs = limits.exportStallTimeoutMs;
    spec.account = who.accountId.isEmpty() ? who.account : who.accountId;
    spec.accountName = who.account;
    spec.maxPerAccount = limits.maxLiveExportsPerAccount;
    const qint64 cap = spec.query.countCap;
    // A count that reached the request's own limit is exact: that many rows come.
    const bool capIsTheLimit = request.limit > 0 && cap >= request.limit;
    const qint64 stallMs = limits.exportStallTimeoutMs;
    auto started = exports::LiveExport::start(
        catalog, std::move(spec), context, [=](exports::LiveExport live, Expected<qint64> counted) {
            live.cancel();
            if (!counted)
                return done(countRefusal(counted.error().message, stallMs));
            done(ExportEstimate {true, *counted, *counted >= cap && !capIsTheLimit, {}});
        });
    if (!started) {
        HttpError e = started.error();
        e.retryAfterS = 2;
        done(e);
    }
}

namespace {

// One GET /exports being answered: the entries, and the readings still out.
struct CatalogReading
{
    QList<DatasetInfo> infos;
    int pending = 0;
    bool delivered = false;
    QPointer<QObject> context;
    std::function<void(QList<DatasetInfo>)> done;
    QList<std::shared_ptr<exports::QueryInterrupter>> interrupters;
    QObject receiver; // of the caller's thread: the workers post their readings to it

    void deliver()
    {
        if (delivered)
            return;
        delivered = true;
        for (const auto &interrupter : std::as_const(interrupters))
            interrupter->interrupt(); // readings still running are not waited for
        if (context)
            done(infos);
    }
};

} // namespace

void describeDatasets(const std::shared_ptr<ExportCatalog> &catalog, qint64 stallTimeoutMs,
                      QObject *context, std::function<void(QList<DatasetInfo>)> done)
{
    auto state = std::make_shared<CatalogReading>();
    state->context = context;
    state->done = std::move(done);
    for (const QString &name : catalog->names()) {
        const auto dataset = catalog->dataset(name);
        if (!dataset)
            continue;
        DatasetInfo info;
        info.name = dataset->name;
        info.columns = dataset->columns;
        info.filterColumns = dataset->filterColumns;
        info.timeColumn = dataset->timeColumn;
        QString why;
        const auto readiness = catalog->readiness(name, &why);
        info.ready = readiness == ExportCatalog::Readiness::Ready;
        if (readiness == ExportCatalog::Readiness::Generating)
            catalog->startGeneration(); // if it has not started yet
        if (!info.ready)
            info.why = why;
        const int index = int(state->infos.size());
        state->infos.append(info);
        if (!info.ready)
            continue;
        // One reading per dataset at a time, reused for a while: asking
        // again and again costs no query and holds no more live threads.
        ExportCatalog::DayRange known;
        const auto turn = catalog->dayRangeTurn(name, &known);
        state->infos[index].firstDay = known.first;
        state->infos[index].lastDay = known.last;
        if (turn != ExportCatalog::DayRangeTurn::Read)
            continue;
        auto interrupter = std::make_shared<exports::QueryInterrupter>();
        QRunnable *runnable = QRunnable::create(
            // The catalog waits for its live threads when it goes: a plain
            // pointer, never the last reference (its destructor would wait here).
            [state, index, catalog = catalog.get(), dataset = *dataset,
             path = catalog->databasePath(*dataset), interrupter]() mutable {
                runAsBulkWork();
                std::optional<ExportCatalog::DayRange> range;
                {
                    exports::RowReader reader(dataset, path, interrupter);
                    if (reader.open()) {
                        if (auto read = reader.dayRange()) // no rows: two null days, kept too
                            range = ExportCatalog::DayRange {read->first, read->second};
                    }
                }
                catalog->storeDayRange(dataset.name, range);
                QObject *receiver = &state->receiver;
                // The posted call holds the last reference this thread had:
                // the reading (a QObject inside) ends on the caller's thread.
                QMetaObject::invokeMethod(
                    receiver,
                    [state = std::move(state), index, range] {
                        if (state->delivered)
                            return;
                        if (range) {
                            state->infos[index].firstDay = range->first;
                            state->infos[index].lastDay = range->last;
                        }
                        if (--state->pending == 0)
                            state->deliver();
                    },
                    Qt::QueuedConnection);
            });
        // A full pool leaves the days as last known rather than waiting for a turn.
        if (!catalog->livePool()->tryStart(runnable)) {
            delete runnable;
            catalog->storeDayRange(name, std::nullopt);
            continue;
        }
        state->interrupters.append(interrupter);
        ++state->pending;
    }
    if (state->pending == 0) {
        QTimer::singleShot(0, &state->receiver, [state] { state->deliver(); });
        return;
    }
    QTimer::singleShot(std::chrono::milliseconds(stallTimeoutMs), &state->receiver,
                       [state] { state->deliver(); });
}

QJsonObject toJson(const DatasetInfo &info)
{
    const auto day = [](const QDate &d) {
        return d.isValid() ? QJsonValue(d.toString(Qt::ISODate)) : QJsonValue(QJsonValue::Null);
    };
    QJsonObject o {{u"name"_s, info.name},
                   {u"columns"_s, QJsonArray::fromStringList(info.columns)},
                   {u"filter_columns"_s, QJsonArray::fromStringList(info.filterColumns)},
                   {u"time_column"_s, info.timeColumn},
                   {u"ready"_s, info.ready},
                   {u"first_day"_s, day(info.firstDay)},
                   {u"last_day"_s, day(info.lastDay)}};
    if (!info.ready)
        o.insert(u"why"_s, info.why);
    return o;
}

QJsonObject toJson(const ExportEstimate &estimate)
{
    return {{u"estimated_rows"_s, estimate.rows},
            {u"estimate_is_lower_bound"_s, estimate.lowerBound}};
}

} // namespace sluice::service
