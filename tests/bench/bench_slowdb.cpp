// Scenario 5 of issue 8: a slow database during exports. Against a running
// sluiced whose config has two datasets over one SQLite file
// (tests/bench/run-slowdb.sh makes them): `slow`, where every batch takes a
// while but less than export_stall_timeout_ms, and `stalled`, where one batch
// takes longer than that. Both read t(id, at, label), slowed by a correlated
// subquery over a `pad` table in the label column (the cheap count-first
// query leaves it out). Meanwhile /healthz is probed at 20 Hz on fresh
// connections. Prints one RESULT line per dataset. Not a test.
#include "healthprobe.h"
#include "loopbackclient.h"
#include "tempfolder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <thread>

using namespace sluice::bench;
using namespace std::chrono_literals;

namespace {

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

qint64 stallsCounted(const LoopbackClient &client)
{
    const auto reply = client.request("GET", "/api/status");
    if (!reply)
        return -1;
    return QJsonDocument::fromJson(reply->body)
        .object()
        .value(QLatin1String("sample"))
        .toObject()
        .value(QLatin1String("traffic"))
        .toObject()
        .value(QLatin1String("export_stalls_total"))
        .toInteger(-1);
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Server port."),
                                  QStringLiteral("port"));
    const QCommandLineOption token(QStringLiteral("token"), QStringLiteral("Bearer token."),
                                   QStringLiteral("token"));
    const QCommandLineOption tempDir(QStringLiteral("temp-dir"),
                                     QStringLiteral("The server's temp folder."),
                                     QStringLiteral("path"));
    const QCommandLineOption range(QStringLiteral("range"), QStringLiteral("from=…&to=…"),
                                   QStringLiteral("query"),
                                   QStringLiteral("from=2025-01-01&to=2025-01-31"));
    parser.addOptions({port, token, tempDir, range});
    parser.process(app);
    const quint16 serverPort = quint16(parser.value(port).toUInt());
    const LoopbackClient client(serverPort, parser.value(token).toLatin1());

    int failures = 0;
    for (const char *dataset : {"slow", "stalled"}) {
        const qint64 stallsBefore = stallsCounted(client);
        HealthProbe probe(serverPort, 20);
        probe.start();
        const auto started = Clock::now();
        const auto reply = client.request(
            "GET", QByteArray("/exports/") + dataset + ".csv?" + parser.value(range).toLatin1(), {},
            120s);
        const double took = seconds(Clock::now() - started);
        probe.stop();
        const HealthProbe::Summary health = probe.summary();
        // Chunked: a complete body ends with the last chunk; without it the
        // client can tell the export was cut short.
        const bool complete
            = reply && reply->status == 200 && reply->body.endsWith("\r\n0\r\n\r\n");
        const qsizetype rows = reply ? reply->body.count("\r\n") : 0;
        // The once-a-second sample counts a stall: wait for it (at most 3 s),
        // rather than for a fixed time.
        qint64 stalls = stallsCounted(client) - stallsBefore;
        for (const auto giveUp = Clock::now() + 3s;
             stalls == 0 && !complete && Clock::now() < giveUp;
             stalls = stallsCounted(client) - stallsBefore)
            std::this_thread::sleep_for(50ms);
        std::printf("RESULT scenario=slowdb-%s server=sluice status=%d complete=%d seconds=%.2f "
                    "body_lines=%lld stalls_counted=%lld temp_files_after=%lld probes=%d "
                    "probe_failures=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f probe_realtime=%d\n",
                    dataset, reply ? reply->status : 0, complete ? 1 : 0, took, qint64(rows),
                    stalls, qint64(tempUse(parser.value(tempDir)).files), health.probes,
                    health.failures, health.p50Ms, health.p99Ms, health.maxMs,
                    health.realtime ? 1 : 0);
        // `slow` must complete, `stalled` must not pretend to.
        if (complete != (qstrcmp(dataset, "slow") == 0))
            ++failures;
    }
    return failures == 0 ? 0 : 1;
}
