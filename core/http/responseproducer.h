#pragma once

#include <QByteArray>
#include <QObject>

#include <optional>

namespace sluice::http {

// A response body that is pulled: the connection asks for the next piece only
// while the socket's unsent bytes are below the high-water mark, and again on
// bytesWritten. A producer that has nothing ready returns an empty piece and
// emits readyRead() later.
class ResponseProducer : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;
    ~ResponseProducer() override;

    // Known total size (sent as Content-Length), or nullopt (chunked).
    virtual std::optional<qint64> size() const = 0;
    // Up to maxBytes of the next data; empty when nothing is ready yet.
    virtual QByteArray read(qint64 maxBytes) = 0;
    virtual bool atEnd() const = 0;
    // The response will not be completed (client gone, timeout, shutdown).
    virtual void abort() { }
    // A body that never ends by itself (a live event stream): its client
    // leaving is how it ends, so that is not recorded as an aborted transfer.
    virtual bool endless() const { return false; }

    // Bodies that live in a file may be sent from the page cache to the
    // socket without a copy in user space (sendfile(2)). Up to maxBytes of
    // the next data written to `socket` (non-blocking): the bytes sent, or -1
    // with `error` set (EAGAIN: the socket is full; EINVAL or ENOSYS: not
    // possible here, use read(); anything else: the body failed, failed()
    // was emitted). 0 with no error only at the end.
    virtual bool canSendDirect() const { return false; }
    virtual qint64 sendDirect(int socket, qint64 maxBytes, int *error);

signals:
    void readyRead();
    // The body cannot be completed: the connection is closed without a final
    // chunk, so the client sees a truncated body, never a fake complete one.
    void failed(const QString &reason);
};

// Serves a byte array; mostly for tests and small generated bodies.
class BufferProducer final : public ResponseProducer
{
    Q_OBJECT
public:
    explicit BufferProducer(QByteArray data, bool knownSize = true, QObject *parent = nullptr);
    std::optional<qint64> size() const override;
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override { return m_offset >= m_data.size(); }

private:
    QByteArray m_data;
    qsizetype m_offset = 0;
    bool m_knownSize;
};

} // namespace sluice::http
