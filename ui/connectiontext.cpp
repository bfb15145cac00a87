#include "connectiontext.h"

#include <QCoreApplication>

#include <algorithm>

namespace sluice::ui {

using service::ConnectionState;

namespace {

// The translation context of this file's texts.
struct ConnectionText
{
    Q_DECLARE_TR_FUNCTIONS(sluice::ui::ConnectionText)
};

// " (why)", or nothing when there is no why.
QString because(const QString &message)
{
    return message.isEmpty() ? QString() : QStringLiteral(" (%1)").arg(message);
}

} // namespace

QString describeConnection(const service::ConnectionInfo &info, qint64 retryInMs)
{
    switch (info.state) {
    case ConnectionState::Local:
        return ConnectionText::tr("This computer's service");
    case ConnectionState::Connecting:
        return ConnectionText::tr("Connecting to %1\u2026").arg(info.server);
    case ConnectionState::Connected:
        return ConnectionText::tr("Connected to %1").arg(info.server);
    case ConnectionState::Reconnecting: {
        // Whole seconds, rounded up: "in 0 s" only once the attempt is due.
        const qint64 seconds = std::max<qint64>(0, (retryInMs + 999) / 1'000);
        return ConnectionText::tr("Reconnecting in %1 s\u2026").arg(seconds)
            + because(info.message);
    }
    case ConnectionState::Unauthorized:
        return ConnectionText::tr("Unauthorized: %1")
            .arg(info.message.isEmpty() ? ConnectionText::tr("the server refused the token")
                                        : info.message);
    case ConnectionState::CertificateUntrusted:
        // True whether its question is open or was cancelled.
        return ConnectionText::tr(
                   "Certificate not trusted (fingerprint %1): not connected until you trust it "
                   "(File \u25b8 Connect to\u2026 asks again)")
            .arg(info.fingerprint);
    case ConnectionState::CertificateChanged:
        return ConnectionText::tr("Certificate changed: refused (fingerprint %1)")
                   .arg(info.fingerprint)
            + because(info.message);
    case ConnectionState::Refused:
        return ConnectionText::tr("Not connected: %1").arg(info.message);
    }
    return {};
}

QString describeServiceState(service::ServiceState state)
{
    switch (state) {
    case service::ServiceState::Stopped:
        return ConnectionText::tr("stopped");
    case service::ServiceState::Starting:
        return ConnectionText::tr("starting");
    case service::ServiceState::Running:
        return ConnectionText::tr("running");
    case service::ServiceState::Stopping:
        return ConnectionText::tr("stopping");
    case service::ServiceState::Failed:
        return ConnectionText::tr("failed");
    }
    return service::toString(state);
}

bool connectionNeedsOperator(ConnectionState state)
{
    return state == ConnectionState::Unauthorized || state == ConnectionState::CertificateChanged
        || state == ConnectionState::CertificateUntrusted || state == ConnectionState::Refused;
}

} // namespace sluice::ui
