#pragma once

#include "http/httptypes.h"
#include "util/expected.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <optional>

namespace sluice::upload {

// The media type rules of an upload (config `upload_types`). A type is
// allowed when it, or one of its parents in the shared MIME database, is
// listed: text/csv passes with text/plain listed. Listing
// application/octet-stream allows everything else. The exception: documents
// that browsers run scripts in (text/html, application/xhtml+xml,
// image/svg+xml, all children of text/plain) pass only when that type, or
// one of its own family, is listed by name.
class ContentPolicy
{
public:
    ContentPolicy() = default; // allows nothing
    explicit ContentPolicy(QStringList allowedTypes);

    // The declared type of a body or part (a Content-Type value, parameters
    // ignored), checked before any byte is read. Empty and
    // application/octet-stream declare nothing ("unknown", as browsers send
    // for unknown extensions) and pass; the content decides. Otherwise the
    // canonical type name, or an error for a type that is not allowed.
    Expected<QString> checkDeclared(QByteArrayView contentType) const;

    // The type of the content itself, from its first bytes (headers lie):
    // it must be allowed and agree with what was declared (one a parent of
    // the other). The file name refines a generic content type (a .csv file
    // whose bytes read as text/plain is text/csv). Returns the type to record.
    Expected<QString> checkContent(const QString &fileName, const QString &declaredType,
                                   const QByteArray &firstBytes) const;

    const QStringList &allowedTypes() const { return m_allowed; }

private:
    bool isAllowed(const QString &type) const;

    QStringList m_allowed;
};

// A SHA-256 the client expects, from one of the checksum headers.
struct ExpectedDigest
{
    QByteArray sha256; // 32 raw bytes
    QString header; // the field it came from, for error messages
};

// Reads Content-Digest and Repr-Digest (RFC 9530: a structured dictionary,
// `sha-256=:BASE64:`) and X-Checksum-Sha256 (64 hex digits or base64). For
// an upload without content coding the content and representation digests
// are the same bytes. nullopt when no SHA-256 was sent (other algorithms are
// ignored); an error (400) for a malformed value or digests that disagree.
Expected<std::optional<ExpectedDigest>> expectedDigest(const http::Headers &headers);
// The same for the headers of one multipart part.
Expected<std::optional<ExpectedDigest>>
expectedDigest(const QList<std::pair<QByteArray, QByteArray>> &fields);

} // namespace sluice::upload
