#pragma once

#include "util/expected.h"

#include <QByteArray>
#include <QStringList>

namespace sluice::config {

// A private key and a certificate for it, both PEM.
struct SelfSignedCertificate
{
    QByteArray certificatePem;
    QByteArray privateKeyPem; // PKCS#8, unencrypted
};

// A fresh EC P-256 key and a certificate it signs itself: valid from now
// (less an hour, for clocks a little behind) for `validityDays`, the first
// host as its subject CN and every host in its subjectAltName (an IPv4 or
// IPv6 address as an IP entry, anything else as a DNS name). No hosts:
// localhost, 127.0.0.1 and ::1. Errors name what OpenSSL refused.
Expected<SelfSignedCertificate> makeSelfSignedCertificate(const QStringList &hosts,
                                                          int validityDays = 825);

// "AB:CD:…": SHA-256 of the certificate's DER form, as `openssl x509
// -fingerprint -sha256` prints it. Empty when `pem` holds no certificate.
QString certificateFingerprint(const QByteArray &certificatePem);

} // namespace sluice::config
