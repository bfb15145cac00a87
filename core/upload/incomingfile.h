#pragma once

#include "http/httptypes.h"
#include "upload/contentpolicy.h"
#include "upload/uploadstore.h"
#include "upload/uploadwriter.h"

#include <QObject>

#include <memory>
#include <optional>

namespace sluice::upload {

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
        std::optional<ExpectedDigest> digest;
    };

    IncomingFile(const QString &tempDir, std::shared_ptr<TempFileRegistry> liveFiles,
                 qint64 bufferBytes, qint64 maxBytes, ContentPolicy policy, Spec spec,
                 QObject *parent);

    // The error for the client; *detail (with the temp folder) for the log.
    std::optional<http::HttpError> open(QString *detail);

    // False once the file is refused (failed() was emitted). A raw body's
    // piece is shared with the writer's queue, not copied, on the socket thread.
    bool write(const QByteArray &data);
    bool isFull() const { return !m_done && m_writer.isFull(); }
    qint64 received() const { return m_received; }
    bool isFinished() const { return m_finished; }

    void finish();
    void abort();

    PendingUpload take(const QString &accountId, const QString &account);

signals:
    void drained();
    void finished();
    // detail: for the server log only (it may name server paths).
    void failed(const http::HttpError &error, const QString &detail);

private:
    static UploadWriterOptions options(qint64 bufferBytes,
                                       std::shared_ptr<TempFileRegistry> liveFiles);
    bool sniff();
    void onWritten(qint64 bytes, const QByteArray &sha256, const QByteArray &);
    void fail(const http::HttpError &error, const QString &detail = {});

    Spec m_spec;
    qint64 m_maxBytes;
    ContentPolicy m_policy;
    UploadWriter m_writer;
    QByteArray m_head;
    QByteArray m_sha256;
    QString m_type;
    qint64 m_received = 0;
    bool m_sniffed = false;
    bool m_finished = false;
    bool m_done = false;
};

} // namespace sluice::upload
