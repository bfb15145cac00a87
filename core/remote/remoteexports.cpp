// RemoteServiceFacade's export commands (issue 23): single requests to
// GET /exports, POST /exports/estimate and POST /exports; what the service
// answers is what the window shows.
#include "remote/remoteservicefacade.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

namespace sluice::remote {

namespace {

QStringList stringsOf(const QJsonValue &value)
{
    QStringList list;
    for (const QJsonValue &v : value.toArray())
        list.append(v.toString());
    return list;
}

QDate dayOf(const QJsonValue &value)
{
    return QDate::fromString(value.toString(), u"yyyy-MM-dd"_s); // null: invalid
}

service::DatasetInfo datasetFromJson(const QJsonObject &o)
{
    service::DatasetInfo info;
    info.name = o.value(u"name"_s).toString();
    info.columns = stringsOf(o.value(u"columns"_s));
    info.filterColumns = stringsOf(o.value(u"filter_columns"_s));
    info.timeColumn = o.value(u"time_column"_s).toString();
    info.ready = o.value(u"ready"_s).toBool();
    info.why = o.value(u"why"_s).toString();
    info.firstDay = dayOf(o.value(u"first_day"_s));
    info.lastDay = dayOf(o.value(u"last_day"_s));
    return info;
}

QByteArray compact(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

} // namespace

void RemoteServiceFacade::requestExportCatalog()
{
    send("GET", u"/exports"_s, {},
         [this](int status, const QJsonObject &body, const QString &error) {
             if (status != 200) {
                 emit exportCatalogReady({}, error);
                 return;
             }
             const QJsonValue list = body.value(u"datasets"_s);
             if (!list.isArray()) {
                 emit exportCatalogReady(
                     {}, tr("the server's answer to GET /exports has no list of datasets"));
                 return;
             }
             QList<service::DatasetInfo> datasets;
             for (const QJsonValue &entry : list.toArray()) {
                 if (entry.isObject() && entry.toObject().value(u"name"_s).isString())
                     datasets.append(datasetFromJson(entry.toObject()));
             }
             emit exportCatalogReady(datasets, QString());
         });
}

void RemoteServiceFacade::estimateExport(const QJsonObject &request)
{
    send("POST", u"/exports/estimate"_s, compact(request),
         [this, request](int status, const QJsonObject &body, const QString &error) {
             service::ExportEstimate estimate;
             if (status != 200) {
                 estimate.error = error;
                 estimate.busy = status == 429 || status == 503;
             } else if (!body.value(u"estimated_rows"_s).isDouble()) {
                 estimate.error = tr("the server's estimate has no estimated_rows");
             } else {
                 estimate.ok = true;
                 estimate.rows = body.value(u"estimated_rows"_s).toInteger();
                 estimate.lowerBound = body.value(u"estimate_is_lower_bound"_s).toBool();
             }
             emit exportEstimated(request, estimate);
         });
}

void RemoteServiceFacade::submitExport(const QJsonObject &request)
{
    send("POST", u"/exports"_s, compact(request),
         [this, request](int status, const QJsonObject &body, const QString &error) {
             service::ExportSubmitResult result;
             if (status == 202 && body.value(u"id"_s).isString()) {
                 result.ok = true;
                 result.jobId = body.value(u"id"_s).toString();
             } else {
                 result.error = status == 202
                     ? tr("the server accepted the export but named no job")
                     : error;
                 result.limit = body.value(u"limit"_s).toString();
             }
             emit exportSubmitted(request, result);
         });
}

} // namespace sluice::remote
