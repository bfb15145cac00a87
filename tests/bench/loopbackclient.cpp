#include "loopbackclient.h"

#include <QCryptographicHash>
#include <QList>

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace sluice::bench {

namespace {

constexpr qsizetype BlockBytes = 256 * 1024;
constexpr int LineBytes = 32; // "0000000001,s-01,00000.143,deg_c\n"
constexpr int DigitsPerBlockNumber = 10;

class Socket
{
public:
    explicit Socket(int fd)
        : m_fd(fd)
    { }
    ~Socket()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Socket(const Socket &) = delete;
    Socket &operator=(const Socket &) = delete;
    int fd() const { return m_fd; }

private:
    int m_fd;
};

bool sendAll(int fd, const char *data, size_t size)
{
    while (size > 0) {
        const ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        data += sent;
        size -= size_t(sent);
    }
    return true;
}

// Reads one response (head and Content-Length body, or up to EOF).
std::optional<HttpReply> readReply(int fd, Clock::time_point deadline)
{
    QByteArray in;
    qsizetype headEnd = -1;
    qint64 contentLength = -1;
    char buffer[16 * 1024];
    for (;;) {
        if (headEnd >= 0 && contentLength >= 0 && in.size() - headEnd >= contentLength)
            break;
        const auto left
            = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0)
            return std::nullopt;
        pollfd p {fd, POLLIN, 0};
        if (::poll(&p, 1, int(left.count())) <= 0)
            continue;
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break; // EOF ends a body without Content-Length
        in.append(buffer, got);
        if (headEnd < 0) {
            const qsizetype blank = in.indexOf("\r\n\r\n");
            if (blank < 0)
                continue;
            headEnd = blank + 4;
            for (const QByteArray &line : in.first(blank).split('\n')) {
                if (line.trimmed().toLower().startsWith("content-length:"))
                    contentLength = line.mid(line.indexOf(':') + 1).trimmed().toLongLong();
            }
        }
    }
    if (headEnd < 0 || !in.startsWith("HTTP/1.1 "))
        return std::nullopt;
    HttpReply reply;
    reply.status = in.mid(9, 3).toInt();
    reply.head = in.first(headEnd);
    reply.body = in.mid(headEnd);
    return reply;
}

// Lines of LineBytes each, so that a block holds whole records, every size in
// MiB ends on a record, and renumbering a block changes no length.
QByteArray generatedBlock()
{
    QByteArray block;
    block.reserve(BlockBytes);
    for (int row = 0; block.size() < BlockBytes; ++row) {
        char line[LineBytes + 1];
        std::snprintf(line, sizeof line, "%010d,s-%02d,%09.3f,deg_c\n", row, row % 97,
                      double(row % 100'000) / 7.0);
        block.append(line, LineBytes);
    }
    return block;
}

// Writes the block's number over its first field, so that no two blocks are equal.
void numberBlock(QByteArray &block, qint64 blockNumber)
{
    char digits[24];
    std::snprintf(digits, sizeof digits, "%010lld", static_cast<long long>(blockNumber));
    std::copy(digits, digits + DigitsPerBlockNumber, block.data());
}

// Sends `count` bytes of the generated body from byte `from` of it (any
// offset, so that a resumed upload sends the bytes it would have sent in one
// go); false when the peer stopped taking them (it may have answered early).
bool sendGenerated(int fd, QByteArray &block, qint64 from, qint64 count)
{
    qint64 sent = 0;
    while (sent < count) {
        const qint64 at = from + sent;
        numberBlock(block, at / BlockBytes);
        const qint64 within = at % BlockBytes;
        const qint64 n = std::min<qint64>(BlockBytes - within, count - sent);
        if (!sendAll(fd, block.constData() + within, size_t(n)))
            return false;
        sent += n;
    }
    return true;
}

QByteArray putHead(const QByteArray &target, const QByteArray &token, qint64 size)
{
    return "PUT " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
        + "\r\nContent-Type: text/csv\r\nContent-Length: " + QByteArray::number(size)
        + "\r\nConnection: close\r\n\r\n";
}

} // namespace

LoopbackClient::LoopbackClient(quint16 port, QByteArray token)
    : m_port(port)
    , m_token(std::move(token))
{ }

int LoopbackClient::connectSocket() const
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(m_port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

std::optional<HttpReply> LoopbackClient::request(const QByteArray &method, const QByteArray &target,
                                                 const QByteArray &body,
                                                 std::chrono::milliseconds timeout,
                                                 const QByteArray &contentType,
                                                 const QByteArray &headers) const
{
    const auto deadline = Clock::now() + timeout;
    Socket socket(connectSocket());
    if (socket.fd() < 0)
        return std::nullopt;
    QByteArray head = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!m_token.isEmpty())
        head += "Authorization: Bearer " + m_token + "\r\n";
    if (!body.isEmpty() || method == "PUT" || method == "POST")
        head += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    if (!contentType.isEmpty())
        head += "Content-Type: " + contentType + "\r\n";
    head += headers + "Connection: close\r\n\r\n";
    head += body;
    if (!sendAll(socket.fd(), head.constData(), size_t(head.size())))
        return std::nullopt;
    return readReply(socket.fd(), deadline);
}

std::optional<HttpReply> LoopbackClient::putGenerated(const QByteArray &target, qint64 size) const
{
    QByteArray block = generatedBlock();
    Socket socket(connectSocket());
    if (socket.fd() < 0)
        return std::nullopt;
    const QByteArray head = putHead(target, m_token, size);
    if (!sendAll(socket.fd(), head.constData(), size_t(head.size())))
        return std::nullopt;
    sendGenerated(socket.fd(), block, 0, size); // on failure, read what the server said
    const auto bodySentAt = Clock::now();
    auto reply = readReply(socket.fd(), bodySentAt + std::chrono::minutes(5));
    if (reply)
        reply->bodySentAt = bodySentAt;
    return reply;
}

std::optional<HttpReply> LoopbackClient::sendGeneratedRange(const QByteArray &method,
                                                            const QByteArray &target,
                                                            const QByteArray &headers, qint64 from,
                                                            qint64 size, qint64 cutAfter) const
{
    QByteArray block = generatedBlock();
    Socket socket(connectSocket());
    if (socket.fd() < 0)
        return std::nullopt;
    QByteArray head = method + ' ' + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!m_token.isEmpty())
        head += "Authorization: Bearer " + m_token + "\r\n";
    head += headers + "Content-Length: " + QByteArray::number(size)
        + "\r\nConnection: close\r\n\r\n";
    if (!sendAll(socket.fd(), head.constData(), size_t(head.size())))
        return std::nullopt;
    if (cutAfter >= 0 && cutAfter < size) {
        sendGenerated(socket.fd(), block, from, cutAfter);
        return std::nullopt; // the Socket closes: a FIN after the bytes sent, nothing read
    }
    sendGenerated(socket.fd(), block, from, size); // on failure, read what the server said
    const auto bodySentAt = Clock::now();
    auto reply = readReply(socket.fd(), bodySentAt + std::chrono::minutes(5));
    if (reply)
        reply->bodySentAt = bodySentAt;
    return reply;
}

int LoopbackClient::putPartial(const QByteArray &target, qint64 size, qint64 sent) const
{
    QByteArray block = generatedBlock();
    const int fd = connectSocket();
    if (fd < 0)
        return -1;
    const QByteArray head = putHead(target, m_token, size);
    if (!sendAll(fd, head.constData(), size_t(head.size()))
        || !sendGenerated(fd, block, 0, std::min(sent, size))) {
        ::close(fd);
        return -1;
    }
    return fd;
}

QByteArray generatedSha256(qint64 size)
{
    QByteArray block = generatedBlock();
    QCryptographicHash hash(QCryptographicHash::Sha256);
    for (qint64 done = 0; done < size;) {
        numberBlock(block, done / BlockBytes);
        const qint64 n = std::min<qint64>(BlockBytes, size - done);
        hash.addData(QByteArrayView(block.constData(), n));
        done += n;
    }
    return hash.result().toHex();
}

int openNonBlockingReader(quint16 port, const QByteArray &request, int receiveBuffer)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (receiveBuffer > 0)
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, sizeof receiveBuffer);
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) != 0
        && errno != EINPROGRESS) {
        ::close(fd);
        return -1;
    }
    // Loopback connects at once; a send that does not fit fails the reader.
    for (int i = 0; i < 200; ++i) {
        const ssize_t n = ::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL);
        if (n == request.size())
            return fd;
        if (n >= 0 || (errno != EAGAIN && errno != ENOTCONN))
            break;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ::close(fd);
    return -1;
}

} // namespace sluice::bench
