#pragma once

#include "util/expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>
#include <QStringList>
#include <QStringView>

// The header values of tus 1.0 resumable uploads (https://tus.io/protocols/
// resumable-upload), parsed without any state: the routes decide what a bad
// value answers. Upload-Expires is an IMF-fixdate: http::formatHttpDate().
namespace sluice::upload::tus {

// Tus-Resumable, on every request and response but OPTIONS requests.
inline constexpr char ProtocolVersion[] = "1.0.0";

bool isSupportedVersion(QByteArrayView tusResumable);

// Upload-Metadata (creation extension): "key base64value" or just "key".
struct MetadataPair
{
    QString key; // printable ASCII, no spaces or commas
    QByteArray value; // decoded; empty also when !hasValue
    bool hasValue = false;
};

// Pairs in the header's order. An empty header holds no pairs.
Expected<QList<MetadataPair>> parseMetadata(QByteArrayView header);
// The value for key as UTF-8 ("filename", "filetype"); empty when missing.
QString metadataValue(const QList<MetadataPair> &pairs, QStringView key);

// Upload-Checksum (checksum extension): "<algorithm> <base64 digest>".
struct Checksum
{
    QByteArray algorithm; // one of supportedChecksums()
    QByteArray digest; // raw, of the algorithm's length
};

// Tus-Checksum-Algorithm: what a ChunkDigest computes, "sha1,sha256,md5".
QByteArray supportedChecksums();
Expected<Checksum> parseChecksum(QByteArrayView header);

// Upload-Concat (concatenation extension): "partial", or "final;" and the
// partial uploads' URLs separated by single spaces.
struct Concat
{
    enum Kind { None, Partial, Final };
    Kind kind = None;
    // For Final, the partial uploads' ids (each URL's last path segment, as
    // sent) in order; otherwise empty.
    QStringList urls;
};

Expected<Concat> parseConcat(QByteArrayView header);

} // namespace sluice::upload::tus
