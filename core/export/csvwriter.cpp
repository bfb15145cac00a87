#include "export/csvwriter.h"

#include <cstring>

namespace sluice::exports {

namespace {

bool needsQuotes(QByteArrayView cell)
{
    for (const char c : cell) {
        if (c == ',' || c == '"' || c == '\r' || c == '\n')
            return true;
    }
    return false;
}

} // namespace

bool CsvWriter::needsNeutralizing(QByteArrayView cell)
{
    if (cell.isEmpty())
        return false;
    const char c = cell.front();
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

void CsvWriter::header(const QStringList &columns)
{
    for (const QString &column : columns)
        text(column.toUtf8());
    endRow();
}

void CsvWriter::text(QByteArrayView cell)
{
    separate();
    const bool apostrophe = m_neutralize && needsNeutralizing(cell);
    if (needsQuotes(cell)) {
        quoted(cell, apostrophe);
        return;
    }
    if (apostrophe)
        m_buffer.append('\'');
    m_buffer.append(cell.data(), cell.size());
}

void CsvWriter::number(QByteArrayView digits)
{
    separate();
    m_buffer.append(digits.data(), digits.size());
}

void CsvWriter::quoted(QByteArrayView cell, bool apostrophe)
{
    m_buffer.append('"');
    if (apostrophe)
        m_buffer.append('\'');
    const char *p = cell.data();
    const char *end = p + cell.size();
    while (p < end) {
        const char *q = static_cast<const char *>(std::memchr(p, '"', size_t(end - p)));
        if (!q) {
            m_buffer.append(p, end - p);
            break;
        }
        m_buffer.append(p, q - p + 1).append('"'); // RFC 4180 §2.7: "" inside quotes
        p = q + 1;
    }
    m_buffer.append('"');
}

} // namespace sluice::exports
