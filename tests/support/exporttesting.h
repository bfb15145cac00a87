#pragma once

// Helpers for the export tests: a quote-aware CSV reader, gunzip, the
// sqlite3 command-line shell as an independent oracle, SQLite user
// functions (through RowReader's open hook) that stall or slow a query, and
// for the fault tests a source database, a client of the job routes and the
// files an export left behind.

#include "testsupport.h"

#include "config/dataset.h"
#include "export/rowreader.h"

#include <QByteArray>
#include <QDirIterator>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStringList>
#include <QThread>

#include <atomic>

#include <sqlite3.h>
#include <zlib.h>

namespace sluice::test {

// RFC 4180 records; accepts CRLF or LF line ends. nullopt when malformed.
inline std::optional<QList<QStringList>> parseCsv(const QByteArray &csv)
{
    QList<QStringList> rows;
    QStringList row;
    QByteArray field;
    bool quoted = false, inQuotes = false, fieldStarted = false;
    const auto endField = [&] {
        row.append(QString::fromUtf8(field));
        field.clear();
        quoted = inQuotes = fieldStarted = false;
    };
    for (qsizetype i = 0; i < csv.size(); ++i) {
        const char c = csv[i];
        if (inQuotes) {
            if (c == '"') {
                if (i + 1 < csv.size() && csv[i + 1] == '"') {
                    field.append('"');
                    ++i;
                } else {
                    inQuotes = false;
                }
            } else {
                field.append(c);
            }
            continue;
        }
        if (c == '"') {
            if (fieldStarted || quoted)
                return std::nullopt; // a quote inside an unquoted field
            quoted = inQuotes = fieldStarted = true;
        } else if (c == ',') {
            endField();
        } else if (c == '\r' || c == '\n') {
            if (c == '\r' && (i + 1 >= csv.size() || csv[i + 1] != '\n'))
                return std::nullopt; // a bare CR outside quotes
            if (c == '\r')
                ++i;
            endField();
            rows.append(row);
            row.clear();
        } else {
            if (quoted)
                return std::nullopt; // text after a closing quote
            field.append(c);
            fieldStarted = true;
        }
    }
    if (inQuotes)
        return std::nullopt;
    if (fieldStarted || !row.isEmpty()) {
        endField();
        rows.append(row);
    }
    return rows;
}

inline std::optional<QByteArray> gunzip(const QByteArray &data)
{
    z_stream z {};
    if (inflateInit2(&z, 15 + 16) != Z_OK)
        return std::nullopt;
    QByteArray out;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.data()));
    z.avail_in = uInt(data.size());
    int rc = Z_OK;
    char buffer[64 * 1024];
    while (rc == Z_OK) {
        z.next_out = reinterpret_cast<Bytef *>(buffer);
        z.avail_out = sizeof buffer;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buffer, qsizetype(sizeof buffer - z.avail_out));
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    if (rc != Z_STREAM_END)
        return std::nullopt;
    return out;
}

// `sqlite3 -csv -header DB SQL`: what the shell itself prints.
inline QByteArray sqliteShellCsv(const QString &database, const QString &sql)
{
    QProcess p;
    p.start(QStringLiteral("sqlite3"),
            {QStringLiteral("-csv"), QStringLiteral("-header"), database, sql});
    p.waitForFinished(60'000);
    return p.readAllStandardOutput();
}

// Runs `statements` in order on the SQLite file `path` (created if need be),
// through Qt SQL as the service reads it; returns the first error, or "".
inline QString createSqliteDatabase(const QString &path, const QStringList &statements)
{
    const QString connection = QStringLiteral("source");
    QString error;
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), connection);
        db.setDatabaseName(path);
        if (!db.open())
            return db.lastError().text();
        QSqlQuery q(db);
        for (const QString &sql : statements) {
            if (!q.exec(sql)) {
                error = q.lastError().text();
                break;
            }
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return error;
}

// Every file below `dir`, hidden ones and those in subfolders included: what
// an export job left in tmp/jobs/ or results/.
inline QStringList filesUnder(const QString &dir)
{
    QStringList out;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        out << it.next();
    return out;
}

// The HTTP API as one account: a request with its bearer token (a POST
// carries a JSON body), and a job's JSON and state, polled by the tests.
struct JobClient
{
    quint16 port = 0;
    QString token;
    int timeoutMs = 15'000;

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {}) const
    {
        QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(token);
        if (method == "POST")
            raw += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
        return request(port, raw + "\r\n" + body, timeoutMs);
    }
    QJsonObject job(const QString &id) const
    {
        return QJsonDocument::fromJson(call("GET", "/jobs/" + id.toLatin1()).body).object();
    }
    QString state(const QString &id) const
    {
        return job(id).value(QStringLiteral("state")).toString();
    }
};

// User functions registered on every export connection:
// sluice_probe(id) returns 0; when id == stallId it blocks on its second
// evaluation on that connection (the first is the row count) until
// `release` is set or 10 s pass; every `slowEvery` ids it sleeps slowMs.
struct ProbeControl
{
    std::atomic<qint64> stallId {0};
    std::atomic_bool release {false};
    std::atomic_int stalled {0}; // how many connections are blocked right now
    std::atomic<qint64> slowEvery {0};
    std::atomic_int slowMs {0};
    std::atomic_int lastPageCache {0}; // PRAGMA cache_size of the newest export connection
};

// Not probe(): testroutes.h has one for its sinks and producers, and a test
// of the window uses both headers.
inline ProbeControl &sqlProbe()
{
    static ProbeControl control;
    return control;
}

// `base` read through a query that calls sluice_probe(id) on every row, so
// that ProbeControl can stall or slow it. It reads base's database and never
// generates one; being a query, it gets no row count (no second full run).
inline config::Dataset probedDataset(config::Dataset base, const QString &name)
{
    base.name = name;
    base.demoRows = 0;
    base.query = QStringLiteral("SELECT * FROM %1 WHERE sluice_probe(id) = 0").arg(base.table);
    base.table.clear();
    return base;
}

inline void installProbe()
{
    exports::RowReader::setSqliteOpenHookForTesting([](sqlite3 *db) {
        sqlite3_exec(
            db, "PRAGMA cache_size",
            [](void *, int, char **values, char **) {
                sqlProbe().lastPageCache = values && values[0] ? std::atoi(values[0]) : 0;
                return 0;
            },
            nullptr, nullptr);
        auto *seen = new int(0);
        sqlite3_create_function_v2(
            db, "sluice_probe", 1, SQLITE_UTF8, seen,
            [](sqlite3_context *ctx, int, sqlite3_value **argv) {
                const qint64 id = sqlite3_value_int64(argv[0]);
                ProbeControl &c = sqlProbe();
                const qint64 every = c.slowEvery.load();
                if (every > 0 && id % every == 0)
                    QThread::msleep(ulong(c.slowMs.load()));
                if (id == c.stallId.load()) {
                    int *count = static_cast<int *>(sqlite3_user_data(ctx));
                    if (++*count == 2) {
                        ++c.stalled;
                        for (int i = 0; i < 1000 && !c.release.load(); ++i)
                            QThread::msleep(10);
                        --c.stalled;
                    }
                }
                sqlite3_result_int(ctx, 0);
            },
            nullptr, nullptr, [](void *p) { delete static_cast<int *>(p); });
    });
}

} // namespace sluice::test
