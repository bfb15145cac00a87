#include "config/jsontext_p.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>
#include <QStringBuilder>

#include <vector>

using namespace Qt::StringLiterals;

namespace sluice::config::detail {

TextPosition textPosition(QByteArrayView text, qsizetype offset)
{
    TextPosition position;
    offset = qBound(qsizetype(0), offset, text.size());
    for (qsizetype i = 0; i < offset; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (byte == '\n') {
            ++position.line;
            position.column = 1;
        } else if ((byte & 0xC0) != 0x80) { // not a UTF-8 continuation byte
            ++position.column;
        }
    }
    return position;
}

JsonKeyLines::JsonKeyLines(QByteArrayView json)
{
    struct Container
    {
        QString path;
        bool isArray = false;
        int index = 0; // arrays: the current element
        bool elementSeen = false; // arrays: its start was recorded
        bool expectingKey = true; // objects: next string is a key
        QString key; // objects: the current key
    };
    std::vector<Container> stack;

    // The path of the value that starts at the current position.
    const auto valuePath = [&stack]() -> QString {
        if (stack.empty())
            return {};
        const Container &top = stack.back();
        if (top.isArray)
            return top.path % u'[' % QString::number(top.index) % u']';
        return top.path.isEmpty() ? top.key : top.path % u'.' % top.key;
    };

    int line = 1;
    for (qsizetype i = 0; i < json.size(); ++i) {
        const char c = json[i];
        if (c == '\n')
            ++line;
        if (c == '\n' || c == ' ' || c == '\t' || c == '\r')
            continue;

        if (!stack.empty() && stack.back().isArray && !stack.back().elementSeen && c != ']'
            && c != ',') {
            record(valuePath(), line, false);
            stack.back().elementSeen = true;
        }

        switch (c) {
        case '{':
        case '[':
            stack.push_back({valuePath(), c == '[', 0, false, true, {}});
            break;
        case '}':
        case ']':
            if (!stack.empty())
                stack.pop_back();
            break;
        case ',':
            if (!stack.empty() && stack.back().isArray) {
                ++stack.back().index;
                stack.back().elementSeen = false;
            } else if (!stack.empty()) {
                stack.back().expectingKey = true;
            }
            break;
        case ':':
            if (!stack.empty())
                stack.back().expectingKey = false;
            break;
        case '"': {
            qsizetype end = i + 1;
            while (end < json.size() && json[end] != '"')
                end += json[end] == '\\' ? 2 : 1;
            if (!stack.empty() && !stack.back().isArray && stack.back().expectingKey) {
                stack.back().key
                    = QString::fromUtf8(json.sliced(i + 1, qMin(end, json.size()) - i - 1));
                record(valuePath(), line, true);
            }
            i = end;
            break;
        }
        default:
            break;
        }
    }
}

void JsonKeyLines::record(const QString &path, int line, bool isKey)
{
    const auto existing = m_lines.constFind(path);
    if (existing == m_lines.cend()) {
        m_lines.insert(path, line);
    } else if (isKey) {
        m_duplicates.append({path, line, existing.value()});
    }
}

int JsonKeyLines::lineOf(QStringView path) const
{
    while (!path.isEmpty()) {
        const auto found = m_lines.constFind(path.toString());
        if (found != m_lines.cend())
            return found.value();
        // Drop the last ".key" or "[index]".
        const qsizetype cut = qMax(path.lastIndexOf(u'.'), path.lastIndexOf(u'['));
        path = path.first(qMax(cut, qsizetype(0)));
    }
    return 1;
}

QString describeJsonValue(const QJsonValue &value)
{
    switch (value.type()) {
    case QJsonValue::Null:
        return u"null"_s;
    case QJsonValue::Bool:
        return value.toBool() ? u"true"_s : u"false"_s;
    case QJsonValue::Double: {
        // Integers print exactly even beyond 2^53; everything else shortest.
        const qint64 integer = value.toInteger();
        if (double(integer) == value.toDouble())
            return QString::number(integer);
        return QString::number(value.toDouble(), 'g', QLocale::FloatingPointShortest);
    }
    case QJsonValue::String: {
        constexpr qsizetype MaxShown = 40;
        QString text = value.toString();
        if (text.size() > MaxShown)
            text = text.first(MaxShown) % u"..."_s;
        return QString::fromUtf8(jsonQuoted(text));
    }
    case QJsonValue::Array:
        return u"an array"_s;
    case QJsonValue::Object:
        return u"an object"_s;
    case QJsonValue::Undefined:
        break;
    }
    return u"nothing"_s;
}

QByteArray jsonQuoted(const QString &text)
{
    // Let Qt do the escaping: serialise a one-element array and strip "[" "]".
    const QByteArray array = QJsonDocument(QJsonArray {text}).toJson(QJsonDocument::Compact);
    return array.sliced(1, array.size() - 2);
}

} // namespace sluice::config::detail
