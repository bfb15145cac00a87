#include "testsupport.h"

#include "config/authenticator.h"
#include "config/config.h"

#include <QDeadlineTimer>
#include <QElapsedTimer>

using namespace Qt::StringLiterals;

namespace sluice::test {

QString adminToken()
{
    return u"sluice_test_admin_token_0123456789abcdef"_s;
}
QString viewerToken()
{
    return u"sluice_test_viewer_token_0123456789abcdef"_s;
}
QByteArray bearer(const QString &token)
{
    return "Authorization: Bearer " + token.toLatin1() + "\r\n";
}

namespace {

std::shared_ptr<const config::Authenticator> testAuthenticator()
{
    config::Account admin {u"tester"_s,
                           true,
                           {{config::tokenDigest(adminToken()), QDateTime::currentDateTimeUtc()}},
                           u"tester-id"_s};
    config::Account viewer {u"viewer"_s,
                            false,
                            {{config::tokenDigest(viewerToken()), QDateTime::currentDateTimeUtc()}},
                            u"viewer-id"_s};
    return std::make_shared<const config::Authenticator>(QList<config::Account> {admin, viewer});
}

} // namespace

ServerThread::ServerThread(std::function<void(http::Router &)> addRoutes, config::Limits limits,
                           std::optional<QSslConfiguration> tls)
{
    m_thread.setObjectName(u"test-http"_s);
    m_thread.start();
    auto *anchor = new QObject; // something that lives on the thread, to run code there
    anchor->moveToThread(&m_thread);
    QMetaObject::invokeMethod(
        anchor,
        [&] {
            http::Router router;
            if (addRoutes)
                addRoutes(router);
            m_server = new http::HttpServer(std::move(router));
            m_server->setLimits(limits);
            m_server->setTlsConfiguration(tls);
            m_server->setAuthenticator(testAuthenticator());
            QObject::connect(m_server, &http::HttpServer::stopped, m_server,
                             [count = m_stopped] { ++*count; });
            QString error;
            if (!m_server->listen(QHostAddress::LocalHost, 0, &error))
                qFatal("test server cannot listen: %s", qPrintable(error));
            m_port = m_server->serverPort();
        },
        Qt::BlockingQueuedConnection);
    anchor->deleteLater();
}

ServerThread::~ServerThread()
{
    run([this] { delete m_server; });
    m_thread.quit();
    m_thread.wait();
}

void ServerThread::run(const std::function<void()> &f) const
{
    QMetaObject::invokeMethod(m_server, f, Qt::BlockingQueuedConnection);
}

http::ServerStats ServerThread::stats() const
{
    http::ServerStats s;
    run([&] { s = m_server->stats(); });
    return s;
}

QList<http::Transfer> ServerThread::transfers() const
{
    QList<http::Transfer> t;
    run([&] { t = m_server->transfers(); });
    return t;
}

bool ServerThread::abortConnection(quint64 connectionId)
{
    bool found = false;
    run([&] { found = m_server->abortConnection(connectionId, u"aborted by the test"_s); });
    return found;
}

void ServerThread::setLimits(const config::Limits &limits)
{
    run([&] { m_server->setLimits(limits); });
}

void ServerThread::setSendDirect(bool enabled)
{
    run([&] { m_server->setSendDirect(enabled); });
}

bool ServerThread::shutdown(int timeoutMs)
{
    run([this] { m_server->shutdown(); });
    QDeadlineTimer deadline(timeoutMs);
    while (*m_stopped == 0 && !deadline.hasExpired())
        QThread::msleep(5);
    return *m_stopped > 0;
}

RawClient::RawClient(quint16 port, int readBufferSize)
{
    if (readBufferSize > 0)
        m_socket.setReadBufferSize(readBufferSize);
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    m_socket.waitForConnected(5'000);
}

RawClient::RawClient(quint16 port, const QHostAddress &from)
{
    if (!m_socket.bind(from))
        qWarning("cannot bind to %s: %s", qPrintable(from.toString()),
                 qPrintable(m_socket.errorString()));
    m_socket.connectToHost(QHostAddress::LocalHost, port);
    m_socket.waitForConnected(5'000);
}

void RawClient::send(const QByteArray &bytes)
{
    m_socket.write(bytes);
    m_socket.flush();
}

bool RawClient::fill(int timeoutMs)
{
    if (m_socket.bytesAvailable() == 0 && !m_socket.waitForReadyRead(timeoutMs))
        return false;
    m_buffer += m_socket.readAll();
    return true;
}

Reply RawClient::read(int timeoutMs, bool headOnly)
{
    QDeadlineTimer deadline(timeoutMs);
    Reply reply;
    qsizetype headEnd;
    while ((headEnd = m_buffer.indexOf("\r\n\r\n")) < 0) {
        if (!fill(int(deadline.remainingTime())))
            return reply;
    }
    const QList<QByteArray> lines = m_buffer.first(headEnd).split('\n');
    m_buffer.remove(0, headEnd + 4);
    const QList<QByteArray> statusLine = lines.value(0).trimmed().split(' ');
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const qsizetype colon = lines.at(i).indexOf(':');
        reply.headers.add(lines.at(i).first(colon).trimmed(),
                          lines.at(i).sliced(colon + 1).trimmed());
    }
    const int status = statusLine.value(1).toInt();
    if (headOnly || status < 200 || status == 204 || status == 304) {
        reply.status = status;
        return reply;
    }
    if (reply.headers.contains("content-length")) {
        const qsizetype length = reply.headers.value("content-length").toLongLong();
        while (m_buffer.size() < length) {
            if (!fill(int(deadline.remainingTime())))
                return reply;
        }
        reply.body = m_buffer.first(length);
        m_buffer.remove(0, length);
    } else if (reply.headers.value("transfer-encoding") == "chunked") {
        for (;;) {
            qsizetype eol;
            while ((eol = m_buffer.indexOf("\r\n")) < 0) {
                if (!fill(int(deadline.remainingTime())))
                    return reply;
            }
            const qsizetype size = m_buffer.first(eol).toLongLong(nullptr, 16);
            while (m_buffer.size() < eol + 2 + size + 2) {
                if (!fill(int(deadline.remainingTime())))
                    return reply;
            }
            reply.body += m_buffer.mid(eol + 2, size);
            m_buffer.remove(0, eol + 2 + size + 2);
            if (size == 0)
                break;
        }
    } else {
        while (fill(int(deadline.remainingTime()))) { }
        reply.body = std::exchange(m_buffer, {});
    }
    reply.status = status;
    return reply;
}

bool RawClient::waitForClose(int timeoutMs)
{
    QDeadlineTimer deadline(timeoutMs);
    while (m_socket.state() == QAbstractSocket::ConnectedState && !deadline.hasExpired()) {
        if (m_socket.waitForReadyRead(int(deadline.remainingTime())))
            m_buffer += m_socket.readAll();
    }
    return m_socket.state() != QAbstractSocket::ConnectedState;
}

QByteArray get(const QByteArray &path, const QByteArray &extraHeaders)
{
    return "GET " + path + " HTTP/1.1\r\nHost: test\r\n" + extraHeaders + "\r\n";
}

double metricValue(const QByteArray &exposition, const QByteArray &series)
{
    for (const QByteArray &line : exposition.split('\n')) {
        if (line.startsWith(QByteArray(series + ' ')))
            return line.mid(series.size() + 1).toDouble();
    }
    return -1;
}

Reply request(quint16 port, const QByteArray &raw, int timeoutMs)
{
    RawClient client(port);
    client.send(raw);
    return client.read(timeoutMs);
}

} // namespace sluice::test
