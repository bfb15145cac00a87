#include "upload/filenames.h"

#include <QStringView>
#include <QTextBoundaryFinder>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace {

constexpr qsizetype kMaxExtensionBytes = 16;

// Dropped outright: C0 and C1 controls, line and paragraph separators, and
// the bidirectional formatting characters that make "evil\u202Etxt.exe"
// display as "evilexe.txt".
bool isDropped(char32_t c)
{
    return c < 0x20 || (c >= 0x7f && c < 0xa0) || c == 0x2028 || c == 0x2029 || c == 0x061c
        || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
}

// Reserved or meaningful on Windows, macOS (':') or in shells.
bool isReplaced(char32_t c)
{
    return c == '<' || c == '>' || c == ':' || c == '"' || c == '|' || c == '?' || c == '*';
}

QString cleanCharacters(QStringView name)
{
    QString out;
    out.reserve(name.size());
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar ch = name.at(i);
        char32_t c = ch.unicode();
        if (ch.isHighSurrogate() && i + 1 < name.size() && name.at(i + 1).isLowSurrogate()) {
            c = QChar::surrogateToUcs4(ch, name.at(i + 1));
            ++i;
        } else if (ch.isSurrogate()) {
            continue; // a lone half of a pair has no UTF-8 form
        }
        if (isDropped(c))
            continue;
        if (isReplaced(c))
            out += u'_';
        else
            out += QStringView(QChar::fromUcs4(c));
    }
    return out;
}

QString trimDotsAndSpaces(const QString &name)
{
    qsizetype start = 0;
    qsizetype end = name.size();
    while (start < end && (name.at(start) == u'.' || name.at(start).isSpace()))
        ++start;
    while (end > start && (name.at(end - 1) == u'.' || name.at(end - 1).isSpace()))
        --end;
    return name.sliced(start, end - start);
}

bool isWindowsDeviceName(QStringView name)
{
    const QStringView stem = name.left(name.indexOf(u'.')).trimmed();
    static constexpr QStringView fixed[] = {u"CON", u"PRN", u"AUX", u"NUL"};
    for (QStringView reserved : fixed) {
        if (stem.compare(reserved, Qt::CaseInsensitive) == 0)
            return true;
    }
    return stem.size() == 4
        && (stem.startsWith(u"COM", Qt::CaseInsensitive)
            || stem.startsWith(u"LPT", Qt::CaseInsensitive))
        && stem.at(3) >= u'0' && stem.at(3) <= u'9';
}

// The longest prefix of `s` that fits in maxBytes of UTF-8 and ends between
// two grapheme clusters, so that no character, combining mark or emoji
// sequence is cut in half.
QString utf8Prefix(const QString &s, qsizetype maxBytes)
{
    QTextBoundaryFinder finder(QTextBoundaryFinder::Grapheme, s);
    qsizetype bytes = 0;
    qsizetype end = 0;
    for (qsizetype next = finder.toNextBoundary(); next > 0; next = finder.toNextBoundary()) {
        bytes += QStringView(s).sliced(end, next - end).toUtf8().size();
        if (bytes > maxBytes)
            break;
        end = next;
    }
    return s.left(end);
}

QString limitLength(const QString &name)
{
    if (name.toUtf8().size() <= kMaxFileNameBytes)
        return name;
    // Keep a short extension so that the stored file still opens with the
    // right program.
    const qsizetype dot = name.lastIndexOf(u'.');
    const QString extension = dot > 0 ? name.sliced(dot) : QString();
    const qsizetype extensionBytes = extension.toUtf8().size();
    if (extensionBytes > 0 && extensionBytes <= kMaxExtensionBytes) {
        const QString stem = utf8Prefix(name.first(dot), kMaxFileNameBytes - extensionBytes);
        return trimDotsAndSpaces(stem) + extension;
    }
    return trimDotsAndSpaces(utf8Prefix(name, kMaxFileNameBytes));
}

} // namespace

QString sanitizeFileName(const QString &raw)
{
    // Controls go before the path split so that "a/\0" cannot hide a
    // separator, and before trimming so that "\0.bashrc" loses its dot.
    const QString cleaned = cleanCharacters(raw.normalized(QString::NormalizationForm_C));
    const qsizetype separator = std::max(cleaned.lastIndexOf(u'/'), cleaned.lastIndexOf(u'\\'));
    // Trimmed again after the cut: a stem that was one huge grapheme cluster
    // leaves only ".ext".
    QString name = trimDotsAndSpaces(limitLength(trimDotsAndSpaces(cleaned.sliced(separator + 1))));
    if (name.isEmpty())
        return u"upload"_s;
    if (isWindowsDeviceName(name)) {
        name.prepend(u'_');
        if (name.toUtf8().size() > kMaxFileNameBytes)
            name = limitLength(name);
    }
    return name;
}

} // namespace sluice::upload
