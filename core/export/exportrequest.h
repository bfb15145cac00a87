#pragma once

#include "config/dataset.h"
#include "config/limits.h"
#include "util/expected.h"

#include <QDate>
#include <QJsonObject>
#include <QList>
#include <QUrlQuery>
#include <QVariant>

namespace sluice::exports {

enum class Format { Csv, CsvGzip };

// What a client asked of a dataset, validated: a range of whole UTC days
// [from, to] (both inclusive), equality filters on allowed columns, an
// optional row limit.
struct ExportRequest
{
    QString dataset;
    QDate from;
    QDate to;
    QList<std::pair<QString, QString>> filters; // column, value
    qint64 limit = 0; // 0: no limit
    Format format = Format::Csv;

    qint64 days() const { return from.daysTo(to) + 1; }
    QJsonObject toJobParams() const; // the parameters of an `export` job
};

// The SQL of an export. Filter values and dates are bound (never spliced).
struct ExportQuery
{
    QString select; // rows, ordered by the time column
    QString count; // SELECT COUNT(*) of at most countCap rows
    QVariantList bindings; // positional, in the order of the '?' in both texts
    qint64 countCap = 0;
};

// GET /exports/{dataset}.csv?from=&to=&<column>=&limit=
// Errors (message for a 400) list what is allowed.
Expected<ExportRequest> parseLiveRequest(const config::Dataset &dataset, const QUrlQuery &query);
// POST /exports body, or an `export` job's parameters:
// {"dataset", "from", "to", "filters": {column: value}, "limit", "format": "csv"|"csv.gz"}
Expected<ExportRequest> parseJobRequest(const config::Dataset &dataset, const QJsonObject &body);

ExportQuery buildQuery(const config::Dataset &dataset, const ExportRequest &request,
                       qint64 countCap);

// SELECT MIN(time column), MAX(time column) of every row of the dataset.
QString dayRangeSql(const config::Dataset &dataset);

QString quoteSqlName(const QString &name); // "name" (names are pre-validated)
QString exportFileName(const ExportRequest &request); // orders-2026-01-01-2026-01-31.csv[.gz]

} // namespace sluice::exports
