// Observability against the real service: /metrics passes promtool and moves
// with traffic, samples reach the facade, queue figures follow jobs, and
// /readyz flips at the disk watermark.
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

struct Fixture
{
    QTemporaryDir dir;
    QString configPath;
    std::unique_ptr<service::Service> service;
    quint16 port = 0;
    QString token; // the first run's admin
    QString alice, bob; // plain accounts
    QString scraper; // metrics-only

    explicit Fixture(config::Limits limits = {})
    {
        configPath = dir.filePath(u"config.json"_s);
        auto loaded = config::loadOrCreate(configPath);
        loaded->config.datasets.clear(); // no demo database to generate here
        loaded->config.limits = limits;
        alice = *loaded->config.addToken(u"alice"_s, false);
        bob = *loaded->config.addToken(u"bob"_s, false);
        scraper = *loaded->config.addToken(u"prometheus"_s, false, true);
        loaded->config.save(configPath);
        token = *loaded->firstRunToken;
        service = std::make_unique<service::Service>(
            service::Service::Options {dir.path(), configPath,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }
    Reply get(const QByteArray &path, bool auth = true)
    {
        return request(port, test::get(path, auth ? bearer(token) : QByteArray()));
    }
    Reply getAs(const QString &who, const QByteArray &path)
    {
        return request(port, test::get(path, bearer(who)));
    }
    Reply post(const QByteArray &path, const QByteArray &body)
    {
        return request(port,
                       "POST " + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(token)
                           + "Content-Type: application/json\r\nContent-Length: "
                           + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    }
    void setLimits(const config::Limits &limits)
    {
        auto cfg = config::Config::load(configPath);
        cfg->limits = limits;
        QVERIFY(cfg->save(configPath));
    }
};

// promtool from Debian's prometheus package; packaging/install-deps.sh installs it.
QString promtoolCheck(const QByteArray &text)
{
    QProcess p;
    p.start(u"promtool"_s, {u"check"_s, u"metrics"_s});
    if (!p.waitForStarted(5000))
        return u"promtool is not installed (packaging/install-deps.sh installs it)"_s;
    p.write(text);
    p.closeWriteChannel();
    p.waitForFinished(20'000);
    if (p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
        return QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError());
    return {};
}

} // namespace

class tst_Metrics : public QObject
{
    Q_OBJECT
private slots:
    void exposition();
    void metricsAreForAdminsAndScrapeAccounts();
    void statusShowsAnAccountItsOwnFigures();
    void samplesReachTheFacade();
    void queueFiguresFollowJobs();
    void readinessFlipsAtDiskWatermark();
    void eventsAreRecordedAndLogged();
};

void tst_Metrics::exposition()
{
    Fixture f;
    QCOMPARE(f.get("/metrics", false).status, 401);
    for (int i = 0; i < 3; ++i)
        QCOMPARE(f.get("/healthz", false).status, 200);
    QCOMPARE(request(f.port, "GET /x HTTP/1.1\r\nHost : t\r\n\r\n").status, 400);
    const Reply r = f.get("/metrics");
    QCOMPARE(r.status, 200);
    QVERIFY(r.header("content-type").startsWith("text/plain; version=0.0.4"));
    const QString problems = promtoolCheck(r.body);
    QVERIFY2(problems.isEmpty(), qPrintable(problems + u"\n"_s + QString::fromUtf8(r.body)));
    for (const char *name :
         {"process_resident_memory_bytes", "process_open_fds", "process_max_fds",
          "process_start_time_seconds", "sluice_temp_files", "sluice_result_bytes",
          "sluice_connections", "sluice_jobs{state=\"queued\"}"}) {
        QVERIFY2(metricValue(r.body, name) >= 0, name);
    }
    QCOMPARE(
        metricValue(r.body,
                    R"(sluice_http_requests_total{method="GET",route="/healthz",status="200"})"),
        3.0);
    QCOMPARE(metricValue(r.body, R"(sluice_rejections_total{reason="malformed"})"), 1.0);
    QVERIFY(metricValue(r.body, "sluice_received_bytes_total") > 0);
    QVERIFY2(
        r.body.contains(
            R"(sluice_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 3)"),
        r.body.constData());
}

// Issue 18, finding 8: the figures of /metrics are everyone's. An admin or
// a metrics-only account reads them; a plain account gets 403; a
// metrics-only token reads nothing else.
void tst_Metrics::metricsAreForAdminsAndScrapeAccounts()
{
    Fixture f;
    QCOMPARE(f.get("/metrics").status, 200);
    const Reply scraped = f.getAs(f.scraper, "/metrics");
    QCOMPARE(scraped.status, 200);
    QVERIFY(scraped.header("content-type").startsWith("text/plain; version=0.0.4"));
    QVERIFY(metricValue(scraped.body, "process_open_fds") > 0);
    QCOMPARE(request(f.port, test::get("/metrics", "Authorization: Bearer sluice_nope\r\n")).status,
             401);

    const Reply plain = f.getAs(f.alice, "/metrics");
    QCOMPARE(plain.status, 403);
    QVERIFY2(plain.body.contains("metrics-only"), plain.body.constData());
    QVERIFY(!plain.body.contains("process_"));

    for (const QByteArray &path : {"/api/status"_ba, "/jobs"_ba, "/uploads/x"_ba,
                                   "/exports/orders.csv?from=2025-01-01&to=2025-01-01"_ba}) {
        const Reply r = f.getAs(f.scraper, path);
        QVERIFY2(r.status == 403, path.constData());
        QVERIFY2(r.body.contains("metrics-only"), r.body.constData());
    }
    const QByteArray body = R"({"kind":"selftest","params":{"steps":1}})";
    QCOMPARE(request(f.port,
                     "POST /jobs HTTP/1.1\r\nHost: t\r\n" + bearer(f.scraper)
                         + "Content-Type: application/json\r\nContent-Length: "
                         + QByteArray::number(body.size()) + "\r\n\r\n" + body)
                 .status,
             403);
    QCOMPARE(request(f.port,
                     "PUT /uploads/a.csv HTTP/1.1\r\nHost: t\r\n" + bearer(f.scraper)
                         + "Content-Length: 4\r\n\r\na,b\n")
                 .status,
             403);
}

// Issue 18, finding 8: a plain account's /api/status holds its own figures
// only; what counts every account's work is for admins.
void tst_Metrics::statusShowsAnAccountItsOwnFigures()
{
    Fixture f;
    // Bob's upload stays in flight: head and half of the body sent.
    RawClient bobUpload(f.port);
    bobUpload.send("PUT /uploads/held.csv HTTP/1.1\r\nHost: t\r\n" + bearer(f.bob)
                   + "Content-Type: text/csv\r\nContent-Length: 100\r\n\r\nid,name\r\n");
    const auto status = [&](const QString &who) {
        const Reply r = f.getAs(who, "/api/status");
        return r.status == 200 ? QJsonDocument::fromJson(r.body).object() : QJsonObject();
    };
    QVERIFY(QTest::qWaitFor(
        [&] { return status(f.bob).value(u"uploads_in_flight"_s).toInt() == 1; }, 5000));

    const QJsonObject bob = status(f.bob);
    QCOMPARE(bob.value(u"account"_s).toString(), u"bob"_s);
    QCOMPARE(bob.value(u"admin"_s).toBool(), false);
    QCOMPARE(bob.value(u"requests_in_flight"_s).toInt(), 2); // the upload and this request
    QCOMPARE(bob.value(u"exports_in_flight"_s).toInt(), 0);

    const QJsonObject alice = status(f.alice);
    QCOMPARE(alice.value(u"account"_s).toString(), u"alice"_s);
    QCOMPARE(alice.value(u"requests_in_flight"_s).toInt(), 1); // only this one: not bob's
    QCOMPARE(alice.value(u"uploads_in_flight"_s).toInt(), 0);
    QVERIFY(alice.value(u"ready"_s).isBool());
    QVERIFY(!alice.value(u"version"_s).toString().isEmpty());
    for (const QString &everyones :
         {u"sample"_s, u"connections"_s, u"requests_total"_s, u"listen"_s})
        QVERIFY2(!alice.contains(everyones) && !bob.contains(everyones), qPrintable(everyones));

    const QJsonObject admin = status(f.token);
    QCOMPARE(admin.value(u"admin"_s).toBool(), true);
    QVERIFY(admin.value(u"requests_in_flight"_s).toInt() >= 2);
    QVERIFY(admin.value(u"connections"_s).toInt() >= 2);
    QVERIFY(admin.contains(u"sample"_s));
    QVERIFY(admin.contains(u"requests_total"_s));
}

void tst_Metrics::samplesReachTheFacade()
{
    config::Limits limits;
    limits.metricsIntervalMs = 100;
    Fixture f(limits);
    QSignalSpy spy(f.service.get(), &service::ServiceFacade::metricsSampled);
    QVERIFY(spy.wait(5000));
    const metrics::Sample s = spy.last().at(0).value<metrics::Sample>();
    QVERIFY(s.residentBytes > 0);
    QVERIFY(s.openFds > 0);
    QCOMPARE(f.service->latestSample().timeMs, s.timeMs);
    const QJsonObject status = QJsonDocument::fromJson(f.get("/api/status").body).object();
    QVERIFY(status.value(u"sample"_s)
                .toObject()
                .value(u"process"_s)
                .toObject()
                .value(u"resident_bytes"_s)
                .toDouble()
            > 0);
}

void tst_Metrics::queueFiguresFollowJobs()
{
    config::Limits limits;
    limits.metricsIntervalMs = 100;
    limits.maxActiveJobs = 1;
    Fixture f(limits);
    const QByteArray slow = R"({"kind":"selftest","params":{"steps":1000,"step_ms":10}})";
    QCOMPARE(f.post("/jobs", slow).status, 202);
    QCOMPARE(f.post("/jobs", slow).status, 202);
    QCOMPARE(f.post("/jobs", slow).status, 202);
    QTRY_VERIFY_WITH_TIMEOUT(f.service->latestSample().jobsByState.value(u"queued"_s) == 2
                                 && f.service->latestSample().jobsRunning == 1,
                             10000);
    QTRY_VERIFY_WITH_TIMEOUT(f.service->latestSample().oldestQueuedAgeMs >= 300, 10000);
    QVERIFY(f.service->latestSample().longestRunningMs >= 300);
    QVERIFY(f.service->latestSample().tempFiles >= 1); // the running attempt's partial file
    const Reply m = f.get("/metrics");
    QCOMPARE(metricValue(m.body, R"(sluice_jobs{state="queued"})"), 2.0);
    QVERIFY(metricValue(m.body, "sluice_job_oldest_queued_age_seconds") >= 0.3);
}

void tst_Metrics::readinessFlipsAtDiskWatermark()
{
    config::Limits limits;
    limits.minFreeDiskBytes = 0;
    Fixture f(limits);
    QTRY_COMPARE(f.get("/readyz", false).status, 200);
    limits.minFreeDiskBytes = 1024LL * 1024 * 1024 * 1024; // 1 TiB: more than this disk has free
    f.setLimits(limits);
    QTRY_COMPARE(f.get("/readyz", false).status, 503);
    const Reply r = f.get("/readyz", false);
    QVERIFY(r.body.contains("min_free_disk_bytes"));
    QCOMPARE(f.get("/healthz", false).status, 200); // liveness is not readiness
    limits.minFreeDiskBytes = 0;
    f.setLimits(limits);
    QTRY_COMPARE(f.get("/readyz", false).status, 200);
}

void tst_Metrics::eventsAreRecordedAndLogged()
{
    config::Limits limits;
    limits.headerDeadlineMs = 300;
    limits.resultTtlMs = 1000;
    limits.expirySweepIntervalMs = 100;
    Fixture f(limits);
    QSignalSpy spy(f.service.get(), &service::ServiceFacade::eventRecorded);

    QCOMPARE(request(f.port, "GET / HTTP/1.1\r\nHost : t\r\n\r\n").status, 400); // rejected
    {
        RawClient slow(f.port);
        slow.send("GET /healthz HTTP/1.1\r\n");
        QCOMPARE(slow.read().status, 408); // timeout
    }
    const auto submit = [&](const QByteArray &params) {
        const Reply r = f.post("/jobs", R"({"kind":"selftest","params":)" + params + "}");
        return QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString().toLatin1();
    };
    const QByteArray running = submit(R"({"steps":1000,"step_ms":10})");
    QTRY_COMPARE(QJsonDocument::fromJson(f.get("/jobs/" + running).body)
                     .object()
                     .value(u"state"_s)
                     .toString(),
                 u"running"_s);
    QCOMPARE(f.post("/jobs/" + running + "/cancel", {}).status, 200); // cancel
    // Retry answers 409 until the cancelled attempt has returned (a 409 changes nothing).
    int retried = 0;
    QVERIFY(QTest::qWaitFor(
        [&] { return (retried = f.post("/jobs/" + running + "/retry", {}).status) != 409; }));
    QCOMPARE(retried, 200); // retry
    QCOMPARE(f.post("/jobs/" + running + "/cancel", {}).status, 200);
    const QByteArray quick = submit(R"({"steps":1,"step_ms":0})");
    QTRY_COMPARE(
        QJsonDocument::fromJson(f.get("/jobs/" + quick).body).object().value(u"state"_s).toString(),
        u"expired"_s);
    limits.headerDeadlineMs = 5000;
    f.setLimits(limits); // limits_changed

    const auto kinds = [&] {
        QSet<QString> k;
        for (const metrics::Event &e : f.service->recentEvents())
            k.insert(e.kind);
        return k;
    };
    for (const QString &kind :
         {u"rejected"_s, u"timeout"_s, u"cancel"_s, u"retry"_s, u"expire"_s, u"limits_changed"_s})
        QTRY_VERIFY2(kinds().contains(kind), qPrintable(kind));
    QVERIFY(!spy.isEmpty());
    const metrics::Event rejected = f.service->recentEvents().first();
    QCOMPARE(rejected.kind, u"rejected"_s);
    QVERIFY(rejected.detail.contains(u"400"_s));
    QCOMPARE(rejected.peer, u"127.0.0.1"_s);

    f.service->eventLog()->flush();
    QFile log(f.service->eventLog()->currentFile());
    QVERIFY(log.open(QIODevice::ReadOnly));
    int lines = 0;
    for (const QByteArray &line : log.readAll().split('\n')) {
        if (line.isEmpty())
            continue;
        QVERIFY2(metrics::Event::fromJson(QJsonDocument::fromJson(line).object()).has_value(),
                 line.constData());
        ++lines;
    }
    QVERIFY(lines >= 6);
}

QTEST_GUILESS_MAIN(tst_Metrics)
#include "tst_metrics.moc"
