#pragma once

#include "http/responseproducer.h"

#include <QFile>

#include <memory>

namespace sluice::http {

// Serves bytes [offset, offset + length) of a file that is already open, read
// on demand in pieces of at most what the connection asks for: memory stays at
// one piece whatever the file's size. The file stays open until the response
// ends, so deleting or renaming its path does not break a download in
// progress. A read error, or a file that turns out shorter than announced,
// emits failed() (the connection then cuts the response short).
class FileProducer final : public ResponseProducer
{
    Q_OBJECT
public:
    FileProducer(std::unique_ptr<QFile> file, qint64 offset, qint64 length,
                 QObject *parent = nullptr);
    ~FileProducer() override;
    Q_DISABLE_COPY_MOVE(FileProducer)

    std::optional<qint64> size() const override { return m_length; }
    QByteArray read(qint64 maxBytes) override;
    bool atEnd() const override { return m_done >= m_length; }
    void abort() override;
    bool canSendDirect() const override { return !m_stopped && m_file && m_file->handle() >= 0; }
    qint64 sendDirect(int socket, qint64 maxBytes, int *error) override;

    qint64 bytesRead() const { return m_done; }
    bool isOpen() const { return m_file && m_file->isOpen(); }

private:
    void fail(const QString &reason);

    std::unique_ptr<QFile> m_file;
    qint64 m_offset;
    qint64 m_length;
    qint64 m_done = 0;
    bool m_positioned = false;
    bool m_stopped = false; // failed or aborted: nothing more is read
};

} // namespace sluice::http
