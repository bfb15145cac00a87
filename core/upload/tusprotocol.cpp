#include "upload/tusprotocol.h"

#include <QSet>
#include <QStringBuilder>
#include <QUrl>

#include <algorithm>
#include <optional>

using namespace Qt::StringLiterals;

namespace sluice::upload::tus {

namespace {

struct ChecksumAlgorithm
{
    QByteArrayView name;
    qsizetype digestBytes;
};

// The names ChunkDigest knows; tst_tusprotocol checks that the two agree.
constexpr ChecksumAlgorithm ChecksumAlgorithms[] = {{"sha1", 20}, {"sha256", 32}, {"md5", 16}};

// VCHAR (RFC 5234): printable ASCII but the space.
bool isVisibleAscii(char c)
{
    return c > 0x20 && c < 0x7f;
}

// The offending text for an error message, quoted: printable ASCII as it is,
// anything else as '?', and cut short, so that a message stays one short line
// whatever a client sent.
QString shown(QByteArrayView text)
{
    constexpr qsizetype Limit = 60;
    QString result = u"\""_s;
    for (char c : text.first(std::min(text.size(), Limit)))
        result += isVisibleAscii(c) || c == ' ' ? QChar::fromLatin1(c) : QChar(u'?');
    if (text.size() > Limit)
        result += u"..."_s;
    return result + u'"';
}

// Strict standard base64 with padding. Qt's decoder accepts missing padding
// and stray bits in the last character; only the canonical encoding of some
// bytes survives encoding the result back.
std::optional<QByteArray> decodeBase64(QByteArrayView text)
{
    const auto result = QByteArray::fromBase64Encoding(
        text.toByteArray(), QByteArray::Base64Encoding | QByteArray::AbortOnBase64DecodingErrors);
    if (result.decodingStatus != QByteArray::Base64DecodingStatus::Ok
        || result.decoded.toBase64() != text)
        return std::nullopt;
    return result.decoded;
}

Expected<MetadataPair> parseMetadataPair(QByteArrayView pair, qsizetype number)
{
    const auto failure = [&](QStringView why) {
        return Error {u"Upload-Metadata pair "_s % QString::number(number) % u' ' % shown(pair)
                      % u": "_s % why};
    };
    if (pair.isEmpty())
        return Error {u"Upload-Metadata pair "_s % QString::number(number) % u" is empty"_s};

    const qsizetype space = pair.indexOf(' ');
    const QByteArrayView key = space < 0 ? pair : pair.first(space);
    if (!std::all_of(key.begin(), key.end(), isVisibleAscii))
        return failure(u"the key must be printable ASCII without spaces or commas");
    if (space < 0)
        return MetadataPair {QString::fromLatin1(key), {}, false};

    const QByteArrayView encoded = pair.sliced(space + 1);
    if (encoded.contains(' '))
        return failure(u"the key and the value must be separated by one space");
    const std::optional<QByteArray> value = decodeBase64(encoded);
    if (!value)
        return failure(u"the value is not standard base64 with padding");
    return MetadataPair {QString::fromLatin1(key), *value, true};
}

// The id in a partial upload's URL: its last path segment as sent (ids are
// ours and need no decoding). An absolute http(s) URL or an absolute path: a
// relative reference would depend on the URL the client resolved it against.
std::optional<QString> partialUploadId(QByteArrayView text)
{
    if (!std::all_of(text.begin(), text.end(), isVisibleAscii))
        return std::nullopt;
    const QUrl url(QString::fromLatin1(text), QUrl::StrictMode);
    if (!url.isValid())
        return std::nullopt;
    const bool absolute
        = (url.scheme() == "http"_L1 || url.scheme() == "https"_L1) && !url.host().isEmpty();
    const bool pathOnly = text.startsWith('/') && !text.startsWith("//");
    if (!absolute && !pathOnly)
        return std::nullopt;
    const QString path = url.path(QUrl::FullyEncoded);
    const QString id = path.sliced(path.lastIndexOf(u'/') + 1);
    // "." and ".." name no upload, and must never reach a file name.
    if (id.isEmpty() || id == "."_L1 || id == ".."_L1)
        return std::nullopt;
    return id;
}

} // namespace

bool isSupportedVersion(QByteArrayView tusResumable)
{
    return tusResumable.trimmed() == QByteArrayView(ProtocolVersion);
}

Expected<QList<MetadataPair>> parseMetadata(QByteArrayView header)
{
    QList<MetadataPair> pairs;
    if (header.trimmed().isEmpty())
        return pairs;
    QSet<QString> keys;
    const QList<QByteArray> items = header.toByteArray().split(',');
    for (qsizetype i = 0; i < items.size(); ++i) {
        Expected<MetadataPair> pair = parseMetadataPair(items.at(i).trimmed(), i + 1);
        if (!pair)
            return pair.error();
        if (keys.contains(pair->key))
            return Error {u"Upload-Metadata pair "_s % QString::number(i + 1) % u' '
                          % shown(items.at(i).trimmed()) % u": the key "_s
                          % shown(pair->key.toLatin1()) % u" appears twice"_s};
        keys.insert(pair->key);
        pairs.append(std::move(*pair));
    }
    return pairs;
}

QString metadataValue(const QList<MetadataPair> &pairs, QStringView key)
{
    for (const MetadataPair &pair : pairs) {
        if (pair.key == key)
            return QString::fromUtf8(pair.value);
    }
    return {};
}

QByteArray supportedChecksums()
{
    QByteArray list;
    for (const ChecksumAlgorithm &algorithm : ChecksumAlgorithms)
        list += (list.isEmpty() ? "" : ",") + algorithm.name.toByteArray();
    return list;
}

Expected<Checksum> parseChecksum(QByteArrayView header)
{
    const QByteArrayView text = header.trimmed();
    const qsizetype space = text.indexOf(' ');
    if (space <= 0)
        return Error {u"Upload-Checksum "_s % shown(text)
                      % u" is not an algorithm and a base64 digest separated by a space"_s};
    const QByteArrayView name = text.first(space);
    const QByteArrayView encoded = text.sliced(space + 1);

    const auto algorithm
        = std::find_if(std::begin(ChecksumAlgorithms), std::end(ChecksumAlgorithms),
                       [name](const ChecksumAlgorithm &known) { return known.name == name; });
    if (algorithm == std::end(ChecksumAlgorithms))
        return Error {u"Upload-Checksum names the algorithm "_s % shown(name)
                      % u", which is not one of "_s % QString::fromLatin1(supportedChecksums())};
    if (encoded.contains(' '))
        return Error {u"Upload-Checksum "_s % shown(text)
                      % u": the algorithm and the digest must be separated by one space"_s};
    const std::optional<QByteArray> digest = decodeBase64(encoded);
    if (!digest)
        return Error {u"Upload-Checksum: the "_s % QString::fromLatin1(name) % u" digest "_s
                      % shown(encoded) % u" is not standard base64 with padding"_s};
    if (digest->size() != algorithm->digestBytes)
        return Error {u"Upload-Checksum: a "_s % QString::fromLatin1(name) % u" digest has "_s
                      % QString::number(algorithm->digestBytes) % u" bytes, not "_s
                      % QString::number(digest->size())};
    return Checksum {name.toByteArray(), *digest};
}

Expected<Concat> parseConcat(QByteArrayView header)
{
    const QByteArrayView text = header.trimmed();
    if (text.isEmpty())
        return Concat {};
    if (text == "partial")
        return Concat {Concat::Partial, {}};
    if (!text.startsWith("final;"))
        return Error {u"Upload-Concat "_s % shown(text)
                      % u" is neither \"partial\" nor \"final;\" and the partial uploads' URLs"_s};

    const QByteArrayView list = text.sliced(qstrlen("final;")).trimmed();
    if (list.isEmpty())
        return Error {u"Upload-Concat \"final;\" names no partial uploads"_s};
    Concat concat {Concat::Final, {}};
    const QList<QByteArray> urls = list.toByteArray().split(' ');
    for (qsizetype i = 0; i < urls.size(); ++i) {
        const QString number = QString::number(i + 1);
        if (urls.at(i).isEmpty())
            return Error {u"Upload-Concat: URL "_s % number
                          % u" is empty (URLs are separated by one space)"_s};
        const std::optional<QString> id = partialUploadId(urls.at(i));
        if (!id)
            return Error {u"Upload-Concat: URL "_s % number % u' ' % shown(urls.at(i))
                          % u" is neither an http(s) URL nor an absolute path ending in an "
                            u"upload's id"_s};
        concat.urls.append(*id);
    }
    return concat;
}

} // namespace sluice::upload::tus
