#include "exportclients.h"

#include "rsswatch.h"

#include <QStringBuilder>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace sluice::bench {

using namespace std::chrono_literals;

namespace {

constexpr qsizetype MaxLineBytes = 64 * 1024;

class Connection
{
public:
    explicit Connection(quint16 port)
        : m_fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0))
    {
        sockaddr_in address {};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (m_fd >= 0
            && ::connect(m_fd, reinterpret_cast<const sockaddr *>(&address), sizeof address) != 0) {
            ::close(m_fd);
            m_fd = -1;
        }
    }
    ~Connection()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    Connection(const Connection &) = delete;
    Connection &operator=(const Connection &) = delete;

    bool send(const QByteArray &bytes) const
    {
        const char *p = bytes.constData();
        size_t left = size_t(bytes.size());
        while (m_fd >= 0 && left > 0) {
            const ssize_t sent = ::send(m_fd, p, left, MSG_NOSIGNAL);
            if (sent < 0 && errno == EINTR)
                continue;
            if (sent <= 0)
                return false;
            p += sent;
            left -= size_t(sent);
        }
        return m_fd >= 0;
    }
    // Bytes received, 0 at EOF, -1 on error or when nothing came within the timeout.
    ssize_t receive(char *buffer, size_t size, std::chrono::milliseconds timeout) const
    {
        pollfd p {m_fd, POLLIN, 0};
        if (m_fd < 0 || ::poll(&p, 1, int(timeout.count())) <= 0)
            return -1;
        ssize_t got;
        do
            got = ::recv(m_fd, buffer, size, 0);
        while (got < 0 && errno == EINTR);
        return got;
    }

private:
    int m_fd;
};

QByteArray getRequest(const ExportServer &server, const QByteArray &target)
{
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + server.extraHeaders + "\r\n";
}

double peakGrowthMiB(const RssWatch &watch, long beforeKiB)
{
    long peak = beforeKiB;
    for (const RssWatch::Sample &s : watch.samples())
        peak = std::max(peak, s.kib);
    return double(peak - beforeKiB) / 1024.0;
}

} // namespace

// --- ChunkedBody

// Appends up to and including the next LF to m_line; true when the line is
// complete (its CRLF or LF removed).
bool ChunkedBody::takeLine(const char *&p, const char *end)
{
    const auto *lf = static_cast<const char *>(std::memchr(p, '\n', size_t(end - p)));
    const char *stop = lf ? lf + 1 : end;
    m_line.append(p, stop - p);
    p = stop;
    if (m_line.size() > MaxLineBytes) {
        m_state = State::Failed;
        return false;
    }
    if (!lf)
        return false;
    m_line.chop(m_line.endsWith("\r\n") ? 2 : 1);
    return true;
}

void ChunkedBody::body(const char *p, qint64 n)
{
    m_bytes += n;
    for (const char *end = p + n, *q = p;
         (q = static_cast<const char *>(std::memchr(q, '\n', size_t(end - q)))); ++q) {
        if (q > p ? q[-1] == '\r' : m_lastWasCr)
            ++m_lines;
    }
    if (n > 0)
        m_lastWasCr = p[n - 1] == '\r';
}

void ChunkedBody::feed(const char *p, qint64 size)
{
    const char *end = p + size;
    while (p < end && m_state != State::Done && m_state != State::Failed) {
        switch (m_state) {
        case State::Head:
            if (!takeLine(p, end))
                break;
            if (m_status == 0) {
                m_status = m_line.startsWith("HTTP/1.1 ") ? m_line.mid(9, 3).toInt() : -1;
            } else if (m_line.isEmpty()) {
                // Chunked, or (a peer that sends the body in one piece) Content-Length.
                m_state = m_chunked ? State::Size
                    : m_length > 0  ? State::Identity
                    : m_length == 0 ? State::Done
                                    : State::Failed;
                m_chunkLeft = m_length;
            } else if (m_line.toLower().startsWith("transfer-encoding:")) {
                m_chunked = m_line.toLower().contains("chunked");
            } else if (m_line.toLower().startsWith("content-length:")) {
                bool ok = false;
                m_length = m_line.mid(15).trimmed().toLongLong(&ok);
                if (!ok)
                    m_length = -1;
            }
            m_line.clear();
            break;
        case State::Size: {
            if (!takeLine(p, end))
                break;
            bool ok = false;
            // RFC 9112 §7.1: chunk-size [ chunk-ext ] CRLF
            const qsizetype extension = m_line.indexOf(';');
            m_chunkLeft
                = (extension < 0 ? m_line : m_line.first(extension)).trimmed().toLongLong(&ok, 16);
            m_line.clear();
            m_state = !ok ? State::Failed : m_chunkLeft == 0 ? State::Trailer : State::Data;
            break;
        }
        case State::Data: // a chunk's data
        case State::Identity: { // a Content-Length body
            const qint64 n = std::min<qint64>(m_chunkLeft, end - p);
            body(p, n);
            p += n;
            m_chunkLeft -= n;
            if (m_chunkLeft == 0 && m_state == State::Identity) {
                m_state = State::Done;
            } else if (m_chunkLeft == 0) {
                m_state = State::DataEnd;
                m_crlfLeft = 2;
            }
            break;
        }
        case State::DataEnd:
            ++p;
            if (--m_crlfLeft == 0)
                m_state = State::Size;
            break;
        case State::Trailer:
            if (!takeLine(p, end))
                break;
            if (m_line.isEmpty())
                m_state = State::Done;
            m_line.clear();
            break;
        case State::Done:
        case State::Failed:
            break;
        }
    }
}

// --- the clients

FastExport exportFast(const ExportServer &server, const QByteArray &target)
{
    FastExport result;
    std::vector<char> buffer(1 << 20); // before the RSS is read: it counts in Sluice's
    RssWatch watch(server.pid);
    const long before = watch.currentKiB();
    watch.start(10ms);
    ChunkedBody body;
    const auto started = Clock::now();
    Connection connection(server.port);
    if (connection.send(getRequest(server, target))) {
        while (!body.done() && !body.failed()) {
            const ssize_t got = connection.receive(buffer.data(), buffer.size(), 60s);
            if (got <= 0)
                break;
            body.feed(buffer.data(), got);
        }
    }
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    watch.stop();
    result.complete = body.done();
    result.status = body.status();
    result.bodyBytes = body.bytes();
    result.lines = body.lines();
    result.rssGrowthMiB = peakGrowthMiB(watch, before);
    return result;
}

SlowExport exportSlow(const ExportServer &server, const QByteArray &target, double bytesPerSecond,
                      int seconds, double probeHz)
{
    SlowExport result;
    std::vector<char> buffer(256 * 1024); // before the RSS is read: it counts in Sluice's
    RssWatch watch(server.pid);
    const long before = watch.currentKiB();
    result.rssBeforeMiB = double(before) / 1024.0;
    const qint64 readBefore = server.rowsRead();
    HealthProbe probe(server.port, probeHz);
    probe.start();
    watch.start(10ms);

    ChunkedBody body;
    qint64 received = 0;
    Connection connection(server.port);
    connection.send(getRequest(server, target));
    const auto started = Clock::now();
    auto nextStats = started;
    const auto end = started + std::chrono::seconds(seconds);
    for (auto tick = started; Clock::now() < end && !body.done(); tick += 10ms) {
        std::this_thread::sleep_until(std::min(tick, end));
        // Paced by the clock: never more than bytesPerSecond times the time so far.
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const auto allowed = qint64(bytesPerSecond * elapsed) - received;
        if (allowed > 0) {
            const ssize_t got = connection.receive(
                buffer.data(), size_t(std::min<qint64>(allowed, qint64(buffer.size()))), 0ms);
            if (got == 0)
                break;
            if (got > 0) {
                received += got;
                body.feed(buffer.data(), got);
            }
        }
        if (Clock::now() >= nextStats) {
            nextStats += 50ms;
            const qint64 read = server.rowsRead();
            if (read >= 0 && readBefore >= 0)
                result.maxAhead = std::max(
                    result.maxAhead, read - readBefore - std::max<qint64>(0, body.lines() - 1));
        }
    }
    const qint64 readAfter = server.rowsRead();
    probe.stop();
    watch.stop();
    if (readAfter >= 0 && readBefore >= 0)
        result.rowsRead = readAfter - readBefore;
    result.status = body.status();
    result.bodyBytes = body.bytes();
    result.rowsReceived = std::max<qint64>(0, body.lines() - 1);
    result.rssPeakMiB = result.rssBeforeMiB + peakGrowthMiB(watch, before);
    result.health = probe.summary();
    double slowest = -1;
    for (const HealthProbe::Probe &p : probe.probes()) {
        if (p.latencyMs > slowest) {
            slowest = p.latencyMs;
            result.slowestProbeAtS = p.offsetS;
        }
    }
    return result;
}

} // namespace sluice::bench
