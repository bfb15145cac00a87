#pragma once

#include "util/expected.h"

#include <QSslConfiguration>
#include <QTcpServer>

#include <optional>

namespace sluice::http {

// The server's side of TLS: TLS 1.2 or newer, the given certificate chain
// (leaf first) and key, no client certificates asked for. Errors name the
// file at fault.
Expected<QSslConfiguration> loadTlsConfiguration(const QString &certificatePath,
                                                 const QString &privateKeyPath);

// A QTcpServer whose connections, once TLS is set, are QSslSockets that have
// started their handshake. Unlike QSslServer, which hands a connection over
// only once its handshake is done, every connection is pending at once, so
// that the server counts, admits, evicts and times out connections in their
// handshake like any other (docs/decisions/0027-tls.md).
class TlsTcpServer final : public QTcpServer
{
    Q_OBJECT
public:
    using QTcpServer::QTcpServer;

    // Before listen(); nothing: plain TCP.
    void setTlsConfiguration(std::optional<QSslConfiguration> configuration)
    {
        m_tls = std::move(configuration);
    }
    bool isTls() const { return m_tls.has_value(); }

protected:
    void incomingConnection(qintptr descriptor) override;

private:
    std::optional<QSslConfiguration> m_tls;
};

} // namespace sluice::http
