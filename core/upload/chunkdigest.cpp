#include "upload/chunkdigest.h"

#include <openssl/evp.h>

#include <utility>

namespace sluice::upload {

namespace {

const EVP_MD *digestNamed(QByteArrayView algorithm)
{
    if (algorithm == "sha1")
        return EVP_sha1();
    if (algorithm == "sha256")
        return EVP_sha256();
    if (algorithm == "md5")
        return EVP_md5();
    return nullptr;
}

} // namespace

ChunkDigest::ChunkDigest(QByteArrayView algorithm)
{
    const EVP_MD *digest = digestNamed(algorithm);
    if (!digest)
        return;
    m_context = EVP_MD_CTX_new();
    m_ok = m_context && EVP_DigestInit_ex(m_context, digest, nullptr) == 1;
}

ChunkDigest::~ChunkDigest()
{
    EVP_MD_CTX_free(m_context);
}

ChunkDigest::ChunkDigest(ChunkDigest &&other) noexcept
    : m_context(std::exchange(other.m_context, nullptr))
    , m_ok(std::exchange(other.m_ok, false))
{ }

ChunkDigest &ChunkDigest::operator=(ChunkDigest &&other) noexcept
{
    if (this != &other) {
        EVP_MD_CTX_free(m_context);
        m_context = std::exchange(other.m_context, nullptr);
        m_ok = std::exchange(other.m_ok, false);
    }
    return *this;
}

void ChunkDigest::update(QByteArrayView data)
{
    if (m_ok && !data.isEmpty())
        m_ok = EVP_DigestUpdate(m_context, data.data(), size_t(data.size())) == 1;
}

QByteArray ChunkDigest::finish()
{
    if (!std::exchange(m_ok, false))
        return {};
    QByteArray digest(EVP_MAX_MD_SIZE, Qt::Uninitialized);
    unsigned int length = 0;
    if (EVP_DigestFinal_ex(m_context, reinterpret_cast<unsigned char *>(digest.data()), &length)
        != 1)
        return {};
    digest.truncate(qsizetype(length));
    return digest;
}

} // namespace sluice::upload
