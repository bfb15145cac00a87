#include "export/exportrequest.h"

#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::exports {

namespace {

constexpr qsizetype kMaxFilterValue = 256;

std::optional<QDate> parseDay(const QString &text)
{
    // Exactly YYYY-MM-DD: QDate::fromString alone accepts some lax forms.
    if (text.size() != 10 || text[4] != u'-' || text[7] != u'-')
        return std::nullopt;
    const QDate d = QDate::fromString(text, u"yyyy-MM-dd"_s);
    if (!d.isValid())
        return std::nullopt;
    return d;
}

QString allowedFilters(const config::Dataset &d)
{
    return d.filterColumns.isEmpty() ? u"none"_s : d.filterColumns.join(u", "_s);
}

// Shared checks once the raw values are gathered.
Expected<ExportRequest> finish(const config::Dataset &dataset, ExportRequest r, const QString &from,
                               const QString &to)
{
    r.dataset = dataset.name;
    if (from.isEmpty() || to.isEmpty())
        return Error {
            u"a date range is required: from=YYYY-MM-DD and to=YYYY-MM-DD (UTC days, both included)"_s};
    const auto f = parseDay(from);
    const auto t = parseDay(to);
    if (!f)
        return Error {u"'from' must be a date YYYY-MM-DD (got '%1')"_s.arg(from.left(32))};
    if (!t)
        return Error {u"'to' must be a date YYYY-MM-DD (got '%1')"_s.arg(to.left(32))};
    if (*t < *f)
        return Error {u"'to' (%1) is before 'from' (%2)"_s.arg(to, from)};
    r.from = *f;
    r.to = *t;
    return r;
}

Expected<void> addFilter(const config::Dataset &dataset, ExportRequest &r, const QString &column,
                         const QString &value)
{
    if (!dataset.filterColumns.contains(column)) {
        return Error {
            u"unknown parameter '%1' (allowed: from, to, limit, and the filter columns of %2: %3)"_s
                .arg(column.left(64), dataset.name, allowedFilters(dataset))};
    }
    if (value.size() > kMaxFilterValue || value.contains(QChar(0)))
        return Error {u"filter '%1' must be at most %2 characters, without NUL"_s.arg(column).arg(
            kMaxFilterValue)};
    for (const auto &existing : std::as_const(r.filters)) {
        if (existing.first == column)
            return Error {u"filter '%1' is given more than once"_s.arg(column)};
    }
    r.filters.append({column, value});
    return {};
}

Expected<qint64> parseLimit(const QString &text)
{
    bool ok = false;
    const qint64 n = text.toLongLong(&ok);
    if (!ok || n < 1 || n > 1'000'000'000)
        return Error {
            u"'limit' must be a whole number from 1 to 1000000000 (got '%1')"_s.arg(text.left(32))};
    return n;
}

// What a dataset's rows are read from: its table, or its query as a subquery.
QString sourceSql(const config::Dataset &dataset)
{
    return dataset.table.isEmpty() ? u"("_s % dataset.query % u") AS sluice_source"_s
                                   : quoteSqlName(dataset.table);
}

} // namespace

QJsonObject ExportRequest::toJobParams() const
{
    QJsonObject filterObject;
    for (const auto &[column, value] : filters)
        filterObject.insert(column, value);
    QJsonObject o {{u"dataset"_s, dataset},
                   {u"from"_s, from.toString(Qt::ISODate)},
                   {u"to"_s, to.toString(Qt::ISODate)},
                   {u"format"_s, format == Format::CsvGzip ? u"csv.gz"_s : u"csv"_s}};
    if (!filterObject.isEmpty())
        o.insert(u"filters"_s, filterObject);
    if (limit > 0)
        o.insert(u"limit"_s, limit);
    return o;
}

Expected<ExportRequest> parseLiveRequest(const config::Dataset &dataset, const QUrlQuery &query)
{
    ExportRequest r;
    QString from, to;
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        if (key == u"from"_s || key == u"to"_s) {
            QString &slot = key == u"from"_s ? from : to;
            if (!slot.isEmpty())
                return Error {u"'%1' is given more than once"_s.arg(key)};
            slot = value;
            if (value.isEmpty())
                return Error {u"'%1' must be a date YYYY-MM-DD (got '')"_s.arg(key)};
        } else if (key == u"limit"_s) {
            const auto n = parseLimit(value);
            if (!n)
                return n.error();
            r.limit = *n;
        } else if (auto added = addFilter(dataset, r, key, value); !added) {
            return added.error();
        }
    }
    return finish(dataset, std::move(r), from, to);
}

Expected<ExportRequest> parseJobRequest(const config::Dataset &dataset, const QJsonObject &body)
{
    static const QStringList known
        = {u"dataset"_s, u"from"_s, u"to"_s, u"filters"_s, u"limit"_s, u"format"_s};
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (!known.contains(it.key()))
            return Error {
                u"unknown field '%1' (allowed: %2)"_s.arg(it.key().left(64), known.join(u", "_s))};
    }
    ExportRequest r;
    const QJsonValue format = body.value(u"format"_s);
    if (format.isUndefined() || format.toString() == u"csv"_s) {
        r.format = Format::Csv;
    } else if (format.toString() == u"csv.gz"_s) {
        r.format = Format::CsvGzip;
    } else {
        return Error {u"'format' must be \"csv\" or \"csv.gz\""_s};
    }
    const QJsonValue filters = body.value(u"filters"_s);
    if (!filters.isUndefined() && !filters.isObject())
        return Error {u"'filters' must be an object {column: value} (allowed columns: %1)"_s.arg(
            allowedFilters(dataset))};
    const QJsonObject filterObject = filters.toObject();
    for (auto it = filterObject.begin(); it != filterObject.end(); ++it) {
        QString value;
        if (it->isString())
            value = it->toString();
        else if (it->isDouble() && it->toDouble() == double(it->toInteger()))
            value = QString::number(it->toInteger());
        else
            return Error {
                u"filter '%1' must be a string or a whole number"_s.arg(it.key().left(64))};
        if (!dataset.filterColumns.contains(it.key()))
            return Error {u"unknown filter column '%1' (allowed: %2)"_s.arg(
                it.key().left(64), allowedFilters(dataset))};
        if (auto added = addFilter(dataset, r, it.key(), value); !added)
            return added.error();
    }
    if (const QJsonValue limit = body.value(u"limit"_s); !limit.isUndefined()) {
        const double v = limit.toDouble(-1);
        if (!limit.isDouble() || v != double(qint64(v)) || v < 1 || v > 1e9)
            return Error {u"'limit' must be a whole number from 1 to 1000000000"_s};
        r.limit = qint64(v);
    }
    const QJsonValue from = body.value(u"from"_s);
    const QJsonValue to = body.value(u"to"_s);
    if ((!from.isUndefined() && !from.isString()) || (!to.isUndefined() && !to.isString()))
        return Error {u"'from' and 'to' must be strings YYYY-MM-DD"_s};
    return finish(dataset, std::move(r), from.toString(), to.toString());
}

QString quoteSqlName(const QString &name)
{
    QStringList parts = name.split(u'.');
    for (QString &p : parts)
        p = u'"' % p % u'"';
    return parts.join(u'.');
}

ExportQuery buildQuery(const config::Dataset &dataset, const ExportRequest &request,
                       qint64 countCap)
{
    ExportQuery q;
    QStringList columns;
    for (const QString &c : dataset.columns)
        columns.append(quoteSqlName(c));
    const QString source = sourceSql(dataset);
    const QString time = quoteSqlName(dataset.timeColumn);
    // Whole UTC days: [from 00:00, to + 1 day 00:00). ISO text compares in
    // time order in SQLite, and PostgreSQL casts it to the column's type.
    QString where = time % u" >= ? AND "_s % time % u" < ?"_s;
    q.bindings << request.from.toString(Qt::ISODate) << request.to.addDays(1).toString(Qt::ISODate);
    for (const auto &[column, value] : request.filters) {
        where += u" AND "_s % quoteSqlName(column) % u" = ?"_s;
        q.bindings << value;
    }
    q.select = u"SELECT "_s % columns.join(u", "_s) % u" FROM "_s % source % u" WHERE "_s % where
        % u" ORDER BY "_s % time;
    if (request.limit > 0)
        q.select += u" LIMIT "_s % QString::number(request.limit);
    q.countCap = request.limit > 0 ? std::min(countCap, request.limit) : countCap;
    q.count = u"SELECT COUNT(*) FROM (SELECT 1 FROM "_s % source % u" WHERE "_s % where
        % u" LIMIT "_s % QString::number(q.countCap) % u") AS sluice_count"_s;
    return q;
}

QString dayRangeSql(const config::Dataset &dataset)
{
    const QString time = quoteSqlName(dataset.timeColumn);
    return u"SELECT MIN("_s % time % u"), MAX("_s % time % u") FROM "_s % sourceSql(dataset);
}

QString exportFileName(const ExportRequest &request)
{
    return u"%1-%2-%3.csv%4"_s.arg(request.dataset, request.from.toString(Qt::ISODate),
                                   request.to.toString(Qt::ISODate),
                                   request.format == Format::CsvGzip ? u".gz"_s : QString());
}

} // namespace sluice::exports
