#include "export/rowreader.h"

#include <QAtomicInteger>
#include <QLoggingCategory>
#include <QMutex>
#include <QSqlDriver>
#include <QSqlError>
#include <QSqlField>
#include <QSqlQuery>
#include <QSqlRecord>
#include <QStringBuilder>

#include <libpq-fe.h>
#include <sqlite3.h>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcExport)

namespace sluice::exports {

namespace {

QAtomicInteger<quint64> g_connectionCounter;
QMutex g_hookMutex;
std::function<void(sqlite3 *)> g_sqliteOpenHook;

bool isNumeric(QMetaType type)
{
    switch (type.id()) {
    case QMetaType::Int:
    case QMetaType::UInt:
    case QMetaType::LongLong:
    case QMetaType::ULongLong:
    case QMetaType::Short:
    case QMetaType::UShort:
    case QMetaType::Double:
    case QMetaType::Float:
        return true;
    default:
        return false;
    }
}

} // namespace

// --- RowReader

void RowReader::setSqliteOpenHookForTesting(std::function<void(sqlite3 *)> hook)
{
    QMutexLocker lock(&g_hookMutex);
    g_sqliteOpenHook = std::move(hook);
}

RowReader::RowReader(config::Dataset dataset, QString databasePath,
                     std::shared_ptr<QueryInterrupter> interrupter)
    : m_dataset(std::move(dataset))
    , m_path(std::move(databasePath))
    , m_interrupter(interrupter ? std::move(interrupter) : std::make_shared<QueryInterrupter>())
{ }

RowReader::~RowReader()
{
    m_interrupter->detach();
    if (m_stmt)
        sqlite3_finalize(m_stmt);
    m_query.reset();
    if (m_cursorOpen && m_db.isOpen())
        m_db.rollback(); // closes the cursor with its transaction
    if (m_db.isValid())
        m_db.close();
    m_db = QSqlDatabase();
    if (!m_connectionName.isEmpty())
        QSqlDatabase::removeDatabase(m_connectionName);
}

bool RowReader::isPostgres() const
{
    return m_dataset.driver == u"QPSQL"_s;
}

Expected<void> RowReader::open()
{
    m_connectionName = u"sluice-export-%1"_s.arg(++g_connectionCounter);
    m_db = QSqlDatabase::addDatabase(m_dataset.driver, m_connectionName);
    if (!m_db.isValid())
        return Error {u"dataset %1: the Qt SQL driver %2 is not available"_s.arg(m_dataset.name,
                                                                                 m_dataset.driver)};
    m_db.setDatabaseName(m_path);
    QString options = m_dataset.connectOptions;
    if (isPostgres()) {
        if (!m_dataset.host.isEmpty())
            m_db.setHostName(m_dataset.host);
        if (m_dataset.port)
            m_db.setPort(m_dataset.port);
        m_db.setUserName(m_dataset.user);
        m_db.setPassword(m_dataset.password);
    } else {
        options = options.isEmpty() ? u"QSQLITE_OPEN_READONLY"_s
                                    : options % u";QSQLITE_OPEN_READONLY"_s;
    }
    m_db.setConnectOptions(options);
    if (!m_db.open()) {
        // The driver's reason names hosts, ports and socket paths: the
        // service's log keeps it, accounts (job errors, 503 bodies) do not see it.
        qCWarning(lcExport).noquote() << "dataset" << m_dataset.name
                                      << ": cannot open the database:" << m_db.lastError().text();
        return Error {u"dataset %1: cannot open the database (the service's log says why)"_s.arg(
            m_dataset.name)};
    }
    const QVariant handle = m_db.driver()->handle();
    if (!isPostgres() && handle.isValid() && qstrcmp(handle.typeName(), "sqlite3*") == 0) {
        m_sqlite = *static_cast<sqlite3 *const *>(handle.constData());
        if (m_pageCacheKiB > 0) // negative: in KiB, not pages
            sqlite3_exec(m_sqlite, qPrintable(u"PRAGMA cache_size=-%1"_s.arg(m_pageCacheKiB)),
                         nullptr, nullptr, nullptr);
        m_interrupter->attachSqlite(m_sqlite);
        QMutexLocker lock(&g_hookMutex);
        if (g_sqliteOpenHook)
            g_sqliteOpenHook(m_sqlite);
    } else if (isPostgres() && handle.isValid()
               && (qstrcmp(handle.typeName(), "PGconn*") == 0
                   || qstrcmp(handle.typeName(), "pg_conn*") == 0)) {
        m_pg = *static_cast<PGconn *const *>(handle.constData());
        m_interrupter->attachPostgres(PQgetCancel(m_pg));
        if (auto set = setUpPostgresSession(); !set)
            return set;
    }
    return {};
}

Error RowReader::sqliteError(const QString &what) const
{
    const int code = sqlite3_errcode(m_sqlite);
    if (code == SQLITE_INTERRUPT)
        return Error {u"dataset %1: %2 was interrupted"_s.arg(m_dataset.name, what)};
    return Error {u"dataset %1: %2 failed: %3"_s.arg(m_dataset.name, what,
                                                     QString::fromUtf8(sqlite3_errmsg(m_sqlite)))};
}

Expected<void> RowReader::prepareSqlite(const QString &sql, const QVariantList &bindings,
                                        sqlite3_stmt **stmt)
{
    const QByteArray text = sql.toUtf8();
    if (sqlite3_prepare_v2(m_sqlite, text.constData(), int(text.size()), stmt, nullptr)
        != SQLITE_OK)
        return sqliteError(u"preparing the query"_s);
    for (qsizetype i = 0; i < bindings.size(); ++i) {
        const QByteArray value = bindings[i].toString().toUtf8();
        if (sqlite3_bind_text(*stmt, int(i + 1), value.constData(), int(value.size()),
                              SQLITE_TRANSIENT)
            != SQLITE_OK)
            return sqliteError(u"binding a value"_s);
    }
    return {};
}

// PostgreSQL: DECLARE cannot be a prepared statement, so values are inlined
// as literals escaped by the driver (PQescapeStringConn), never raw.
QString RowReader::inlined(const QString &sql, const QVariantList &bindings) const
{
    QString out;
    qsizetype next = 0;
    // The '?' placeholders are all in the WHERE clause that buildQuery wrote,
    // after the dataset's own text: replace from the end of that text on.
    const qsizetype whereAt = sql.lastIndexOf(u" WHERE "_s);
    out = sql.left(whereAt);
    for (qsizetype i = whereAt; i < sql.size(); ++i) {
        if (sql[i] == u'?' && next < bindings.size()) {
            QSqlField field(u"v"_s, QMetaType(QMetaType::QString));
            field.setValue(bindings[next++].toString());
            out += m_db.driver()->formatValue(field);
        } else {
            out += sql[i];
        }
    }
    return out;
}

Error RowReader::stoppedError() const
{
    return Error {u"dataset %1: the export was stopped"_s.arg(m_dataset.name)};
}

Expected<qint64> RowReader::count(const ExportQuery &query)
{
    // A PostgreSQL cancel reaches only the statement running when it
    // arrives: one asked for earlier must not let the next one start.
    if (m_interrupter->isInterrupted())
        return stoppedError();
    if (m_sqlite && !isPostgres()) {
        sqlite3_stmt *stmt = nullptr;
        auto prepared = prepareSqlite(query.count, query.bindings, &stmt);
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt *)> guard(stmt, sqlite3_finalize);
        if (!prepared)
            return prepared.error();
        if (sqlite3_step(stmt) != SQLITE_ROW)
            return sqliteError(u"counting rows"_s);
        return sqlite3_column_int64(stmt, 0);
    }
    QSqlQuery q(m_db);
    if (isPostgres()) {
        if (!q.exec(inlined(query.count, query.bindings)) || !q.next())
            return Error {u"dataset %1: counting rows failed: %2"_s.arg(m_dataset.name,
                                                                        q.lastError().text())};
    } else {
        q.prepare(query.count);
        for (const QVariant &v : query.bindings)
            q.addBindValue(v);
        if (!q.exec() || !q.next())
            return Error {u"dataset %1: counting rows failed: %2"_s.arg(m_dataset.name,
                                                                        q.lastError().text())};
    }
    return q.value(0).toLongLong();
}

namespace {

// A time column's value as its UTC day: a date or timestamp (PostgreSQL), or
// ISO text starting YYYY-MM-DD (SQLite).
QDate dayOf(const QVariant &value)
{
    if (value.metaType().id() == QMetaType::QDateTime)
        return value.toDateTime().toUTC().date();
    if (value.metaType().id() == QMetaType::QDate)
        return value.toDate();
    return QDate::fromString(value.toString().left(10), u"yyyy-MM-dd"_s);
}

} // namespace

Expected<std::pair<QDate, QDate>> RowReader::dayRange()
{
    if (m_interrupter->isInterrupted())
        return stoppedError();
    QSqlQuery q(m_db);
    if (!q.exec(dayRangeSql(m_dataset)) || !q.next())
        return Error {u"dataset %1: reading the first and last day failed: %2"_s.arg(
            m_dataset.name, q.lastError().text())};
    return std::pair {dayOf(q.value(0)), dayOf(q.value(1))};
}

Expected<void> RowReader::start(const ExportQuery &query)
{
    m_atEnd = false;
    if (m_interrupter->isInterrupted())
        return stoppedError();
    if (isPostgres()) {
        if (!m_db.transaction())
            return Error {u"dataset %1: cannot begin a transaction: %2"_s.arg(
                m_dataset.name, m_db.lastError().text())};
        m_cursorOpen = true;
        QSqlQuery declare(m_db);
        if (!declare.exec(u"DECLARE sluice_export NO SCROLL CURSOR FOR "_s
                          % inlined(query.select, query.bindings)))
            return Error {u"dataset %1: the query failed: %2"_s.arg(m_dataset.name,
                                                                    declare.lastError().text())};
        return {};
    }
    if (m_sqlite && !m_qtValues)
        return prepareSqlite(query.select, query.bindings, &m_stmt);
    m_query = std::make_unique<QSqlQuery>(m_db);
    m_query->setForwardOnly(true);
    m_query->prepare(query.select);
    for (const QVariant &v : query.bindings)
        m_query->addBindValue(v);
    if (!m_query->exec())
        return Error {
            u"dataset %1: the query failed: %2"_s.arg(m_dataset.name, m_query->lastError().text())};
    return {};
}

Expected<qint64> RowReader::readBatch(CsvWriter &out, qint64 maxRows)
{
    if (m_atEnd || maxRows <= 0)
        return 0;
    if (m_interrupter->isInterrupted())
        return stoppedError();
    if (m_stmt)
        return readSqlite(out, maxRows);
    if (m_pg && isPostgres())
        return readPostgres(out, maxRows);
    return readQt(out, maxRows);
}

Expected<qint64> RowReader::readSqlite(CsvWriter &out, qint64 maxRows)
{
    const int columns = sqlite3_column_count(m_stmt);
    qint64 rows = 0;
    while (rows < maxRows) {
        const int rc = sqlite3_step(m_stmt);
        if (rc == SQLITE_DONE) {
            m_atEnd = true;
            break;
        }
        if (rc != SQLITE_ROW)
            return sqliteError(u"reading rows"_s);
        for (int c = 0; c < columns; ++c) {
            switch (sqlite3_column_type(m_stmt, c)) {
            case SQLITE_NULL:
                out.null();
                break;
            case SQLITE_INTEGER:
            case SQLITE_FLOAT: {
                // sqlite3's own text form, as `sqlite3 -csv` prints it.
                const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(m_stmt, c));
                out.number(QByteArrayView(text, sqlite3_column_bytes(m_stmt, c)));
                break;
            }
            default: { // TEXT, and BLOB bytes as they are
                const auto *text = static_cast<const char *>(sqlite3_column_blob(m_stmt, c));
                out.text(QByteArrayView(text, sqlite3_column_bytes(m_stmt, c)));
                break;
            }
            }
        }
        out.endRow();
        ++rows;
    }
    return rows;
}

Expected<qint64> RowReader::readQt(CsvWriter &out, qint64 maxRows)
{
    qint64 rows = 0;
    const QSqlRecord record = m_query->record();
    QList<bool> numeric;
    for (int c = 0; c < record.count(); ++c)
        numeric.append(isNumeric(record.field(c).metaType()));
    while (rows < maxRows && m_query->next()) {
        for (int c = 0; c < numeric.size(); ++c) {
            const QVariant v = m_query->value(c);
            if (v.isNull()) {
                out.null();
            } else if (v.metaType().id() == QMetaType::Double) {
                // As sqlite3 prints a REAL ("%!.15g"): 487.0, not 487.
                QByteArray text = QByteArray::number(v.toDouble(), 'g', 15);
                if (!text.contains('.') && !text.contains('e') && !text.contains('n'))
                    text += ".0";
                out.number(text);
            } else if (numeric[c] || isNumeric(v.metaType())) {
                out.number(v.toString().toUtf8());
            } else if (v.metaType().id() == QMetaType::QDateTime) {
                out.text(v.toDateTime().toString(u"yyyy-MM-dd HH:mm:ss"_s).toUtf8());
            } else if (v.metaType().id() == QMetaType::QByteArray) {
                out.text(v.toByteArray());
            } else {
                out.text(v.toString().toUtf8());
            }
        }
        out.endRow();
        ++rows;
    }
    if (m_query->lastError().isValid())
        return Error {u"dataset %1: reading rows failed: %2"_s.arg(m_dataset.name,
                                                                   m_query->lastError().text())};
    if (rows < maxRows)
        m_atEnd = true;
    return rows;
}

} // namespace sluice::exports
