#include "http/fileproducer.h"

using namespace Qt::StringLiterals;

namespace sluice::http {

FileProducer::FileProducer(std::unique_ptr<QFile> file, qint64 offset, qint64 length,
                           QObject *parent)
    : ResponseProducer(parent)
    , m_file(std::move(file))
    , m_offset(std::max<qint64>(offset, 0))
    , m_length(std::max<qint64>(length, 0))
{ }

FileProducer::~FileProducer() = default; // closes the file

QByteArray FileProducer::read(qint64 maxBytes)
{
    if (m_stopped || atEnd() || maxBytes <= 0)
        return {};
    if (!m_file || !m_file->isOpen()) {
        fail(u"file was closed before the response was complete"_s);
        return {};
    }
    // Positioned on the first read, so that a seek error reaches the
    // connection as failed() like any other read error.
    if (!m_positioned) {
        if (!m_file->seek(m_offset)) {
            fail(u"cannot seek to byte %1: %2"_s.arg(m_offset).arg(m_file->errorString()));
            return {};
        }
        m_positioned = true;
    }
    QByteArray piece(std::min(maxBytes, m_length - m_done), Qt::Uninitialized);
    const qint64 got = m_file->read(piece.data(), piece.size());
    if (got < 0) {
        fail(u"read error at byte %1: %2"_s.arg(m_offset + m_done).arg(m_file->errorString()));
        return {};
    }
    if (got == 0) {
        // Truncated since its size was taken: never pad or pretend.
        fail(u"file ended %1 bytes short of the %2 announced"_s.arg(m_length - m_done)
                 .arg(m_length));
        return {};
    }
    piece.resize(got);
    m_done += got;
    if (atEnd())
        m_file.reset(); // nothing more to read: release the descriptor now
    return piece;
}

void FileProducer::abort()
{
    m_stopped = true;
    m_file.reset();
}

void FileProducer::fail(const QString &reason)
{
    m_stopped = true;
    m_file.reset();
    emit failed(reason); // the connection's connection to this signal is queued
}

} // namespace sluice::http
