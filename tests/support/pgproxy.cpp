#include "pgproxy.h"

#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtEndian>

namespace sluice::test {

class PgProxyCore final : public QObject
{
public:
    PgProxyCore(quint16 upstreamPort, std::atomic<int> &trapped)
        : m_upstreamPort(upstreamPort)
        , m_trapped(trapped)
    {
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *client = m_server.nextPendingConnection())
                accept(client);
        });
    }

    quint16 listen()
    {
        return m_server.listen(QHostAddress::LocalHost, 0) ? m_server.serverPort() : 0;
    }

    void releaseCancels()
    {
        for (const QPointer<QTcpSocket> &s : std::as_const(m_held))
            if (s)
                s->abort();
        m_held.clear();
        m_trap = false;
    }

private:
    void accept(QTcpSocket *client)
    {
        client->setParent(this);
        connect(client, &QTcpSocket::readyRead, this, [this, client] { classify(client); });
        classify(client);
    }

    // Decides on the first 8 bytes: the length and code of the first message.
    void classify(QTcpSocket *client)
    {
        if (client->property("classified").toBool() || client->bytesAvailable() < 8)
            return;
        client->setProperty("classified", true);
        disconnect(client, &QTcpSocket::readyRead, this, nullptr);
        const QByteArray head = client->peek(8);
        const quint32 length = qFromBigEndian<quint32>(head.constData());
        const quint32 code = qFromBigEndian<quint32>(head.constData() + 4);
        if (m_trap && length == 16 && code == 80877102) {
            m_held.append(client); // read nothing more, answer nothing
            ++m_trapped;
            return;
        }
        auto *server = new QTcpSocket(this);
        const auto closeBoth = [c = QPointer(client), s = QPointer(server)] {
            for (QTcpSocket *socket : {c.get(), s.get()}) {
                if (socket) {
                    socket->disconnect();
                    socket->disconnectFromHost();
                    socket->deleteLater();
                }
            }
        };
        connect(client, &QTcpSocket::readyRead, server,
                [client, server] { server->write(client->readAll()); });
        connect(server, &QTcpSocket::readyRead, client,
                [client, server] { client->write(server->readAll()); });
        connect(client, &QTcpSocket::disconnected, this, closeBoth);
        connect(server, &QTcpSocket::disconnected, this, closeBoth);
        connect(server, &QTcpSocket::errorOccurred, this, closeBoth);
        server->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
        server->write(client->readAll()); // buffered until connected
    }

    QTcpServer m_server;
    quint16 m_upstreamPort;
    std::atomic<int> &m_trapped;
    QList<QPointer<QTcpSocket>> m_held;
    bool m_trap = true;
};

PgProxy::PgProxy(quint16 upstreamPort)
{
    m_thread.start();
    // Created on its thread, with its server and sockets.
    QObject context;
    context.moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        &context,
        [this, upstreamPort] {
            m_core = new PgProxyCore(upstreamPort, m_trapped);
            m_port = m_core->listen();
        },
        Qt::BlockingQueuedConnection);
}

PgProxy::~PgProxy()
{
    QMetaObject::invokeMethod(
        m_core, [this] { delete m_core; }, Qt::BlockingQueuedConnection);
    m_thread.quit();
    m_thread.wait();
}

void PgProxy::releaseCancels()
{
    QMetaObject::invokeMethod(
        m_core, [this] { m_core->releaseCancels(); }, Qt::BlockingQueuedConnection);
}

} // namespace sluice::test
