#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

struct evp_md_ctx_st;

namespace sluice::upload {

// Incremental SHA-256 on OpenSSL's EVP interface, which is several times faster
// than QCryptographicHash on the upload path (see DESIGN.md, "Libraries").
// Not thread-safe; one instance hashes one stream, and is reusable after
// finish().
class Sha256 final
{
public:
    static constexpr qsizetype DigestBytes = 32;

    Sha256();
    ~Sha256();
    Sha256(Sha256 &&other) noexcept;
    Sha256 &operator=(Sha256 &&other) noexcept;
    Sha256(const Sha256 &) = delete;
    Sha256 &operator=(const Sha256 &) = delete;

    // A hash of the same bytes that goes on by itself, so that one file
    // appended to by several writers keeps one running hash while each of
    // them reports the digest so far. A failed copy (out of memory) yields a
    // hash whose finish() is empty.
    Sha256 clone() const;

    void update(QByteArrayView data);
    // The raw 32-byte digest of everything passed to update() since
    // construction or the last finish(), which also starts a new stream. Empty
    // when OpenSSL failed (out of memory, no SHA-256 provider): callers must
    // treat an empty digest as an error, never as a value.
    QByteArray finish();

    // One-shot digest of data (raw 32 bytes, empty on failure as above).
    static QByteArray digest(QByteArrayView data);
    // Lowercase hex (64 characters), as in the upload JSON and sha256sum.
    static QString toHex(const QByteArray &digest);
    // Standard base64 with padding, as in an HTTP Digest / Repr-Digest field.
    static QString toBase64(const QByteArray &digest);

private:
    void start();

    evp_md_ctx_st *m_context = nullptr;
    bool m_ok = false;
};

} // namespace sluice::upload
