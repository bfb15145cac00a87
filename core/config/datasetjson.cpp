// The "datasets" array of the config file: validation with the key of each
// problem, and the writer used by Config::toJson.

#include "config/dataset_p.h"
#include "config/jsontext_p.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QStringBuilder>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::config {

Dataset Dataset::demoOrders()
{
    Dataset d;
    d.name = QString::fromLatin1(DemoName);
    d.database = QString::fromLatin1(DemoDatabase);
    d.table = u"orders"_s;
    d.timeColumn = u"created_at"_s;
    d.columns = {u"id"_s,     u"created_at"_s, u"customer"_s, u"status"_s,
                 u"amount"_s, u"currency"_s,   u"note"_s};
    d.filterColumns = {u"customer"_s, u"status"_s, u"currency"_s};
    d.demoRows = DemoRows;
    return d;
}

bool isValidDatasetName(QStringView name)
{
    return !name.isEmpty() && name.size() <= 64
        && std::all_of(name.begin(), name.end(), [](QChar c) {
               return (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_'
                   || c == u'-';
           });
}

bool isValidSqlName(QStringView name)
{
    if (name.isEmpty() || name.size() > 63 || name.front().isDigit())
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'_';
    });
}

namespace detail {

namespace {

class DatasetReader
{
public:
    explicit DatasetReader(QList<DatasetProblem> &problems)
        : m_problems(problems)
    { }

    std::optional<Dataset> read(const QJsonObject &object, const QString &path);

private:
    void fail(const QString &path, const QString &reason) { m_problems.append({path, reason}); }
    QString key(const QString &path, QStringView name) { return path % u'.' % name; }
    QString key(const QString &path, QLatin1StringView name) { return path % u'.' % name; }
    std::optional<QString> string(const QJsonObject &o, const QString &path, QLatin1StringView k)
    {
        const QJsonValue v = o.value(k);
        if (v.isUndefined())
            return QString();
        if (!v.isString()) {
            fail(key(path, k), u"must be a string (got "_s % describeJsonValue(v) % u')');
            return std::nullopt;
        }
        return v.toString();
    }
    QStringList names(const QJsonObject &o, const QString &path, QLatin1StringView k, bool &ok);

    QList<DatasetProblem> &m_problems;
};

QStringList DatasetReader::names(const QJsonObject &o, const QString &path, QLatin1StringView k,
                                 bool &ok)
{
    const QJsonValue v = o.value(k);
    QStringList out;
    if (v.isUndefined())
        return out;
    if (!v.isArray()) {
        fail(key(path, k),
             u"must be an array of column names (got "_s % describeJsonValue(v) % u')');
        ok = false;
        return out;
    }
    const QJsonArray array = v.toArray();
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString name = array.at(i).toString();
        const QString at = key(path, k) % u'[' % QString::number(i) % u']';
        if (!array.at(i).isString() || !isValidSqlName(name)) {
            fail(at,
                 u"must be a column name of A-Z a-z 0-9 _, not starting with a digit (got "_s
                     % describeJsonValue(array.at(i)) % u')');
            ok = false;
        } else if (out.contains(name)) {
            fail(at, u"duplicate column \""_s % name % u'"');
            ok = false;
        } else {
            out.append(name);
        }
    }
    return out;
}

std::optional<Dataset> DatasetReader::read(const QJsonObject &o, const QString &path)
{
    static const QLatin1StringView known[] = {"name"_L1,           "driver"_L1,
                                              "database"_L1,       "host"_L1,
                                              "port"_L1,           "user"_L1,
                                              "password"_L1,       "connect_options"_L1,
                                              "table"_L1,          "query"_L1,
                                              "time_column"_L1,    "columns"_L1,
                                              "filter_columns"_L1, "neutralize_formulas"_L1,
                                              "demo_rows"_L1};
    for (auto it = o.begin(); it != o.end(); ++it) {
        if (std::find(std::begin(known), std::end(known), it.key()) == std::end(known))
            fail(key(path, it.key()), u"unknown key"_s);
    }
    Dataset d;
    bool ok = true;
    const auto take = [&](QLatin1StringView k, QString &into) {
        if (auto s = string(o, path, k))
            into = *s;
        else
            ok = false;
    };
    take("name"_L1, d.name);
    if (!isValidDatasetName(d.name)) {
        fail(key(path, u"name"),
             u"must be 1 to 64 of a-z 0-9 _ - (got "_s % describeJsonValue(o.value("name"_L1))
                 % u')');
        ok = false;
    }
    if (o.contains("driver"_L1))
        take("driver"_L1, d.driver);
    if (d.driver != u"QSQLITE"_s && d.driver != u"QPSQL"_s) {
        fail(key(path, u"driver"),
             u"must be \"QSQLITE\" or \"QPSQL\" (got "_s % describeJsonValue(o.value("driver"_L1))
                 % u')');
        ok = false;
    }
    take("database"_L1, d.database);
    if (d.database.isEmpty()) {
        fail(
            key(path, u"database"),
            u"missing: the SQLite file (relative to the data dir) or the PostgreSQL database name"_s);
        ok = false;
    }
    take("host"_L1, d.host);
    take("user"_L1, d.user);
    take("password"_L1, d.password);
    take("connect_options"_L1, d.connectOptions);
    if (const QJsonValue port = o.value("port"_L1); !port.isUndefined()) {
        const double p = port.toDouble(-1);
        if (!port.isDouble() || p != std::floor(p) || p < 0 || p > 65535) {
            fail(key(path, u"port"),
                 u"must be an integer from 0 to 65535 (got "_s % describeJsonValue(port) % u')');
            ok = false;
        } else {
            d.port = int(p);
        }
    }
    take("table"_L1, d.table);
    take("query"_L1, d.query);
    if (d.table.isEmpty() == d.query.isEmpty()) {
        fail(key(path, d.table.isEmpty() ? u"table" : u"query"),
             u"give either \"table\" or \"query\" (a SELECT), not both nor neither"_s);
        ok = false;
    } else if (!d.table.isEmpty()) {
        const QStringList parts = d.table.split(u'.');
        if (parts.size() > 2 || !std::all_of(parts.begin(), parts.end(), [](const QString &p) {
                return isValidSqlName(p);
            })) {
            fail(key(path, u"table"),
                 u"must be a table name of A-Z a-z 0-9 _, optionally schema.table (got "_s
                     % describeJsonValue(o.value("table"_L1)) % u')');
            ok = false;
        }
    } else {
        const QString head = d.query.trimmed().left(6).toUpper();
        if (head != u"SELECT"_s && !head.startsWith(u"WITH"_s)) {
            fail(key(path, u"query"), u"must be a SELECT (or WITH ... SELECT) statement"_s);
            ok = false;
        } else if (d.query.contains(u';')) {
            fail(key(path, u"query"), u"must be a single statement, without ';'"_s);
            ok = false;
        }
    }
    take("time_column"_L1, d.timeColumn);
    if (!isValidSqlName(d.timeColumn)) {
        fail(key(path, u"time_column"),
             u"must be a column name of A-Z a-z 0-9 _ (got "_s
                 % describeJsonValue(o.value("time_column"_L1)) % u')');
        ok = false;
    }
    d.columns = names(o, path, "columns"_L1, ok);
    if (d.columns.isEmpty() && !o.value("columns"_L1).isArray()) {
        fail(key(path, u"columns"), u"missing: the exported columns, in order"_s);
        ok = false;
    } else if (d.columns.isEmpty() && ok) {
        fail(key(path, u"columns"), u"must name at least one column"_s);
        ok = false;
    }
    d.filterColumns = names(o, path, "filter_columns"_L1, ok);
    if (const QJsonValue n = o.value("neutralize_formulas"_L1); n.isBool()) {
        d.neutralizeFormulas = n.toBool();
    } else if (!n.isUndefined()) {
        fail(key(path, u"neutralize_formulas"),
             u"must be true or false (got "_s % describeJsonValue(n) % u')');
        ok = false;
    }
    if (const QJsonValue rows = o.value("demo_rows"_L1); !rows.isUndefined()) {
        const double r = rows.toDouble(-1);
        if (!rows.isDouble() || r != std::floor(r) || r < 0 || r > 100'000'000) {
            fail(key(path, u"demo_rows"),
                 u"must be an integer from 0 to 100000000 (got "_s % describeJsonValue(rows)
                     % u')');
            ok = false;
        } else if (r > 0 && d.driver != u"QSQLITE"_s) {
            fail(key(path, u"demo_rows"), u"only a QSQLITE dataset can be generated"_s);
            ok = false;
        } else {
            d.demoRows = qint64(r);
        }
    }
    return ok ? std::optional(std::move(d)) : std::nullopt;
}

void appendNames(QByteArray &out, const QStringList &names)
{
    out.append('[');
    for (qsizetype i = 0; i < names.size(); ++i)
        out.append(i ? ", " : "").append(jsonQuoted(names[i]));
    out.append(']');
}

} // namespace

QList<Dataset> readDatasets(const QJsonValue &value, QList<DatasetProblem> &problems)
{
    QList<Dataset> out;
    if (!value.isArray()) {
        problems.append(
            {u"datasets"_s, u"must be an array (got "_s % describeJsonValue(value) % u')'});
        return out;
    }
    const QJsonArray array = value.toArray();
    DatasetReader reader(problems);
    QSet<QString> seen;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString path = u"datasets["_s % QString::number(i) % u']';
        if (!array.at(i).isObject()) {
            problems.append(
                {path, u"must be an object (got "_s % describeJsonValue(array.at(i)) % u')'});
            continue;
        }
        auto d = reader.read(array.at(i).toObject(), path);
        if (!d)
            continue;
        if (seen.contains(d->name)) {
            problems.append({path % u".name"_s, u"duplicate dataset \""_s % d->name % u'"'});
            continue;
        }
        seen.insert(d->name);
        out.append(std::move(*d));
    }
    return out;
}

QByteArray datasetsJson(const QList<Dataset> &datasets, int depth)
{
    const QByteArray pad(depth * 4, ' ');
    const QByteArray inner((depth + 2) * 4, ' ');
    QByteArray out = pad + "\"datasets\": [";
    if (datasets.isEmpty())
        return out + ']';
    out.append('\n');
    for (qsizetype i = 0; i < datasets.size(); ++i) {
        const Dataset &d = datasets[i];
        QList<QByteArray> fields;
        const auto str = [&](const char *k, const QString &v, bool always = false) {
            if (always || !v.isEmpty())
                fields.append(inner + '"' + k + "\": " + jsonQuoted(v));
        };
        str("name", d.name, true);
        str("driver", d.driver, true);
        str("database", d.database, true);
        str("host", d.host);
        if (d.port)
            fields.append(inner + "\"port\": " + QByteArray::number(d.port));
        str("user", d.user);
        str("password", d.password);
        str("connect_options", d.connectOptions);
        str("table", d.table);
        str("query", d.query);
        str("time_column", d.timeColumn, true);
        QByteArray cols = inner + "\"columns\": ";
        appendNames(cols, d.columns);
        fields.append(cols);
        QByteArray filters = inner + "\"filter_columns\": ";
        appendNames(filters, d.filterColumns);
        fields.append(filters);
        fields.append(inner
                      + "\"neutralize_formulas\": " + (d.neutralizeFormulas ? "true" : "false"));
        if (d.demoRows)
            fields.append(inner + "\"demo_rows\": " + QByteArray::number(d.demoRows));
        out.append(pad).append("    {\n");
        for (qsizetype f = 0; f < fields.size(); ++f)
            out.append(fields[f]).append(f + 1 < fields.size() ? ",\n" : "\n");
        out.append(pad).append("    }").append(i + 1 < datasets.size() ? ",\n" : "\n");
    }
    return out + pad + ']';
}

} // namespace detail
} // namespace sluice::config
