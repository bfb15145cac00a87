// Issue 20: what N admin subscribers of GET /api/stream cost a running
// server, in CPU and RSS, over a fixed window; whether each of them got a
// `sample` every metrics_interval_ms; and, with --stalled K, whether K of them
// that stop reading (a small receive buffer, never read again) leave the
// server's memory flat. Runs against a running sluiced (tests/bench/run-streams.sh
// drives it, one fresh server per scenario). Not a test: it prints one RESULT
// line, and a `#` line every 10 s with RSS and the send buffer from /metrics.
//
// The subscribers are plain non-blocking sockets read from one poll() loop,
// each one decoding its chunked body and its events as a browser's
// EventSource would, so that what one subscriber received is counted exactly.
#include "loopbackclient.h"
#include "rsswatch.h"

#include <QByteArray>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QMap>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace sluice::bench;
using namespace std::chrono_literals;

namespace {

double secondsSince(Clock::time_point from, Clock::time_point to = Clock::now())
{
    return std::chrono::duration<double>(to - from).count();
}

// A chunked body (RFC 9112 §7.1) into its payload, as it arrives.
struct Dechunker
{
    QByteArray pending;
    qint64 dataLeft = 0; // of the current chunk
    int crlfLeft = 0; // after its data
    bool last = false; // the zero-size chunk came

    // Appends the payload of `bytes` to `out`; false on a framing error.
    bool feed(const char *bytes, qsizetype n, QByteArray &out)
    {
        pending.append(bytes, n);
        qsizetype at = 0;
        while (!last && at < pending.size()) {
            if (dataLeft > 0) {
                const qsizetype take = std::min<qsizetype>(dataLeft, pending.size() - at);
                out.append(pending.constData() + at, take);
                at += take;
                dataLeft -= take;
            } else if (crlfLeft > 0) {
                ++at;
                --crlfLeft;
            } else {
                const qsizetype lineEnd = pending.indexOf("\r\n", at);
                if (lineEnd < 0)
                    break;
                bool ok = false;
                const QByteArray size = pending.mid(at, lineEnd - at).split(';').first().trimmed();
                dataLeft = size.toLongLong(&ok, 16);
                if (!ok)
                    return false;
                at = lineEnd + 2;
                crlfLeft = 2;
                last = dataLeft == 0;
            }
        }
        pending.remove(0, at);
        return true;
    }
};

struct Subscriber
{
    int fd = -1;
    bool stalls = false; // stops reading when the window opens
    bool headDone = false;
    bool failed = false;
    bool ended = false; // the server ended the stream or closed the connection
    QByteArray head;
    Dechunker body;
    QByteArray text; // decoded, not yet split into lines
    QByteArray event; // the `event:` field of the event being read
    bool inWindow = false;
    qint64 windowBytes = 0; // on the wire, chunk framing included
    QMap<QByteArray, int> windowEvents; // by kind, heartbeats as ":"
    double firstSampleS = -1; // since the window opened
    double lastSampleS = -1;
    double maxSampleGapS = 0;
    double lateGapS = 1.5; // a gap longer than this is a missed sample
    int missedSamples = 0; // gaps over lateGapS, one per interval missed
    double intervalS = 1;
};

// One SSE line (the text/event-stream grammar): a blank line dispatches.
void takeLine(Subscriber &s, QByteArray line, double windowS)
{
    if (line.endsWith('\r'))
        line.chop(1);
    if (line.isEmpty()) {
        if (!s.event.isEmpty() && s.inWindow) {
            ++s.windowEvents[s.event];
            if (s.event == "sample") {
                if (s.lastSampleS >= 0) {
                    const double gap = windowS - s.lastSampleS;
                    s.maxSampleGapS = std::max(s.maxSampleGapS, gap);
                    if (gap > s.lateGapS)
                        s.missedSamples += int(gap / s.intervalS + 0.5) - 1;
                }
                if (s.firstSampleS < 0)
                    s.firstSampleS = windowS;
                s.lastSampleS = windowS;
            }
        }
        s.event.clear();
    } else if (line.startsWith("event:")) {
        s.event = line.mid(6).trimmed();
    } else if (line.startsWith(':') && s.inWindow) {
        ++s.windowEvents[":"];
    }
}

// Reads what is there; windowS < 0 before the window opens.
void readSome(Subscriber &s, std::vector<char> &scratch, double windowS)
{
    for (;;) {
        const ssize_t got = ::recv(s.fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            s.ended = true;
            return;
        }
        if (got < 0)
            return;
        const char *at = scratch.data();
        qsizetype n = got;
        if (!s.headDone) {
            s.head.append(at, n);
            const qsizetype headEnd = s.head.indexOf("\r\n\r\n");
            if (headEnd < 0)
                continue;
            const QByteArray rest = s.head.mid(headEnd + 4);
            s.head.truncate(headEnd);
            if (!s.head.startsWith("HTTP/1.1 200")) {
                std::fprintf(stderr, "bench_streams: refused: %s\n", s.head.constData());
                s.failed = true;
                return;
            }
            s.headDone = true;
            if (!s.body.feed(rest.constData(), rest.size(), s.text))
                s.failed = true;
        } else {
            if (s.inWindow)
                s.windowBytes += n;
            if (!s.body.feed(at, n, s.text))
                s.failed = true;
        }
        qsizetype from = 0;
        for (qsizetype nl; (nl = s.text.indexOf('\n', from)) >= 0; from = nl + 1)
            takeLine(s, s.text.mid(from, nl - from), windowS);
        s.text.remove(0, from);
        if (s.body.last)
            s.ended = true;
    }
}

// GET /metrics on a connection of its own, into name -> value.
QMap<QByteArray, double> fetchMetrics(quint16 port, const QByteArray &token)
{
    QMap<QByteArray, double> out;
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return out;
    timeval timeout {2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in to {};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const QByteArray request = "GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n"
                               "Authorization: Bearer "
        + token + "\r\n\r\n";
    QByteArray response;
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&to), sizeof to) == 0
        && ::send(fd, request.constData(), size_t(request.size()), MSG_NOSIGNAL)
            == request.size()) {
        char buffer[65536];
        for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;)
            response.append(buffer, n);
    }
    ::close(fd);
    const qsizetype headEnd = response.indexOf("\r\n\r\n");
    if (headEnd < 0)
        return out;
    QByteArray body = response.mid(headEnd + 4);
    if (response.left(headEnd).toLower().contains("transfer-encoding: chunked")) {
        Dechunker d;
        QByteArray plain;
        d.feed(body.constData(), body.size(), plain);
        body = plain;
    }
    for (const QByteArray &line : body.split('\n')) {
        const qsizetype space = line.lastIndexOf(' ');
        if (line.startsWith("sluice_") && space > 0)
            out.insert(line.left(space), line.mid(space + 1).toDouble());
    }
    return out;
}

template<typename T> T quantile(std::vector<T> v, double q)
{
    if (v.empty())
        return T {};
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

double mib(long kib)
{
    return double(kib) / 1024;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption port(u"port"_s, u"Server port."_s, u"port"_s);
    const QCommandLineOption pid(u"pid"_s, u"Server process id."_s, u"pid"_s);
    const QCommandLineOption token(u"token"_s, u"An admin's bearer token."_s, u"token"_s);
    const QCommandLineOption subscribers(u"subscribers"_s, u"Streams to open."_s, u"n"_s, u"50"_s);
    const QCommandLineOption stalled(
        u"stalled"_s, u"Of them, how many stop reading when the window opens."_s, u"n"_s, u"0"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"Measured window."_s, u"s"_s, u"60"_s);
    const QCommandLineOption warmup(u"warmup"_s, u"From the last response head to the window."_s,
                                    u"s"_s, u"5"_s);
    const QCommandLineOption interval(u"interval-ms"_s, u"The server's metrics_interval_ms."_s,
                                      u"ms"_s, u"1000"_s);
    parser.addOptions({port, pid, token, subscribers, stalled, seconds, warmup, interval});
    parser.process(app);
    const quint16 serverPort = quint16(parser.value(port).toUInt());
    const pid_t serverPid = pid_t(parser.value(pid).toInt());
    const QByteArray bearer = parser.value(token).toLatin1();
    const int n = parser.value(subscribers).toInt();
    const int k = std::min(n, parser.value(stalled).toInt());
    const double windowS = parser.value(seconds).toDouble();
    const double warmupS = parser.value(warmup).toDouble();
    const double intervalS = parser.value(interval).toDouble() / 1000;
    if (serverPort == 0 || serverPid <= 0 || n < 0 || windowS <= 0 || bearer.isEmpty()) {
        std::fprintf(stderr, "bench_streams: --port, --pid and --token are required\n");
        return 2;
    }

    // A fresh server's memory first settles: 3 s without a change of 256 KiB, at most 20 s.
    RssWatch rss(serverPid);
    long lastKiB = rss.currentKiB();
    for (int i = 0, still = 0; i < 20 && still < 3; ++i) {
        std::this_thread::sleep_for(1s);
        const long now = rss.currentKiB();
        still = std::abs(now - lastKiB) < 256 ? still + 1 : 0;
        lastKiB = now;
    }
    const long settledKiB = rss.currentKiB();

    const QByteArray request
        = "GET /api/stream HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n"
          "Authorization: Bearer "
        + bearer + "\r\n\r\n";
    std::vector<Subscriber> subs(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) {
        Subscriber &s = subs[size_t(i)];
        // The stalled ones are the last k: a 4 KiB receive buffer (the kernel doubles it).
        s.stalls = i >= n - k;
        s.fd = openNonBlockingReader(serverPort, request, s.stalls ? 4096 : 0);
        s.failed = s.fd < 0;
        s.intervalS = intervalS;
        s.lateGapS = 1.5 * intervalS;
        if (i % 25 == 24)
            std::this_thread::sleep_for(20ms);
    }

    std::vector<char> scratch(64 * 1024);
    std::vector<pollfd> fds;
    auto pollOnce = [&](double windowAt, bool windowOpen) {
        fds.clear();
        std::vector<Subscriber *> owners;
        for (Subscriber &s : subs) {
            if (s.failed || s.ended || (windowOpen && s.stalls))
                continue;
            fds.push_back({s.fd, POLLIN, 0});
            owners.push_back(&s);
        }
        if (fds.empty()) {
            std::this_thread::sleep_for(100ms);
            return;
        }
        if (::poll(fds.data(), nfds_t(fds.size()), 100) <= 0)
            return;
        for (size_t i = 0; i < fds.size(); ++i)
            if (fds[i].revents != 0)
                readSome(*owners[i], scratch, windowAt);
    };

    // Every head in, then the warm-up (the initial state and the first samples).
    const Clock::time_point opened = Clock::now();
    for (;;) {
        pollOnce(-1, false);
        const bool allHeads = std::all_of(subs.begin(), subs.end(), [](const Subscriber &s) {
            return s.failed || s.ended || s.headDone;
        });
        if (allHeads || secondsSince(opened) > 15)
            break;
    }
    const double connectS = secondsSince(opened);
    for (const Clock::time_point warm = Clock::now(); secondsSince(warm) < warmupS;)
        pollOnce(-1, false);

    const long startKiB = rss.currentKiB();
    rss.resetHighWater();
    rss.start(100ms);
    rusage selfBefore {};
    ::getrusage(RUSAGE_SELF, &selfBefore);
    const double cpuBefore = rss.cpuSeconds();
    const Clock::time_point start = Clock::now();
    for (Subscriber &s : subs)
        s.inWindow = true;
    double maxSendBuffer = 0;
    int nextReport = 10;
    while (secondsSince(start) < windowS) {
        pollOnce(secondsSince(start), true);
        if (secondsSince(start) >= nextReport) {
            const QMap<QByteArray, double> m = fetchMetrics(serverPort, bearer);
            maxSendBuffer = std::max(maxSendBuffer, m.value("sluice_send_buffer_bytes"));
            const int open = int(std::count_if(subs.begin(), subs.end(), [](const Subscriber &s) {
                return !s.failed && !s.ended;
            }));
            std::printf("# t=%ds rss_mib=%.1f send_buffer_bytes=%.0f connections=%.0f "
                        "streams_open_client_side=%d\n",
                        nextReport, mib(rss.currentKiB()), m.value("sluice_send_buffer_bytes"),
                        m.value("sluice_connections"), open);
            std::fflush(stdout);
            nextReport += 10;
        }
    }
    const Clock::time_point stopped = Clock::now();
    const double cpuAfter = rss.cpuSeconds();
    rusage selfAfter {};
    ::getrusage(RUSAGE_SELF, &selfAfter);
    const double measuredS = secondsSince(start, stopped);
    const long endKiB = rss.currentKiB();
    const long peakKiB = rss.peakKiB(start, stopped);
    const long hwmKiB = rss.highWaterKiB();
    rss.stop();
    const QMap<QByteArray, double> metrics = fetchMetrics(serverPort, bearer);

    // The stalled ones now read what waits for them: did the server cut them?
    int stalledCut = 0;
    for (Subscriber &s : subs) {
        if (!s.stalls || s.failed)
            continue;
        s.inWindow = false;
        for (const Clock::time_point drain = Clock::now(); !s.ended && secondsSince(drain) < 2;) {
            readSome(s, scratch, -1);
            if (!s.ended)
                std::this_thread::sleep_for(5ms);
        }
        stalledCut += s.ended ? 1 : 0;
    }

    // The readers: samples each got in the window, against one per interval.
    std::vector<int> samples;
    std::vector<double> gaps, bytesPerS;
    int readersEnded = 0, failed = 0, missedSamples = 0;
    QMap<QByteArray, qint64> events;
    const int expected = int(measuredS / intervalS);
    for (Subscriber &s : subs) {
        if (s.fd >= 0)
            ::close(s.fd);
        if (s.failed) {
            ++failed;
            continue;
        }
        if (s.stalls)
            continue;
        readersEnded += s.ended ? 1 : 0;
        samples.push_back(s.windowEvents.value("sample"));
        gaps.push_back(s.maxSampleGapS);
        bytesPerS.push_back(double(s.windowBytes) / measuredS);
        for (auto it = s.windowEvents.cbegin(); it != s.windowEvents.cend(); ++it)
            events[it.key()] += it.value();
        // Between samples, and before the first and after the last of the window.
        if (s.firstSampleS < 0) {
            missedSamples += expected;
        } else {
            missedSamples += s.missedSamples;
            if (s.firstSampleS > s.lateGapS)
                missedSamples += int(s.firstSampleS / intervalS);
            if (measuredS - s.lastSampleS > s.lateGapS)
                missedSamples += int((measuredS - s.lastSampleS) / intervalS);
        }
    }
    QByteArray kinds;
    const double readers = std::max<double>(1, double(samples.size()));
    for (auto it = events.cbegin(); it != events.cend(); ++it)
        kinds += (kinds.isEmpty() ? "" : ",") + (it.key() == ":" ? "heartbeat" : it.key()) + ':'
            + QByteArray::number(double(it.value()) / readers / measuredS, 'f', 2);
    const double selfCpu = double(selfAfter.ru_utime.tv_sec - selfBefore.ru_utime.tv_sec
                                  + selfAfter.ru_stime.tv_sec - selfBefore.ru_stime.tv_sec)
        + double(selfAfter.ru_utime.tv_usec - selfBefore.ru_utime.tv_usec
                 + selfAfter.ru_stime.tv_usec - selfBefore.ru_stime.tv_usec)
            / 1e6;
    std::printf(
        "RESULT subscribers=%d stalled=%d seconds=%.1f connect_s=%.2f failed=%d "
        "server_cpu_s=%.3f server_cpu_pct=%.3f rss_settled_mib=%.1f rss_window_start_mib=%.1f "
        "rss_end_mib=%.1f rss_peak_sampled_mib=%.1f rss_hwm_mib=%.1f "
        "samples_expected=%d samples_min=%d samples_median=%d samples_max=%d "
        "max_sample_gap_s=%.2f missed_samples=%d readers_ended=%d "
        "bytes_per_s_min=%.0f bytes_per_s_median=%.0f bytes_per_s_max=%.0f events_per_s=%s "
        "stalled_cut=%d send_buffer_max_bytes=%.0f send_buffer_end_bytes=%.0f "
        "send_buffer_peak_bytes=%.0f client_cpu_s=%.2f\n",
        n, k, measuredS, connectS, failed, cpuAfter - cpuBefore,
        100 * (cpuAfter - cpuBefore) / measuredS, mib(settledKiB), mib(startKiB), mib(endKiB),
        mib(peakKiB), mib(hwmKiB), expected, quantile(samples, 0.0), quantile(samples, 0.5),
        samples.empty() ? 0 : *std::max_element(samples.begin(), samples.end()),
        gaps.empty() ? 0.0 : *std::max_element(gaps.begin(), gaps.end()), missedSamples,
        readersEnded, quantile(bytesPerS, 0.0), quantile(bytesPerS, 0.5),
        bytesPerS.empty() ? 0.0 : *std::max_element(bytesPerS.begin(), bytesPerS.end()),
        kinds.isEmpty() ? "none" : kinds.constData(), stalledCut,
        std::max(maxSendBuffer, metrics.value("sluice_send_buffer_bytes")),
        metrics.value("sluice_send_buffer_bytes"), metrics.value("sluice_send_buffer_peak_bytes"),
        selfCpu);
    return failed == 0 ? 0 : 1;
}
