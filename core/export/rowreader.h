#pragma once

#include "config/dataset.h"
#include "export/csvwriter.h"
#include "export/exportrequest.h"
#include "export/queryinterrupter.h"
#include "util/expected.h"

#include <QSqlDatabase>

#include <functional>
#include <memory>

struct sqlite3;
struct sqlite3_stmt;
struct pg_conn;

namespace sluice::exports {

// Reads an export's rows in batches, on the thread that created it (its own
// connection; Qt SQL connections are per thread). SQLite rows are read
// through the driver's sqlite3 handle (no QVariant per value: see decision
// 0008); PostgreSQL rows through a server-side cursor (DECLARE ... CURSOR in
// a transaction, FETCH FORWARD n), so the client never holds the result set,
// each FETCH through the driver's libpq connection, so that values keep the
// server's text (QDateTime would cut microseconds to milliseconds).
class RowReader final
{
public:
    RowReader(config::Dataset dataset, QString databasePath,
              std::shared_ptr<QueryInterrupter> interrupter = {});
    ~RowReader(); // ends the statement, closes and removes the connection
    Q_DISABLE_COPY_MOVE(RowReader)

    Expected<void> open();
    // Rows matching the request, at most query.countCap.
    Expected<qint64> count(const ExportQuery &query);
    Expected<void> start(const ExportQuery &query);
    // The UTC days of the first and last rows by the time column (dayRangeSql);
    // invalid dates when there are no rows or the values are not dates.
    Expected<std::pair<QDate, QDate>> dayRange();
    // Appends up to maxRows rows to out; returns how many (0: no more rows).
    Expected<qint64> readBatch(CsvWriter &out, qint64 maxRows);
    bool atEnd() const { return m_atEnd; }

    // SQLite's page cache for this connection, set by open(); 0 leaves
    // SQLite's default (2 MB). A live export reads forward once, and many run
    // at a time, each with its own connection.
    void setSqlitePageCacheKiB(int kib) { m_pageCacheKiB = kib; }

    // Forces the generic QSqlQuery path for SQLite too (benchmarks: the cost
    // of a QVariant per value).
    void setUseQtSqlValues(bool on) { m_qtValues = on; }

    // Tests: called with the raw sqlite3 handle of every new SQLite export
    // connection (to register user functions that stall, say).
    static void setSqliteOpenHookForTesting(std::function<void(sqlite3 *)> hook);

private:
    bool isPostgres() const;
    int m_pageCacheKiB = 0;
    Expected<void> prepareSqlite(const QString &sql, const QVariantList &bindings,
                                 sqlite3_stmt **stmt);
    Expected<qint64> readSqlite(CsvWriter &out, qint64 maxRows);
    Expected<qint64> readQt(CsvWriter &out, qint64 maxRows);
    Expected<void> setUpPostgresSession(); // rowreader_pg.cpp
    Expected<qint64> readPostgres(CsvWriter &out, qint64 maxRows);
    QString inlined(const QString &sql, const QVariantList &bindings) const;
    Error sqliteError(const QString &what) const;
    Error stoppedError() const;

    config::Dataset m_dataset;
    QString m_path;
    std::shared_ptr<QueryInterrupter> m_interrupter;
    QString m_connectionName;
    QSqlDatabase m_db;
    sqlite3 *m_sqlite = nullptr;
    sqlite3_stmt *m_stmt = nullptr;
    pg_conn *m_pg = nullptr; // the driver's connection: FETCH through libpq
    std::unique_ptr<class QSqlQuery> m_query; // generic path
    bool m_cursorOpen = false;
    bool m_qtValues = false;
    bool m_atEnd = false;
};

} // namespace sluice::exports
