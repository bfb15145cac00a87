#pragma once

// Private to the config subsystem: helpers that relate JSON values back to the
// text an operator edits, for error messages that point at a line.

#include <QByteArray>
#include <QByteArrayView>
#include <QHash>
#include <QJsonValue>
#include <QList>
#include <QString>

namespace sluice::config::detail {

struct TextPosition
{
    int line = 1; // 1-based
    int column = 1; // 1-based, in characters
};

// The position of a byte offset in UTF-8 text.
TextPosition textPosition(QByteArrayView text, qsizetype offset);

// Maps key paths ("limits.max_connections", "accounts[1].tokens[0].sha256")
// to the line where each key (or array element) first occurs. Meant for text
// that QJsonDocument has already parsed; on anything else it is a best effort.
class JsonKeyLines final
{
public:
    struct Duplicate
    {
        QString path;
        int line;
        int firstLine;
    };

    explicit JsonKeyLines(QByteArrayView json);

    // The line of path, else of its nearest enclosing key or element, else 1.
    int lineOf(QStringView path) const;
    // Keys that occur more than once in the same object (QJsonDocument keeps
    // only the last one, silently).
    const QList<Duplicate> &duplicates() const { return m_duplicates; }

private:
    void record(const QString &path, int line, bool isKey);

    QHash<QString, int> m_lines;
    QList<Duplicate> m_duplicates;
};

// A JSON value as an operator would write it, shortened when long.
QString describeJsonValue(const QJsonValue &value);

// A string as a JSON string literal, quotes included, UTF-8.
QByteArray jsonQuoted(const QString &text);

} // namespace sluice::config::detail
