#include "http/fileproducer.h"

#include <cerrno>

#ifdef Q_OS_LINUX
#include <sys/sendfile.h>
#endif

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
    // Positioned on the first read (and after sendDirect()), so that a seek error reaches the
    // connection as failed() like any other read error.
    if (!m_positioned) {
        if (!m_file->seek(m_offset + m_done)) {
            fail(u"cannot seek to byte %1: %2"_s.arg(m_offset + m_done).arg(m_file->errorString()));
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

qint64 FileProducer::sendDirect(int socket, qint64 maxBytes, int *error)
{
    *error = 0;
    if (m_stopped || atEnd() || maxBytes <= 0)
        return 0;
#ifdef Q_OS_LINUX
    if (!m_file || !m_file->isOpen()) {
        fail(u"file was closed before the response was complete"_s);
        *error = EBADF;
        return -1;
    }
    // The file's own position is left alone: read() seeks when it takes over.
    off_t at = off_t(m_offset + m_done);
    ssize_t sent;
    do {
        sent = ::sendfile(socket, m_file->handle(), &at,
                          size_t(std::min(maxBytes, m_length - m_done)));
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        *error = errno;
        if (*error != EAGAIN && *error != EWOULDBLOCK && *error != EINVAL && *error != ENOSYS
            && *error != EPIPE && *error != ECONNRESET)
            fail(
                u"read error at byte %1: %2"_s.arg(m_offset + m_done).arg(qt_error_string(*error)));
        return -1;
    }
    if (sent == 0) {
        // Truncated since its size was taken: never pad or pretend.
        fail(u"file ended %1 bytes short of the %2 announced"_s.arg(m_length - m_done)
                 .arg(m_length));
        *error = EIO;
        return -1;
    }
    m_done += sent;
    m_positioned = false; // read() must seek to where sendfile left off
    if (atEnd())
        m_file.reset();
    return sent;
#else
    Q_UNUSED(socket);
    *error = ENOSYS;
    return -1;
#endif
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
