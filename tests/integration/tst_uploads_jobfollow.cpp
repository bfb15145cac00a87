// Review of d1818aa ("Upload processing state follows its job"): cases in
// which an upload's processing state does not follow its job. Each test
// fails against d1818aa; see the comment above each one.
#include "uploadtesting.h"

#include "jobs/jobengine.h"
#include "upload/uploadstore.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSemaphore>
#include <QTest>

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

// Like ThreadHold, but queued without waiting for the thread to enter it:
// whatever is queued to that thread before it still runs first.
class QueuedHold
{
public:
    // thenSendPosted: once released, the held thread handles what was queued
    // to `object` meanwhile before its timers can fire.
    // firstSendPosted: before it holds, the thread handles what was queued to
    // `object` by the calls before it (the engine's queued schedule()).
    explicit QueuedHold(QObject *object, bool thenSendPosted = false, bool firstSendPosted = false)
        : m_state(std::make_shared<State>())
    {
        QMetaObject::invokeMethod(object,
                                  [state = m_state, object, thenSendPosted, firstSendPosted] {
                                      if (firstSendPosted)
                                          QCoreApplication::sendPostedEvents(object);
                                      state->entered.release();
                                      state->released.acquire();
                                      if (thenSendPosted)
                                          QCoreApplication::sendPostedEvents(object);
                                  });
    }
    ~QueuedHold() { release(); }
    bool waitEntered(int ms) { return m_state->entered.tryAcquire(1, ms); }
    void release()
    {
        if (!std::exchange(m_done, true))
            m_state->released.release();
    }

private:
    struct State
    {
        QSemaphore entered;
        QSemaphore released;
    };
    std::shared_ptr<State> m_state;
    bool m_done = false;
};

// A service on f's data dir again (the config file keeps the tokens and limits).
void startAgain(UploadFixture &f)
{
    const QString path = f.dataDir + u"/config.json"_s;
    auto loaded = config::loadOrCreate(path);
    QVERIFY(loaded);
    f.service = std::make_unique<service::Service>(
        service::Service::Options {f.dataDir, path,
                                   service::ListenAddress {QHostAddress::LocalHost, 0}},
        *loaded);
    f.service->start();
    QTRY_VERIFY(f.service->status().state == service::ServiceState::Running);
    f.port = quint16(f.service->status().listenAddress.section(u':', -1).toUInt());
}

QString jobState(UploadFixture &f, const QByteArray &job)
{
    return f.json(f.call("GET", "/jobs/" + job, f.admin)).value(u"state"_s).toString();
}

// Stores `body` as `name` while the engine is held, changes the stored file
// (same size) before the engine takes the job, and waits for the job to
// fail on the changed hash. Returns {upload id, job id}.
std::pair<QString, QByteArray> uploadWhoseJobFails(UploadFixture &f, const QByteArray &name,
                                                   const QByteArray &body)
{
    std::optional<ThreadHold> engine(std::in_place, f.service->jobEngine());
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/" + name, f.alice,
                       "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                + body);
    QString id;
    const bool stored = QTest::qWaitFor(
        [&] {
            const QStringList files = QDir(f.dataDir + u"/uploads"_s).entryList(QDir::Files);
            id = files.isEmpty() ? QString() : files.first();
            return !id.isEmpty() && !uploadRow(f.dataDir, id).isEmpty();
        },
        10'000);
    if (!stored)
        return {};
    {
        QFile file(f.dataDir + u"/uploads/"_s + id);
        if (!file.open(QIODevice::ReadWrite))
            return {};
        file.seek(body.size() - 3);
        file.write("9"); // "...\r\n" stays; one digit changes
    }
    engine.reset();
    const Reply r = client.read(10'000);
    if (r.status != 201)
        return {};
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    if (!QTest::qWaitFor([&] { return f.processing(id) == u"failed"_s; }, 10'000))
        return {};
    return {id, job};
}

bool restoreStoredFile(UploadFixture &f, const QString &id, const QByteArray &body)
{
    QFile file(f.dataDir + u"/uploads/"_s + id);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(body) == body.size();
}

} // namespace

class tst_UploadsJobFollow : public QObject
{
    Q_OBJECT

private slots:
    void verdictRecordedAtShutdownIsFollowedAfterItsResultExpired();
    void retriedJobDeletedInTheSameBatchLeavesNoStaleVerdict();
    void retriedUploadShowsNoErrorOfTheEarlierAttempt();
    void cancelledJobsLateFindingsDoNotReplaceTheVerdict();
    void jobCancelledAndDeletedInTheSameBatchIsNotQueuedAgain();
    void thumbnailIsServedOnlyOnceProcessingIsDone();
};

// Finding 1. The store shuts down before the engine: a job that the engine
// records as succeeded during its own shutdown (or in the last 250 ms
// before it, or before a kill -9) reaches the upload only through
// catchUpWithJobs() at the next start. If the job's result has expired by
// then (result_ttl_ms, default one day; or evicted over max_result_bytes),
// the engine's start-up sweep has made the job "expired", followJob()
// ignores that state (processingFor() -> nullopt), and the upload stays
// "pending" for ever although its job succeeded and its findings are in the
// row. The same happens at run time when a job's "succeeded" and "expired"
// are coalesced into one jobsChanged batch.
void tst_UploadsJobFollow::verdictRecordedAtShutdownIsFollowedAfterItsResultExpired()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.resultTtlMs = 1000; // the minimum: a restart a day later with the default
    UploadFixture f(limits);
    const QByteArray csv = bigCsv(24 * 1024 * 1024); // processing takes a while
    const Reply r = f.put("big.csv", csv, f.alice);
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QString state;
    QVERIFY(QTest::qWaitFor(
        [&] {
            state = jobState(f, job);
            return state != u"queued"_s;
        },
        10'000));
    QCOMPARE(state, u"running"_s);

    // The engine is held while the job finishes its work (its findings are
    // recorded); its outcome waits for the engine.
    ThreadHold engine(f.service->jobEngine());
    QVERIFY(QTest::qWaitFor(
        [&] { return uploadRow(f.dataDir, id).value(u"outcome"_s).toObject().contains(u"rows"_s); },
        15'000));
    QTest::qWait(300); // the worker returns

    // Shutdown: the store closes first; the engine is released 2 s later and
    // records the job as succeeded before its own shutdown.
    std::thread releaser([&engine] {
        std::this_thread::sleep_for(std::chrono::seconds(2));
        engine.release();
    });
    f.service.reset();
    releaser.join();
    QJsonObject row = uploadRow(f.dataDir, id);
    QCOMPARE(row.value(u"processing"_s).toString(), u"pending"_s);
    QCOMPARE(row.value(u"job"_s).toString(), QString::fromLatin1(job));

    QTest::qWait(1500); // longer than result_ttl_ms: the service was down for a while
    startAgain(f);
    QCOMPARE(jobState(f, job), u"expired"_s); // it succeeded, then its result expired
    // Its job succeeded and its findings are recorded: the upload is done.
    QTRY_COMPARE_WITH_TIMEOUT(f.processing(id), u"done"_s, 5000);
}

// Finding 2. A failed upload's job is retried, succeeds, and is deleted
// within one jobsChanged batch (250 ms): a client that polls GET /jobs/{id}
// and deletes the job once it succeeded does that easily. The batch carries
// only "removed"; followJobs() looks for *pending* uploads of removed jobs,
// and this upload never went back to pending, so it stays "failed" for ever
// (with the new attempt's findings and no error), although its job
// succeeded, and its job is gone, so it cannot be retried either.
void tst_UploadsJobFollow::retriedJobDeletedInTheSameBatchLeavesNoStaleVerdict()
{
    UploadFixture f;
    const QByteArray csv = "a,b\r\n1,2\r\n3,4\r\n";
    const auto [id, job] = uploadWhoseJobFails(f, "small.csv", csv);
    QVERIFY(!id.isEmpty());
    QVERIFY(f.upload(id, f.alice)
                .value(u"processing"_s)
                .toObject()
                .value(u"error"_s)
                .toString()
                .contains(u"SHA-256"_s));
    QVERIFY(restoreStoredFile(f, id, csv)); // the file is right again: retry

    // The retry, the attempt and the delete all fall within one batch: the
    // engine is held from before the retry is handled, and again right
    // after (no 250 ms flush between them).
    std::optional<ThreadHold> first(std::in_place, f.service->jobEngine());
    RawClient retry(f.port);
    retry.send(f.head("POST", "/jobs/" + job + "/retry", f.alice, {}));
    QTest::qWait(300); // the HTTP thread has queued the retry to the engine
    // Released, it handles the attempt's outcome and the delete queued
    // meanwhile at once (otherwise the overdue 250 ms flush would come
    // first: Qt handles events posted during a batch of events after timers).
    QueuedHold second(f.service->jobEngine(), true);
    first.reset();
    QVERIFY(second.waitEntered(10'000));
    QCOMPARE(retry.read(10'000).status, 200);
    QVERIFY(QTest::qWaitFor(
        [&] { return uploadRow(f.dataDir, id).value(u"outcome"_s).toObject().contains(u"rows"_s); },
        10'000));
    QTest::qWait(300); // the worker returns; its outcome is queued to the engine
    RawClient remove(f.port);
    remove.send(f.head("DELETE", "/jobs/" + job, f.alice, {}));
    QTest::qWait(300); // queued to the engine behind the outcome
    second.release();
    QCOMPARE(remove.read(10'000).status, 204);

    // Its job succeeded: the upload is done (or processed again), not failed.
    QTRY_COMPARE_WITH_TIMEOUT(f.processing(id), u"done"_s, 5000);
}

// Finding 3. After POST /jobs/{id}/retry the upload is pending again, but
// settle(..., std::nullopt) keeps the outcome of the failed attempt: GET
// /uploads/{id} shows "pending", job_state "queued", and the earlier
// attempt's "error", which docs/api.md describes as the error of the job
// (the job has none: the retry cleared it).
void tst_UploadsJobFollow::retriedUploadShowsNoErrorOfTheEarlierAttempt()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxActiveJobs = 1;
    UploadFixture f(limits);
    const QByteArray csv = "a,b\r\n1,2\r\n3,4\r\n";
    const auto [id, job] = uploadWhoseJobFails(f, "small.csv", csv);
    QVERIFY(!id.isEmpty());
    QVERIFY(restoreStoredFile(f, id, csv));

    // A long job takes the only slot: the retried job stays queued.
    const QByteArray body = R"({"kind":"selftest","params":{"steps":300,"step_ms":100}})";
    const QByteArray selftest = [&] {
        const QByteArray raw = f.head("POST", "/jobs", f.admin,
                                      "Content-Type: application/json\r\nContent-Length: "
                                          + QByteArray::number(body.size()) + "\r\n");
        return f.json(request(f.port, raw + body)).value(u"id"_s).toString().toLatin1();
    }();
    QVERIFY(!selftest.isEmpty());
    QTRY_COMPARE(jobState(f, selftest), u"running"_s);

    QCOMPARE(f.call("POST", "/jobs/" + job + "/retry", f.alice).status, 200);
    QTRY_COMPARE(f.processing(id), u"pending"_s);
    const QJsonObject processing = f.upload(id, f.alice).value(u"processing"_s).toObject();
    QCOMPARE(processing.value(u"job_state"_s).toString(), u"queued"_s);
    QVERIFY2(!processing.contains(u"error"_s),
             QJsonDocument(processing).toJson(QJsonDocument::Compact).constData());
    (void)f.call("POST", "/jobs/" + selftest + "/cancel", f.admin);
}

// Finding 4. recordFindings() checks only the job id, not that the upload
// still waits for a verdict. An attempt that is cancelled (or timed out)
// after its read loop, the last place it looks at isStopRequested(), goes
// on, and its findings overwrite the outcome that followJob() settled for
// the cancelled job: the upload ends "failed" with no error (and with the
// width, height and thumbnail of a processing that was cancelled). Here
// the attempt is held in makeThumbnail(): once the job has opened the
// stored file, the path is replaced by a FIFO, which the thumbnail reader
// opens and blocks on until the test writes an image into it.
void tst_UploadsJobFollow::cancelledJobsLateFindingsDoNotReplaceTheVerdict()
{
    UploadFixture f;
    QByteArray png = pngBytes(64, 48);
    const QByteArray stored = png + QByteArray(96 * 1024 * 1024, '\0'); // hashing takes a while
    std::optional<ThreadHold> engine(std::in_place, f.service->jobEngine());
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/big.png", f.alice,
                       "Content-Type: image/png\r\nContent-Length: "
                           + QByteArray::number(stored.size()) + "\r\n")
                + stored);
    QString id;
    QVERIFY(QTest::qWaitFor(
        [&] {
            const QStringList files = QDir(f.dataDir + u"/uploads"_s).entryList(QDir::Files);
            id = files.isEmpty() ? QString() : files.first();
            return !id.isEmpty() && !uploadRow(f.dataDir, id).isEmpty();
        },
        30'000));
    const QString path = f.dataDir + u"/uploads/"_s + id;
    const QString canonical = QFileInfo(path).canonicalFilePath();
    const auto jobHasItOpen = [&] {
        QDir fds(u"/proc/self/fd"_s);
        for (const QString &fd :
             fds.entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)) {
            if (QFile::symLinkTarget(fds.filePath(fd)) == canonical)
                return true;
        }
        return false;
    };
    engine.reset();
    QVERIFY(QTest::qWaitFor(jobHasItOpen, 10'000));
    // The job reads the file it opened; its thumbnail reader opens the path.
    const QString fifo = f.dataDir + u"/uploads/fifo"_s;
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    QCOMPARE(::rename(QFile::encodeName(fifo).constData(), QFile::encodeName(path).constData()), 0);
    const Reply r = client.read(30'000);
    QCOMPARE(r.status, 201);
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    // The attempt reads the whole file, then waits in makeThumbnail().
    const auto progress = [&] {
        return f.json(f.call("GET", "/jobs/" + job, f.admin))
            .value(u"progress"_s)
            .toObject()
            .value(u"bytes"_s)
            .toInteger();
    };
    QTRY_COMPARE_WITH_TIMEOUT(progress(), qint64(stored.size()), 10'000);
    QTest::qWait(500);
    QCOMPARE(jobState(f, job), u"running"_s);
    QVERIFY(!uploadRow(f.dataDir, id).value(u"outcome"_s).toObject().contains(u"width"_s));

    QCOMPARE(f.call("POST", "/jobs/" + job + "/cancel", f.alice).status, 200);
    QJsonObject row;
    QVERIFY(QTest::qWaitFor(
        [&] {
            row = uploadRow(f.dataDir, id);
            return row.value(u"processing"_s).toString() == u"failed"_s;
        },
        10'000));
    QVERIFY(
        row.value(u"outcome"_s).toObject().value(u"error"_s).toString().contains(u"cancelled"_s));

    // The attempt goes on: the image arrives. (Since thumbnails are made by a
    // helper process that the cancel kills, nobody may read the FIFO any
    // more: then there is nothing to write, and nothing may change either.)
    if (const int fd = ::open(QFile::encodeName(path).constData(), O_WRONLY | O_NONBLOCK);
        fd >= 0) {
        QCOMPARE(::write(fd, png.constData(), size_t(png.size())), ssize_t(png.size()));
        ::close(fd);
    } else {
        QCOMPARE(errno, ENXIO); // no reader
    }
    QTest::qWait(1500); // it makes the thumbnail and records what it found
    row = uploadRow(f.dataDir, id);
    QCOMPARE(row.value(u"processing"_s).toString(), u"failed"_s);
    // The cancelled job's verdict keeps its error.
    QVERIFY2(
        row.value(u"outcome"_s).toObject().value(u"error"_s).toString().contains(u"cancelled"_s),
        QJsonDocument(row).toJson(QJsonDocument::Compact).constData());
}

// Finding 2, second form. Cancelling an upload's queued job and deleting
// it ("cancel, then clean up") within one jobsChanged batch: the batch
// carries only "removed", the upload is still pending with that job, and
// followJobs() requeues it: a new job processes the upload the owner
// stopped. With 250 ms between the two calls the same requests leave it
// "failed" (cancelled). The outcome depends on the timing of the batch.
void tst_UploadsJobFollow::jobCancelledAndDeletedInTheSameBatchIsNotQueuedAgain()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxActiveJobs = 1;
    UploadFixture f(limits);
    const QByteArray body = R"({"kind":"selftest","params":{"steps":300,"step_ms":100}})";
    const QByteArray selftest
        = f.json(request(f.port,
                         f.head("POST", "/jobs", f.admin,
                                "Content-Type: application/json\r\n"
                                "Content-Length: "
                                    + QByteArray::number(body.size()) + "\r\n")
                             + body))
              .value(u"id"_s)
              .toString()
              .toLatin1();
    QVERIFY(!selftest.isEmpty());
    QTRY_COMPARE(jobState(f, selftest), u"running"_s);

    const Reply r = f.put("small.csv", "a,b\r\n1,2\r\n", f.alice);
    QCOMPARE(r.status, 201);
    const QString id = f.json(r).value(u"id"_s).toString();
    const QByteArray job = f.json(r).value(u"job"_s).toString().toLatin1();
    QTest::qWait(500); // its "queued" batch has been followed
    QCOMPARE(jobState(f, job), u"queued"_s);

    // Cancel, then delete: both handled by the engine before its next batch.
    std::optional<ThreadHold> engine(std::in_place, f.service->jobEngine());
    RawClient cancel(f.port);
    cancel.send(f.head("POST", "/jobs/" + job + "/cancel", f.alice, {}));
    QTest::qWait(200);
    RawClient remove(f.port);
    remove.send(f.head("DELETE", "/jobs/" + job, f.alice, {}));
    QTest::qWait(200);
    engine.reset();
    QCOMPARE(cancel.read(10'000).status, 200);
    QCOMPARE(remove.read(10'000).status, 204);

    // Its job was cancelled: the upload is failed, and no job processes it.
    QTest::qWait(1000);
    const QJsonObject row = uploadRow(f.dataDir, id);
    (void)f.call("POST", "/jobs/" + selftest + "/cancel", f.admin);
    QVERIFY2(row.value(u"processing"_s).toString() == u"failed"_s
                 && row.value(u"job"_s).toString() == QString::fromLatin1(job),
             QJsonDocument(row).toJson(QJsonDocument::Compact).constData());
}

// Finding 5 (docs/api.md). GET /uploads/{id}/thumbnail answers "404 ...
// before processing is done", and checks only that the outcome names a
// thumbnail. Now that the job records its findings before the engine
// records its verdict (and the store follows it up to a batch later), the
// thumbnail is served while the upload is still pending (and, with finding
// 4, for a cancelled one).
void tst_UploadsJobFollow::thumbnailIsServedOnlyOnceProcessingIsDone()
{
    UploadFixture f;
    const QByteArray png = pngBytes(64, 48);
    std::optional<ThreadHold> engine(std::in_place, f.service->jobEngine());
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/small.png", f.alice,
                       "Content-Type: image/png\r\nContent-Length: "
                           + QByteArray::number(png.size()) + "\r\n")
                + png);
    QString id;
    QVERIFY(QTest::qWaitFor(
        [&] {
            const QStringList files = QDir(f.dataDir + u"/uploads"_s).entryList(QDir::Files);
            id = files.isEmpty() ? QString() : files.first();
            return !id.isEmpty() && !uploadRow(f.dataDir, id).isEmpty();
        },
        10'000));
    QTest::qWait(200); // the store's submission is queued to the engine
    // The engine takes the job and starts it, then is held: the job runs,
    // records what it found, and its outcome waits for the engine.
    QueuedHold started(f.service->jobEngine(), false, true);
    engine.reset();
    QVERIFY(started.waitEntered(10'000));
    QCOMPARE(client.read(10'000).status, 201);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return uploadRow(f.dataDir, id).value(u"outcome"_s).toObject().contains(u"thumbnail"_s);
        },
        10'000));
    QCOMPARE(uploadRow(f.dataDir, id).value(u"processing"_s).toString(), u"pending"_s);
    const Reply thumbnail = f.call("GET", "/uploads/" + id.toLatin1() + "/thumbnail", f.alice);
    started.release();
    QCOMPARE(thumbnail.status, 404); // processing is not done
}

QTEST_GUILESS_MAIN(tst_UploadsJobFollow)
#include "tst_uploads_jobfollow.moc"
