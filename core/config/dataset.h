#pragma once

#include <QList>
#include <QString>
#include <QStringList>

namespace sluice::config {

// A source of exports: where its rows live and what a client may ask of it.
// Identifiers (table, columns) are plain SQL names ([A-Za-z_][A-Za-z0-9_]*,
// a table may carry one "schema." prefix) so that they can be quoted safely;
// filter values are always bound, never spliced into the SQL text.
struct Dataset
{
    static constexpr auto DemoName = "orders";
    static constexpr auto DemoDatabase = "demo/orders.sqlite"; // relative to the data dir
    static constexpr qint64 DemoRows = 1'000'000;

    QString name; // [a-z0-9_-]{1,64}, the {dataset} of /exports/{dataset}.csv
    QString driver = QStringLiteral("QSQLITE"); // QSQLITE or QPSQL
    // QSQLITE: the database file (relative paths are taken from the data dir);
    // QPSQL: the database name.
    QString database;
    QString host; // QPSQL only
    int port = 0; // QPSQL only; 0: the driver's default
    QString user; // QPSQL only
    QString password; // QPSQL only
    QString connectOptions; // passed to QSqlDatabase::setConnectOptions
    QString table; // either a table ...
    QString query; // ... or a SELECT whose result is exported
    QString timeColumn; // the from/to range applies to it; rows are ordered by it
    QStringList columns; // exported, in this order
    QStringList filterColumns; // ?column=value equality filters a client may use
    // Text cells starting with = + - @ (or a tab or CR), also behind white
    // space, invisible characters or as full-width signs, get a leading ' so
    // that spreadsheets do not run them as formulas (exports::CsvWriter).
    bool neutralizeFormulas = true;
    // > 0: a generated demo SQLite database (the `orders` table) with this
    // many rows, created when the file is missing.
    qint64 demoRows = 0;

    bool operator==(const Dataset &) const = default;

    // The built-in `orders` demo dataset, used when a config has no "datasets" key.
    static Dataset demoOrders();
};

bool isValidDatasetName(QStringView name);
bool isValidSqlName(QStringView name); // [A-Za-z_][A-Za-z0-9_]{0,62}

} // namespace sluice::config
