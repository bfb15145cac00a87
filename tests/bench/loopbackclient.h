#pragma once

#include <QByteArray>

#include <chrono>
#include <optional>

namespace sluice::bench {

using Clock = std::chrono::steady_clock;

struct HttpReply
{
    int status = 0;
    QByteArray head;
    QByteArray body;
    // For putGenerated(): when the last body byte was handed to the kernel.
    Clock::time_point bodySentAt;
};

// Blocking HTTP/1.1 over plain POSIX sockets to 127.0.0.1, one request per
// connection ("Connection: close"), so that the client costs as little CPU as
// possible next to the server it measures.
class LoopbackClient
{
public:
    LoopbackClient(quint16 port, QByteArray token);

    // One request with an optional small body and extra head lines
    // (`headers`, each ending in "\r\n"); nullopt when the connection fails or
    // no complete answer comes within the timeout.
    std::optional<HttpReply> request(const QByteArray &method, const QByteArray &target,
                                     const QByteArray &body = {},
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                     const QByteArray &contentType = {},
                                     const QByteArray &headers = {}) const;

    // PUT of `size` bytes of CSV (no header, four columns) generated while
    // sending: one block of lines
    // is reused, with its first field renumbered per block, so the body is
    // never held in memory and no two blocks are equal.
    std::optional<HttpReply> putGenerated(const QByteArray &target, qint64 size) const;

    // A request whose body is `size` bytes of the same generated CSV as
    // putGenerated()'s, from byte `from` of it, so that an upload sent in
    // pieces (tus PATCHes, a resume) sends the bytes one PUT would. `headers`
    // are extra head lines, each ending in "\r\n". With 0 <= cutAfter < size
    // only that many body bytes go, then the socket is closed without reading
    // an answer (a link dropped mid-request): nullopt.
    std::optional<HttpReply> sendGeneratedRange(const QByteArray &method, const QByteArray &target,
                                                const QByteArray &headers, qint64 from, qint64 size,
                                                qint64 cutAfter = -1) const;

    // Starts a PUT that declares `size` bytes but sends only the first `sent`
    // of them, and returns the open socket (or -1): the caller either closes
    // it (an abort) or keeps it open without sending (a stall).
    int putPartial(const QByteArray &target, qint64 size, qint64 sent) const;

private:
    int connectSocket() const;

    quint16 m_port;
    QByteArray m_token;
};

// The SHA-256 (hex) of the first `size` bytes of the generated body, to check
// what a server stored against what was sent.
QByteArray generatedSha256(qint64 size);

// A non-blocking socket to 127.0.0.1:port that has sent `request` (a GET),
// for benchmarks that read many responses from one poll() loop; -1 when it
// fails. With receiveBuffer > 0, SO_RCVBUF is set before connect(), so that
// the window the client announces is small from the start (a slow reader).
int openNonBlockingReader(quint16 port, const QByteArray &request, int receiveBuffer = 0);

} // namespace sluice::bench
