#include "service/uploadroutes.h"

#include "service/jobroutes.h"

#include "http/bodysink.h"
#include "http/exchange.h"
#include "http/fileresponse.h"
#include "jobs/jobengine.h"
#include "upload/filenames.h"
#include "upload/multipartparser.h"
#include "upload/sha256.h"
#include "upload/uploadgate.h"
#include "upload/uploadstore.h"
#include "upload/uploadwriter.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QPointer>
#include <QStringBuilder>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcUploadRoutes, "sluice.upload", QtInfoMsg)

namespace sluice::service {

namespace {

using http::Access;
using http::Exchange;
using http::HttpError;
using http::Response;

constexpr qsizetype SniffBytes = 4096;

// A failure of the server, not of the request: the client learns what failed
// (never a server path), the log has the detail under the request's id.
void logServerFault(const Exchange &ex, const QString &what, const QString &detail)
{
    qCWarning(lcUploadRoutes).noquote().nospace()
        << ex.request().peer.toString() << " #" << ex.request().id << ' ' << what << ": " << detail;
}

void respondStoreError(Exchange &ex, const upload::StoreError &error)
{
    const bool unavailable = error.kind == upload::StoreError::Kind::Unavailable;
    if (!error.detail.isEmpty())
        logServerFault(ex, error.message, error.detail);
    ex.respond(HttpError {unavailable ? 503 : 500, error.message});
}

// One file on its way in: size limit, type sniffing on its first bytes,
// checksum; the bytes go to an UploadWriter (an I/O thread writes and hashes).
class IncomingFile final : public QObject
{
    Q_OBJECT
public:
    struct Spec
    {
        QString name;
        QString declaredType; // canonical, or empty
        std::optional<upload::ExpectedDigest> digest;
    };

    IncomingFile(const QString &tempDir, std::shared_ptr<upload::TempFileRegistry> liveFiles,
                 qint64 bufferBytes, qint64 maxBytes, upload::ContentPolicy policy, Spec spec,
                 QObject *parent)
        : QObject(parent)
        , m_spec(std::move(spec))
        , m_maxBytes(maxBytes)
        , m_policy(std::move(policy))
        , m_writer(tempDir, options(bufferBytes, std::move(liveFiles)), this)
    {
        connect(&m_writer, &upload::UploadWriter::drained, this, &IncomingFile::drained);
        connect(&m_writer, &upload::UploadWriter::finished, this, &IncomingFile::onWritten);
        connect(
            &m_writer, &upload::UploadWriter::failed, this,
            [this](const QString &error, bool diskFull) {
                fail(diskFull
                         ? HttpError {507, u"the disk is full: cannot store %1"_s.arg(m_spec.name)}
                         : HttpError {500,
                                      u"cannot store %1: writing its temp file failed"_s.arg(
                                          m_spec.name)},
                     error);
            });
    }

    // The error for the client; *detail (with the temp folder) for the log.
    std::optional<HttpError> open(QString *detail)
    {
        if (auto opened = m_writer.open(); !opened) {
            *detail = opened.error().message;
            return HttpError {507, u"cannot create a temp file for %1"_s.arg(m_spec.name)};
        }
        return std::nullopt;
    }

    // False once the file is refused (failed() was emitted). A raw body's
    // piece is shared with the writer's queue, not copied, on the socket thread.
    bool write(const QByteArray &data)
    {
        if (m_done)
            return false;
        m_received += data.size();
        if (m_received > m_maxBytes) {
            fail(HttpError::limitExceeded(413,
                                          u"%1 is larger than max_upload_bytes"_s.arg(m_spec.name),
                                          u"max_upload_bytes"_s, m_maxBytes));
            return false;
        }
        if (m_head.size() < SniffBytes) {
            m_head.append(data.first(std::min(data.size(), SniffBytes - m_head.size())));
            if (m_head.size() == SniffBytes && !sniff())
                return false;
        }
        m_writer.write(data);
        return true;
    }
    bool isFull() const { return !m_done && m_writer.isFull(); }
    qint64 received() const { return m_received; }
    bool isFinished() const { return m_finished; }

    void finish()
    {
        if (m_done)
            return;
        if (!m_sniffed && !sniff())
            return;
        m_writer.finish();
    }
    void abort()
    {
        m_done = true;
        m_writer.abort();
    }

    upload::PendingUpload take(const QString &account)
    {
        upload::PendingUpload pending;
        pending.tempPath = m_writer.takeFile(&pending.tempLease);
        pending.account = account;
        pending.name = m_spec.name;
        pending.size = m_received;
        pending.sha256 = upload::Sha256::toHex(m_sha256).toLatin1();
        pending.mime = m_type;
        return pending;
    }

signals:
    void drained();
    void finished();
    // detail: for the server log only (it may name server paths).
    void failed(const HttpError &error, const QString &detail);

private:
    static upload::UploadWriterOptions options(qint64 bufferBytes,
                                               std::shared_ptr<upload::TempFileRegistry> liveFiles)
    {
        upload::UploadWriterOptions o;
        o.liveFiles = std::move(liveFiles);
        o.highWaterBytes = bufferBytes;
        o.lowWaterBytes = bufferBytes / 4;
        o.sniffBytes = 0; // sniffed here, as the bytes arrive
        return o;
    }

    bool sniff()
    {
        m_sniffed = true;
        auto type = m_policy.checkContent(m_spec.name, m_spec.declaredType, m_head);
        if (!type) {
            fail(HttpError {415, m_spec.name % u": "_s % type.error().message});
            return false;
        }
        m_type = *type;
        return true;
    }

    void onWritten(qint64 bytes, const QByteArray &sha256, const QByteArray &)
    {
        if (m_done)
            return;
        if (sha256.isEmpty()) {
            fail(HttpError {500, u"SHA-256 is not available"_s});
            return;
        }
        if (m_spec.digest && m_spec.digest->sha256 != sha256) {
            fail(HttpError {422,
                            u"%1: the SHA-256 of the received bytes is %2, but %3 says %4"_s.arg(
                                m_spec.name, upload::Sha256::toHex(sha256), m_spec.digest->header,
                                upload::Sha256::toHex(m_spec.digest->sha256))});
            return;
        }
        Q_ASSERT(bytes == m_received);
        m_sha256 = sha256;
        m_finished = true;
        emit finished();
    }

    void fail(const HttpError &error, const QString &detail = {})
    {
        if (m_done)
            return;
        abort();
        emit failed(error, detail);
    }

    Spec m_spec;
    qint64 m_maxBytes;
    upload::ContentPolicy m_policy;
    upload::UploadWriter m_writer;
    QByteArray m_head;
    QByteArray m_sha256;
    QString m_type;
    qint64 m_received = 0;
    bool m_sniffed = false;
    bool m_finished = false;
    bool m_done = false;
};

// What every upload body sink shares: the exchange, the admission ticket,
// the answer once the files are stored.
class UploadSinkBase : public http::BodySink
{
    Q_OBJECT
public:
    UploadSinkBase(Exchange &exchange, const UploadRoutesContext &context,
                   std::unique_ptr<upload::UploadTicket> ticket)
        : m_exchange(&exchange)
        , m_context(context)
        , m_ticket(std::move(ticket))
        , m_limits(context.limits())
        , m_policy(context.policy())
    { }

protected:
    // Refuses the request: every file goes, the slot is given back. A
    // detail (the server's side of a failure) is logged, not sent.
    void reject(const HttpError &error, const QString &detail = {})
    {
        if (m_over)
            return;
        m_over = true;
        dropFiles();
        m_ticket.reset();
        if (m_exchange && !detail.isEmpty())
            logServerFault(*m_exchange, error.message, detail);
        if (m_exchange)
            m_exchange->respond(error);
    }
    virtual void dropFiles() = 0;

    bool countBody(qint64 bytes)
    {
        m_bodyBytes += bytes;
        if (!m_exchange || m_exchange->request().contentLength)
            return true;
        if (auto refused = m_ticket->growTo(m_bodyBytes)) { // chunked: reserve as it comes
            reject(*refused);
            return false;
        }
        return true;
    }

    IncomingFile *newFile(IncomingFile::Spec spec)
    {
        auto *file = new IncomingFile(m_context.tempDir, m_context.store->liveTempFiles(),
                                      m_limits.uploadBufferBytes, m_limits.maxUploadBytes, m_policy,
                                      std::move(spec), this);
        connect(file, &IncomingFile::drained, this, &BodySink::drained);
        connect(file, &IncomingFile::failed, this, &UploadSinkBase::reject);
        QString detail;
        if (auto error = file->open(&detail)) {
            delete file;
            reject(*error, detail);
            return nullptr;
        }
        return file;
    }

    // Hands the finished files to the store; the answer follows from there.
    void storeFiles(const QList<IncomingFile *> &files, QJsonObject fields)
    {
        m_over = true;
        QList<upload::PendingUpload> pending;
        const QString account = m_exchange ? m_exchange->request().account : QString();
        for (IncomingFile *file : files)
            pending.append(file->take(account));
        QPointer<Exchange> p = m_exchange;
        const bool multipart = m_multipart;
        // The ticket stays held until the files are in place.
        auto ticket = std::shared_ptr<upload::UploadTicket>(std::move(m_ticket));
        m_context.store->store(
            pending, m_context.replyTo,
            [p, multipart, fields,
             ticket](upload::StoreResult<QList<upload::UploadRecord>> stored) {
                if (!p)
                    return;
                if (!stored) {
                    respondStoreError(*p, stored.error());
                    return;
                }
                QJsonArray list;
                for (const upload::UploadRecord &r : *stored)
                    list.append(upload::toJson(r));
                Response resp = multipart
                    ? Response::json(201, QJsonObject {{u"uploads"_s, list}, {u"fields"_s, fields}})
                    : Response::json(201, list.first());
                resp.headers.add("Location", "/uploads/" + stored->first().id.toLatin1());
                p->respond(std::move(resp));
            });
    }

    QPointer<Exchange> m_exchange;
    UploadRoutesContext m_context;
    std::unique_ptr<upload::UploadTicket> m_ticket;
    config::Limits m_limits;
    upload::ContentPolicy m_policy;
    qint64 m_bodyBytes = 0;
    bool m_over = false; // answered or handed to the store
    bool m_multipart = false;
};

// PUT /uploads/{filename}: the body is the file.
class RawUploadSink final : public UploadSinkBase
{
    Q_OBJECT
public:
    RawUploadSink(Exchange &exchange, const UploadRoutesContext &context,
                  std::unique_ptr<upload::UploadTicket> ticket, IncomingFile::Spec spec)
        : UploadSinkBase(exchange, context, std::move(ticket))
    {
        m_file = newFile(std::move(spec));
        if (m_file)
            connect(m_file, &IncomingFile::finished, this, [this] { storeFiles({m_file}, {}); });
    }
    bool isOpen() const { return m_file != nullptr; }

    void write(const QByteArray &piece) override
    {
        if (m_over || !countBody(piece.size()))
            return;
        m_file->write(piece);
    }
    bool isFull() const override { return !m_over && m_file && m_file->isFull(); }
    void finish() override
    {
        if (!m_over)
            m_file->finish();
    }
    void abort(const QString &) override
    {
        m_over = true;
        dropFiles();
        m_ticket.reset();
    }

private:
    void dropFiles() override
    {
        if (m_file)
            m_file->abort();
    }

    IncomingFile *m_file = nullptr;
};

// POST /uploads: multipart/form-data, read as a stream; each file part goes
// to its own file as its bytes arrive.
class MultipartUploadSink final : public UploadSinkBase, private upload::MultipartHandler
{
    Q_OBJECT
public:
    MultipartUploadSink(Exchange &exchange, const UploadRoutesContext &context,
                        std::unique_ptr<upload::UploadTicket> ticket, QByteArray boundary)
        : UploadSinkBase(exchange, context, std::move(ticket))
        , m_parser(std::move(boundary), multipartLimits(m_limits), *this)
    {
        m_multipart = true;
    }

    void write(const QByteArray &piece) override
    {
        if (m_over || !countBody(piece.size()))
            return;
        if (auto fed = m_parser.feed(piece); !fed)
            onParseError(fed.error());
    }
    bool isFull() const override
    {
        if (m_over)
            return false;
        return std::any_of(m_files.begin(), m_files.end(),
                           [](const IncomingFile *f) { return f->isFull(); });
    }
    void finish() override
    {
        if (m_over)
            return;
        if (auto done = m_parser.finish(); !done) {
            onParseError(done.error());
            return;
        }
        m_bodyDone = true;
        if (m_files.isEmpty()) {
            reject(HttpError {400, u"the form has no file part (a part with a filename)"_s});
            return;
        }
        maybeStore();
    }
    void abort(const QString &) override
    {
        m_over = true;
        m_parser.abort();
        dropFiles();
        m_ticket.reset();
    }

private:
    static upload::MultipartLimits multipartLimits(const config::Limits &l)
    {
        upload::MultipartLimits m;
        m.maxParts = int(l.maxMultipartParts);
        m.maxFileParts = int(l.maxMultipartFileParts);
        m.maxFields = int(l.maxMultipartFields);
        m.maxFieldBytes = l.maxMultipartFieldBytes;
        m.maxPartHeaderBytes = l.maxMultipartPartHeaderBytes;
        return m;
    }

    void onParseError(const upload::MultipartError &error)
    {
        if (error.handlerStopped || m_over)
            return; // reject() already answered with the real reason
        reject(error.limit.isEmpty() ? HttpError {error.httpStatus, error.message}
                                     : HttpError::limitExceeded(error.httpStatus, error.message,
                                                                error.limit, error.value));
    }

    void maybeStore()
    {
        if (m_over || !m_bodyDone)
            return;
        if (std::all_of(m_files.begin(), m_files.end(),
                        [](const IncomingFile *f) { return f->isFinished(); }))
            storeFiles(m_files, m_fields);
    }

    void dropFiles() override
    {
        for (IncomingFile *file : std::as_const(m_files))
            file->abort();
    }

    // MultipartHandler
    bool field(const upload::Part &part, const QByteArray &value) override
    {
        m_fields.insert(part.name, QString::fromUtf8(value));
        return true;
    }
    bool partBegin(const upload::Part &part) override
    {
        if (part.fileName->isEmpty())
            return true; // a file input left blank: no file
        auto declared = m_policy.checkDeclared(part.contentType);
        if (!declared) {
            reject(HttpError {415, *part.fileName % u": "_s % declared.error().message});
            return false;
        }
        auto digest = upload::expectedDigest(part.headers);
        if (!digest) {
            reject(HttpError {400, *part.fileName % u": "_s % digest.error().message});
            return false;
        }
        m_current = newFile({*part.fileName, *declared, *digest});
        if (!m_current)
            return false;
        connect(m_current, &IncomingFile::finished, this, &MultipartUploadSink::maybeStore);
        m_files.append(m_current);
        return true;
    }
    bool partData(QByteArrayView data) override
    {
        // The parser's view is into its own buffer: copied, bounded by the piece.
        return !m_current || m_current->write(data.toByteArray());
    }
    bool partEnd() override
    {
        if (m_current)
            m_current->finish();
        m_current = nullptr;
        return !m_over;
    }
    void partAborted() override
    {
        if (m_current)
            m_current->abort();
        m_current = nullptr;
    }

    upload::MultipartParser m_parser;
    QList<IncomingFile *> m_files;
    IncomingFile *m_current = nullptr;
    QJsonObject m_fields;
    bool m_bodyDone = false;
};

// Checks that need no body: admission, declared type, checksum headers.
std::unique_ptr<upload::UploadTicket> admit(Exchange &ex, const UploadRoutesContext &context)
{
    const auto &request = ex.request();
    auto admitted = context.gate->admit(request.account, qint64(request.contentLength.value_or(0)));
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
        auto *sink = new RawUploadSink(ex, context, std::move(ticket), {name, *declared, *digest});
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
        ex.receiveBody(new MultipartUploadSink(ex, context, std::move(ticket), *boundary));
    });

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
            if (!record.outcome.contains(u"thumbnail"_s)) {
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

#include "uploadroutes.moc"
