// RowReader's PostgreSQL session and rows, through the Qt driver's own libpq
// connection (see rowreader.h).
#include "export/rowreader.h"

#include <QVarLengthArray>

#include <libpq-fe.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace sluice::exports {

namespace {

using Result = std::unique_ptr<PGresult, void (*)(PGresult *)>;

// Built-in type OIDs (pg_type.dat; fixed since PostgreSQL 7).
enum : Oid {
    BoolOid = 16,
    ByteaOid = 17,
    Int8Oid = 20,
    Int2Oid = 21,
    Int4Oid = 23,
    OidOid = 26,
    Float4Oid = 700,
    Float8Oid = 701,
    TimestampTzOid = 1184,
    NumericOid = 1700,
};

enum class Kind { Text, Number, Bool, Bytea, TimestampTz };

Kind kindOf(Oid type)
{
    switch (type) {
    case Int8Oid:
    case Int2Oid:
    case Int4Oid:
    case OidOid:
    case Float4Oid:
    case Float8Oid:
    case NumericOid: // exact text, as psql prints it
        return Kind::Number;
    case BoolOid:
        return Kind::Bool;
    case ByteaOid:
        return Kind::Bytea;
    case TimestampTzOid:
        return Kind::TimestampTz;
    default:
        return Kind::Text;
    }
}

QString messageOf(PGconn *conn, const PGresult *result)
{
    const char *text = result ? PQresultErrorMessage(result) : PQerrorMessage(conn);
    return QString::fromUtf8(text).trimmed();
}

} // namespace

// Export days are UTC days ('2025-01-01' is 2025-01-01T00:00Z), and the
// bound values are plain text literals that PostgreSQL types as the time
// column's type. With the session in UTC both column types mean the same:
// a timestamptz compares with the UTC instant, and a timestamp (no zone)
// compares with the same wall-clock text, taken as UTC as the service takes
// it everywhere. Typing the literals as timestamptz ('…Z'::timestamptz)
// instead would be right for timestamptz only: a timestamp column would then
// be converted to timestamptz in the session's zone, the server's default,
// and be shifted by it. UTC also makes timestamptz values print as UTC.
// DateStyle ISO is what the text below is read as; Qt sets it as well.
Expected<void> RowReader::setUpPostgresSession()
{
    const Result set(PQexec(m_pg, "SET TIME ZONE 'UTC'; SET DateStyle TO 'ISO, YMD'"), PQclear);
    if (PQresultStatus(set.get()) != PGRES_COMMAND_OK)
        return Error {u"dataset %1: cannot set the session's time zone to UTC: %2"_s.arg(
            m_dataset.name, messageOf(m_pg, set.get()))};
    return {};
}

// Values are written as the server prints them (text format): timestamps
// with as many fractional digits as they have (.5, .987654) and none when
// they have none, numeric exactly. Kept as the Qt driver wrote them before:
// booleans as true/false, bytea as its bytes, and timestamptz without its
// offset (always +00 in this session), like a timestamp.
Expected<qint64> RowReader::readPostgres(CsvWriter &out, qint64 maxRows)
{
    const QByteArray fetch = "FETCH FORWARD " + QByteArray::number(maxRows) + " FROM sluice_export";
    const Result result(PQexec(m_pg, fetch.constData()), PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
        return Error {u"dataset %1: fetching rows failed: %2"_s.arg(m_dataset.name,
                                                                    messageOf(m_pg, result.get()))};
    PGresult *r = result.get();
    const int rows = PQntuples(r);
    const int columns = PQnfields(r);
    QVarLengthArray<Kind, 32> kinds;
    for (int c = 0; c < columns; ++c)
        kinds.append(kindOf(PQftype(r, c))); // a cursor not declared BINARY: text
    for (int row = 0; row < rows; ++row) {
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(r, row, c)) {
                out.null();
                continue;
            }
            const char *value = PQgetvalue(r, row, c);
            const QByteArrayView text(value, PQgetlength(r, row, c));
            switch (kinds[c]) {
            case Kind::Number:
                out.number(text);
                break;
            case Kind::Bool:
                out.text(text == "t" ? "true" : "false");
                break;
            case Kind::Bytea: {
                size_t length = 0;
                unsigned char *bytes
                    = PQunescapeBytea(reinterpret_cast<const unsigned char *>(value), &length);
                if (!bytes)
                    return Error {
                        u"dataset %1: out of memory decoding a bytea value"_s.arg(m_dataset.name)};
                out.text(QByteArrayView(reinterpret_cast<const char *>(bytes), qsizetype(length)));
                PQfreemem(bytes);
                break;
            }
            case Kind::TimestampTz:
                out.text(text.endsWith("+00") ? text.chopped(3) : text);
                break;
            case Kind::Text:
                out.text(text);
                break;
            }
        }
        out.endRow();
    }
    if (rows < maxRows)
        m_atEnd = true; // a short FETCH is the cursor's end
    return rows;
}

} // namespace sluice::exports
