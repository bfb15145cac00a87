#pragma once

// A TCP proxy in front of a test sluiced that reads the client's HTTP/1.1
// requests just enough to find their bodies (request line, Content-Length),
// counts the body bytes of every PATCH it forwards, and once cuts the
// network: after `cutAfter` body bytes of the first PATCH have gone to the
// server, it closes that connection on both sides (the server gets those
// bytes and then FIN, the client a reset), as a dropped link would.
// Everything else passes through unchanged, keep-alive included. Runs on the
// thread that creates it: the test must spin an event loop while a client
// talks through it.

#include <QObject>
#include <QTcpServer>

namespace sluice::test {

class CuttingProxy final : public QObject
{
    Q_DISABLE_COPY_MOVE(CuttingProxy)

public:
    CuttingProxy(quint16 upstreamPort, qint64 cutAfter); // listens on 127.0.0.1, port 0
    ~CuttingProxy() override;

    quint16 port() const { return m_server.serverPort(); }
    bool hasCut() const { return m_cut; }
    // Body bytes of PATCH requests written to the server, the cut one's included.
    qint64 patchBodyBytes() const { return m_patchBodyBytes; }
    int patchRequests() const { return m_patchRequests; }
    // Set when a request could not be framed (chunked, or no end of head):
    // then the counts above are wrong and the test must say so.
    QString framingProblem() const { return m_framingProblem; }

private:
    struct Link;
    void accept(QTcpSocket *client);
    void pump(Link *link);
    void close(Link *link);

    QTcpServer m_server;
    quint16 m_upstreamPort;
    qint64 m_cutAfter;
    bool m_cut = false;
    qint64 m_patchBodyBytes = 0;
    int m_patchRequests = 0;
    QString m_framingProblem;
    QList<Link *> m_links;
};

} // namespace sluice::test
