// Resumable uploads measured from outside (issue 24): one upload of generated
// CSV to a running server, either as tus 1.0 (POST /files/, then PATCHes of a
// fixed chunk size), as Sluice's plain PUT /uploads/NAME, or as tus with the
// connection cut mid-PATCH and the upload resumed from the offset HEAD then
// reports. Times it, watches the server's RSS and CPU, checks the stored bytes'
// SHA-256 and deletes the upload. Not a test: tests/bench/run-tus.sh starts
// the servers (Sluice, @tus/server) and prints the table (docs/benchmarks.md).
#include "loopbackclient.h"
#include "rsswatch.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <algorithm>
#include <cstdio>
#include <thread>

using namespace sluice::bench;
using namespace std::chrono_literals;

namespace {

constexpr double MiB = 1024.0 * 1024.0;

struct Settings
{
    quint16 port = 0;
    pid_t pid = 0;
    QByteArray token; // empty: no Authorization header (@tus/server has no auth)
    QByteArray server;
    QByteArray scenario; // put, tus or resume
    QByteArray name; // for the report: the scenario's, unless given
    qint64 bytes = 0;
    qint64 chunkBytes = 16 * 1024 * 1024;
    int cutPercent = 50;
    std::chrono::milliseconds resumeDelay {0};
    qint64 warmupBytes = 8 * 1024 * 1024;
    // Where a server without an upload record (@tus/server) keeps the bytes
    // (DIR/ID), to hash them; empty for Sluice, which reports its SHA-256.
    QString storedDir;
    bool waitForProcessing = false;
};

// What one upload did on the wire.
struct Transfer
{
    bool ok = false;
    QByteArray id;
    Clock::time_point started;
    Clock::time_point answeredAt;
    double lastByteToAnswerS = 0; // the last body byte sent to the last answer
    // The same summed over every PATCH (or the PUT): time the link sat idle
    // while the server flushed and recorded a chunk before its 204.
    double answerWaitS = 0;
    int requests = 0;
    qint64 bodyBytesSent = 0;
    // Resume only.
    qint64 ackedBeforeCut = -1; // Upload-Offset of the last 204 before the cut
    qint64 sentBeforeCut = -1; // the offset the client had reached when it cut
    qint64 headOffset = -1; // Upload-Offset of the HEAD after the cut
};

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

QByteArray header(const HttpReply &reply, const QByteArray &name)
{
    const QByteArray wanted = name.toLower() + ':';
    for (const QByteArray &line : reply.head.split('\n')) {
        if (line.toLower().startsWith(wanted))
            return line.mid(wanted.size()).trimmed();
    }
    return {};
}

void fail(const char *what, const std::optional<HttpReply> &reply)
{
    if (reply)
        std::fprintf(stderr, "bench_tus: %s: %d\n%s%s\n", what, reply->status,
                     reply->head.constData(), reply->body.left(500).constData());
    else
        std::fprintf(stderr, "bench_tus: %s: no answer\n", what);
}

const QByteArray TusResumable = "Tus-Resumable: 1.0.0\r\n";

class TusUpload
{
public:
    TusUpload(const LoopbackClient &client, Transfer &t)
        : m_client(client)
        , m_t(t)
    { }

    // POST /files/: an upload of `size` bytes named NAME.csv, so that Sluice
    // sniffs and stores it under its default upload_types (text/csv).
    bool create(qint64 size, const QByteArray &name)
    {
        const QByteArray headers = TusResumable + "Upload-Length: " + QByteArray::number(size)
            + "\r\nUpload-Metadata: filename " + QByteArray(name + ".csv").toBase64() + "\r\n";
        const auto reply = m_client.request("POST", "/files/", {}, 30s, {}, headers);
        ++m_t.requests;
        if (!reply || reply->status != 201) {
            fail("POST /files/", reply);
            return false;
        }
        // Sluice answers /files/ID, @tus/server http://HOST:PORT/files/ID.
        const QByteArray location = header(*reply, "Location");
        m_target = location.mid(location.indexOf("/files/"));
        m_t.id = m_target.mid(7);
        return !m_t.id.isEmpty();
    }

    // One PATCH of `size` bytes at `offset`; with cutAfter >= 0 the client
    // closes its socket after that many body bytes instead (no answer).
    std::optional<qint64> patch(qint64 offset, qint64 size, qint64 cutAfter = -1)
    {
        const QByteArray headers = TusResumable + "Upload-Offset: " + QByteArray::number(offset)
            + "\r\nContent-Type: application/offset+octet-stream\r\n";
        const auto reply
            = m_client.sendGeneratedRange("PATCH", m_target, headers, offset, size, cutAfter);
        ++m_t.requests;
        if (cutAfter >= 0 && cutAfter < size) {
            m_t.bodyBytesSent += cutAfter;
            return std::nullopt;
        }
        m_t.bodyBytesSent += size;
        m_t.answeredAt = Clock::now();
        if (!reply || reply->status != 204
            || header(*reply, "Upload-Offset").toLongLong() != offset + size) {
            fail("PATCH", reply);
            return std::nullopt;
        }
        m_t.lastByteToAnswerS = seconds(m_t.answeredAt - reply->bodySentAt);
        m_t.answerWaitS += m_t.lastByteToAnswerS;
        return offset + size;
    }

    std::optional<qint64> head()
    {
        const auto reply = m_client.request("HEAD", m_target, {}, 30s, {}, TusResumable);
        ++m_t.requests;
        if (!reply || reply->status != 200 || header(*reply, "Upload-Offset").isEmpty()) {
            fail("HEAD", reply);
            return std::nullopt;
        }
        return header(*reply, "Upload-Offset").toLongLong();
    }

    // PATCHes from `offset` to `size`, each of at most chunkBytes; with
    // cutAt in (offset, size), the PATCH that carries byte cutAt is cut
    // there. Returns the offset reached (the cut's, or the last 204's).
    std::optional<qint64> patchFrom(qint64 offset, qint64 size, qint64 chunkBytes,
                                    qint64 cutAt = -1)
    {
        while (offset < size) {
            const qint64 n = std::min(chunkBytes, size - offset);
            if (cutAt > offset && cutAt < offset + n) {
                patch(offset, n, cutAt - offset);
                return cutAt;
            }
            const auto next = patch(offset, n);
            if (!next)
                return std::nullopt;
            offset = *next;
        }
        return offset;
    }

private:
    const LoopbackClient &m_client;
    Transfer &m_t;
    QByteArray m_target;
};

Transfer upload(const Settings &s, const LoopbackClient &client, const QByteArray &scenario,
                qint64 size, const QByteArray &name)
{
    Transfer t;
    t.started = Clock::now();
    if (scenario == "put") {
        const auto reply = client.putGenerated("/uploads/" + name + ".csv", size);
        t.answeredAt = Clock::now();
        t.requests = 1;
        t.bodyBytesSent = size;
        if (!reply || reply->status != 201) {
            fail("PUT /uploads/", reply);
            return t;
        }
        t.lastByteToAnswerS = seconds(t.answeredAt - reply->bodySentAt);
        t.answerWaitS = t.lastByteToAnswerS;
        t.id = QJsonDocument::fromJson(reply->body)[QLatin1String("id")].toString().toLatin1();
        t.ok = !t.id.isEmpty();
        return t;
    }
    TusUpload tus(client, t);
    if (!tus.create(size, name))
        return t;
    if (scenario == "tus") {
        t.ok = tus.patchFrom(0, size, s.chunkBytes) == size;
        return t;
    }
    // resume: cut at cutPercent of the upload; where that falls on a chunk
    // boundary, half a chunk further, so that the cut lands mid-PATCH.
    qint64 cutAt = size * s.cutPercent / 100;
    if (cutAt % s.chunkBytes == 0)
        cutAt += s.chunkBytes / 2;
    cutAt = std::min(cutAt, size - 1);
    t.ackedBeforeCut = cutAt / s.chunkBytes * s.chunkBytes;
    const auto reached = tus.patchFrom(0, size, s.chunkBytes, cutAt);
    if (reached != cutAt) {
        std::fprintf(stderr, "bench_tus: the upload failed before the cut\n");
        return t;
    }
    t.sentBeforeCut = cutAt;
    std::this_thread::sleep_for(s.resumeDelay);
    const auto offset = tus.head();
    if (!offset)
        return t;
    t.headOffset = *offset;
    t.ok = tus.patchFrom(*offset, size, s.chunkBytes) == size;
    return t;
}

// The stored upload's SHA-256 in hex: Sluice's record (GET /uploads/ID), or
// a hash of @tus/server's file. With `waitForJob`, first waits for Sluice's
// processing job (re-read, SHA-256, CSV shape) and returns in *processingS
// the seconds from the last answer to its end; otherwise *processingS is -1.
QByteArray storedSha256(const Settings &s, const LoopbackClient &client, const Transfer &t,
                        bool waitForJob, double *processingS)
{
    *processingS = -1;
    if (!s.storedDir.isEmpty()) {
        QFile file(QDir(s.storedDir).filePath(QString::fromLatin1(t.id)));
        QCryptographicHash hash(QCryptographicHash::Sha256);
        if (!file.open(QIODevice::ReadOnly) || !hash.addData(&file))
            return {};
        return hash.result().toHex();
    }
    const auto giveUp = Clock::now() + 10min;
    while (Clock::now() < giveUp) {
        const auto reply = client.request("GET", "/uploads/" + t.id);
        if (!reply || reply->status != 200) {
            fail("GET /uploads/ID", reply);
            return {};
        }
        const QJsonObject record = QJsonDocument::fromJson(reply->body).object();
        const QString state
            = record[QLatin1String("processing")].toObject()[QLatin1String("state")].toString();
        if (!waitForJob || state != QLatin1String("pending")) {
            if (waitForJob)
                *processingS = seconds(Clock::now() - t.answeredAt);
            if (waitForJob && state != QLatin1String("done") && !state.isEmpty())
                std::fprintf(stderr, "bench_tus: processing ended %s\n", qPrintable(state));
            return record[QLatin1String("sha256")].toString().toLatin1();
        }
        std::this_thread::sleep_for(50ms);
    }
    std::fprintf(stderr, "bench_tus: processing did not end within 10 minutes\n");
    return {};
}

void remove(const Settings &s, const LoopbackClient &client, const Transfer &t)
{
    const QByteArray target = (s.storedDir.isEmpty() ? "/uploads/" : "/files/") + t.id;
    const auto reply = client.request("DELETE", target, {}, 30s, {}, TusResumable);
    if (!reply || reply->status != 204)
        fail("DELETE", reply);
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

int run(const Settings &s)
{
    const LoopbackClient client(s.port, s.token);
    // Warm-up by the same route: first-use allocations (thread pool, OpenSSL,
    // SQLite, V8's JIT) belong to idle.
    if (s.warmupBytes > 0) {
        const QByteArray route = s.scenario == "put" ? "put" : "tus";
        const Transfer warm = upload(s, client, route, s.warmupBytes, "warmup");
        if (!warm.ok)
            return 1;
        // Its processing job too: the job machinery's first use belongs to idle.
        double processing = 0;
        storedSha256(s, client, warm, true, &processing);
        remove(s, client, warm);
        std::this_thread::sleep_for(1s);
    }

    RssWatch watch(s.pid);
    const long idleKiB = medianIdleKiB(watch);
    const bool hwmReset = watch.resetHighWater();
    watch.start(20ms);
    const double cpuBefore = watch.cpuSeconds();
    const Transfer t = upload(s, client, s.scenario, s.bytes, "bench-" + s.scenario);
    const double cpuDuring = watch.cpuSeconds() - cpuBefore;
    const long hwmKiB = hwmReset ? watch.highWaterKiB() : -1;
    const long sampledKiB = watch.peakKiB(t.started, t.answeredAt);
    watch.stop();
    if (!t.ok)
        return 1;

    // Sluice's processing job runs after the answer, outside the measurement;
    // waiting for it (15-25 s a GiB on the shared machine) is optional, as
    // each run has a server of its own that stops after it.
    double processing = 0;
    const QByteArray stored = storedSha256(s, client, t, s.waitForProcessing, &processing);
    remove(s, client, t);
    const QByteArray expected = generatedSha256(s.bytes);
    const bool contentOk = !stored.isEmpty() && stored == expected;
    if (!contentOk)
        std::fprintf(stderr, "bench_tus: stored SHA-256 %s, sent %s\n", stored.constData(),
                     expected.constData());

    const long peakKiB = std::max(hwmKiB, sampledKiB);
    std::printf("RESULT scenario=%s server=%s mib=%.0f chunk_mib=%.0f mib_s=%.1f seconds=%.2f "
                "requests=%d rss_idle_mib=%.1f rss_growth_mib=%.1f rss_growth_sampled_mib=%.1f "
                "rss_growth_hwm_mib=%.1f after_last_byte_s=%.3f answer_wait_s=%.2f "
                "server_cpu_s_per_gib=%.2f "
                "processing_s=%.2f content_ok=%d body_bytes_sent=%lld",
                s.name.constData(), s.server.constData(), double(s.bytes) / MiB,
                double(s.chunkBytes) / MiB,
                double(s.bytes) / MiB / seconds(t.answeredAt - t.started),
                seconds(t.answeredAt - t.started), t.requests, double(idleKiB) / 1024,
                double(peakKiB - idleKiB) / 1024, double(sampledKiB - idleKiB) / 1024,
                hwmKiB < 0 ? -1.0 : double(hwmKiB - idleKiB) / 1024, t.lastByteToAnswerS,
                t.answerWaitS, cpuDuring / (double(t.bodyBytesSent) / MiB / 1024), processing,
                contentOk ? 1 : 0, static_cast<long long>(t.bodyBytesSent));
    // Bytes sent twice: from the offset HEAD reported to where the cut fell.
    // Acknowledged bytes lost: a HEAD offset below the last 204's.
    if (s.scenario == "resume")
        std::printf(" acked_before_cut=%lld sent_before_cut=%lld head_offset=%lld "
                    "sent_twice=%lld acked_lost=%lld resume_delay_ms=%lld",
                    static_cast<long long>(t.ackedBeforeCut),
                    static_cast<long long>(t.sentBeforeCut), static_cast<long long>(t.headOffset),
                    static_cast<long long>(t.bodyBytesSent - s.bytes),
                    static_cast<long long>(std::max<qint64>(0, t.ackedBeforeCut - t.headOffset)),
                    static_cast<long long>(s.resumeDelay.count()));
    std::printf("\n");
    return contentOk ? 0 : 1;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("One upload by tus, PUT or tus with a cut and a resume"));
    parser.addHelpOption();
    const auto option = [&parser](const char *name, const char *help, const char *value,
                                  const char *fallback = nullptr) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(help),
                             QString::fromLatin1(value));
        if (fallback)
            o.setDefaultValue(QString::fromLatin1(fallback));
        parser.addOption(o);
        return o;
    };
    const auto port = option("port", "Server port.", "port");
    const auto pid = option("pid", "Server process id.", "pid");
    const auto token = option("token", "Bearer token (none when empty).", "token", "");
    const auto server = option("server", "Server name for the report.", "name", "server");
    const auto scenario = option("scenario", "put, tus or resume.", "name", "tus");
    const auto mib = option("mib", "MiB to upload.", "mib", "1024");
    const auto chunk = option("chunk-mib", "MiB per PATCH.", "mib", "16");
    const auto cut = option("cut-percent", "Resume: where the cut falls.", "percent", "50");
    const auto delay = option("resume-delay-ms", "Resume: pause before the HEAD.", "ms", "0");
    const auto name
        = option("name", "Scenario name for the report (default: --scenario).", "name", "");
    const auto warmup = option("warmup-mib", "Warm-up upload before measuring.", "mib", "8");
    const auto storedDir = option(
        "stored-dir", "Where the server keeps tus uploads as DIR/ID (to hash them).", "dir", "");
    const QCommandLineOption waitProcessing(
        QStringLiteral("wait-processing"),
        QStringLiteral("Wait for Sluice's processing job after the upload (and report it)."));
    parser.addOption(waitProcessing);
    parser.process(app);

    Settings s;
    s.port = quint16(parser.value(port).toUInt());
    s.pid = pid_t(parser.value(pid).toInt());
    s.token = parser.value(token).toLatin1();
    s.server = parser.value(server).toLatin1();
    s.scenario = parser.value(scenario).toLatin1();
    s.name = parser.value(name).isEmpty() ? s.scenario : parser.value(name).toLatin1();
    s.bytes = qint64(parser.value(mib).toDouble() * MiB);
    s.chunkBytes = qint64(parser.value(chunk).toDouble() * MiB);
    s.cutPercent = parser.value(cut).toInt();
    s.resumeDelay = std::chrono::milliseconds(parser.value(delay).toLongLong());
    s.warmupBytes = qint64(parser.value(warmup).toDouble() * MiB);
    s.storedDir = parser.value(storedDir);
    s.waitForProcessing = parser.isSet(waitProcessing);
    if (s.port == 0 || s.pid <= 0 || s.bytes <= 0 || s.chunkBytes <= 0
        || (s.scenario != "put" && s.scenario != "tus" && s.scenario != "resume")) {
        std::fprintf(stderr,
                     "bench_tus: needs --port, --pid, --mib > 0, --chunk-mib > 0 and "
                     "--scenario put, tus or resume\n");
        return 2;
    }
    return run(s);
}
