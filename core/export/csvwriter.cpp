#include "export/csvwriter.h"

#include <QChar>
#include <QString>

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

bool isTrigger(char32_t c)
{
    return c == U'=' || c == U'+' || c == U'-' || c == U'@';
}

// One code point of UTF-8 at `*p`, advancing it; an invalid sequence is one
// U+FFFD (it is no trigger, and nothing after it is looked at).
char32_t nextCodePoint(const unsigned char *&p, const unsigned char *end)
{
    const unsigned char lead = *p++;
    if (lead < 0x80)
        return lead;
    int length = 0;
    char32_t c = 0;
    if ((lead & 0xe0) == 0xc0) {
        length = 1;
        c = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
        length = 2;
        c = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
        length = 3;
        c = lead & 0x07;
    } else {
        return QChar::ReplacementCharacter;
    }
    for (int i = 0; i < length; ++i) {
        if (p == end || (*p & 0xc0) != 0x80)
            return QChar::ReplacementCharacter;
        c = (c << 6) | (*p++ & 0x3f);
    }
    return c;
}

// What a spreadsheet skips before it looks for "=": white space of any kind
// (tab, LF, no-break space, ideographic space…), controls, format characters
// (zero-width space, BOM, bidi marks, soft hyphen) and the other default
// ignorable code points (Hangul fillers, variation selectors, tags).
bool isBlankOrInvisible(char32_t c)
{
    switch (QChar::category(c)) {
    case QChar::Separator_Space:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
    case QChar::Other_Control:
    case QChar::Other_Format:
        return true;
    default:
        break;
    }
    return c == 0x034f || c == 0x115f || c == 0x1160 || c == 0x3164 || c == 0xffa0
        || (c >= 0x17b4 && c <= 0x17b5) || (c >= 0x180b && c <= 0x180f)
        || (c >= 0xfe00 && c <= 0xfe0f) || (c >= 0xe0000 && c <= 0xe0fff);
}

// The first character that is neither blank nor invisible, folded with NFKC
// (a full-width "＝" is "="), is a trigger. Only that character is folded,
// and only when it has a compatibility decomposition: NFKC leaves a code
// point without one starting as it did ("≠" is "=" + U+0338 canonically, and
// composes back to "≠"); tst_csvwriter checks this over every code point.
bool startsWithHiddenFormula(QByteArrayView cell)
{
    auto p = reinterpret_cast<const unsigned char *>(cell.data());
    const auto end = p + cell.size();
    while (p != end) {
        const char32_t c = nextCodePoint(p, end);
        if (isTrigger(c))
            return true;
        if (isBlankOrInvisible(c))
            continue;
        const QChar::Decomposition tag = QChar::decompositionTag(c);
        if (c < 0x80 || tag == QChar::NoDecomposition || tag == QChar::Canonical)
            return false;
        const QString folded = QString::fromUcs4(&c, 1).normalized(QString::NormalizationForm_KC);
        for (const QChar f : folded) {
            if (isTrigger(f.unicode()))
                return true;
            if (!isBlankOrInvisible(f.unicode()))
                return false;
        }
    }
    return false;
}

} // namespace

bool CsvWriter::needsNeutralizing(QByteArrayView cell)
{
    if (cell.isEmpty())
        return false;
    const auto first = static_cast<unsigned char>(cell.front());
    // OWASP's list as it is: a leading tab or CR is itself a trigger.
    if (isTrigger(first) || first == '\t' || first == '\r')
        return true;
    // The common case, a printable ASCII character first, decides at once.
    if (first > ' ' && first < 0x7f)
        return false;
    return startsWithHiddenFormula(cell);
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
