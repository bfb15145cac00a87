#include "service/tusroutes.h"

#include "http/exchange.h"
#include "upload/filenames.h"
#include "upload/resumable.h"
#include "upload/uploadrecord.h"

#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {

using http::Exchange;
using http::HttpError;
using http::Response;
using upload::ResumableUploads;

constexpr QByteArrayView ChunkType = "application/offset+octet-stream";
constexpr QByteArrayView Extensions = "creation,creation-with-upload,creation-defer-length,"
                                      "expiration,checksum,checksum-trailer,termination,"
                                      "concatenation";

void refuse(Exchange &ex, const HttpError &error)
{
    ex.respond(ResumableUploads::errorResponse(error));
}

// A non-negative decimal number and nothing else; nullopt otherwise.
std::optional<qint64> parseCount(QByteArrayView text)
{
    if (text.isEmpty() || text.size() > 18)
        return std::nullopt;
    qint64 value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return std::nullopt;
        value = value * 10 + (c - '0');
    }
    return value;
}

// Every request but OPTIONS names the protocol version (412 otherwise).
bool checkVersion(Exchange &ex)
{
    const QByteArray version = ex.request().headers.value("tus-resumable");
    if (upload::tus::isSupportedVersion(version))
        return true;
    Response response = ResumableUploads::errorResponse(
        {412,
         version.isEmpty()
             ? u"Tus-Resumable is missing; this server speaks tus 1.0.0"_s
             : u"Tus-Resumable %1 is not supported; this server speaks tus 1.0.0"_s.arg(
                 QString::fromLatin1(version.left(32)))});
    response.headers.set("Tus-Version", "1.0.0");
    ex.respond(std::move(response));
    return false;
}

std::optional<QString> uploadId(Exchange &ex)
{
    const QString id = ex.pathParam(u"id"_s);
    if (!upload::isValidUploadId(id)) {
        refuse(ex, {404, u"no resumable upload %1"_s.arg(id.left(64))});
        return std::nullopt;
    }
    return id;
}

bool isChunkType(const QByteArray &contentType)
{
    return contentType.split(';').first().trimmed().compare(ChunkType, Qt::CaseInsensitive) == 0;
}

// Upload-Checksum and Trailer of a request that carries bytes.
bool parseChecksum(Exchange &ex, upload::ResumablePatch *chunk)
{
    const http::Headers &headers = ex.request().headers;
    if (headers.contains("upload-checksum")) {
        auto checksum = upload::tus::parseChecksum(headers.value("upload-checksum"));
        if (!checksum) {
            refuse(ex, {400, u"Upload-Checksum: "_s % checksum.error().message});
            return false;
        }
        chunk->checksum = *checksum;
    }
    chunk->checksumInTrailer = http::listContainsToken(headers.value("trailer"), "upload-checksum");
    if (chunk->checksumInTrailer && !ex.request().chunked) {
        refuse(ex, {400, u"an Upload-Checksum trailer needs Transfer-Encoding: chunked"_s});
        return false;
    }
    return true;
}

void options(Exchange &ex, const TusRoutesContext &context)
{
    Response response = Response::text(204, {});
    ResumableUploads::addProtocolHeaders(response);
    response.headers.set("Tus-Version", "1.0.0");
    response.headers.set("Tus-Extension", Extensions.toByteArray());
    response.headers.set("Tus-Max-Size", QByteArray::number(context.limits().maxUploadBytes));
    response.headers.set("Tus-Checksum-Algorithm", upload::tus::supportedChecksums());
    ex.respond(std::move(response));
}

void create(Exchange &ex, const TusRoutesContext &context)
{
    if (!checkVersion(ex))
        return;
    const http::Request &r = ex.request();
    const http::Headers &headers = r.headers;
    upload::ResumableCreation creation;

    if (headers.contains("upload-concat")) {
        auto concat = upload::tus::parseConcat(headers.value("upload-concat"));
        if (!concat) {
            refuse(ex, {400, u"Upload-Concat: "_s % concat.error().message});
            return;
        }
        creation.concat = *concat;
    }
    const bool final = creation.concat.kind == upload::tus::Concat::Final;
    const bool hasLength = headers.contains("upload-length");
    const bool deferred = headers.contains("upload-defer-length");
    if (deferred && headers.value("upload-defer-length").trimmed() != "1") {
        refuse(ex, {400, u"Upload-Defer-Length must be 1"_s});
        return;
    }
    if (final && (hasLength || deferred)) {
        refuse(ex,
               {400,
                u"a final upload (Upload-Concat: final) takes its length from its parts: "
                "no Upload-Length"_s});
        return;
    }
    if (!final && hasLength == deferred) {
        refuse(ex,
               {400,
                hasLength ? u"send Upload-Length or Upload-Defer-Length, not both"_s
                          : u"Upload-Length (or Upload-Defer-Length: 1) is missing"_s});
        return;
    }
    if (hasLength) {
        creation.length = parseCount(headers.value("upload-length").trimmed());
        if (!creation.length) {
            refuse(ex, {400, u"Upload-Length must be a whole number of bytes"_s});
            return;
        }
        if (*creation.length > context.limits().maxUploadBytes) {
            refuse(ex,
                   HttpError::limitExceeded(
                       413,
                       u"Upload-Length %1 is more than max_upload_bytes"_s.arg(*creation.length),
                       u"max_upload_bytes"_s, context.limits().maxUploadBytes));
            return;
        }
    }

    creation.metadata = headers.value("upload-metadata");
    auto metadata = upload::tus::parseMetadata(creation.metadata);
    if (!metadata) {
        refuse(ex, {400, u"Upload-Metadata: "_s % metadata.error().message});
        return;
    }
    const QString filename = upload::tus::metadataValue(*metadata, u"filename");
    if (!filename.isEmpty())
        creation.name = upload::sanitizeFileName(filename);
    auto declared = context.policy().checkDeclared(
        upload::tus::metadataValue(*metadata, u"filetype").toUtf8());
    if (!declared) {
        refuse(ex, {415, u"Upload-Metadata filetype: "_s % declared.error().message});
        return;
    }
    creation.declaredType = *declared;

    if (r.hasBody()) {
        if (final) {
            refuse(ex, {400, u"a final upload (Upload-Concat: final) takes no body"_s});
            return;
        }
        if (!isChunkType(headers.value("content-type"))) {
            refuse(ex,
                   {415,
                    u"a body with the creation request must be "
                    "Content-Type: application/offset+octet-stream"_s});
            return;
        }
        if (!parseChecksum(ex, &creation.firstChunk))
            return;
        creation.withUpload = true;
        if (creation.length && qint64(r.contentLength.value_or(0)) > *creation.length) {
            refuse(ex,
                   {413, u"the body has more bytes than Upload-Length %1"_s.arg(*creation.length)});
            return;
        }
    }
    context.uploads->create(ex, std::move(creation));
}

void patch(Exchange &ex, const TusRoutesContext &context)
{
    if (!checkVersion(ex))
        return;
    const auto id = uploadId(ex);
    if (!id)
        return;
    const http::Headers &headers = ex.request().headers;
    if (!isChunkType(headers.value("content-type"))) {
        refuse(ex,
               {415, u"PATCH /files/{id} needs Content-Type: application/offset+octet-stream"_s});
        return;
    }
    upload::ResumablePatch chunk;
    const auto offset = parseCount(headers.value("upload-offset").trimmed());
    if (!offset) {
        refuse(ex,
               {400,
                headers.contains("upload-offset")
                    ? u"Upload-Offset must be a whole number of bytes"_s
                    : u"Upload-Offset is missing"_s});
        return;
    }
    chunk.offset = *offset;
    if (headers.contains("upload-length")) {
        chunk.length = parseCount(headers.value("upload-length").trimmed());
        if (!chunk.length) {
            refuse(ex, {400, u"Upload-Length must be a whole number of bytes"_s});
            return;
        }
    }
    if (!parseChecksum(ex, &chunk))
        return;
    context.uploads->patch(ex, *id, chunk);
}

} // namespace

void addTusRoutes(http::Router &router, TusRoutesContext context)
{
    router.allowMethodOverride(u"/files/"_s);
    for (const QString &root : {u"/files"_s, u"/files/"_s}) {
        // Discovery needs no token, as in tus servers generally.
        router.add("OPTIONS", root, http::Access::Public,
                   [context](Exchange &ex) { options(ex, context); });
        router.add("POST", root, http::Access::Account,
                   [context](Exchange &ex) { create(ex, context); });
        // Not in tus: the caller's unfinished uploads (the window's list).
        router.add("GET", root, http::Access::Account,
                   [context](Exchange &ex) { context.uploads->list(ex); });
    }
    router.add("OPTIONS", u"/files/{id}"_s, http::Access::Public,
               [context](Exchange &ex) { options(ex, context); });
    router.add("HEAD", u"/files/{id}"_s, http::Access::Account, [context](Exchange &ex) {
        if (!checkVersion(ex))
            return;
        if (const auto id = uploadId(ex))
            context.uploads->head(ex, *id);
    });
    router.add("PATCH", u"/files/{id}"_s, http::Access::Account,
               [context](Exchange &ex) { patch(ex, context); });
    router.add("DELETE", u"/files/{id}"_s, http::Access::Account, [context](Exchange &ex) {
        if (!checkVersion(ex))
            return;
        if (const auto id = uploadId(ex))
            context.uploads->terminate(ex, *id);
    });
}

} // namespace sluice::service
