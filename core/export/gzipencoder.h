#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace sluice::exports {

// Streaming gzip (RFC 1952) over zlib's deflate: each call compresses what it
// is given and returns the bytes ready so far; finish() returns the rest with
// the trailer. Memory stays at zlib's window whatever the size of the data.
class GzipEncoder final
{
public:
    explicit GzipEncoder(int level = 6);
    ~GzipEncoder();
    GzipEncoder(const GzipEncoder &) = delete;
    GzipEncoder &operator=(const GzipEncoder &) = delete;

    bool isValid() const { return m_valid; }
    // Compressed output for `input`; with sync, also flushes what is pending
    // (Z_SYNC_FLUSH) so the receiver can decode everything sent so far.
    QByteArray compress(QByteArrayView input, bool sync = false);
    QByteArray finish();

private:
    QByteArray run(QByteArrayView input, int flush);

    struct State;
    std::unique_ptr<State> m_state;
    bool m_valid = false;
    bool m_finished = false;
};

} // namespace sluice::exports
