// Issue 21: N clients download the same file at a slow rate each (16 KiB/s by
// default) while /healthz is probed on fresh connections. Does the server's
// memory grow with N, does the health check stay quick, is every client
// served at the rate it reads, and what does a delivered GiB cost in CPU?
// Runs against a running server (Sluice or a peer; tests/bench/run-slowreaders.sh
// drives it). Not a test: it prints one RESULT line.
//
// The clients are plain non-blocking sockets read from one loop: each gets
// its rate's worth of bytes every tick (token bucket), with a small receive
// buffer so that the kernel on the client's side does not read ahead for it.
#include "healthprobe.h"
#include "loopbackclient.h"
#include "rsswatch.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace sluice::bench;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Reader
{
    int fd = -1;
    bool headDone = false;
    bool failed = false;
    bool finished = false; // the server ended the response (the file is smaller than needed)
    QByteArray head;
    qint64 bodyBytes = 0;
    double allowance = 0; // bytes it may read now
    Clock::time_point since; // when its reading started (the head arrived)
};

// Memory the kernel holds for TCP sockets, all of them (both ends of every
// loopback connection), in MiB: the "mem" pages of /proc/net/sockstat.
double kernelTcpMiB()
{
    FILE *f = std::fopen("/proc/net/sockstat", "r");
    if (!f)
        return -1;
    char line[256];
    long pages = -1;
    while (std::fgets(line, sizeof line, f))
        if (const char *mem = std::strstr(line, " mem "); mem && std::strncmp(line, "TCP:", 4) == 0)
            pages = std::atol(mem + 5);
    std::fclose(f);
    return pages < 0 ? -1 : double(pages) * double(::sysconf(_SC_PAGESIZE)) / double(1 << 20);
}

double quantile(std::vector<double> v, double q)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(q * double(v.size())))];
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption name(u"name"_s, u"Label of the server in the RESULT line."_s,
                                  u"name"_s, u"sluice"_s);
    const QCommandLineOption port(u"port"_s, u"Server port."_s, u"port"_s);
    const QCommandLineOption pid(u"pid"_s, u"Server process id."_s, u"pid"_s);
    const QCommandLineOption token(u"token"_s, u"Bearer token."_s, u"token"_s);
    const QCommandLineOption path(u"path"_s, u"What every client downloads."_s, u"path"_s);
    const QCommandLineOption clients(u"clients"_s, u"Slow clients."_s, u"n"_s, u"1000"_s);
    const QCommandLineOption rate(u"rate"_s, u"Bytes per second each client reads."_s, u"bytes"_s,
                                  u"16384"_s);
    const QCommandLineOption seconds(u"seconds"_s, u"How long they read, once all are open."_s,
                                     u"s"_s, u"20"_s);
    parser.addOptions({name, port, pid, token, path, clients, rate, seconds});
    parser.process(app);
    const quint16 serverPort = quint16(parser.value(port).toUInt());
    const pid_t serverPid = pid_t(parser.value(pid).toInt());
    const int n = parser.value(clients).toInt();
    const double bytesPerS = parser.value(rate).toDouble();
    const double runS = parser.value(seconds).toDouble();
    if (serverPort == 0 || serverPid <= 0 || n <= 0 || !parser.isSet(path)) {
        std::fprintf(stderr, "bench_slowreaders: --port, --pid and --path are required\n");
        return 2;
    }
    rlimit files {};
    ::getrlimit(RLIMIT_NOFILE, &files);
    files.rlim_cur = files.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur < rlim_t(n + 64)) {
        std::fprintf(stderr, "bench_slowreaders: %d clients need more open files than %lu\n", n,
                     static_cast<unsigned long>(files.rlim_cur));
        return 2;
    }

    const QByteArray request = "GET " + parser.value(path).toLatin1()
        + " HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer " + parser.value(token).toLatin1()
        + "\r\n\r\n";
    // The baseline once the server's memory has settled: what the upload of
    // the file and its processing take and free comes and goes for seconds
    // after the job is over, so 3 s without a change of 512 KiB, at most 30 s.
    RssWatch settle(serverPid);
    long lastKiB = settle.currentKiB();
    for (int i = 0, still = 0; i < 30 && still < 3; ++i) {
        std::this_thread::sleep_for(1s);
        const long now = settle.currentKiB();
        still = std::abs(now - lastKiB) < 512 ? still + 1 : 0;
        lastKiB = now;
    }
    const double kernelBaseMiB = kernelTcpMiB();
    double kernelPeakMiB = kernelBaseMiB;
    RssWatch rss(serverPid);
    const long baseKiB = rss.currentKiB();
    const double cpuBefore = rss.cpuSeconds();
    rss.start(100ms);
    HealthProbe health(serverPort, 20);
    health.start();
    const Clock::time_point probing = Clock::now();

    // Open them in batches, so that the listen backlog is not what is measured.
    std::vector<Reader> readers(static_cast<size_t>(n));
    int openFailures = 0;
    for (int i = 0; i < n; ++i) {
        readers[size_t(i)].fd = openNonBlockingReader(serverPort, request, 16 * 1024);
        if (readers[size_t(i)].fd < 0) {
            readers[size_t(i)].failed = true;
            ++openFailures;
        }
        if (i % 100 == 99)
            std::this_thread::sleep_for(20ms);
    }

    std::vector<char> scratch(256 * 1024);
    const Clock::time_point start = Clock::now();
    const Clock::time_point end
        = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(runS));
    Clock::time_point last = start;
    while (Clock::now() < end) {
        std::this_thread::sleep_for(50ms);
        const Clock::time_point now = Clock::now();
        const double dt = std::chrono::duration<double>(now - last).count();
        last = now;
        kernelPeakMiB = std::max(kernelPeakMiB, kernelTcpMiB());
        for (Reader &r : readers) {
            if (r.failed || r.finished)
                continue;
            if (!r.headDone) {
                const ssize_t got = ::recv(r.fd, scratch.data(), 4096, MSG_DONTWAIT | MSG_PEEK);
                if (got <= 0) {
                    if (got == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        static bool told = false;
                        if (!std::exchange(told, true))
                            std::fprintf(stderr, "bench_slowreaders: closed before a head: %s\n",
                                         got == 0 ? "end of stream" : std::strerror(errno));
                        r.failed = true;
                    }
                    continue;
                }
                const QByteArray peeked(scratch.data(), got);
                const qsizetype headEnd = peeked.indexOf("\r\n\r\n");
                if (headEnd < 0)
                    continue;
                ::recv(r.fd, scratch.data(), size_t(headEnd + 4), MSG_DONTWAIT);
                r.head = peeked.first(headEnd);
                if (!r.head.startsWith("HTTP/1.1 200")) {
                    static bool told = false;
                    if (!std::exchange(told, true))
                        std::fprintf(stderr, "bench_slowreaders: first refusal: %s\n",
                                     r.head.constData());
                    r.failed = true;
                    continue;
                }
                r.headDone = true;
                r.since = now;
                continue;
            }
            // At most one second's worth may accumulate: a reader that was
            // starved does not catch up by reading a burst.
            r.allowance = std::min(r.allowance + bytesPerS * dt, bytesPerS);
            while (r.allowance >= 1) {
                const ssize_t got
                    = ::recv(r.fd, scratch.data(), std::min(scratch.size(), size_t(r.allowance)),
                             MSG_DONTWAIT);
                if (got > 0) {
                    r.bodyBytes += got;
                    r.allowance -= double(got);
                    continue;
                }
                if (got == 0)
                    r.finished = true;
                else if (errno != EAGAIN && errno != EWOULDBLOCK)
                    r.failed = true;
                break;
            }
        }
    }
    const Clock::time_point stopped = Clock::now();
    health.stop();
    const double cpuAfter = rss.cpuSeconds();
    const long peakKiB = rss.peakKiB(start - 60s, stopped);
    rss.stop();

    // Delivered against asked, per client: what it read over what its rate
    // asked for since its head arrived (less one tick: the first read waits for it).
    std::vector<double> ratios;
    qint64 delivered = 0;
    int failed = openFailures;
    int finished = 0;
    for (Reader &r : readers) {
        if (r.fd >= 0)
            ::close(r.fd);
        if (r.failed) {
            failed += r.fd >= 0 ? 1 : 0;
            continue;
        }
        if (r.finished)
            ++finished;
        delivered += r.bodyBytes;
        if (!r.headDone) {
            ratios.push_back(0);
            continue;
        }
        const double asked = bytesPerS
            * std::max(0.001, std::chrono::duration<double>(stopped - r.since).count() - 0.05);
        ratios.push_back(std::min(1.0, double(r.bodyBytes) / asked));
    }
    const double deliveredGiB = double(delivered) / double(1LL << 30);
    const HealthProbe::Summary h = health.summary();
    // The same probes split: while the clients connect and get their heads
    // (a burst of N requests) and once they all read (from a second after
    // the last head arrived).
    Clock::time_point lastHead = start;
    for (const Reader &r : readers)
        if (r.headDone)
            lastHead = std::max(lastHead, r.since);
    const double rampS = std::chrono::duration<double>(lastHead - probing).count();
    std::vector<double> rampMs, steadyMs;
    for (const HealthProbe::Probe &p : health.probes())
        (p.offsetS < rampS + 1 ? rampMs : steadyMs).push_back(p.latencyMs);
    const int served
        = int(std::count_if(ratios.begin(), ratios.end(), [](double x) { return x >= 0.9; }));
    std::printf("RESULT server=%s clients=%d rate_kib_s=%.0f seconds=%.0f rss_base_mib=%.1f "
                "rss_growth_mib=%.1f kernel_tcp_growth_mib=%.1f health_p50_ms=%.2f "
                "health_p99_ms=%.2f health_max_ms=%.2f "
                "health_failures=%d health_realtime=%d ramp_s=%.1f ramp_health_p99_ms=%.2f "
                "steady_health_p50_ms=%.2f steady_health_p99_ms=%.2f steady_health_max_ms=%.2f "
                "delivered_mib=%.1f asked_p10=%.3f asked_p50=%.3f "
                "served_at_rate=%d failed=%d ended_early=%d cpu_s=%.2f cpu_s_per_gib=%.1f\n",
                qPrintable(parser.value(name)), n, bytesPerS / 1024, runS, double(baseKiB) / 1024,
                double(peakKiB - baseKiB) / 1024, kernelPeakMiB - kernelBaseMiB, h.p50Ms, h.p99Ms,
                h.maxMs, h.failures, h.realtime ? 1 : 0, rampS, quantile(rampMs, 0.99),
                quantile(steadyMs, 0.50), quantile(steadyMs, 0.99),
                steadyMs.empty() ? 0.0 : *std::max_element(steadyMs.begin(), steadyMs.end()),
                double(delivered) / double(1 << 20), quantile(ratios, 0.10), quantile(ratios, 0.50),
                served, failed, finished, cpuAfter - cpuBefore,
                deliveredGiB > 0 ? (cpuAfter - cpuBefore) / deliveredGiB : 0.0);
    return 0;
}
