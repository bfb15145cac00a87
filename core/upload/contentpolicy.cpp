#include "upload/contentpolicy.h"

#include <QMimeDatabase>
#include <QStringBuilder>

#include <array>
#include <optional>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace {

constexpr auto OctetStream = "application/octet-stream"_L1;

QString mediaTypeOf(QByteArrayView contentType)
{
    QByteArrayView type = contentType;
    if (const qsizetype semicolon = type.indexOf(';'); semicolon >= 0)
        type = type.first(semicolon);
    return QString::fromLatin1(type.trimmed()).toLower();
}

bool related(const QMimeType &a, const QMimeType &b)
{
    return a == b || a.inherits(b.name()) || b.inherits(a.name());
}

// "sha-256=:BASE64:" out of an RFC 9530 dictionary; other members ignored.
Expected<std::optional<QByteArray>> dictionarySha256(QByteArrayView value, const QString &header)
{
    std::optional<QByteArray> found;
    for (QByteArrayView member : QByteArray(value.toByteArray()).split(',')) {
        member = member.trimmed();
        if (member.isEmpty())
            continue;
        const qsizetype eq = member.indexOf('=');
        if (eq <= 0)
            return Error {header % u": expected algorithm=:base64: members (RFC 9530)"_s};
        const QByteArray key = member.first(eq).trimmed().toByteArray();
        // RFC 8941 keys: lowercase letter or '*' first, then lcalpha, digits, _ - . *
        const bool validKey = !key.isEmpty() && ((key[0] >= 'a' && key[0] <= 'z') || key[0] == '*')
            && std::all_of(key.begin(), key.end(), [](char c) {
                   return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
                       || c == '.' || c == '*';
               });
        if (!validKey)
            return Error {header % u": expected algorithm=:base64: members (RFC 9530)"_s};
        if (key != "sha-256")
            continue;
        QByteArrayView encoded = member.sliced(eq + 1).trimmed();
        if (const qsizetype params = encoded.indexOf(';'); params >= 0)
            encoded = encoded.first(params);
        if (encoded.size() < 2 || !encoded.startsWith(':') || !encoded.endsWith(':'))
            return Error {header % u": the sha-256 value must be a byte sequence, :base64:"_s};
        const auto decoded
            = QByteArray::fromBase64Encoding(encoded.sliced(1, encoded.size() - 2).toByteArray(),
                                             QByteArray::AbortOnBase64DecodingErrors);
        if (!decoded || decoded.decoded.size() != 32)
            return Error {header % u": the sha-256 value must be 32 bytes in base64"_s};
        if (found && *found != decoded.decoded)
            return Error {header % u": two different sha-256 values"_s};
        found = decoded.decoded;
    }
    return found;
}

Expected<QByteArray> plainSha256(QByteArrayView value, const QString &header)
{
    const QByteArray text = value.trimmed().toByteArray();
    static constexpr auto hexDigits = "0123456789abcdefABCDEF"_L1;
    const bool hex = text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
                         return hexDigits.contains(QLatin1Char(c));
                     });
    if (hex)
        return QByteArray::fromHex(text);
    const auto decoded
        = QByteArray::fromBase64Encoding(text, QByteArray::AbortOnBase64DecodingErrors);
    if (decoded && decoded.decoded.size() == 32)
        return decoded.decoded;
    return Error {header % u": expected 64 hexadecimal digits or 32 bytes in base64"_s};
}

template<typename Fields> Expected<std::optional<ExpectedDigest>> digestOf(const Fields &fields)
{
    std::optional<ExpectedDigest> result;
    for (const auto &[name, value] : fields) {
        const QByteArray lower = name.toLower();
        std::optional<QByteArray> digest;
        QString header;
        if (lower == "content-digest" || lower == "repr-digest") {
            header = QString::fromLatin1(name);
            auto parsed = dictionarySha256(value, header);
            if (!parsed)
                return parsed.error();
            digest = *parsed;
        } else if (lower == "x-checksum-sha256") {
            header = QString::fromLatin1(name);
            auto parsed = plainSha256(value, header);
            if (!parsed)
                return parsed.error();
            digest = *parsed;
        }
        if (!digest)
            continue;
        if (result && result->sha256 != *digest)
            return Error {
                u"%1 and %2 give different SHA-256 digests"_s.arg(result->header, header)};
        if (!result)
            result = ExpectedDigest {*digest, header};
    }
    return result;
}

// Documents a browser runs scripts in. Each inherits text/plain (SVG and
// XHTML through application/xml), so listing text/plain would let them in:
// they are accepted only when the operator lists them, or a type of their own
// family, by name.
constexpr std::array ActiveContent {"text/html"_L1, "application/xhtml+xml"_L1, "image/svg+xml"_L1};

bool isOrInherits(const QMimeType &mime, const QString &type, QLatin1StringView other)
{
    return type == other || (mime.isValid() && mime.inherits(other));
}

std::optional<QLatin1StringView> activeFamily(const QMimeType &mime, const QString &type)
{
    for (const QLatin1StringView active : ActiveContent) {
        if (isOrInherits(mime, type, active))
            return active;
    }
    return std::nullopt;
}

// Why a listed parent (text/plain) did not let a type in.
QString activeContentNote(const QString &type)
{
    const auto family = activeFamily(QMimeDatabase().mimeTypeForName(type), type);
    return family ? u"; %1 is accepted only when upload_types lists it by name"_s.arg(*family)
                  : QString();
}

} // namespace

ContentPolicy::ContentPolicy(QStringList allowedTypes)
    : m_allowed(std::move(allowedTypes))
{ }

bool ContentPolicy::isAllowed(const QString &type) const
{
    const QMimeDatabase db;
    const QMimeType mime = db.mimeTypeForName(type);
    const auto family = activeFamily(mime, type);
    for (const QString &allowed : m_allowed) {
        if (allowed != type && !(mime.isValid() && mime.inherits(allowed)))
            continue;
        if (!family)
            return true;
        const QMimeType listed = db.mimeTypeForName(allowed);
        if (isOrInherits(listed, allowed, *family))
            return true;
    }
    return false;
}

Expected<QString> ContentPolicy::checkDeclared(QByteArrayView contentType) const
{
    const QString declared = mediaTypeOf(contentType);
    if (declared.isEmpty() || declared == OctetStream)
        return QString();
    const QMimeDatabase db;
    const QMimeType mime = db.mimeTypeForName(declared);
    const QString name = mime.isValid() ? mime.name() : declared;
    if (!isAllowed(name))
        return Error {u"the declared type %1 is not accepted (allowed: %2)%3"_s.arg(
            name, m_allowed.join(u", "_s), activeContentNote(name))};
    return name;
}

Expected<QString> ContentPolicy::checkContent(const QString &fileName, const QString &declaredType,
                                              const QByteArray &firstBytes) const
{
    const QMimeDatabase db;
    if (firstBytes.isEmpty()) {
        // Nothing to sniff: an empty file is what it was declared to be, and
        // needs that declaration to be acceptable.
        const QString type = declaredType.isEmpty()
            ? db.mimeTypeForFile(fileName, QMimeDatabase::MatchExtension).name()
            : declaredType;
        if (!isAllowed(type))
            return Error {u"an empty file of type %1 is not accepted"_s.arg(type)};
        return type;
    }
    const QMimeType content = db.mimeTypeForData(firstBytes);
    QMimeType effective = content;
    const QMimeType byName = db.mimeTypeForFile(fileName, QMimeDatabase::MatchExtension);
    // Everything inherits application/octet-stream: a name never refines that.
    if (byName.isValid() && content.name() != OctetStream && byName.inherits(content.name()))
        effective = byName;
    if (!declaredType.isEmpty()) {
        const QMimeType declared = db.mimeTypeForName(declaredType);
        if (!declared.isValid() || !related(declared, content))
            return Error {
                u"declared as %1 but the content is %2"_s.arg(declaredType, content.name())};
        if (declared.inherits(content.name()))
            effective = declared;
    }
    if (!isAllowed(effective.name()))
        return Error {u"the content is %1, which is not accepted (allowed: %2)%3"_s.arg(
            effective.name(), m_allowed.join(u", "_s), activeContentNote(effective.name()))};
    return effective.name();
}

Expected<std::optional<ExpectedDigest>> expectedDigest(const http::Headers &headers)
{
    return digestOf(headers.fields());
}

Expected<std::optional<ExpectedDigest>>
expectedDigest(const QList<std::pair<QByteArray, QByteArray>> &fields)
{
    return digestOf(fields);
}

} // namespace sluice::upload
