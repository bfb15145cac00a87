#pragma once

#include "config/limits.h"
#include "http/bodysink.h"
#include "http/exchange.h"
#include "upload/contentpolicy.h"
#include "upload/incomingfile.h"
#include "upload/multipartparser.h"
#include "upload/uploadgate.h"

#include <QJsonObject>
#include <QList>
#include <QPointer>

#include <memory>

namespace sluice::upload {

class UploadStore;

// Where a request's files go, and the rules in force when its body starts.
struct UploadSinkContext
{
    UploadStore *store = nullptr; // on its own thread
    QObject *replyTo = nullptr; // an object of the HTTP thread that outlives every request
    QString tempDir; // where receiving files go (same file system as the store)
    config::Limits limits;
    ContentPolicy policy;
};

// A failure of the server, not of the request: the client learns what failed
// (never a server path), the log has the detail under the request's id.
void logServerFault(const http::Exchange &ex, const QString &what, const QString &detail);
// 503 while the store is unavailable, 500 for any other failure of it.
void respondStoreError(http::Exchange &ex, const StoreError &error);

// What every upload body sink shares: the exchange, the admission ticket,
// the answer once the files are stored.
class UploadSinkBase : public http::BodySink
{
    Q_OBJECT
public:
    UploadSinkBase(http::Exchange &exchange, UploadSinkContext context,
                   std::unique_ptr<UploadTicket> ticket);

protected:
    // Refuses the request: every file goes, the slot is given back. A
    // detail (the server's side of a failure) is logged, not sent.
    void reject(const http::HttpError &error, const QString &detail = {});
    virtual void dropFiles() = 0;

    bool countBody(qint64 bytes);
    IncomingFile *newFile(IncomingFile::Spec spec);
    // Hands the finished files to the store; the answer follows from there.
    void storeFiles(const QList<IncomingFile *> &files, QJsonObject fields);

    QPointer<http::Exchange> m_exchange;
    UploadSinkContext m_context;
    std::unique_ptr<UploadTicket> m_ticket;
    qint64 m_bodyBytes = 0;
    bool m_over = false; // answered or handed to the store
    bool m_multipart = false;
};

// PUT /uploads/{filename}: the body is the file.
class RawUploadSink final : public UploadSinkBase
{
    Q_OBJECT
public:
    RawUploadSink(http::Exchange &exchange, UploadSinkContext context,
                  std::unique_ptr<UploadTicket> ticket, IncomingFile::Spec spec);
    // False when its temp file could not be made: the sink has answered.
    bool isOpen() const { return m_file != nullptr; }

    void write(const QByteArray &piece) override;
    bool isFull() const override;
    void finish() override;
    void abort(const QString &) override;

private:
    void dropFiles() override;

    IncomingFile *m_file = nullptr;
};

// POST /uploads: multipart/form-data, read as a stream; each file part goes
// to its own file as its bytes arrive.
class MultipartUploadSink final : public UploadSinkBase, private MultipartHandler
{
    Q_OBJECT
public:
    MultipartUploadSink(http::Exchange &exchange, UploadSinkContext context,
                        std::unique_ptr<UploadTicket> ticket, QByteArray boundary);

    void write(const QByteArray &piece) override;
    bool isFull() const override;
    void finish() override;
    void abort(const QString &) override;

private:
    static MultipartLimits multipartLimits(const config::Limits &l);
    void onParseError(const MultipartError &error);
    void maybeStore();
    void dropFiles() override;

    // MultipartHandler
    bool field(const Part &part, const QByteArray &value) override;
    bool partBegin(const Part &part) override;
    bool partData(QByteArrayView data) override;
    bool partEnd() override;
    void partAborted() override;

    MultipartParser m_parser;
    QList<IncomingFile *> m_files;
    IncomingFile *m_current = nullptr;
    QJsonObject m_fields;
    bool m_bodyDone = false;
};

} // namespace sluice::upload
