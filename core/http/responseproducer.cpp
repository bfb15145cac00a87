#include "http/responseproducer.h"

#include <cerrno>

namespace sluice::http {

ResponseProducer::~ResponseProducer() = default;

qint64 ResponseProducer::sendDirect(int, qint64, int *error)
{
    *error = ENOSYS;
    return -1;
}

BufferProducer::BufferProducer(QByteArray data, bool knownSize, QObject *parent)
    : ResponseProducer(parent)
    , m_data(std::move(data))
    , m_knownSize(knownSize)
{ }

std::optional<qint64> BufferProducer::size() const
{
    return m_knownSize ? std::optional<qint64>(m_data.size()) : std::nullopt;
}

QByteArray BufferProducer::read(qint64 maxBytes)
{
    const QByteArray piece = m_data.mid(m_offset, maxBytes);
    m_offset += piece.size();
    return piece;
}

} // namespace sluice::http
