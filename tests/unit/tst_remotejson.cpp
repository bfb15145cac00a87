// The window's client reads back what the service writes: every value the
// live stream and the admin routes carry survives the round trip, and what
// is not such a value is refused rather than half read.
#include "remote/remotejson.h"
#include "remote/sseparser.h"
#include "service/adminroutes.h"

#include "jobs/jobjson.h"
#include "upload/resumableinfo.h"
#include "upload/uploadrecord.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;

class tst_RemoteJson : public QObject
{
    Q_OBJECT
private slots:
    void sampleRoundTrips();
    void sampleMissingFieldIsRefused();
    void jobRoundTrips();
    void jobWithResultPointsAtTheServer();
    void jobWithBadStateOrIdIsRefused();
    void uploadRoundTrips_data();
    void uploadRoundTrips();
    void uploadMissingOrBadFieldIsRefused_data();
    void uploadMissingOrBadFieldIsRefused();
    void resumableUploadRoundTrips_data();
    void resumableUploadRoundTrips();
    void resumableUploadMissingOrBadFieldIsRefused_data();
    void resumableUploadMissingOrBadFieldIsRefused();
    void transferRoundTrips();
    void statusRoundTrips();
    void historyRoundTrips();
    void limitsRoundTripAndUnknownOnesAreSkipped();
    void limitsOutOfRangeAreRefused();

    void sseSplitsAnywhere_data();
    void sseSplitsAnywhere();
    void sseHeartbeatMovesTheIdWithoutAnEvent();
    void sseRefusesAnEndlessLine();
};

namespace {

metrics::Sample busySample()
{
    metrics::Sample s;
    s.timeMs = 1'765'000'000'123;
    s.residentBytes = 123'456'789;
    s.openFds = 42;
    s.maxFds = 1024;
    s.cpuSeconds = 12.5;
    s.cpuFraction = 0.25;
    s.diskFreeBytes = 9'000'000'000;
    s.tempFiles = 3;
    s.tempBytes = 4096;
    s.resultFiles = 7;
    s.resultBytes = 1'000'000;
    s.connections = 12;
    s.requestsInFlight = 4;
    s.uploadsInFlight = 2;
    s.exportsInFlight = 1;
    s.requestsPerSecond = 31.5;
    s.bytesInPerSecond = 1e7;
    s.bytesOutPerSecond = 2.5e6;
    s.rowsPerSecond = 80'000;
    s.readPausesPerSecond = 1.5;
    s.writePausesPerSecond = 0.5;
    s.jobsByState = {{u"queued"_s, 5}, {u"running"_s, 2}, {u"failed"_s, 1}};
    s.jobsRunning = 2;
    s.oldestQueuedAgeMs = 12'345;
    s.longestRunningMs = 60'001;
    s.jobWaitP50Ms = 10;
    s.jobWaitP90Ms = 20;
    s.jobWaitP99Ms = 30;
    s.jobRunP50Ms = 100;
    s.jobRunP90Ms = 200;
    s.jobRunP99Ms = 300;
    s.requestsTotal = 99'999;
    s.rejectionsTotal = 17;
    s.cleanupsTotal = 4;
    s.rowsExportedTotal = 800'000;
    s.exportStallsTotal = 1;
    return s;
}

jobs::JobRecord failedJob()
{
    jobs::JobRecord j;
    j.id = u"AAAAAAAAAAAAAAAAAAAAAA"_s;
    j.kind = u"export"_s;
    j.owner = u"bob"_s;
    j.ownerId = u"acct-1"_s;
    j.state = jobs::JobState::Failed;
    j.attempts = 3;
    j.maxAttempts = 3;
    const QDateTime t = QDateTime::fromMSecsSinceEpoch(1'765'000'000'000, Qt::UTC);
    j.createdAt = t;
    j.queuedAt = t.addMSecs(1);
    j.startedAt = t.addMSecs(2);
    j.finishedAt = t.addMSecs(3);
    j.progressRows = 1000;
    j.progressBytes = 65536;
    j.progressFraction = 0.5;
    j.lastError = u"the dataset 'sales' is gone"_s;
    j.errorReason = u"error"_s;
    return j;
}

} // namespace

void tst_RemoteJson::sampleRoundTrips()
{
    const metrics::Sample s = busySample();
    const auto back = remote::sampleFromJson(s.toJson());
    QVERIFY(back);
    QCOMPARE(back->toJson(), s.toJson());
    QCOMPARE(back->timeMs, s.timeMs);
    QCOMPARE(back->oldestQueuedAgeMs, s.oldestQueuedAgeMs);
    QCOMPARE(back->series(), s.series());
    // A fresh service's sample, with "not available" values.
    const metrics::Sample empty;
    const auto emptyBack = remote::sampleFromJson(empty.toJson());
    QVERIFY(emptyBack);
    QCOMPARE(emptyBack->residentBytes, -1);
    QCOMPARE(emptyBack->toJson(), empty.toJson());
}

void tst_RemoteJson::sampleMissingFieldIsRefused()
{
    QJsonObject json = busySample().toJson();
    QJsonObject traffic = json.value(u"traffic"_s).toObject();
    traffic.insert(u"connections"_s, u"twelve"_s);
    json.insert(u"traffic"_s, traffic);
    QVERIFY(!remote::sampleFromJson(json));
    json = busySample().toJson();
    json.remove(u"time"_s);
    QVERIFY(!remote::sampleFromJson(json));
    QVERIFY(!remote::sampleFromJson({}));
}

void tst_RemoteJson::jobRoundTrips()
{
    const QUrl server(u"https://ops.example:8443"_s);
    const jobs::JobRecord job = failedJob();
    // As a list shows it (the stream and GET /jobs): no params, no attempt log.
    const auto back = remote::jobFromJson(jobs::toJson(job, false), server);
    QVERIFY(back);
    QCOMPARE(*back, job);
    // A queued one keeps its next attempt time; an unknown fraction stays unknown.
    jobs::JobRecord queued = job;
    queued.state = jobs::JobState::Queued;
    queued.notBefore = job.createdAt.addSecs(30);
    queued.progressFraction = -1;
    queued.finishedAt = {};
    queued.lastError.clear();
    queued.errorReason.clear();
    queued.params = QJsonObject {{u"dataset"_s, u"sales"_s}};
    queued.attemptLog = QJsonArray {QJsonObject {{u"attempt"_s, 1}}};
    const auto queuedBack = remote::jobFromJson(jobs::toJson(queued, true), server);
    QVERIFY(queuedBack);
    QCOMPARE(*queuedBack, queued);
}

namespace {

upload::UploadRecord csvUpload()
{
    upload::UploadRecord u;
    u.id = u"u0123456789abcdef0123456789abcdef"_s;
    u.accountId = u"Xk2aaaaaaaaaaaaaaaaaaa"_s;
    u.account = u"alice"_s;
    u.name = u"orders été.csv"_s;
    u.size = 5'000'000'123;
    u.sha256 = QByteArray(64, 'e');
    u.mime = u"text/csv"_s;
    u.createdAt = QDateTime(QDate(2026, 11, 26), QTime(10, 0, 1, 234), Qt::UTC);
    u.jobId = u"3Jq4aaaaaaaaaaaaaaaaaa"_s;
    u.processing = upload::ProcessingState::Done;
    u.outcome = QJsonObject {{u"rows"_s, 3}, {u"columns"_s, 3}, {u"sha256_verified"_s, true}};
    return u;
}

} // namespace

void tst_RemoteJson::uploadRoundTrips_data()
{
    QTest::addColumn<upload::UploadRecord>("record");
    QTest::newRow("csv done") << csvUpload();
    upload::UploadRecord image = csvUpload();
    image.mime = u"image/png"_s;
    image.outcome = QJsonObject {
        {u"width"_s, 640},
        {u"height"_s, 480},
        {u"thumbnail"_s, QJsonObject {{u"width"_s, 256}, {u"height"_s, 192}, {u"bytes"_s, 900}}}};
    QTest::newRow("image done") << image;
    upload::UploadRecord pending = csvUpload();
    pending.processing = upload::ProcessingState::Pending;
    pending.outcome = {};
    QTest::newRow("pending") << pending;
    upload::UploadRecord failed = csvUpload();
    failed.processing = upload::ProcessingState::Failed;
    failed.outcome = QJsonObject {{u"error"_s, u"not CSV: line 2 has 4 fields, not 3"_s}};
    QTest::newRow("failed") << failed;
    upload::UploadRecord notQueued = failed;
    notQueued.processing = upload::ProcessingState::NotQueued;
    notQueued.jobId.clear(); // "job": null
    QTest::newRow("not queued, no job") << notQueued;
}

void tst_RemoteJson::uploadRoundTrips()
{
    QFETCH(upload::UploadRecord, record);
    const auto back = remote::uploadFromJson(upload::toJson(record));
    QVERIFY(back);
    QCOMPARE(*back, record);
    // GET /uploads/{id} adds where a pending upload's job is: not a finding.
    QJsonObject withJob = upload::toJson(record);
    QJsonObject processing = withJob.value(u"processing"_s).toObject();
    processing.insert(u"job_state"_s, u"running"_s);
    withJob.insert(u"processing"_s, processing);
    const auto again = remote::uploadFromJson(withJob);
    QVERIFY(again);
    QCOMPARE(*again, record);
}

void tst_RemoteJson::uploadMissingOrBadFieldIsRefused_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value"); // undefined: removed
    QTest::newRow("no id") << u"id"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("bad id") << u"id"_s << QJsonValue(u"../etc"_s);
    QTest::newRow("no name") << u"name"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("size as text") << u"size"_s << QJsonValue(u"12"_s);
    QTest::newRow("negative size") << u"size"_s << QJsonValue(-1);
    QTest::newRow("bad time") << u"created_at"_s << QJsonValue(u"yesterday"_s);
    QTest::newRow("no processing") << u"processing"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("unknown state")
        << u"processing"_s << QJsonValue(QJsonObject {{u"state"_s, u"cooking"_s}});
}

void tst_RemoteJson::uploadMissingOrBadFieldIsRefused()
{
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QJsonObject json = upload::toJson(csvUpload());
    if (value.isUndefined())
        json.remove(key);
    else
        json.insert(key, value);
    QVERIFY(!remote::uploadFromJson(json));
}

namespace {

// What GET /files/ carries of an unfinished upload, and nothing else.
upload::ResumableInfo resumableUpload()
{
    upload::ResumableInfo u;
    u.id = u"u0123456789abcdef0123456789abcdef"_s;
    u.accountId = u"Xk2aaaaaaaaaaaaaaaaaaa"_s;
    u.account = u"alice"_s;
    u.name = u"backup été.tar"_s;
    u.offset = 1'048'576;
    u.length = 4'294'967'296;
    u.expires = QDateTime(QDate(2026, 12, 9), QTime(10, 0, 0, 125), Qt::UTC);
    return u;
}

} // namespace

void tst_RemoteJson::resumableUploadRoundTrips_data()
{
    QTest::addColumn<upload::ResumableInfo>("info");
    QTest::newRow("with length") << resumableUpload();
    upload::ResumableInfo deferred = resumableUpload();
    deferred.length.reset(); // "length": null
    QTest::newRow("deferred") << deferred;
    upload::ResumableInfo nothingYet = resumableUpload();
    nothingYet.offset = 0;
    nothingYet.name.clear(); // no filename in its metadata
    QTest::newRow("nothing received, no name") << nothingYet;
    upload::ResumableInfo partial = resumableUpload();
    partial.concat = upload::ResumableInfo::Concat::Partial;
    QTest::newRow("partial") << partial;
}

void tst_RemoteJson::resumableUploadRoundTrips()
{
    QFETCH(upload::ResumableInfo, info);
    const auto back = remote::resumableUploadFromJson(info.toApiJson());
    QVERIFY(back);
    QCOMPARE(*back, info);
    QCOMPARE(back->length.has_value(), info.length.has_value());
}

void tst_RemoteJson::resumableUploadMissingOrBadFieldIsRefused_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<QJsonValue>("value"); // undefined: removed
    QTest::newRow("no id") << u"id"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("bad id") << u"id"_s << QJsonValue(u"../etc"_s);
    QTest::newRow("no name") << u"name"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("no account") << u"account"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("offset as text") << u"offset"_s << QJsonValue(u"12"_s);
    QTest::newRow("negative offset") << u"offset"_s << QJsonValue(-1);
    QTest::newRow("offset past length") << u"offset"_s << QJsonValue(4'294'967'297.0);
    QTest::newRow("no length") << u"length"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("length as text") << u"length"_s << QJsonValue(u"100"_s);
    QTest::newRow("fractional length") << u"length"_s << QJsonValue(10.5);
    QTest::newRow("no expiry") << u"expires_at"_s << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("null expiry") << u"expires_at"_s << QJsonValue(QJsonValue::Null);
    QTest::newRow("bad expiry") << u"expires_at"_s << QJsonValue(u"tomorrow"_s);
    QTest::newRow("unknown concat") << u"concat"_s << QJsonValue(u"final"_s);
}

void tst_RemoteJson::resumableUploadMissingOrBadFieldIsRefused()
{
    QFETCH(QString, key);
    QFETCH(QJsonValue, value);
    QJsonObject json = resumableUpload().toApiJson();
    QVERIFY(remote::resumableUploadFromJson(json)); // as the service writes it
    if (value.isUndefined())
        json.remove(key);
    else
        json.insert(key, value);
    QVERIFY(!remote::resumableUploadFromJson(json));
}

void tst_RemoteJson::jobWithResultPointsAtTheServer()
{
    jobs::JobRecord job = failedJob();
    job.state = jobs::JobState::Succeeded;
    job.lastError.clear();
    job.errorReason.clear();
    job.resultPath = u"/var/lib/sluice/results/x.csv"_s;
    job.resultSize = 1234;
    job.resultName = u"sales.csv"_s;
    job.resultMime = u"text/csv"_s;
    job.resultExpiresAt = job.finishedAt.addDays(1);
    const auto back = remote::jobFromJson(jobs::toJson(job, false), QUrl(u"http://h:8080"_s));
    QVERIFY(back);
    QCOMPARE(back->resultPath, u"http://h:8080/jobs/%1/result"_s.arg(job.id));
    QCOMPARE(back->resultSize, 1234);
    QCOMPARE(back->resultName, job.resultName);
    QCOMPARE(back->resultMime, job.resultMime);
    QCOMPARE(back->resultExpiresAt, job.resultExpiresAt);
}

void tst_RemoteJson::jobWithBadStateOrIdIsRefused()
{
    const QUrl server(u"http://h:1"_s);
    QJsonObject json = jobs::toJson(failedJob(), false);
    json.insert(u"state"_s, u"exploded"_s);
    QVERIFY(!remote::jobFromJson(json, server));
    json = jobs::toJson(failedJob(), false);
    json.insert(u"id"_s, u"../../etc"_s);
    QVERIFY(!remote::jobFromJson(json, server));
    json = jobs::toJson(failedJob(), false);
    json.insert(u"created_at"_s, u"yesterday"_s);
    QVERIFY(!remote::jobFromJson(json, server));
}

void tst_RemoteJson::transferRoundTrips()
{
    http::Transfer t;
    t.connectionId = 77;
    t.requestId = 1234;
    t.client = u"10.0.0.5:50123"_s;
    t.method = u"PUT"_s;
    t.route = u"/uploads/{name}"_s;
    t.path = u"/uploads/big.bin"_s;
    t.account = u"bob"_s;
    t.phase = http::Transfer::Phase::Receiving;
    t.bytesIn = 1'000'000;
    t.totalIn = 4'000'000'000;
    t.bytesOut = 0;
    t.totalOut = -1;
    t.startedMs = 1'765'000'000'456;
    t.readPauses = 9;
    t.writePauses = 0;
    const auto back = remote::transferFromJson(service::toJson(t));
    QVERIFY(back);
    QCOMPARE(*back, t);
    QJsonObject bad = service::toJson(t);
    bad.insert(u"phase"_s, u"dancing"_s);
    QVERIFY(!remote::transferFromJson(bad));
}

void tst_RemoteJson::statusRoundTrips()
{
    // Every field, as Service::setStatus publishes it on the stream.
    service::ServiceStatus running;
    running.state = service::ServiceState::Running;
    running.listenAddress = u"127.0.0.1:8443"_s;
    running.tls = true;
    running.connections = 3;
    running.requestsInFlight = 1;
    running.requestsTotal = 12345;
    running.startedAt = QDateTime(QDate(2026, 12, 7), QTime(10, 0, 0, 250), Qt::UTC);
    running.ready = false;
    running.notReadyReason = u"the job queue is full"_s;
    running.version = u"0.1.0"_s;
    const auto s = remote::statusFromJson(service::toJson(running));
    QVERIFY(s);
    QCOMPARE(*s, running);
    // Paths on the server never travel (no answer names one).
    service::ServiceStatus withPaths = running;
    withPaths.dataDir = u"/var/lib/sluice"_s;
    withPaths.configFile = u"/etc/sluice/config.json"_s;
    const QJsonObject json = service::toJson(withPaths);
    QVERIFY(!QJsonDocument(json).toJson().contains("/var/lib/sluice"));
    QVERIFY(!QJsonDocument(json).toJson().contains("/etc/sluice"));

    service::ServiceStatus failed;
    failed.state = service::ServiceState::Failed;
    failed.error = u"port 80 is taken"_s;
    failed.ready = false;
    const auto f = remote::statusFromJson(service::toJson(failed));
    QVERIFY(f);
    QCOMPARE(*f, failed);
    QVERIFY(!f->startedAt.isValid());

    // What a service older than readiness in the status sends: read, not refused.
    const QJsonObject older {{u"state"_s, u"running"_s}, {u"listen"_s, u"127.0.0.1:8080"_s},
                             {u"connections"_s, 0},      {u"requests_in_flight"_s, 0},
                             {u"requests_total"_s, 0},   {u"started"_s, u"2026-12-07T10:00:00Z"_s}};
    const auto o = remote::statusFromJson(older);
    QVERIFY(o);
    QVERIFY(!o->ready);
    QVERIFY(o->version.isEmpty());

    QJsonObject unknown = service::toJson(failed);
    unknown.insert(u"state"_s, u"asleep"_s);
    QVERIFY(!remote::statusFromJson(unknown));
}

void tst_RemoteJson::historyRoundTrips()
{
    service::HistorySnapshot history;
    metrics::SeriesSnapshot rss;
    rss.points = {{1'765'000'000'000, 1.5e8}, {1'765'000'001'000, 1.6e8}};
    rss.minutes = {{1'764'999'940'000, 1e8, 1.2e8, 1.7e8, 60}};
    history.insert(u"resident_bytes"_s, rss);
    history.insert(u"connections"_s, {});
    const auto back = remote::historyFromJson(service::historyJson(history, 1'765'000'002'000));
    QVERIFY(back);
    QCOMPARE(back->keys().size(), 2);
    QCOMPARE(back->value(u"resident_bytes"_s).points, rss.points);
    QCOMPARE(back->value(u"resident_bytes"_s).minutes, rss.minutes);
    QVERIFY(back->value(u"connections"_s).points.isEmpty());
    QVERIFY(!remote::historyFromJson(QJsonObject {{u"series"_s, 3}}));
}

void tst_RemoteJson::limitsRoundTripAndUnknownOnesAreSkipped()
{
    config::Limits limits;
    limits.maxUploadBytes = 123 * 1024 * 1024;
    limits.maxStreams = 5;
    QJsonObject json = service::limitsJson(limits);
    QJsonArray list = json.value(u"limits"_s).toArray();
    list.append(QJsonObject {{u"name"_s, u"max_from_the_future"_s}, {u"value"_s, 1}});
    json.insert(u"limits"_s, list);
    const auto back = remote::limitsFromJson(json);
    QVERIFY2(back, back ? "" : qPrintable(back.error().message));
    QCOMPARE(back->toJson(), limits.toJson());
}

void tst_RemoteJson::limitsOutOfRangeAreRefused()
{
    QJsonObject json = service::limitsJson({});
    QJsonArray list = json.value(u"limits"_s).toArray();
    QJsonObject first = list.at(0).toObject();
    first.insert(u"value"_s, -5);
    list.replace(0, first);
    json.insert(u"limits"_s, list);
    const auto back = remote::limitsFromJson(json);
    QVERIFY(!back);
    QVERIFY2(back.error().message.contains(first.value(u"name"_s).toString()),
             qPrintable(back.error().message));
    QVERIFY(!remote::limitsFromJson({}));
}

void tst_RemoteJson::sseSplitsAnywhere_data()
{
    QTest::addColumn<QByteArray>("newline");
    QTest::newRow("LF") << QByteArray("\n");
    QTest::newRow("CRLF") << QByteArray("\r\n");
    QTest::newRow("CR") << QByteArray("\r");
}

void tst_RemoteJson::sseSplitsAnywhere()
{
    QFETCH(QByteArray, newline);
    QByteArray stream = "retry: 3000\n\nid: E-1\nevent: status\ndata: {\"a\":1}\n\n"
                        ": heartbeat\n\n"
                        "id: E-2\nevent: jobs\ndata: line one\ndata:line two\n\n"
                        "data: no name\n\n";
    stream.replace("\n", newline);
    // Every split point, including inside a CRLF.
    for (qsizetype cut = 0; cut <= stream.size(); ++cut) {
        QList<remote::SseParser::Event> events;
        remote::SseParser parser([&](const remote::SseParser::Event &e) { events.append(e); });
        QVERIFY(parser.feed(stream.left(cut)));
        QVERIFY(parser.feed(stream.mid(cut)));
        QCOMPARE(events.size(), 3);
        QCOMPARE(events.at(0).name, "status");
        QCOMPARE(events.at(0).data, "{\"a\":1}");
        QCOMPARE(events.at(0).id, "E-1");
        QCOMPARE(events.at(1).name, "jobs");
        QCOMPARE(events.at(1).data, "line one\nline two");
        QCOMPARE(events.at(1).id, "E-2");
        QCOMPARE(events.at(2).name, "message");
        QCOMPARE(events.at(2).id, "E-2");
        QCOMPARE(parser.retryMs(), 3000);
    }
}

void tst_RemoteJson::sseHeartbeatMovesTheIdWithoutAnEvent()
{
    int events = 0;
    remote::SseParser parser([&](const remote::SseParser::Event &) { ++events; });
    QVERIFY(parser.feed(": heartbeat\nid: E-41\n\n"));
    QCOMPARE(events, 0);
    QCOMPARE(parser.lastEventId(), "E-41");
}

void tst_RemoteJson::sseRefusesAnEndlessLine()
{
    remote::SseParser parser([](const remote::SseParser::Event &) {}, 1024);
    QVERIFY(parser.feed("data: " + QByteArray(1000, 'x')));
    QVERIFY(!parser.feed(QByteArray(100, 'x')));
    remote::SseParser manyLines([](const remote::SseParser::Event &) {}, 1024);
    bool ok = true;
    for (int i = 0; i < 100 && ok; ++i)
        ok = manyLines.feed("data: 0123456789abcdef\n");
    QVERIFY(!ok);
}

QTEST_GUILESS_MAIN(tst_RemoteJson)
#include "tst_remotejson.moc"
