#include "service/uploadroutes.h"

#include "service/jobroutes.h"

#include "http/exchange.h"
#include "http/fileresponse.h"
#include "jobs/jobengine.h"
#include "upload/filenames.h"
#include "upload/multipartparser.h"
#include "upload/uploadgate.h"
#include "upload/uploadsinks.h"
#include "upload/uploadstore.h"

#include <QJsonArray>
#include <QPointer>
#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {

using http::Access;
using http::Exchange;
using http::HttpError;
using http::Response;
using upload::respondStoreError;

// The sinks take the limits and the policy in force when the body starts.
upload::UploadSinkContext sinkContext(const UploadRoutesContext &context)
{
    return {context.store, context.replyTo, context.tempDir, context.limits(), context.policy()};
}

// Checks that need no body: admission, declared type, checksum headers.
std::unique_ptr<upload::UploadTicket> admit(Exchange &ex, const UploadRoutesContext &context)
{
    const auto &request = ex.request();
    auto admitted
        = context.gate->admit(request.accountId.isEmpty() ? request.account : request.accountId,
                              qint64(request.contentLength.value_or(0)), request.account);
    if (auto *error = std::get_if<HttpError>(&admitted)) {
        Response resp = Response::error(*error);
        if (error->status == 429 || error->status == 503)
            resp.headers.add("Retry-After", "5");
        ex.respond(std::move(resp));
        return nullptr;
    }
    return std::move(std::get<std::unique_ptr<upload::UploadTicket>>(admitted));
}

std::optional<QString> uploadIdOf(Exchange &ex)
{
    const QString id = ex.pathParam(u"id"_s);
    if (!upload::isValidUploadId(id)) {
        ex.respond(HttpError {404, u"no upload %1"_s.arg(id.left(64))});
        return std::nullopt;
    }
    return id;
}

// The record of an upload the caller may see, then `then` on the HTTP thread.
void withUpload(Exchange &ex, const UploadRoutesContext &context,
                std::function<void(Exchange &, const upload::UploadRecord &)> then)
{
    const auto id = uploadIdOf(ex);
    if (!id)
        return;
    QPointer<Exchange> p(&ex);
    context.store->get(
        *id, principalOf(ex), context.replyTo,
        [p, id = *id, then](upload::StoreResult<std::optional<upload::UploadRecord>> found) {
            if (!p)
                return;
            if (!found)
                respondStoreError(*p, found.error());
            else if (!*found)
                p->respond(HttpError {404, u"no upload %1"_s.arg(id)});
            else
                then(*p, **found);
        });
}

// GET /uploads's query; nullopt once it answered 400.
struct ListRequest
{
    upload::UploadQuery query;
    QString beforeId; // an upload id, resolved by the store
};

std::optional<ListRequest> parseListQuery(Exchange &ex)
{
    ListRequest list;
    for (const auto &[key, value] : ex.request().query.queryItems(QUrl::FullyDecoded)) {
        if (key == u"limit"_s) {
            bool ok = false;
            list.query.limit = value.toInt(&ok);
            if (!ok || list.query.limit < 1 || list.query.limit > upload::UploadQuery::MaxLimit) {
                ex.respond(
                    HttpError {400,
                               u"parameter 'limit' must be a whole number from 1 to %1"_s.arg(
                                   upload::UploadQuery::MaxLimit)});
                return std::nullopt;
            }
        } else if (key == u"before"_s) {
            if (upload::isValidUploadId(value)) {
                list.beforeId = value;
            } else if (auto cursor = upload::UploadCursor::fromString(value)) {
                list.query.before = *cursor;
            } else {
                ex.respond(HttpError {
                    400,
                    u"parameter 'before' must be an upload id or the 'next' of an earlier answer, not '%1'"_s
                        .arg(value.left(64))});
                return std::nullopt;
            }
        } else if (key == u"account"_s) {
            list.query.account = value;
        } else {
            ex.respond(HttpError {
                400,
                u"unknown parameter '%1' (allowed: limit, before, account)"_s.arg(key.left(32))});
            return std::nullopt;
        }
    }
    return list;
}

void listUploads(Exchange &ex, const UploadRoutesContext &context)
{
    auto list = parseListQuery(ex);
    if (!list)
        return;
    QPointer<Exchange> p(&ex);
    context.store->list(
        list->query, list->beforeId, principalOf(ex), context.replyTo,
        [p, before = list->beforeId](upload::StoreResult<std::optional<upload::UploadPage>> page) {
            if (!p)
                return;
            if (!page) {
                respondStoreError(*p, page.error());
                return;
            }
            if (!*page) {
                p->respond(HttpError {400, u"parameter 'before': no upload %1"_s.arg(before)});
                return;
            }
            QJsonArray uploads;
            for (const upload::UploadRecord &record : std::as_const((*page)->uploads))
                uploads.append(upload::toJson(record));
            QJsonObject body {{u"uploads"_s, uploads}, {u"total"_s, (*page)->total}};
            body.insert(u"next"_s,
                        (*page)->next ? QJsonValue((*page)->next->toString()) : QJsonValue());
            p->respond(Response::json(200, body));
        });
}

} // namespace

void addUploadRoutes(http::Router &router, UploadRoutesContext context)
{
    router.add("PUT", u"/uploads/{filename}"_s, Access::Account, [context](Exchange &ex) {
        // Without either, the body is empty (RFC 9112 §6.3): almost surely a
        // client that meant to stream one of unknown length.
        if (!ex.request().contentLength && !ex.request().chunked) {
            ex.respond(HttpError {
                411, u"PUT /uploads needs Content-Length or Transfer-Encoding: chunked"_s});
            return;
        }
        const QString name = upload::sanitizeFileName(ex.pathParam(u"filename"_s));
        auto declared = context.policy().checkDeclared(ex.request().headers.value("Content-Type"));
        if (!declared) {
            ex.respond(HttpError {415, declared.error().message});
            return;
        }
        auto digest = upload::expectedDigest(ex.request().headers);
        if (!digest) {
            ex.respond(HttpError {400, digest.error().message});
            return;
        }
        auto ticket = admit(ex, context);
        if (!ticket)
            return;
        auto *sink = new upload::RawUploadSink(ex, sinkContext(context), std::move(ticket),
                                               {name, *declared, *digest});
        if (!sink->isOpen()) {
            delete sink; // it answered
            return;
        }
        ex.receiveBody(sink);
    });

    router.add("POST", u"/uploads"_s, Access::Account, [context](Exchange &ex) {
        auto boundary = upload::MultipartParser::boundaryFromContentType(
            ex.request().headers.value("Content-Type"));
        if (!boundary) {
            ex.respond(HttpError {boundary.error().httpStatus, boundary.error().message});
            return;
        }
        auto ticket = admit(ex, context);
        if (!ticket)
            return;
        ex.receiveBody(new upload::MultipartUploadSink(ex, sinkContext(context), std::move(ticket),
                                                       *boundary));
    });

    router.add("GET", u"/uploads"_s, Access::Account,
               [context](Exchange &ex) { listUploads(ex, context); });

    router.add("GET", u"/uploads/{id}"_s, Access::Account, [context](Exchange &ex) {
        withUpload(ex, context, [context](Exchange &ex, const upload::UploadRecord &record) {
            if (record.jobId.isEmpty() || record.processing != upload::ProcessingState::Pending) {
                ex.respond(Response::json(200, upload::toJson(record)));
                return;
            }
            // Pending: say where its job is.
            QPointer<Exchange> p(&ex);
            context.engine->get(record.jobId, principalOf(ex), context.replyTo,
                                [p, record](std::optional<jobs::JobRecord> job) {
                                    if (!p)
                                        return;
                                    QJsonObject json = upload::toJson(record);
                                    QJsonObject processing = json.value(u"processing"_s).toObject();
                                    if (job) {
                                        processing.insert(u"job_state"_s,
                                                          jobs::toString(job->state));
                                        if (!job->lastError.isEmpty())
                                            processing.insert(u"error"_s, job->lastError);
                                    }
                                    json.insert(u"processing"_s, processing);
                                    p->respond(Response::json(200, json));
                                });
        });
    });

    router.add("GET", u"/uploads/{id}/content"_s, Access::Account, [context](Exchange &ex) {
        withUpload(ex, context, [context](Exchange &ex, const upload::UploadRecord &record) {
            http::FileResponseOptions options;
            options.downloadName = record.name;
            options.mimeType = record.mime.toUtf8();
            options.etag = "\"" + record.id.toLatin1() + "\""; // content never changes
            ex.respond(
                http::fileResponse(ex.request(), context.store->filePath(record.id), options));
        });
    });

    router.add("GET", u"/uploads/{id}/thumbnail"_s, Access::Account, [context](Exchange &ex) {
        withUpload(ex, context, [context](Exchange &ex, const upload::UploadRecord &record) {
            // Only once processing is done: the findings of an attempt come before its verdict.
            if (record.processing != upload::ProcessingState::Done
                || !record.outcome.contains(u"thumbnail"_s)) {
                ex.respond(
                    HttpError {404,
                               u"upload %1 has no thumbnail (%2, processing %3)"_s.arg(
                                   record.id, record.mime, upload::toString(record.processing))});
                return;
            }
            http::FileResponseOptions options;
            options.downloadName = record.name % u".thumb.png"_s;
            options.mimeType = "image/png";
            options.attachment = false;
            ex.respond(
                http::fileResponse(ex.request(), context.store->thumbnailPath(record.id), options));
        });
    });

    router.add("DELETE", u"/uploads/{id}"_s, Access::Account, [context](Exchange &ex) {
        const auto id = uploadIdOf(ex);
        if (!id)
            return;
        QPointer<Exchange> p(&ex);
        context.store->remove(*id, principalOf(ex), context.replyTo,
                              [p, id = *id](upload::StoreResult<bool> removed) {
                                  if (!p)
                                      return;
                                  if (!removed)
                                      respondStoreError(*p, removed.error());
                                  else if (!*removed)
                                      p->respond(HttpError {404, u"no upload %1"_s.arg(id)});
                                  else
                                      p->respond(Response::text(204, {}));
                              });
    });
}

} // namespace sluice::service
