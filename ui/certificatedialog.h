#pragma once

#include <QDialog>

namespace sluice::ui {

// Shows a remote service's certificate fingerprint (SHA-256, selectable, in
// a fixed font) to compare with the one `sluiced tls self-signed` printed.
// Untrusted: the system does not trust the certificate and none is pinned;
// "Trust this certificate" accepts it. Changed: it is not the pinned one; the
// connection was refused and the dialog only says so.
class CertificateDialog final : public QDialog
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CertificateDialog)
public:
    enum class Kind { Untrusted, Changed };

    CertificateDialog(Kind kind, const QString &server, const QString &fingerprint,
                      QWidget *parent = nullptr);
    ~CertificateDialog() override;

    QString server() const { return m_server; }
    QString fingerprint() const { return m_fingerprint; }

private:
    QString m_server;
    QString m_fingerprint;
};

} // namespace sluice::ui
