#include "http/contentdisposition.h"

#include <QList>
#include <QStringView>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

constexpr qsizetype kMaxExtensionBytes = 16;

// Characters that must not reach a saved file name: C0/C1 controls, line and
// paragraph separators, and the bidirectional overrides that make
// "evil\u202Etxt.exe" display as "evilexe.txt".
bool isHostile(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 || c == 0x061c
        || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
}

qsizetype utf8Length(char32_t c)
{
    return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

// The longest prefix of `s` that fits in maxBytes of UTF-8, whole code points only.
QString utf8Prefix(QStringView s, qsizetype maxBytes)
{
    qsizetype bytes = 0;
    qsizetype end = 0;
    for (qsizetype i = 0; i < s.size();) {
        const bool pair
            = s.at(i).isHighSurrogate() && i + 1 < s.size() && s.at(i + 1).isLowSurrogate();
        const char32_t c = pair ? QChar::surrogateToUcs4(s.at(i), s.at(i + 1)) : s.at(i).unicode();
        bytes += utf8Length(c);
        if (bytes > maxBytes)
            break;
        i += pair ? 2 : 1;
        end = i;
    }
    return s.first(end).toString();
}

// RFC 8187 attr-char: ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "."
// / "^" / "_" / "`" / "|" / "~"; everything else is percent-encoded.
QByteArray encodeExtValue(const QString &name)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    for (const char c : name.toUtf8()) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9')
            || QByteArrayView("!#$&+-.^_`|~").contains(c)) {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 0xf];
        }
    }
    return out;
}

// The quoted-string fallback for user agents without RFC 8187 support.
// '%' is replaced because some of them percent-decode this parameter (RFC
// 6266 §4.3).
QByteArray asciiFallback(const QString &name)
{
    QByteArray out;
    for (const char32_t c : name.toUcs4()) {
        const bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '%';
        out += plain ? char(c) : '_';
    }
    return out;
}

} // namespace

QString safeDownloadName(const QString &fileName, qsizetype maxUtf8Bytes)
{
    // Only the last path component, with both separators: the name may come
    // from a client running another operating system.
    // White space around it goes before controls become '_' (a tab is both).
    QString name
        = fileName.sliced(std::max(fileName.lastIndexOf(u'/'), fileName.lastIndexOf(u'\\')) + 1)
              .trimmed();

    QString cleaned;
    cleaned.reserve(name.size());
    for (const char32_t c : name.toUcs4()) {
        if (isHostile(c))
            cleaned += u'_';
        else
            cleaned += QStringView(QChar::fromUcs4(c));
    }
    // No hidden files, and no "." or "..".
    qsizetype start = 0;
    while (start < cleaned.size() && (cleaned.at(start) == u'.' || cleaned.at(start).isSpace()))
        ++start;
    name = cleaned.sliced(start).trimmed();

    if (name.toUtf8().size() > maxUtf8Bytes) {
        // Keep a short extension so that the saved file still opens with the right program.
        const qsizetype dot = name.lastIndexOf(u'.');
        const QString extension = dot > 0 ? name.sliced(dot) : QString();
        const qsizetype extensionBytes = extension.toUtf8().size();
        if (extensionBytes > 0 && extensionBytes <= kMaxExtensionBytes
            && extensionBytes < maxUtf8Bytes) {
            name = utf8Prefix(QStringView(name).first(dot), maxUtf8Bytes - extensionBytes).trimmed()
                + extension;
        } else {
            name = utf8Prefix(name, maxUtf8Bytes).trimmed();
        }
    }
    if (name.isEmpty() || name.startsWith(u'.'))
        return u"download"_s + name;
    return name;
}

QByteArray contentDisposition(const QString &fileName, bool attachment)
{
    const QString name = safeDownloadName(fileName);
    const QByteArray fallback = asciiFallback(name);
    QByteArray value = attachment ? "attachment" : "inline";
    value += "; filename=\"" + fallback + '"';
    if (fallback != name.toUtf8())
        value += "; filename*=UTF-8''" + encodeExtValue(name);
    return value;
}

} // namespace sluice::http
