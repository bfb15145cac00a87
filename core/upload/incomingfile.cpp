#include "upload/incomingfile.h"

#include "upload/sha256.h"

#include <QStringBuilder>

using namespace Qt::StringLiterals;

namespace sluice::upload {

using http::HttpError;

namespace {

constexpr qsizetype SniffBytes = 4096;

} // namespace

IncomingFile::IncomingFile(const QString &tempDir, std::shared_ptr<TempFileRegistry> liveFiles,
                           qint64 bufferBytes, qint64 maxBytes, ContentPolicy policy, Spec spec,
                           QObject *parent)
    : QObject(parent)
    , m_spec(std::move(spec))
    , m_maxBytes(maxBytes)
    , m_policy(std::move(policy))
    , m_writer(tempDir, options(bufferBytes, std::move(liveFiles)), this)
{
    connect(&m_writer, &UploadWriter::drained, this, &IncomingFile::drained);
    connect(&m_writer, &UploadWriter::finished, this, &IncomingFile::onWritten);
    connect(&m_writer, &UploadWriter::failed, this, [this](const QString &error, bool diskFull) {
        fail(diskFull
                 ? HttpError {507, u"the disk is full: cannot store %1"_s.arg(m_spec.name)}
                 : HttpError {500,
                              u"cannot store %1: writing its temp file failed"_s.arg(m_spec.name)},
             error);
    });
}

std::optional<HttpError> IncomingFile::open(QString *detail)
{
    if (auto opened = m_writer.open(); !opened) {
        *detail = opened.error().message;
        return HttpError {507, u"cannot create a temp file for %1"_s.arg(m_spec.name)};
    }
    return std::nullopt;
}

bool IncomingFile::write(const QByteArray &data)
{
    if (m_done)
        return false;
    m_received += data.size();
    if (m_received > m_maxBytes) {
        fail(HttpError::limitExceeded(413, u"%1 is larger than max_upload_bytes"_s.arg(m_spec.name),
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

void IncomingFile::finish()
{
    if (m_done)
        return;
    if (!m_sniffed && !sniff())
        return;
    m_writer.finish();
}

void IncomingFile::abort()
{
    m_done = true;
    m_writer.abort();
}

PendingUpload IncomingFile::take(const QString &accountId, const QString &account)
{
    PendingUpload pending;
    pending.tempPath = m_writer.takeFile(&pending.tempLease);
    pending.accountId = accountId;
    pending.account = account;
    pending.name = m_spec.name;
    pending.size = m_received;
    pending.sha256 = Sha256::toHex(m_sha256).toLatin1();
    pending.mime = m_type;
    return pending;
}

UploadWriterOptions IncomingFile::options(qint64 bufferBytes,
                                          std::shared_ptr<TempFileRegistry> liveFiles)
{
    UploadWriterOptions o;
    o.liveFiles = std::move(liveFiles);
    o.highWaterBytes = bufferBytes;
    o.lowWaterBytes = bufferBytes / 4;
    o.sniffBytes = 0; // sniffed here, as the bytes arrive
    return o;
}

bool IncomingFile::sniff()
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

void IncomingFile::onWritten(qint64 bytes, const QByteArray &sha256, const QByteArray &)
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
                            m_spec.name, Sha256::toHex(sha256), m_spec.digest->header,
                            Sha256::toHex(m_spec.digest->sha256))});
        return;
    }
    Q_ASSERT(bytes == m_received);
    m_sha256 = sha256;
    m_finished = true;
    emit finished();
}

void IncomingFile::fail(const HttpError &error, const QString &detail)
{
    if (m_done)
        return;
    abort();
    emit failed(error, detail);
}

} // namespace sluice::upload
