// MainWindow in front of a remote service: the server, the connection's
// state, and the questions about its certificate.
#include "mainwindow.h"

#include "certificatedialog.h"
#include "connectiontext.h"
#include "palette.h"

#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using service::ConnectionInfo;
using service::ConnectionState;

void MainWindow::showRemote()
{
    // A remote service is started and stopped where it runs, and its tokens
    // are issued there too.
    m_startButton->hide();
    m_stopButton->hide();
    m_serviceForm->setRowVisible(m_tokenRow, false);
    m_serviceForm->setRowVisible(m_addressRow, false);
    m_serviceForm->setRowVisible(m_serverLabel, true);
    m_serviceForm->setRowVisible(m_connectionLabel, true);
    applyConnection(m_service.connection());
}

void MainWindow::applyConnection(const ConnectionInfo &connection)
{
    if (!m_service.isRemote())
        return;
    const bool stateChanged = connection.state != m_connection.state;
    m_connection = connection;

    const QString server = connection.server.toHtmlEscaped();
    m_serverLabel->setText(server.isEmpty() ? QString() : u"<a href=\"%1\">%1</a>"_s.arg(server));
    setWindowTitle(server.isEmpty() ? tr("Sluice") : tr("Sluice \u2014 %1").arg(connection.server));

    m_retryDeadline = QDeadlineTimer(connection.retryInMs);
    updateConnectionText();

    // A question about a certificate the service no longer presents is moot.
    if (m_certificateDialog && stateChanged) {
        m_certificateDialog->close(); // deleted later
        m_certificateDialog = nullptr;
        m_askedFingerprint.clear();
    }
    askAboutCertificate();
}

void MainWindow::updateConnectionText()
{
    const bool reconnecting = m_connection.state == ConnectionState::Reconnecting;
    const qint64 retryInMs = reconnecting ? m_retryDeadline.remainingTime() : 0;
    const QString text = describeConnection(m_connection, retryInMs);
    // The text shows whole seconds rounded up: wake just after it next changes,
    // so that no second is skipped or shown twice (as with the uptime).
    if (reconnecting && retryInMs > 0) {
        const qint64 shown = (retryInMs + 999) / 1'000;
        m_countdownTimer->start(int(retryInMs - (shown - 1) * 1'000) + 5);
    } else {
        m_countdownTimer->stop();
    }
    // Red where the operator has to act: the service will not retry by itself.
    QPalette palette = this->palette();
    if (connectionNeedsOperator(m_connection.state))
        palette.setColor(QPalette::WindowText, coloursFor(palette).errorText);
    for (QLabel *label : {m_connectionLabel, m_connectionStatus}) {
        label->setText(text);
        label->setPalette(palette);
    }
    m_connectionStatus->setToolTip(text);
}

void MainWindow::askAboutCertificate()
{
    const ConnectionState state = m_connection.state;
    if (state != ConnectionState::CertificateUntrusted
        && state != ConnectionState::CertificateChanged)
        return;
    // Once per certificate: the facade reports the same state again as it retries.
    if (m_certificateDialog || m_connection.fingerprint == m_askedFingerprint)
        return;
    m_askedFingerprint = m_connection.fingerprint;

    const auto kind = state == ConnectionState::CertificateUntrusted
        ? CertificateDialog::Kind::Untrusted
        : CertificateDialog::Kind::Changed;
    m_certificateDialog
        = new CertificateDialog(kind, m_connection.server, m_connection.fingerprint, this);
    m_certificateDialog->setAttribute(Qt::WA_DeleteOnClose);
    if (kind == CertificateDialog::Kind::Untrusted) {
        CertificateDialog *dialog = m_certificateDialog;
        connect(dialog, &QDialog::accepted, this, [this, dialog] {
            emit certificateAccepted(dialog->server(), dialog->fingerprint());
        });
    }
    // Window-modal and without a nested event loop: the facade's signals keep coming.
    m_certificateDialog->open();
}

} // namespace sluice::ui
