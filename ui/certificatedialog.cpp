#include "certificatedialog.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QGridLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QStyle>

using namespace Qt::StringLiterals;

namespace sluice::ui {

CertificateDialog::CertificateDialog(Kind kind, const QString &server, const QString &fingerprint,
                                     QWidget *parent)
    : QDialog(parent)
    , m_server(server)
    , m_fingerprint(fingerprint)
{
    const bool untrusted = kind == Kind::Untrusted;
    setObjectName(untrusted ? u"trustCertificateDialog"_s : u"certificateChangedDialog"_s);
    setWindowTitle(untrusted ? tr("Untrusted certificate") : tr("Certificate changed"));

    auto icon = new QLabel;
    const int iconSize = style()->pixelMetric(QStyle::PM_MessageBoxIconSize, nullptr, this);
    icon->setPixmap(style()
                        ->standardIcon(untrusted ? QStyle::SP_MessageBoxQuestion
                                                 : QStyle::SP_MessageBoxCritical,
                                       nullptr, this)
                        .pixmap(iconSize, iconSize));

    auto message = new QLabel;
    message->setObjectName(u"certificateMessage"_s);
    message->setTextFormat(Qt::PlainText); // the server's name is not markup
    message->setWordWrap(true);
    if (untrusted) {
        message->setText(
            tr("This computer does not trust the certificate of %1.\n\n"
               "Trust it only if its SHA-256 fingerprint below is the one the server's "
               "administrator gave you (sluiced tls self-signed prints it). Sluice will then "
               "accept this certificate, and only this one, from that server.")
                .arg(server));
    } else {
        message->setText(
            tr("The certificate of %1 is not the one you accepted before, so Sluice refused "
               "the connection. Someone may be intercepting it.\n\n"
               "If the server's administrator made a new certificate, compare its fingerprint "
               "with the one below before you do anything else.")
                .arg(server));
    }

    auto fingerprintField = new QLineEdit(fingerprint);
    fingerprintField->setObjectName(u"fingerprintField"_s);
    fingerprintField->setReadOnly(true); // selectable, to copy and compare
    const QFont fixedFont = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    fingerprintField->setFont(fixedFont);
    fingerprintField->setMinimumWidth(
        QFontMetrics(fixedFont).horizontalAdvance(fingerprint + u"00"_s));
    fingerprintField->setCursorPosition(0);

    auto buttons = new QDialogButtonBox;
    if (untrusted) {
        auto trust
            = buttons->addButton(tr("&Trust this certificate"), QDialogButtonBox::AcceptRole);
        trust->setObjectName(u"trustButton"_s);
        auto cancel = buttons->addButton(QDialogButtonBox::Cancel);
        cancel->setDefault(true); // Return must not trust by accident
    } else {
        buttons->addButton(QDialogButtonBox::Close)->setDefault(true);
    }
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto layout = new QGridLayout(this);
    layout->addWidget(icon, 0, 0, 2, 1, Qt::AlignTop);
    layout->addWidget(message, 0, 1);
    layout->addWidget(fingerprintField, 1, 1);
    layout->addWidget(buttons, 2, 0, 1, 2);
}

CertificateDialog::~CertificateDialog() = default;

} // namespace sluice::ui
