#include "upload/uploadsinks.h"

#include "upload/uploadrecord.h"
#include "upload/uploadstore.h"

#include <QJsonArray>
#include <QLoggingCategory>
#include <QStringBuilder>

#include <algorithm>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcUploadSinks, "sluice.upload", QtInfoMsg)

namespace sluice::upload {

using http::Exchange;
using http::HttpError;
using http::Response;

void logServerFault(const Exchange &ex, const QString &what, const QString &detail)
{
    qCWarning(lcUploadSinks).noquote().nospace()
        << ex.request().peer.toString() << " #" << ex.request().id << ' ' << what << ": " << detail;
}

void respondStoreError(Exchange &ex, const StoreError &error)
{
    const bool unavailable = error.kind == StoreError::Kind::Unavailable;
    if (!error.detail.isEmpty())
        logServerFault(ex, error.message, error.detail);
    ex.respond(HttpError {unavailable ? 503 : 500, error.message});
}

// UploadSinkBase

UploadSinkBase::UploadSinkBase(Exchange &exchange, UploadSinkContext context,
                               std::unique_ptr<UploadTicket> ticket)
    : m_exchange(&exchange)
    , m_context(std::move(context))
    , m_ticket(std::move(ticket))
{ }

void UploadSinkBase::reject(const HttpError &error, const QString &detail)
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

bool UploadSinkBase::countBody(qint64 bytes)
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

IncomingFile *UploadSinkBase::newFile(IncomingFile::Spec spec)
{
    auto *file = new IncomingFile(
        m_context.tempDir, m_context.store->liveTempFiles(), m_context.limits.uploadBufferBytes,
        m_context.limits.maxUploadBytes, m_context.policy, std::move(spec), this);
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

void UploadSinkBase::storeFiles(const QList<IncomingFile *> &files, QJsonObject fields)
{
    m_over = true;
    QList<PendingUpload> pending;
    const QString accountId = m_exchange ? m_exchange->request().accountId : QString();
    const QString account = m_exchange ? m_exchange->request().account : QString();
    for (IncomingFile *file : files)
        pending.append(file->take(accountId, account));
    QPointer<Exchange> p = m_exchange;
    const bool multipart = m_multipart;
    // The ticket stays held until the files are in place.
    auto ticket = std::shared_ptr<UploadTicket>(std::move(m_ticket));
    m_context.store->store(
        pending, m_context.replyTo,
        [p, multipart, fields, ticket](StoreResult<QList<UploadRecord>> stored) {
            if (!p)
                return;
            if (!stored) {
                respondStoreError(*p, stored.error());
                return;
            }
            QJsonArray list;
            for (const UploadRecord &r : *stored)
                list.append(toJson(r));
            Response resp = multipart
                ? Response::json(201, QJsonObject {{u"uploads"_s, list}, {u"fields"_s, fields}})
                : Response::json(201, list.first());
            resp.headers.add("Location", "/uploads/" + stored->first().id.toLatin1());
            p->respond(std::move(resp));
        });
}

// RawUploadSink

RawUploadSink::RawUploadSink(Exchange &exchange, UploadSinkContext context,
                             std::unique_ptr<UploadTicket> ticket, IncomingFile::Spec spec)
    : UploadSinkBase(exchange, std::move(context), std::move(ticket))
{
    m_file = newFile(std::move(spec));
    if (m_file)
        connect(m_file, &IncomingFile::finished, this, [this] { storeFiles({m_file}, {}); });
}

void RawUploadSink::write(const QByteArray &piece)
{
    if (m_over || !countBody(piece.size()))
        return;
    m_file->write(piece);
}

bool RawUploadSink::isFull() const
{
    return !m_over && m_file && m_file->isFull();
}

void RawUploadSink::finish()
{
    if (!m_over)
        m_file->finish();
}

void RawUploadSink::abort(const QString &)
{
    m_over = true;
    dropFiles();
    m_ticket.reset();
}

void RawUploadSink::dropFiles()
{
    if (m_file)
        m_file->abort();
}

// MultipartUploadSink

MultipartUploadSink::MultipartUploadSink(Exchange &exchange, UploadSinkContext context,
                                         std::unique_ptr<UploadTicket> ticket, QByteArray boundary)
    : UploadSinkBase(exchange, std::move(context), std::move(ticket))
    , m_parser(std::move(boundary), multipartLimits(m_context.limits), *this)
{
    m_multipart = true;
}

void MultipartUploadSink::write(const QByteArray &piece)
{
    if (m_over || !countBody(piece.size()))
        return;
    if (auto fed = m_parser.feed(piece); !fed)
        onParseError(fed.error());
}

bool MultipartUploadSink::isFull() const
{
    if (m_over)
        return false;
    return std::any_of(m_files.begin(), m_files.end(),
                       [](const IncomingFile *f) { return f->isFull(); });
}

void MultipartUploadSink::finish()
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

void MultipartUploadSink::abort(const QString &)
{
    m_over = true;
    m_parser.abort();
    dropFiles();
    m_ticket.reset();
}

MultipartLimits MultipartUploadSink::multipartLimits(const config::Limits &l)
{
    MultipartLimits m;
    m.maxParts = int(l.maxMultipartParts);
    m.maxFileParts = int(l.maxMultipartFileParts);
    m.maxFields = int(l.maxMultipartFields);
    m.maxFieldBytes = l.maxMultipartFieldBytes;
    m.maxPartHeaderBytes = l.maxMultipartPartHeaderBytes;
    return m;
}

void MultipartUploadSink::onParseError(const MultipartError &error)
{
    if (error.handlerStopped || m_over)
        return; // reject() already answered with the real reason
    reject(error.limit.isEmpty() ? HttpError {error.httpStatus, error.message}
                                 : HttpError::limitExceeded(error.httpStatus, error.message,
                                                            error.limit, error.value));
}

void MultipartUploadSink::maybeStore()
{
    if (m_over || !m_bodyDone)
        return;
    if (std::all_of(m_files.begin(), m_files.end(),
                    [](const IncomingFile *f) { return f->isFinished(); }))
        storeFiles(m_files, m_fields);
}

void MultipartUploadSink::dropFiles()
{
    for (IncomingFile *file : std::as_const(m_files))
        file->abort();
}

bool MultipartUploadSink::field(const Part &part, const QByteArray &value)
{
    m_fields.insert(part.name, QString::fromUtf8(value));
    return true;
}

bool MultipartUploadSink::partBegin(const Part &part)
{
    if (part.fileName->isEmpty())
        return true; // a file input left blank: no file
    auto declared = m_context.policy.checkDeclared(part.contentType);
    if (!declared) {
        reject(HttpError {415, *part.fileName % u": "_s % declared.error().message});
        return false;
    }
    auto digest = expectedDigest(part.headers);
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

bool MultipartUploadSink::partData(QByteArrayView data)
{
    // The parser's view is into its own buffer: copied, bounded by the piece.
    return !m_current || m_current->write(data.toByteArray());
}

bool MultipartUploadSink::partEnd()
{
    if (m_current)
        m_current->finish();
    m_current = nullptr;
    return !m_over;
}

void MultipartUploadSink::partAborted()
{
    if (m_current)
        m_current->abort();
    m_current = nullptr;
}

} // namespace sluice::upload
