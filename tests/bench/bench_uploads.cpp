// Upload throughput and server memory, measured from outside: PUTs bodies of
// generated CSV to a running server (Sluice or the Node.js peer), times each
// to its 201, watches the server's RSS, and optionally probes /healthz at a
// fixed rate meanwhile. Not a test: tests/bench/run-uploads.sh starts the
// servers and prints the table (docs/benchmarks.md).
#include "healthprobe.h"
#include "loopbackclient.h"
#include "rsswatch.h"
#include "tempfolder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <QDir>
#include <QFile>

#include <algorithm>
#include <cstdio>
#include <random>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace sluice::bench;
using namespace std::chrono_literals;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

struct Settings
{
    quint16 port = 0;
    pid_t pid = 0;
    QByteArray token;
    QByteArray server;
    QByteArray scenario;
    qint64 bytesPerUpload = 0;
    int uploads = 1;
    double probeHz = 0;
    qint64 warmupBytes = 8 * 1024 * 1024;
    bool verbose = false;
    int repeat = 1;
    // Scenario 3 (faults): uploads cut off at random offsets, and stalled ones.
    int aborts = 0;
    int stalls = 0;
    QString tempDir;
    qint64 idleTimeoutMs = 0;
    quint32 seed = 42;
    QString rssCsvDir; // memory over time, for tests/bench/bench_plot
    // A line per probe appended (latency, start lateness, steal), for pooled percentiles.
    QString probesOut;
};

struct Upload
{
    std::optional<HttpReply> reply;
    Clock::time_point answeredAt;
    QJsonObject json;
};

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

QJsonObject jsonOf(const HttpReply &reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

bool checkStored(const Upload &u, qint64 size)
{
    if (!u.reply) {
        std::fprintf(stderr, "bench_uploads: no answer to an upload\n");
        return false;
    }
    if (u.reply->status != 201 || u.json.value(QLatin1String("size")).toInteger() != size) {
        std::fprintf(stderr, "bench_uploads: upload not stored: %d %s\n", u.reply->status,
                     u.reply->body.constData());
        return false;
    }
    return true;
}

// Sluice hands each upload to a processing job (re-read, re-hash); waits for
// it so that the next measurement does not share the CPU with it. Returns the
// seconds from the 201 to the job's end, or 0 when there is no job.
double waitForProcessing(const LoopbackClient &client, const Upload &u)
{
    if (u.json.value(QLatin1String("job")).isNull()
        || u.json.value(QLatin1String("job")).isUndefined())
        return 0;
    const QByteArray target = "/uploads/" + u.json.value(QLatin1String("id")).toString().toLatin1();
    const auto giveUp = Clock::now() + 10min;
    while (Clock::now() < giveUp) {
        if (const auto reply = client.request("GET", target); reply && reply->status == 200) {
            const QString state = jsonOf(*reply)
                                      .value(QLatin1String("processing"))
                                      .toObject()
                                      .value(QLatin1String("state"))
                                      .toString();
            if (state != QLatin1String("pending")) {
                if (state != QLatin1String("done"))
                    std::fprintf(stderr, "bench_uploads: processing ended %s: %s\n",
                                 qPrintable(state), reply->body.constData());
                return seconds(Clock::now() - u.answeredAt);
            }
        }
        std::this_thread::sleep_for(50ms);
    }
    std::fprintf(stderr, "bench_uploads: processing did not end within 10 minutes\n");
    return -1;
}

void remove(const LoopbackClient &client, const Upload &u)
{
    const QByteArray target = "/uploads/" + u.json.value(QLatin1String("id")).toString().toLatin1();
    const auto reply = client.request("DELETE", target);
    if (!reply || reply->status != 204)
        std::fprintf(stderr, "bench_uploads: could not delete %s\n", target.constData());
}

std::vector<Upload> uploadAll(const LoopbackClient &client, int count, qint64 size,
                              const QByteArray &tag)
{
    std::vector<Upload> uploads(static_cast<size_t>(count));
    std::vector<std::thread> threads;
    for (int i = 0; i < count; ++i) {
        threads.emplace_back([&, i] {
            Upload &u = uploads[size_t(i)];
            u.reply = client.putGenerated("/uploads/" + tag + '-' + QByteArray::number(i) + ".csv",
                                          size);
            u.answeredAt = Clock::now();
            if (u.reply)
                u.json = jsonOf(*u.reply);
        });
    }
    for (std::thread &t : threads)
        t.join();
    return uploads;
}

long medianIdleKiB(const RssWatch &watch)
{
    std::vector<long> kib;
    for (int i = 0; i < 11; ++i) {
        kib.push_back(watch.currentKiB());
        std::this_thread::sleep_for(50ms);
    }
    std::sort(kib.begin(), kib.end());
    return kib[kib.size() / 2];
}

// Writes RSS over time (seconds from the start, MiB above idle) to
// DIR/SCENARIO-SERVER.csv, replacing an earlier run's.
void writeRssCsv(const Settings &s, const RssWatch &watch, Clock::time_point started, long idleKiB)
{
    if (s.rssCsvDir.isEmpty())
        return;
    QFile out(
        QDir(s.rssCsvDir).filePath(QString::fromLatin1(s.scenario + '-' + s.server + ".csv")));
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        std::fprintf(stderr, "bench_uploads: cannot write %s\n", qPrintable(out.fileName()));
        return;
    }
    out.write("seconds,rss_growth_mib\n");
    for (const RssWatch::Sample &sample : watch.samples()) {
        if (sample.at < started || sample.kib < 0)
            continue;
        out.write(QByteArray::number(seconds(sample.at - started), 'f', 3) + ','
                  + QByteArray::number(double(sample.kib - idleKiB) / 1024, 'f', 2) + '\n');
    }
}

// Appends a line per probe: its latency, how late its own thread woke for it
// and the steal time during it (ms), then whether it woke late and whether it
// was stolen (1 or 0, by HealthProbe's thresholds). The runner pools the
// probes of all its repeats (a run has ~100, so its own p99 is its maximum).
void appendProbes(const Settings &s, const HealthProbe &probe)
{
    if (s.probesOut.isEmpty())
        return;
    QFile out(s.probesOut);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Append)) {
        std::fprintf(stderr, "bench_uploads: cannot write %s\n", qPrintable(out.fileName()));
        return;
    }
    for (const HealthProbe::Probe &p : probe.probes())
        out.write(QByteArray::number(p.latencyMs, 'f', 3) + ' '
                  + QByteArray::number(p.startLateMs, 'f', 3) + ' '
                  + QByteArray::number(p.stealMs, 'f', 0) + ' ' + (p.wokeLate() ? '1' : '0') + ' '
                  + (p.stolen() ? '1' : '0') + '\n');
}

int measure(const Settings &s, const LoopbackClient &client);
int measureFaults(const Settings &s, const LoopbackClient &client);

int run(const Settings &s)
{
    const LoopbackClient client(s.port, s.token);

    // Warm-up: first-use allocations (thread pool, OpenSSL, SQLite, JIT) belong to idle.
    if (s.warmupBytes > 0) {
        auto warm = uploadAll(client, 1, s.warmupBytes, "warmup");
        if (!checkStored(warm.front(), s.warmupBytes))
            return 1;
        waitForProcessing(client, warm.front());
        remove(client, warm.front());
        std::this_thread::sleep_for(1s);
    }
    if (s.aborts > 0 || s.stalls > 0)
        return measureFaults(s, client);
    for (int i = 0; i < s.repeat; ++i) {
        if (const int failed = measure(s, client))
            return failed;
    }
    return 0;
}

// One measurement: idle RSS, then the uploads with RSS sampling (and probes),
// then the processing jobs, then the uploads are deleted.
int measure(const Settings &s, const LoopbackClient &client)
{
    RssWatch watch(s.pid);
    const long idleKiB = medianIdleKiB(watch);
    const bool hwmReset = watch.resetHighWater();
    watch.start(20ms);
    HealthProbe probe(s.port, s.probeHz);
    if (s.probeHz > 0)
        probe.start();

    const double cpuBefore = watch.cpuSeconds();
    const double stealBefore = stealMs();
    const auto started = Clock::now();
    const auto uploads = uploadAll(client, s.uploads, s.bytesPerUpload, "bench");
    Clock::time_point ended = started;
    double flushSeconds = 0; // last body byte sent to 201: the server's fsync and rename
    for (const Upload &u : uploads) {
        ended = std::max(ended, u.answeredAt);
        if (u.reply)
            flushSeconds = std::max(flushSeconds, seconds(u.answeredAt - u.reply->bodySentAt));
    }
    const double cpuDuring = watch.cpuSeconds() - cpuBefore;
    const double stealDuring = stealMs() - stealBefore;
    probe.stop();
    const long hwmKiB = hwmReset ? watch.highWaterKiB() : -1;
    const long sampledKiB = watch.peakKiB(started, ended);

    bool ok = true;
    for (const Upload &u : uploads)
        ok = checkStored(u, s.bytesPerUpload) && ok;
    double processing = 0;
    if (ok) {
        for (const Upload &u : uploads)
            processing = std::max(processing, waitForProcessing(client, u));
    }
    watch.stop();
    writeRssCsv(s, watch, started, idleKiB);
    const long processingPeakKiB = watch.peakKiB(ended, Clock::now());
    for (const Upload &u : uploads) {
        if (u.reply && u.reply->status == 201)
            remove(client, u);
    }
    if (!ok)
        return 1;

    const double total = double(s.bytesPerUpload) * s.uploads;
    const double mibPerSecond = total / MiB / seconds(ended - started);
    const long peakKiB = std::max(hwmKiB, sampledKiB);
    const auto growth = [idleKiB](long kib) {
        return kib < 0 ? -1.0 : double(kib - idleKiB) / 1024;
    };
    const HealthProbe::Summary health = probe.summary();
    appendProbes(s, probe);
    if (s.verbose) {
        for (const Upload &u : uploads)
            std::fprintf(stderr, "upload answered at %.3f s\n", seconds(u.answeredAt - started));
        for (const HealthProbe::Probe &p : probe.probes()) {
            if (p.latencyMs > 10)
                std::fprintf(stderr, "probe at %.3f s took %.1f ms\n", p.offsetS, p.latencyMs);
        }
    }
    std::printf("RESULT scenario=%s server=%s mib_s=%.1f seconds=%.2f rss_idle_mib=%.1f "
                "rss_growth_mib=%.1f rss_growth_sampled_mib=%.1f rss_growth_hwm_mib=%.1f "
                "rss_growth_processing_mib=%.1f rss_samples=%zu after_last_byte_s=%.3f "
                "server_cpu_s_per_gib=%.2f "
                "processing_s=%.2f probes=%d "
                "probe_failures=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f probes_started_late=%d "
                "max_start_late_ms=%.2f probes_stolen=%d probe_realtime=%d steal_ms=%.0f\n",
                s.scenario.constData(), s.server.constData(), mibPerSecond,
                seconds(ended - started), double(idleKiB) / 1024, growth(peakKiB),
                growth(sampledKiB), growth(hwmKiB), growth(processingPeakKiB),
                watch.samples().size(), flushSeconds, cpuDuring / (total / MiB / 1024), processing,
                health.probes, health.failures, health.p50Ms, health.p99Ms, health.maxMs,
                health.startedLate, health.maxStartLateMs, health.stolen, health.realtime ? 1 : 0,
                stealDuring);
    return 0;
}

// Waits until the temp folder holds at most `target` files; the seconds that
// took, or -1 when it did not happen before the deadline.
double secondsUntilTempFiles(const QString &dir, qsizetype target, Clock::time_point from,
                             Clock::time_point deadline)
{
    while (tempUse(dir).files > target) {
        if (Clock::now() >= deadline)
            return -1;
        std::this_thread::sleep_for(10ms);
    }
    return seconds(Clock::now() - from);
}

// Scenario 3: `aborts` uploads of 64 MiB cut off at random offsets (fixed
// seed; every other one with a reset instead of a close), then `stalls`
// uploads that stop sending and keep their connection open. Measures how
// long the server takes to remove the aborted uploads' temp files, and
// whether the stalled ones are gone once the idle timeout has passed.
int measureFaults(const Settings &s, const LoopbackClient &client)
{
    RssWatch watch(s.pid);
    const long idleKiB = medianIdleKiB(watch);
    watch.start(20ms);
    constexpr qint64 Declared = 64 * 1024 * 1024;
    std::mt19937 random(s.seed);
    std::uniform_int_distribution<qint64> offsets(0, Declared - 1);

    const auto abortsStarted = Clock::now();
    for (int i = 0; i < s.aborts; ++i) {
        const qint64 offset = offsets(random);
        const int fd = client.putPartial("/uploads/abort-" + QByteArray::number(i) + ".csv",
                                         Declared, offset);
        if (fd < 0) {
            std::fprintf(stderr, "bench_uploads: abort %d could not connect\n", i);
            return 1;
        }
        if (i % 2) {
            const linger reset {1, 0}; // close() sends RST
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
        }
        ::close(fd);
    }
    const auto abortsEnded = Clock::now();
    const double abortCleanup = secondsUntilTempFiles(s.tempDir, 0, abortsEnded, abortsEnded + 30s);

    std::vector<int> stalled;
    for (int i = 0; i < s.stalls; ++i) {
        const int fd = client.putPartial("/uploads/stall-" + QByteArray::number(i) + ".csv",
                                         Declared, offsets(random));
        if (fd >= 0)
            stalled.push_back(fd);
    }
    const auto stallsStarted = Clock::now();
    const qsizetype stalledFiles = tempUse(s.tempDir).files;
    // The idle timeout, then as long again for the clean-up.
    const auto deadline = stallsStarted + std::chrono::milliseconds(2 * s.idleTimeoutMs) + 2s;
    const double stallCleanup = secondsUntilTempFiles(s.tempDir, 0, stallsStarted, deadline);
    const qsizetype left = tempUse(s.tempDir).files;
    for (const int fd : stalled)
        ::close(fd);
    const auto health = client.request("GET", "/healthz", {}, 5s);
    watch.stop();
    const long peakKiB = watch.peakKiB(abortsStarted, Clock::now());

    std::printf("RESULT scenario=%s server=%s aborts=%d stalls=%d seed=%u abort_seconds=%.2f "
                "abort_cleanup_s=%.2f stalled_files=%lld stall_cleanup_s=%.2f "
                "idle_timeout_s=%.1f temp_files_left=%lld healthz_after=%d rss_growth_mib=%.1f\n",
                s.scenario.constData(), s.server.constData(), s.aborts, int(stalled.size()), s.seed,
                seconds(abortsEnded - abortsStarted), abortCleanup, qint64(stalledFiles),
                stallCleanup, double(s.idleTimeoutMs) / 1000, qint64(left),
                health ? health->status : 0, double(peakKiB - idleKiB) / 1024);
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Upload throughput, RSS and health probes"));
    parser.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Server port."),
                                  QStringLiteral("port"));
    const QCommandLineOption pid(QStringLiteral("pid"), QStringLiteral("Server process id."),
                                 QStringLiteral("pid"));
    const QCommandLineOption token(QStringLiteral("token"), QStringLiteral("Bearer token."),
                                   QStringLiteral("token"));
    const QCommandLineOption server(QStringLiteral("server"),
                                    QStringLiteral("Server name for the report."),
                                    QStringLiteral("name"), QStringLiteral("server"));
    const QCommandLineOption scenario(QStringLiteral("scenario"),
                                      QStringLiteral("Scenario name for the report."),
                                      QStringLiteral("name"), QStringLiteral("uploads"));
    const QCommandLineOption size(QStringLiteral("mib"), QStringLiteral("MiB per upload."),
                                  QStringLiteral("mib"), QStringLiteral("256"));
    const QCommandLineOption uploads(QStringLiteral("uploads"), QStringLiteral("Uploads at once."),
                                     QStringLiteral("count"), QStringLiteral("1"));
    const QCommandLineOption probeHz(
        QStringLiteral("probe-hz"),
        QStringLiteral("GET /healthz rate during the uploads; 0: none."), QStringLiteral("hz"),
        QStringLiteral("0"));
    const QCommandLineOption warmup(QStringLiteral("warmup-mib"),
                                    QStringLiteral("Warm-up upload before idle RSS is taken."),
                                    QStringLiteral("mib"), QStringLiteral("8"));
    const QCommandLineOption verbose(
        QStringLiteral("verbose"), QStringLiteral("List upload end times and probes over 10 ms."));
    const QCommandLineOption repeat(QStringLiteral("repeat"),
                                    QStringLiteral("Measurements in a row, one RESULT line each."),
                                    QStringLiteral("count"), QStringLiteral("1"));
    const QCommandLineOption aborts(
        QStringLiteral("aborts"), QStringLiteral("Scenario 3: uploads cut off at random offsets."),
        QStringLiteral("count"), QStringLiteral("0"));
    const QCommandLineOption stalls(QStringLiteral("stalls"),
                                    QStringLiteral("Scenario 3: uploads that stop sending."),
                                    QStringLiteral("count"), QStringLiteral("0"));
    const QCommandLineOption tempDir(QStringLiteral("temp-dir"),
                                     QStringLiteral("Scenario 3: the server's temp folder."),
                                     QStringLiteral("path"));
    const QCommandLineOption idleTimeout(
        QStringLiteral("idle-timeout-ms"),
        QStringLiteral("Scenario 3: the server's body idle timeout (Sluice's configured one)."),
        QStringLiteral("ms"), QStringLiteral("5000"));
    const QCommandLineOption rssCsv(
        QStringLiteral("rss-csv"),
        QStringLiteral("Folder for RSS over time as SCENARIO-SERVER.csv (tests/bench/bench_plot)."),
        QStringLiteral("dir"));
    const QCommandLineOption probesOut(
        QStringLiteral("probes-out"),
        QStringLiteral("File to append a line per health probe to: its latency, how late it "
                       "started and the hypervisor's steal time during it (ms)."),
        QStringLiteral("file"));
    const QCommandLineOption seed(QStringLiteral("seed"),
                                  QStringLiteral("Scenario 3: seed of the abort offsets."),
                                  QStringLiteral("n"), QStringLiteral("42"));
    parser.addOptions({port, pid, token, server, scenario, size, uploads, probeHz, warmup, verbose,
                       repeat, aborts, stalls, tempDir, idleTimeout, seed, rssCsv, probesOut});
    parser.process(app);

    Settings s;
    s.port = quint16(parser.value(port).toUInt());
    s.pid = pid_t(parser.value(pid).toInt());
    s.token = parser.value(token).toLatin1();
    s.server = parser.value(server).toLatin1();
    s.scenario = parser.value(scenario).toLatin1();
    s.bytesPerUpload = parser.value(size).toLongLong() * 1024 * 1024;
    s.uploads = std::max(1, parser.value(uploads).toInt());
    s.probeHz = parser.value(probeHz).toDouble();
    s.warmupBytes = parser.value(warmup).toLongLong() * 1024 * 1024;
    s.verbose = parser.isSet(verbose);
    s.repeat = std::max(1, parser.value(repeat).toInt());
    s.aborts = std::max(0, parser.value(aborts).toInt());
    s.stalls = std::max(0, parser.value(stalls).toInt());
    s.tempDir = parser.value(tempDir);
    s.idleTimeoutMs = parser.value(idleTimeout).toLongLong();
    s.seed = parser.value(seed).toUInt();
    s.rssCsvDir = parser.value(rssCsv);
    s.probesOut = parser.value(probesOut);
    if ((s.aborts > 0 || s.stalls > 0) && s.tempDir.isEmpty()) {
        std::fprintf(stderr, "bench_uploads: --aborts and --stalls need --temp-dir\n");
        return 2;
    }
    if (s.port == 0 || s.pid <= 0 || s.bytesPerUpload <= 0) {
        std::fprintf(stderr, "bench_uploads: --port, --pid and --mib are required\n");
        return 2;
    }
    return run(s);
}
