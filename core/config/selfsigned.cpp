// A self-signed certificate for `sluiced tls self-signed` (and the window),
// with OpenSSL's C API: no `openssl` binary needed on the host.
#include "config/selfsigned.h"

#include <QCryptographicHash>
#include <QHostAddress>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

using namespace Qt::StringLiterals;

namespace sluice::config {
namespace {

template<typename T, void (*Free)(T *)> struct Deleter
{
    void operator()(T *p) const { Free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Certificate = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using Extension = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// What OpenSSL said last, for the error a user reads.
Error openSslError(const QString &step)
{
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    char text[256] = {};
    if (code != 0)
        ERR_error_string_n(code, text, sizeof text);
    return Error {u"cannot make a self-signed certificate: %1 failed%2"_s.arg(
        step, code != 0 ? u" ("_s + QString::fromLatin1(text) + u')' : QString())};
}

QByteArray bioText(BIO *bio)
{
    char *data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    return size > 0 ? QByteArray(data, size) : QByteArray();
}

bool addExtension(X509 *certificate, int nid, const QByteArray &value)
{
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    const Extension extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value.constData()));
    return extension && X509_add_ext(certificate, extension.get(), -1) == 1;
}

} // namespace

Expected<SelfSignedCertificate> makeSelfSignedCertificate(const QStringList &hosts,
                                                          int validityDays)
{
    const QStringList names
        = hosts.isEmpty() ? QStringList {u"localhost"_s, u"127.0.0.1"_s, u"::1"_s} : hosts;
    QStringList alternatives;
    for (const QString &name : names) {
        QHostAddress address;
        if (address.setAddress(name)) {
            alternatives.append(u"IP:"_s + address.toString());
            continue;
        }
        // Commas would start another entry of the extension's text form.
        if (name.isEmpty() || name.contains(u',') || name.contains(u':'))
            return Error {u"--host: '%1' is neither a host name nor an IP address"_s.arg(name)};
        alternatives.append(u"DNS:"_s + name);
    }

    const Key key(EVP_EC_gen("P-256"));
    if (!key)
        return openSslError(u"generating an EC P-256 key"_s);

    const Certificate certificate(X509_new());
    if (!certificate)
        return openSslError(u"X509_new"_s);
    X509_set_version(certificate.get(), 2); // v3: extensions
    // A random positive 159-bit serial (RFC 5280 §4.1.2.2: at most 20 octets).
    unsigned char serial[20] = {};
    if (RAND_bytes(serial, sizeof serial) != 1)
        return openSslError(u"RAND_bytes"_s);
    serial[0] &= 0x7f;
    serial[0] |= 0x40;
    BIGNUM *serialNumber = BN_bin2bn(serial, sizeof serial, nullptr);
    const bool serialSet = serialNumber
        && BN_to_ASN1_INTEGER(serialNumber, X509_get_serialNumber(certificate.get()));
    BN_free(serialNumber);
    if (!serialSet)
        return openSslError(u"setting the serial number"_s);
    if (!X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -3600)
        || !X509_gmtime_adj(X509_getm_notAfter(certificate.get()), long(validityDays) * 86400))
        return openSslError(u"setting the validity"_s);
    if (X509_set_pubkey(certificate.get(), key.get()) != 1)
        return openSslError(u"X509_set_pubkey"_s);

    X509_NAME *subject = X509_get_subject_name(certificate.get());
    const QByteArray commonName = names.first().toUtf8().left(64);
    if (X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char *>("Sluice"), -1, -1, 0)
            != 1
        || X509_NAME_add_entry_by_txt(
               subject, "CN", MBSTRING_UTF8,
               reinterpret_cast<const unsigned char *>(commonName.constData()), -1, -1, 0)
            != 1
        || X509_set_issuer_name(certificate.get(), subject) != 1)
        return openSslError(u"setting the subject"_s);

    if (!addExtension(certificate.get(), NID_subject_alt_name, alternatives.join(u',').toUtf8())
        || !addExtension(certificate.get(), NID_basic_constraints, "critical,CA:FALSE")
        || !addExtension(certificate.get(), NID_key_usage, "critical,digitalSignature")
        || !addExtension(certificate.get(), NID_ext_key_usage, "serverAuth")
        || !addExtension(certificate.get(), NID_subject_key_identifier, "hash"))
        return openSslError(u"adding the extensions"_s);

    if (X509_sign(certificate.get(), key.get(), EVP_sha256()) <= 0)
        return openSslError(u"signing the certificate"_s);

    SelfSignedCertificate out;
    const Bio keyBio(BIO_new(BIO_s_mem()));
    if (!keyBio
        || PEM_write_bio_PrivateKey(keyBio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)
            != 1)
        return openSslError(u"writing the key"_s);
    out.privateKeyPem = bioText(keyBio.get());
    const Bio certificateBio(BIO_new(BIO_s_mem()));
    if (!certificateBio || PEM_write_bio_X509(certificateBio.get(), certificate.get()) != 1)
        return openSslError(u"writing the certificate"_s);
    out.certificatePem = bioText(certificateBio.get());
    return out;
}

QString certificateFingerprint(const QByteArray &certificatePem)
{
    const Bio bio(BIO_new_mem_buf(certificatePem.constData(), int(certificatePem.size())));
    const Certificate certificate(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)
                                      : nullptr);
    ERR_clear_error();
    if (!certificate)
        return {};
    unsigned char *der = nullptr;
    const int size = i2d_X509(certificate.get(), &der);
    if (size <= 0)
        return {};
    const QByteArray digest
        = QCryptographicHash::hash(QByteArrayView(der, size), QCryptographicHash::Sha256);
    OPENSSL_free(der);
    return QString::fromLatin1(digest.toHex(':').toUpper());
}

} // namespace sluice::config
