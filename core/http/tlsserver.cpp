#include "http/tlsserver.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <unistd.h>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

constexpr qint64 kMaxPemBytes = 1024 * 1024; // a chain is a few KiB

Expected<QByteArray> readPem(const QString &path, const char *what)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error {u"cannot read the TLS %1 %2: %3"_s.arg(QLatin1StringView(what), path,
                                                             file.errorString())};
    QByteArray data = file.read(kMaxPemBytes + 1);
    if (data.size() > kMaxPemBytes)
        return Error {u"the TLS %1 %2 is larger than %3 bytes: not a PEM file"_s.arg(
            QLatin1StringView(what), path, QString::number(kMaxPemBytes))};
    return data;
}

// The certificate's public key is the private key's: else every handshake
// would fail, and the operator would learn it from clients only.
bool keyMatches(const QByteArray &certificatePem, const QByteArray &keyPem)
{
    BIO *certificateBio = BIO_new_mem_buf(certificatePem.constData(), int(certificatePem.size()));
    BIO *keyBio = BIO_new_mem_buf(keyPem.constData(), int(keyPem.size()));
    X509 *certificate
        = certificateBio ? PEM_read_bio_X509(certificateBio, nullptr, nullptr, nullptr) : nullptr;
    EVP_PKEY *key = keyBio ? PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr) : nullptr;
    const bool matches = certificate && key && X509_check_private_key(certificate, key) == 1;
    EVP_PKEY_free(key);
    X509_free(certificate);
    BIO_free(keyBio);
    BIO_free(certificateBio);
    ERR_clear_error();
    return matches;
}

} // namespace

Expected<QSslConfiguration> loadTlsConfiguration(const QString &certificatePath,
                                                 const QString &privateKeyPath)
{
    if (!QSslSocket::supportsSsl())
        return Error {u"TLS is not available: Qt found no TLS backend (OpenSSL 3)"_s};
    const auto certificateText = readPem(certificatePath, "certificate");
    if (!certificateText)
        return certificateText.error();
    const QList<QSslCertificate> chain = QSslCertificate::fromData(*certificateText, QSsl::Pem);
    if (chain.isEmpty() || chain.first().isNull())
        return Error {u"the TLS certificate %1 holds no PEM certificate"_s.arg(certificatePath)};
    const auto keyText = readPem(privateKeyPath, "private key");
    if (!keyText)
        return keyText.error();
    QSslKey key;
    for (QSsl::KeyAlgorithm algorithm : {QSsl::Ec, QSsl::Rsa, QSsl::Dsa}) {
        key = QSslKey(*keyText, algorithm, QSsl::Pem, QSsl::PrivateKey);
        if (!key.isNull())
            break;
    }
    if (key.isNull())
        return Error {u"the TLS private key %1 holds no unencrypted PEM private key (EC, RSA or "
                      "DSA)"_s.arg(privateKeyPath)};
    if (!keyMatches(*certificateText, *keyText))
        return Error {u"the TLS private key %1 does not belong to the certificate %2"_s.arg(
            privateKeyPath, certificatePath)};

    QSslConfiguration configuration = QSslConfiguration::defaultConfiguration();
    configuration.setProtocol(QSsl::TlsV1_2OrLater);
    configuration.setLocalCertificateChain(chain);
    configuration.setPrivateKey(key);
    configuration.setPeerVerifyMode(QSslSocket::VerifyNone);
    return configuration;
}

void TlsTcpServer::incomingConnection(qintptr descriptor)
{
    if (!m_tls) {
        QTcpServer::incomingConnection(descriptor);
        return;
    }
    auto *socket = new QSslSocket(this);
    if (!socket->setSocketDescriptor(descriptor)) {
        delete socket;
        ::close(int(descriptor));
        return;
    }
    socket->setSslConfiguration(*m_tls);
    socket->startServerEncryption();
    addPendingConnection(socket);
}

} // namespace sluice::http
