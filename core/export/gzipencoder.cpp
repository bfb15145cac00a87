#include "export/gzipencoder.h"

#include <zlib.h>

namespace sluice::exports {

struct GzipEncoder::State
{
    z_stream stream {};
};

GzipEncoder::GzipEncoder(int level)
    : m_state(std::make_unique<State>())
{
    // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
    m_valid
        = deflateInit2(&m_state->stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK;
}

GzipEncoder::~GzipEncoder()
{
    if (m_valid)
        deflateEnd(&m_state->stream);
}

QByteArray GzipEncoder::compress(QByteArrayView input, bool sync)
{
    return run(input, sync ? Z_SYNC_FLUSH : Z_NO_FLUSH);
}

QByteArray GzipEncoder::finish()
{
    if (m_finished)
        return {};
    QByteArray out = run({}, Z_FINISH);
    m_finished = true;
    return out;
}

QByteArray GzipEncoder::run(QByteArrayView input, int flush)
{
    QByteArray out;
    if (!m_valid || m_finished)
        return out;
    z_stream &z = m_state->stream;
    z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(input.data()));
    z.avail_in = uInt(input.size());
    // deflateBound-ish room up front; grown in steps when the output needs more.
    qsizetype room = qsizetype(deflateBound(&z, uLong(input.size()))) + 64;
    out.resize(room);
    qsizetype used = 0;
    for (;;) {
        z.next_out = reinterpret_cast<Bytef *>(out.data() + used);
        z.avail_out = uInt(out.size() - used);
        const int rc = deflate(&z, flush);
        used = out.size() - qsizetype(z.avail_out);
        if (rc == Z_STREAM_END || rc == Z_STREAM_ERROR)
            break;
        if (z.avail_in == 0 && z.avail_out > 0)
            break; // everything consumed and flushed as asked
        out.resize(out.size() + 64 * 1024);
    }
    out.resize(used);
    return out;
}

} // namespace sluice::exports
