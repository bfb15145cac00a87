#include "upload/sha256.h"

#include <openssl/evp.h>

#include <utility>

namespace sluice::upload {

Sha256::Sha256()
    : m_context(EVP_MD_CTX_new())
{
    start();
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(m_context);
}

Sha256::Sha256(Sha256 &&other) noexcept
    : m_context(std::exchange(other.m_context, nullptr))
    , m_ok(std::exchange(other.m_ok, false))
{ }

Sha256 &Sha256::operator=(Sha256 &&other) noexcept
{
    if (this != &other) {
        EVP_MD_CTX_free(m_context);
        m_context = std::exchange(other.m_context, nullptr);
        m_ok = std::exchange(other.m_ok, false);
    }
    return *this;
}

void Sha256::start()
{
    m_ok = m_context && EVP_DigestInit_ex(m_context, EVP_sha256(), nullptr) == 1;
}

Sha256 Sha256::clone() const
{
    Sha256 copy;
    copy.m_ok = m_ok && copy.m_context && EVP_MD_CTX_copy_ex(copy.m_context, m_context) == 1;
    return copy;
}

void Sha256::update(QByteArrayView data)
{
    if (m_ok && !data.isEmpty())
        m_ok = EVP_DigestUpdate(m_context, data.data(), size_t(data.size())) == 1;
}

QByteArray Sha256::finish()
{
    QByteArray digest(DigestBytes, Qt::Uninitialized);
    unsigned int length = 0;
    const bool ok = m_ok
        && EVP_DigestFinal_ex(m_context, reinterpret_cast<unsigned char *>(digest.data()), &length)
            == 1
        && length == unsigned(DigestBytes);
    start();
    return ok ? digest : QByteArray();
}

QByteArray Sha256::digest(QByteArrayView data)
{
    Sha256 hash;
    hash.update(data);
    return hash.finish();
}

QString Sha256::toHex(const QByteArray &digest)
{
    return QString::fromLatin1(digest.toHex());
}

QString Sha256::toBase64(const QByteArray &digest)
{
    return QString::fromLatin1(digest.toBase64());
}

} // namespace sluice::upload
