#pragma once

#include <QByteArray>
#include <QByteArrayView>

struct evp_md_ctx_st;

namespace sluice::upload {

// The digest of one piece of an upload in one of the algorithms a tus client
// may name in Upload-Checksum (tus 1.0 checksum extension), on OpenSSL's EVP
// interface like Sha256. Only the names tus uses are known here, not
// OpenSSL's aliases ("SHA1", "RSA-SHA1"), so that what a client names is
// exactly what was checked. Not thread-safe; one instance hashes one piece.
class ChunkDigest final
{
public:
    // "sha1", "sha256" or "md5"; any other name makes an invalid digest.
    explicit ChunkDigest(QByteArrayView algorithm);
    ~ChunkDigest();
    ChunkDigest(ChunkDigest &&other) noexcept;
    ChunkDigest &operator=(ChunkDigest &&other) noexcept;
    ChunkDigest(const ChunkDigest &) = delete;
    ChunkDigest &operator=(const ChunkDigest &) = delete;

    // False for an unknown algorithm, after an OpenSSL failure, after
    // finish() and once moved from.
    bool isValid() const { return m_ok; }
    void update(QByteArrayView data);
    // The raw digest of everything passed to update(); the digest is then
    // spent. Empty when it was not valid: callers must treat an empty digest
    // as an error, never as a value.
    QByteArray finish();

private:
    evp_md_ctx_st *m_context = nullptr;
    bool m_ok = false;
};

} // namespace sluice::upload
