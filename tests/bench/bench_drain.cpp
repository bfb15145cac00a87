// Scenario 6 of issue 8: two large export jobs while an upload is still open,
// then everything is cancelled. Does memory fall back, does temp disk use
// return to zero, does the queue empty, and how long does that take? Runs
// against a running sluiced with the demo dataset (tests/bench/run-drain.sh).
// Not a test: it prints one RESULT line.
#include "loopbackclient.h"
#include "rsswatch.h"
#include "tempfolder.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <cstdio>
#include <thread>
#include <unistd.h>

using namespace sluice::bench;
using namespace std::chrono_literals;

namespace {

double seconds(Clock::duration d)
{
    return std::chrono::duration<double>(d).count();
}

QJsonObject json(const std::optional<HttpReply> &reply)
{
    return reply ? QJsonDocument::fromJson(reply->body).object() : QJsonObject();
}

// Jobs queued or running, over the admin's view of every job.
int activeJobs(const LoopbackClient &client)
{
    int active = 0;
    for (const char *state : {"queued", "running"}) {
        const auto reply = client.request("GET", QByteArray("/jobs?limit=1&state=") + state);
        active += json(reply).value(QLatin1String("total")).toInt();
    }
    return active;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Server port."),
                                  QStringLiteral("port"));
    const QCommandLineOption pid(QStringLiteral("pid"), QStringLiteral("Server process id."),
                                 QStringLiteral("pid"));
    const QCommandLineOption token(QStringLiteral("token"), QStringLiteral("Admin bearer token."),
                                   QStringLiteral("token"));
    const QCommandLineOption tempDir(QStringLiteral("temp-dir"),
                                     QStringLiteral("The server's temp folder."),
                                     QStringLiteral("path"));
    parser.addOptions({port, pid, token, tempDir});
    parser.process(app);
    const LoopbackClient client(quint16(parser.value(port).toUInt()),
                                parser.value(token).toLatin1());
    const QString temp = parser.value(tempDir);
    RssWatch watch(pid_t(parser.value(pid).toInt()));

    const QByteArray exportBody
        = R"({"dataset":"orders","from":"2025-01-01","to":"2026-06-30","format":"csv.gz"})";
    // The demo database is generated at first start: 503 until it is there.
    const auto readyBy = Clock::now() + 120s;
    while (Clock::now() < readyBy) {
        const auto probe
            = client.request("GET", "/exports/orders.csv?from=2025-01-01&to=2025-01-01");
        if (probe && probe->status == 200)
            break;
        std::this_thread::sleep_for(200ms);
    }
    std::this_thread::sleep_for(2s); // let the generator's page cache settle
    const long idleKiB = watch.currentKiB();
    const TempUse idleTemp = tempUse(temp);
    watch.start(20ms);

    // An upload that has sent 64 MiB of a declared 1 GiB and then waits.
    const int upload
        = client.putPartial("/uploads/open.csv", 1024LL * 1024 * 1024, 64LL * 1024 * 1024);
    QList<QByteArray> jobs;
    for (int i = 0; i < 2; ++i) {
        const auto reply = client.request("POST", "/exports", exportBody, 30s, "application/json");
        const QString id = json(reply).value(QLatin1String("id")).toString();
        if (!reply || reply->status != 202 || id.isEmpty()) {
            std::fprintf(stderr, "bench_drain: export not accepted: %s\n",
                         reply ? reply->body.constData() : "no answer");
            return 1;
        }
        jobs.append(id.toLatin1());
    }
    // Both running with some rows written.
    const auto runningBy = Clock::now() + 30s;
    int running = 0;
    while (Clock::now() < runningBy && running < 2) {
        running = 0;
        for (const QByteArray &id : jobs) {
            const QJsonObject job = json(client.request("GET", "/jobs/" + id));
            const qint64 rows = job.value(QLatin1String("progress"))
                                    .toObject()
                                    .value(QLatin1String("rows"))
                                    .toInteger();
            if (job.value(QLatin1String("state")).toString() == QLatin1String("running")
                && rows > 50'000)
                ++running;
        }
        std::this_thread::sleep_for(20ms);
    }
    const TempUse busyTemp = tempUse(temp);
    const long busyKiB = watch.currentKiB();

    // Cancel everything: both jobs, and the upload's connection.
    const auto cancelled = Clock::now();
    for (const QByteArray &id : jobs)
        client.request("POST", "/jobs/" + id + "/cancel");
    if (upload >= 0)
        ::close(upload);
    double tempZeroS = -1;
    double queueZeroS = -1;
    while (Clock::now() < cancelled + 30s && (tempZeroS < 0 || queueZeroS < 0)) {
        if (tempZeroS < 0 && tempUse(temp).files <= idleTemp.files)
            tempZeroS = seconds(Clock::now() - cancelled);
        if (queueZeroS < 0 && activeJobs(client) == 0)
            queueZeroS = seconds(Clock::now() - cancelled);
        std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(2s);
    watch.stop();
    const long peakKiB = watch.peakKiB(cancelled - 60s, cancelled);
    const long afterKiB = watch.currentKiB();
    const TempUse afterTemp = tempUse(temp);
    std::printf("RESULT scenario=drain server=sluice jobs_running=%d upload_open=%d "
                "temp_files_busy=%lld temp_mib_busy=%.1f rss_growth_busy_mib=%.1f "
                "rss_growth_peak_mib=%.1f temp_files_zero_after_s=%.2f queue_zero_after_s=%.2f "
                "temp_files_after=%lld rss_growth_after_mib=%.1f active_jobs_after=%d\n",
                running, upload >= 0 ? 1 : 0, qint64(busyTemp.files - idleTemp.files),
                double(busyTemp.bytes - idleTemp.bytes) / 1048576.0,
                double(busyKiB - idleKiB) / 1024, double(peakKiB - idleKiB) / 1024, tempZeroS,
                queueZeroS, qint64(afterTemp.files - idleTemp.files),
                double(afterKiB - idleKiB) / 1024, activeJobs(client));
    return running == 2 && afterTemp.files <= idleTemp.files ? 0 : 1;
}
