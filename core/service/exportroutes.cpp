#include "service/exportroutes.h"

#include "export/exportcatalog.h"
#include "export/liveexport.h"
#include "http/contentdisposition.h"
#include "http/exchange.h"
#include "http/jsonbodysink.h"
#include "jobs/jobengine.h"
#include "jobs/jobjson.h"
#include "metrics/processinfo.h"
#include "service/exportpreview.h"
#include "service/jobroutes.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {

using exports::ExportCatalog;
using http::Access;
using http::Exchange;
using http::HttpError;
using http::Response;

bool prefersAsync(const http::Request &request)
{
    return http::listContainsToken(request.headers.value("Prefer"), "respond-async");
}

// RFC 9110 §12.5.3: gzip unless its qvalue is 0.
bool acceptsGzip(const http::Request &request)
{
    const QByteArray field = request.headers.value("Accept-Encoding");
    for (const QByteArray &item : field.split(',')) {
        const QList<QByteArray> parts = item.split(';');
        const QByteArray coding = parts.value(0).trimmed().toLower();
        if (coding != "gzip" && coding != "x-gzip")
            continue;
        for (qsizetype i = 1; i < parts.size(); ++i) {
            const QByteArray param = parts[i].trimmed().toLower();
            if (param.startsWith("q=") && param.mid(2).toDouble() <= 0)
                return false;
        }
        return true;
    }
    return false;
}

std::optional<config::Dataset> datasetOf(Exchange &ex, const ExportCatalog &catalog,
                                         const QString &name)
{
    const auto dataset = catalog.dataset(name);
    if (!dataset)
        ex.respond(HttpError {
            404,
            u"no dataset '%1' (known: %2)"_s.arg(name.left(64), catalog.names().join(u", "_s))});
    return dataset;
}

// 503 while a demo database is generated; 500 if that failed.
bool checkReady(Exchange &ex, ExportCatalog &catalog, const QString &name)
{
    if (auto refused = notReady(catalog, name)) {
        ex.respond(*refused);
        return false;
    }
    return true;
}

// 507 when the last reading of the disk is below its floor. Early, from a
// reading up to a second old; the engine checks the disk again on admission.
std::optional<HttpError> diskRefusal(const std::function<qint64()> &freeDiskBytes,
                                     qint64 minFreeDiskBytes)
{
    const auto problem
        = metrics::diskFloorProblem(freeDiskBytes ? freeDiskBytes() : -1, minFreeDiskBytes);
    if (!problem)
        return std::nullopt;
    return HttpError::limitExceeded(507, *problem, u"min_free_disk_bytes"_s, minFreeDiskBytes);
}

void submitJob(Exchange &ex, jobs::JobEngine *engine, QObject *replyTo,
               const exports::ExportRequest &request)
{
    if (!engine) {
        ex.respond(HttpError {503, u"export jobs are not available on this server"_s});
        return;
    }
    QPointer<Exchange> p(&ex);
    engine->submit(u"export"_s, request.toJobParams(), principalOf(ex), replyTo,
                   [p](jobs::SubmitResult r) {
                       if (p)
                           respondSubmitted(*p, r);
                   });
}

// A refusal to serve live that says how to get the export as a job instead.
Response notLive(int status, const QString &message, const exports::ExportRequest &request,
                 const QJsonObject &extra)
{
    QJsonObject o {
        {u"error"_s, message},
        {u"as_job"_s,
         u"repeat this request with the header 'Prefer: respond-async', or POST /exports with the body in 'job_request'"_s},
        {u"job_request"_s, request.toJobParams()}};
    for (auto it = extra.begin(); it != extra.end(); ++it)
        o.insert(it.key(), it.value());
    return Response::json(status, o);
}

// 413: too large to serve live.
Response tooLarge(const QString &message, const QString &limit, qint64 value,
                  const exports::ExportRequest &request, QJsonObject extra)
{
    extra.insert(u"limit"_s, limit);
    extra.insert(u"value"_s, value);
    return notLive(413, message, request, extra);
}

// 426: a live export is sent with chunked coding, which HTTP/1.0 lacks. Its
// body would end with the connection, and a client could not tell an export
// that the database cut short from a complete file (RFC 9112 §6.3: a
// close-delimited body has no end of its own). A job's result has a length.
Response needsHttp11(const exports::ExportRequest &request)
{
    Response r = notLive(
        426,
        u"a live export needs HTTP/1.1 (chunked transfer coding): over HTTP/1.0 a body cut short by a database error could not be told from a complete file"_s,
        request, {{u"http_version"_s, u"HTTP/1.0"_s}});
    r.headers.add("Upgrade", "HTTP/1.1"); // RFC 9110 §15.5.22
    return r;
}

void handleLive(Exchange &ex, const std::shared_ptr<ExportCatalog> &catalog,
                jobs::JobEngine *engine, QObject *replyTo, const config::Limits &limits,
                const std::function<qint64()> &freeDiskBytes)
{
    const QString file = ex.pathParam(u"file"_s);
    if (!file.endsWith(u".csv"_s)) {
        ex.respond(
            HttpError {404,
                       u"exports are served as /exports/{dataset}.csv (known datasets: %1)"_s.arg(
                           catalog->names().join(u", "_s))});
        return;
    }
    const auto dataset = datasetOf(ex, *catalog, file.chopped(4));
    if (!dataset)
        return;
    auto request = exports::parseLiveRequest(*dataset, ex.request().query);
    if (!request) {
        ex.respond(HttpError {400, request.error().message});
        return;
    }
    if (!checkReady(ex, *catalog, dataset->name))
        return;
    const bool async = prefersAsync(ex.request());
    // A live export writes nothing to disk: only the job it may turn into
    // is refused below the floor.
    const auto submitIfRoom = [=](Exchange &to, const exports::ExportRequest &job) {
        if (auto refused = diskRefusal(freeDiskBytes, limits.minFreeDiskBytes))
            return to.respond(*refused);
        submitJob(to, engine, replyTo, job);
    };
    if (request->days() > limits.liveExportMaxDays) {
        if (async)
            return submitIfRoom(ex, *request);
        ex.respond(tooLarge(u"%1 days is more than a live export serves"_s.arg(request->days()),
                            u"live_export_max_days"_s, limits.liveExportMaxDays, *request,
                            {{u"days"_s, request->days()}}));
        return;
    }

    if (ex.request().version == 10) {
        if (async)
            return submitIfRoom(ex, *request);
        ex.respond(needsHttp11(*request));
        return;
    }

    const bool gzip = acceptsGzip(ex.request());
    const qint64 maxRows = limits.liveExportMaxRows;
    exports::LiveExportSpec spec;
    spec.dataset = *dataset;
    spec.databasePath = catalog->databasePath(*dataset);
    // Counting stops past 4x the limit: the estimate is then a lower bound.
    spec.query = exports::buildQuery(*dataset, *request, maxRows * 4 + 1);
    spec.gzip = gzip;
    spec.batchRows = limits.exportBatchRows;
    spec.stallTimeoutMs = limits.exportStallTimeoutMs;
    spec.account
        = principalOf(ex).accountId.isEmpty() ? principalOf(ex).account : principalOf(ex).accountId;
    spec.accountName = principalOf(ex).account;
    spec.maxPerAccount = limits.maxLiveExportsPerAccount;
    if (request->format == exports::Format::CsvGzip)
        request->format = exports::Format::Csv;
    const exports::ExportRequest req = *request;
    const qint64 countCap = spec.query.countCap;
    const QString downloadName = exports::exportFileName(req);

    QPointer<Exchange> p(&ex);
    auto started = exports::LiveExport::start(
        *catalog, std::move(spec), &ex, [=](exports::LiveExport live, Expected<qint64> counted) {
            if (!p) {
                live.cancel();
                return;
            }
            if (!counted) {
                live.cancel();
                p->respond(countRefusal(counted.error().message, limits.exportStallTimeoutMs));
                return;
            }
            if (*counted > maxRows) {
                live.cancel();
                if (async)
                    return submitIfRoom(*p, req);
                p->respond(
                    tooLarge(u"about %1 rows match; more than a live export serves"_s.arg(*counted),
                             u"live_export_max_rows"_s, maxRows, req,
                             {{u"estimated_rows"_s, *counted},
                              {u"estimate_is_lower_bound"_s, *counted >= countCap}}));
                return;
            }
            Response r;
            r.status = 200;
            r.headers.add("Content-Type", "text/csv; charset=utf-8; header=present");
            r.headers.add("Content-Disposition", http::contentDisposition(downloadName));
            r.headers.add("Cache-Control", "no-store");
            r.headers.add("Vary", "Accept-Encoding");
            r.headers.add("X-Estimated-Rows", QByteArray::number(*counted));
            if (gzip)
                r.headers.add("Content-Encoding", "gzip");
            r.producer = live.stream();
            p->respond(std::move(r));
        });
    if (!started) {
        Response r = Response::error(started.error());
        r.headers.add("Retry-After", "2");
        ex.respond(std::move(r));
    }
}

} // namespace

void addExportRoutes(http::Router &router, std::shared_ptr<ExportCatalog> catalog,
                     jobs::JobEngine *engine, QObject *replyTo,
                     std::function<config::Limits()> limits, std::function<qint64()> freeDiskBytes)
{
    // The catalog, with the days each dataset has rows for (read off this thread).
    router.add("GET", u"/exports"_s, Access::Account, [=](Exchange &ex) {
        QPointer<Exchange> p(&ex);
        describeDatasets(catalog, limits().exportStallTimeoutMs, &ex,
                         [p](const QList<DatasetInfo> &datasets) {
                             if (!p)
                                 return;
                             QJsonArray list;
                             for (const DatasetInfo &d : datasets)
                                 list.append(toJson(d));
                             p->respond(Response::json(200, QJsonObject {{u"datasets"_s, list}}));
                         });
    });

    // How many rows a POST /exports with this body would export, counted as
    // a live export counts them; the same 400 answers as POST /exports.
    router.add("POST", u"/exports/estimate"_s, Access::Account, [=](Exchange &ex) {
        http::JsonBodySink::receive(
            ex, limits().maxJsonBodyBytes, [=](Exchange &ex, const QJsonObject &body) {
                const auto request = parseExportBody(*catalog, body);
                if (!request) {
                    ex.respond(request.error());
                    return;
                }
                QPointer<Exchange> p(&ex);
                estimateRows(*catalog, *request, limits(), principalOf(ex), &ex,
                             [p](Expected<ExportEstimate, HttpError> estimate) {
                                 if (!p)
                                     return;
                                 if (!estimate)
                                     p->respond(estimate.error());
                                 else
                                     p->respond(Response::json(200, toJson(*estimate)));
                             });
            });
    });

    router.add("GET", u"/exports/{file}"_s, Access::Account, [=](Exchange &ex) {
        handleLive(ex, catalog, engine, replyTo, limits(), freeDiskBytes);
    });

    router.add("POST", u"/exports"_s, Access::Account, [=](Exchange &ex) {
        if (auto refused = diskRefusal(freeDiskBytes, limits().minFreeDiskBytes)) {
            ex.respond(*refused); // before reading the body
            return;
        }
        http::JsonBodySink::receive(ex, limits().maxJsonBodyBytes,
                                    [=](Exchange &ex, const QJsonObject &body) {
                                        const auto request = parseExportBody(*catalog, body);
                                        if (!request) {
                                            ex.respond(request.error());
                                            return;
                                        }
                                        submitJob(ex, engine, replyTo, *request);
                                    });
    });
}

} // namespace sluice::service
