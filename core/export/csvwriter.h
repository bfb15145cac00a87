#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QStringList>

namespace sluice::exports {

// Appends CSV per RFC 4180 to a buffer: fields separated by commas, records
// ended by CRLF, a field quoted when it holds a comma, a double quote, CR or
// LF (inner quotes doubled). Bytes are passed through as given (UTF-8).
//
// Formula neutralisation (when enabled): a *text* cell that starts with a tab
// or a CR, or whose first character that is neither white space nor invisible
// (zero-width space, BOM, other format characters), folded with Unicode NFKC,
// is = + - @ (so " =1", "\u3000=1" and a full-width "＝1" too) gets a leading
// apostrophe, so that a spreadsheet shows it instead of evaluating it. Numbers
// are never altered (-12.50 stays a number); only values the database typed
// as text are.
class CsvWriter final
{
public:
    explicit CsvWriter(bool neutralizeFormulas = true)
        : m_neutralize(neutralizeFormulas)
    { }

    void header(const QStringList &columns);
    void text(QByteArrayView utf8); // a text cell
    void number(QByteArrayView digits); // a numeric cell: written as is
    void null() { separate(); } // an empty cell
    void endRow()
    {
        m_buffer.append("\r\n", 2);
        m_first = true;
    }

    QByteArray &buffer() { return m_buffer; }
    QByteArray take()
    {
        QByteArray out = std::move(m_buffer);
        m_buffer = QByteArray();
        return out;
    }

    static bool needsNeutralizing(QByteArrayView cell);

private:
    void separate()
    {
        if (!m_first)
            m_buffer.append(',');
        m_first = false;
    }
    void quoted(QByteArrayView cell, bool apostrophe);

    QByteArray m_buffer;
    bool m_first = true;
    bool m_neutralize;
};

} // namespace sluice::exports
