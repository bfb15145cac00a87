#include "cuttingproxy.h"

#include <QPointer>
#include <QTcpSocket>

using namespace Qt::StringLiterals;

namespace sluice::test {

namespace {

// Reads from the client only while the server side holds less than this.
constexpr qint64 highWater = 1024 * 1024;
constexpr qsizetype maxHead = 64 * 1024;

} // namespace

struct CuttingProxy::Link
{
    QPointer<QTcpSocket> client;
    QPointer<QTcpSocket> upstream;
    QByteArray pending; // read from the client, not yet written upstream
    qint64 bodyLeft = 0; // of the current request; 0: a head comes next
    bool patch = false;
    bool cutsHere = false; // the current request is the first PATCH
    qint64 bodySent = 0; // of the current request
    bool closed = false;
};

CuttingProxy::CuttingProxy(quint16 upstreamPort, qint64 cutAfter)
    : m_upstreamPort(upstreamPort)
    , m_cutAfter(cutAfter)
{
    connect(&m_server, &QTcpServer::newConnection, this, [this] {
        while (QTcpSocket *client = m_server.nextPendingConnection())
            accept(client);
    });
    m_server.listen(QHostAddress::LocalHost, 0);
}

CuttingProxy::~CuttingProxy()
{
    qDeleteAll(m_links);
}

void CuttingProxy::accept(QTcpSocket *client)
{
    auto *link = new Link;
    m_links.append(link);
    client->setParent(this);
    client->setReadBufferSize(highWater);
    auto *upstream = new QTcpSocket(this);
    link->client = client;
    link->upstream = upstream;
    connect(client, &QTcpSocket::readyRead, this, [this, link] { pump(link); });
    connect(upstream, &QTcpSocket::bytesWritten, this, [this, link] { pump(link); });
    connect(upstream, &QTcpSocket::readyRead, this, [link] {
        const QByteArray answer = link->upstream->readAll();
        if (!link->closed && link->client)
            link->client->write(answer);
    });
    connect(client, &QTcpSocket::disconnected, this, [this, link] { close(link); });
    connect(upstream, &QTcpSocket::disconnected, this, [this, link] { close(link); });
    connect(upstream, &QTcpSocket::errorOccurred, this, [this, link] { close(link); });
    // Qt keeps what is written while the connection is being made.
    upstream->connectToHost(QHostAddress::LocalHost, m_upstreamPort);
    pump(link);
}

// Moves the client's bytes upstream, request by request, and cuts the first
// PATCH's body at m_cutAfter.
void CuttingProxy::pump(Link *link)
{
    if (link->closed || !link->client || !link->upstream)
        return;
    if (link->upstream->bytesToWrite() < highWater)
        link->pending += link->client->read(highWater);
    while (!link->pending.isEmpty()) {
        if (link->bodyLeft == 0) {
            const qsizetype end = link->pending.indexOf("\r\n\r\n");
            if (end < 0) {
                if (link->pending.size() > maxHead)
                    m_framingProblem = u"a request head longer than 64 KiB"_s;
                return;
            }
            const QByteArray head = link->pending.left(end + 4);
            link->pending.remove(0, end + 4);
            link->patch = head.startsWith("PATCH ");
            link->bodyLeft = 0;
            link->bodySent = 0;
            for (const QByteArray &line : head.split('\n')) {
                const QByteArray field = line.trimmed().toLower();
                if (field.startsWith("content-length:"))
                    link->bodyLeft = field.mid(15).trimmed().toLongLong();
                else if (field.startsWith("transfer-encoding:"))
                    m_framingProblem = u"a request with Transfer-Encoding: "_s
                        + QString::fromLatin1(field.mid(18).trimmed());
            }
            if (link->patch)
                ++m_patchRequests;
            link->cutsHere = link->patch && !m_cut && m_patchRequests == 1;
            link->upstream->write(head);
            continue;
        }
        qint64 n = qMin<qint64>(link->bodyLeft, link->pending.size());
        const bool cutNow = link->cutsHere && link->bodySent + n >= m_cutAfter;
        if (cutNow)
            n = m_cutAfter - link->bodySent;
        link->upstream->write(link->pending.constData(), n);
        link->pending.remove(0, n);
        link->bodyLeft -= n;
        link->bodySent += n;
        if (link->patch)
            m_patchBodyBytes += n;
        if (cutNow) {
            m_cut = true;
            // The server gets every byte written so far, then FIN; the
            // client a reset, and it has to ask the server where to resume.
            link->closed = true;
            link->client->abort();
            link->upstream->disconnectFromHost();
            return;
        }
    }
}

void CuttingProxy::close(Link *link)
{
    if (link->client && link->client->state() != QAbstractSocket::UnconnectedState) {
        if (link->upstream && !link->closed)
            link->client->write(link->upstream->readAll());
        link->client->disconnectFromHost();
    }
    link->closed = true;
    // The server side goes once it has written everything (disconnected()).
    if (link->upstream && link->upstream->state() != QAbstractSocket::UnconnectedState)
        link->upstream->disconnectFromHost();
}

} // namespace sluice::test
