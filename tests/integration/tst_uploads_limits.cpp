// Upload limits and clients against the real service: every refusal before
// the body (with and without 100-continue), the concurrency caps and their
// counters, each account's share of the temp and stored bytes, and clients
// that leave, stall or crawl; the temp folder is left
// empty whatever happens.
#include "uploadtesting.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QStorageInfo>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_UploadsLimits : public QObject
{
    Q_OBJECT
private slots:
    void refusedBeforeTheBody_data();
    void refusedBeforeTheBody();
    void concurrencyCaps();
    void countersReturnToZeroAfterManyConcurrentUploads();
    void disconnectAtRandomOffsetsLeavesNothing();
    void stalledClientIsCutAndCleanedUp();
    void slowClientSucceeds();
    void accountShareOfTempBytes();
    void accountShareOfStoredBytes();
    void chunkedRefusalNamesTheAccount();
    void chunkedBodyKeepsTheDiskFloor();
    void oneAccountCannotTakeTheDiskAboveTheFloor();
    void uploadsAreProcessedPastTheResultCount();
    void cleanupTestCase() { m_refusals.reset(); }

private:
    // One service for each data-driven catalogue.
    std::unique_ptr<UploadFixture> m_refusals;
};

void tst_UploadsLimits::refusedBeforeTheBody_data()
{
    QTest::addColumn<bool>("expectContinue");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<bool>("authenticated");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("limit");

    for (const bool expect : {false, true}) {
        const char *suffix = expect ? " with 100-continue" : "";
        QTest::addRow("no token%s", suffix)
            << expect << QByteArray("Content-Length: 1000\r\n") << false << 401 << QString();
        QTest::addRow("declared length over max_upload_bytes%s", suffix)
            << expect << QByteArray("Content-Length: 2000000\r\n") << true << 413
            << u"max_upload_bytes"_s;
        QTest::addRow("declared length over the temp budget%s", suffix)
            << expect << QByteArray("Content-Length: 1500000\r\n") << true << 507
            << u"max_upload_temp_bytes"_s;
        QTest::addRow("declared type not allowed%s", suffix)
            << expect
            << QByteArray("Content-Length: 1000\r\nContent-Type: application/x-sharedlib\r\n")
            << true << 415 << QString();
        QTest::addRow("malformed checksum%s", suffix)
            << expect << QByteArray("Content-Length: 1000\r\nX-Checksum-Sha256: abc\r\n") << true
            << 400 << QString();
        QTest::addRow("multipart without boundary%s", suffix)
            << expect << QByteArray("Content-Length: 1000\r\nContent-Type: multipart/form-data\r\n")
            << true << 400 << QString();
    }
}

void tst_UploadsLimits::refusedBeforeTheBody()
{
    QFETCH(bool, expectContinue);
    QFETCH(QByteArray, headers);
    QFETCH(bool, authenticated);
    QFETCH(int, status);
    QFETCH(QString, limit);

    std::unique_ptr<UploadFixture> &shared = m_refusals;
    if (!shared) {
        config::Limits limits = UploadFixture::defaultLimits();
        limits.maxUploadBytes = 1'800'000;
        limits.maxUploadTempBytes = 1024 * 1024;
        shared = std::make_unique<UploadFixture>(limits);
    }
    UploadFixture &f = *shared;
    const QByteArray path = headers.contains("multipart") ? "/uploads" : "/uploads/x.txt";
    const QByteArray method = headers.contains("multipart") ? "POST" : "PUT";

    RawClient client(f.port);
    client.send(f.head(method, path, authenticated ? f.alice : QString(),
                       headers + (expectContinue ? "Expect: 100-continue\r\n" : "")));
    // No body byte is sent: the answer must come without it, and never be
    // "100 Continue".
    const Reply r = client.read();
    QCOMPARE(r.status, status);
    if (!limit.isEmpty())
        QCOMPARE(f.json(r).value(u"limit"_s).toString(), limit);
    QVERIFY2(!f.json(r).value(u"error"_s).toString().isEmpty(), r.body.constData());
    QVERIFY(f.tempFiles().isEmpty());
    QVERIFY(f.storedFiles().isEmpty());
    QCOMPARE(f.call("GET", "/healthz", {}).status, 200);
}

void tst_UploadsLimits::concurrencyCaps()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxConcurrentUploads = 2;
    limits.maxUploadsPerAccount = 1;
    UploadFixture f(limits);

    // Alice holds one upload open (its body half sent).
    RawClient first(f.port);
    first.send(f.head("PUT", "/uploads/a.txt", f.alice, "Content-Length: 10\r\n") + "hello");
    QTRY_COMPARE(f.inFlight(), 1);
    QVERIFY(f.tempFiles().size() == 1);

    RawClient second(f.port);
    second.send(
        f.head("PUT", "/uploads/b.txt", f.alice, "Content-Length: 10\r\nExpect: 100-continue\r\n"));
    const Reply busy = second.read();
    QCOMPARE(busy.status, 429);
    QCOMPARE(f.json(busy).value(u"limit"_s).toString(), u"max_uploads_per_account"_s);
    QCOMPARE(busy.header("retry-after"), QByteArray("5"));

    // Bob takes the second global slot; the admin then finds none.
    RawClient bobs(f.port);
    bobs.send(f.head("PUT", "/uploads/c.txt", f.bob, "Content-Length: 10\r\n") + "12345");
    QTRY_COMPARE(f.inFlight(), 2);
    RawClient third(f.port);
    third.send(
        f.head("PUT", "/uploads/d.txt", f.admin, "Content-Length: 10\r\nExpect: 100-continue\r\n"));
    const Reply full = third.read();
    QCOMPARE(full.status, 503);
    QCOMPARE(f.json(full).value(u"limit"_s).toString(), u"max_concurrent_uploads"_s);
    QCOMPARE(full.header("retry-after"), QByteArray("5"));

    // Finishing frees the slots.
    first.send("world");
    QCOMPARE(first.read().status, 201);
    bobs.send("67890");
    QCOMPARE(bobs.read().status, 201);
    QTRY_COMPARE(f.inFlight(), 0);
    QCOMPARE(f.put("e.txt", "again", f.alice).status, 201);
}

void tst_UploadsLimits::countersReturnToZeroAfterManyConcurrentUploads()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxConcurrentUploads = 48;
    limits.maxUploadsPerAccount = 16;
    limits.maxConnectionsPerClient = 512; // each round's clients close as the next one starts
    UploadFixture f(limits);
    const QList<QString> tokens {f.alice, f.bob, f.admin};
    for (int round = 0; round < 3; ++round) {
        std::vector<std::unique_ptr<RawClient>> clients;
        for (int i = 0; i < 48; ++i) {
            const QByteArray body = "upload " + QByteArray::number(round * 100 + i) + "\n";
            MultipartBuilder form;
            form.file("a", "a.txt", "text/plain", body.repeated(100));
            form.file("b", "b.txt", "text/plain", body.repeated(50));
            const QByteArray multipart = form.body();
            auto client = std::make_unique<RawClient>(f.port);
            client->send(i % 2
                             ? f.head("PUT", "/uploads/raw.txt", tokens[i % 3],
                                      "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                                 + body
                             : f.head("POST", "/uploads", tokens[i % 3],
                                      "Content-Type: " + form.contentType() + "\r\nContent-Length: "
                                          + QByteArray::number(multipart.size()) + "\r\n")
                                 + multipart);
            clients.push_back(std::move(client));
        }
        for (auto &client : clients) {
            const Reply r = client->read(20'000);
            QVERIFY2(r.status == 201, r.body.constData());
        }
    }
    QTRY_COMPARE(f.inFlight(), 0);
    // Every account has all its slots back: as many uploads at once as before.
    for (const QString &token : tokens) {
        std::vector<std::unique_ptr<RawClient>> held;
        for (int i = 0; i < limits.maxUploadsPerAccount; ++i) {
            held.push_back(std::make_unique<RawClient>(f.port));
            held.back()->send(f.head("PUT", "/uploads/held.txt", token, "Content-Length: 2\r\n")
                              + "h");
        }
        QTRY_COMPARE(f.inFlight(), limits.maxUploadsPerAccount);
        for (auto &client : held) {
            client->send("i");
            QCOMPARE(client->read().status, 201);
        }
        QTRY_COMPARE(f.inFlight(), 0);
    }
    QVERIFY(f.tempFiles().isEmpty());
}

void tst_UploadsLimits::disconnectAtRandomOffsetsLeavesNothing()
{
    UploadFixture f;
    QByteArray body;
    for (int i = 0; body.size() < 3 * 1024 * 1024; ++i)
        body += "row " + QByteArray::number(i) + ",some text\n";
    QRandomGenerator random(20261126); // fixed seed: the same offsets every run
    for (int i = 0; i < 12; ++i) {
        const qsizetype offset = random.bounded(qsizetype(body.size()));
        RawClient client(f.port);
        client.send(f.head("PUT", "/uploads/cut.csv", f.alice,
                           "Content-Length: " + QByteArray::number(body.size()) + "\r\n")
                    + body.first(offset));
        client.socket().waitForBytesWritten(2000);
        client.socket().abort();
    }
    QTRY_COMPARE(f.inFlight(), 0);
    QTRY_VERIFY2(f.tempFiles().isEmpty(), qPrintable(f.tempFiles().join(u' ')));
    QVERIFY(f.storedFiles().isEmpty());
    QCOMPARE(f.call("GET", "/healthz", {}).status, 200);
}

void tst_UploadsLimits::stalledClientIsCutAndCleanedUp()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.bodyIdleTimeoutMs = 300;
    UploadFixture f(limits);
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/stall.txt", f.alice, "Content-Length: 100000\r\n")
                + QByteArray(5000, 'a'));
    QTRY_COMPARE(f.tempFiles().size(), 1);
    // Nothing more is sent: the idle timeout ends the request.
    QVERIFY(client.waitForClose(5000));
    QTRY_VERIFY(f.tempFiles().isEmpty());
    QTRY_COMPARE(f.inFlight(), 0);
    QVERIFY(f.storedFiles().isEmpty());
}

void tst_UploadsLimits::slowClientSucceeds()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.bodyIdleTimeoutMs = 1000;
    UploadFixture f(limits);
    QByteArray body;
    for (int i = 0; i < 400; ++i)
        body += "slow line " + QByteArray::number(i) + "\n";
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/slow.txt", f.alice,
                       "Content-Length: " + QByteArray::number(body.size()) + "\r\n"));
    // Pieces far apart, each within the idle timeout.
    for (qsizetype at = 0; at < body.size(); at += body.size() / 8 + 1) {
        client.send(body.mid(at, body.size() / 8 + 1));
        client.socket().waitForBytesWritten(1000);
        QTest::qWait(150);
    }
    const Reply r = client.read(10'000);
    QCOMPARE(r.status, 201);
    QCOMPARE(f.json(r).value(u"sha256"_s).toString(), hexSha256(body));
}

// Issue 18, finding 3: uploads declaring huge bodies and trickling held the
// whole max_upload_temp_bytes, and every other account got 507. One
// account's uploads in flight hold at most its share.
void tst_UploadsLimits::accountShareOfTempBytes()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxUploadTempBytes = 80 * 1024 * 1024;
    limits.accountSharePercent = 50; // 40 MiB each
    UploadFixture f(limits);
    const auto declaring = [](int mib) -> QByteArray {
        return "Content-Length: " + QByteArray::number(qint64(mib) * 1024 * 1024)
            + "\r\nExpect: 100-continue\r\n";
    };

    RawClient first(f.port);
    first.send(f.head("PUT", "/uploads/a.bin", f.alice, declaring(30)));
    QCOMPARE(first.read().status, 100); // admitted: its 30 MiB are reserved
    RawClient second(f.port);
    second.send(f.head("PUT", "/uploads/b.bin", f.alice, declaring(30)));
    const Reply refused = second.read();
    QCOMPARE(refused.status, 507);
    QCOMPARE(f.json(refused).value(u"limit"_s).toString(), u"account_share_percent"_s);
    QCOMPARE(f.json(refused).value(u"value"_s).toInteger(), 50);
    QVERIFY2(f.json(refused).value(u"error"_s).toString().contains(u"41943040 bytes"_s),
             refused.body.constData()); // the share in bytes
    QCOMPARE(refused.header("Retry-After"), QByteArray("5")); // bytes in flight free up
    // Bob's share is his own.
    RawClient bobs(f.port);
    bobs.send(f.head("PUT", "/uploads/c.bin", f.bob, declaring(30)));
    QCOMPARE(bobs.read().status, 100);
    // All together past max_upload_temp_bytes: the global limit still holds,
    // and what is left of it is still there for the next account.
    RawClient admins(f.port);
    admins.send(f.head("PUT", "/uploads/d.bin", f.admin, declaring(30)));
    const Reply full = admins.read();
    QCOMPARE(full.status, 507);
    QCOMPARE(f.json(full).value(u"limit"_s).toString(), u"max_upload_temp_bytes"_s);
    RawClient smaller(f.port);
    smaller.send(f.head("PUT", "/uploads/e.bin", f.admin, declaring(20)));
    QCOMPARE(smaller.read().status, 100);
}

// One account cannot fill the disk for the others: its stored uploads and
// those in flight stay within max_account_stored_upload_bytes.
void tst_UploadsLimits::accountShareOfStoredBytes()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxAccountStoredUploadBytes = 1024 * 1024;
    UploadFixture f(limits);
    const QByteArray big(700 * 1024, 'a');
    const QByteArray small(400 * 1024, 'b');
    const Reply first = f.put("big.txt", big, f.alice);
    QCOMPARE(first.status, 201);
    const Reply refused = f.put("small.txt", small, f.alice);
    QCOMPARE(refused.status, 507);
    QCOMPARE(f.json(refused).value(u"limit"_s).toString(), u"max_account_stored_upload_bytes"_s);
    QVERIFY(refused.header("Retry-After").isEmpty()); // waiting does not help, deleting does
    QVERIFY2(f.json(refused).value(u"error"_s).toString().contains(u"716800"_s),
             refused.body.constData()); // what the account stores already
    QCOMPARE(f.put("small.txt", small, f.bob).status, 201);
    QVERIFY(f.tempFiles().isEmpty());
    // Deleting makes room again.
    const QByteArray id = f.json(first).value(u"id"_s).toString().toLatin1();
    QCOMPARE(f.call("DELETE", "/uploads/" + id, f.alice).status, 204);
    QCOMPARE(f.put("small.txt", small, f.alice).status, 201); // counted before the 204
}

// Review (issue 18, finding 3): a chunked body refused while it arrives
// (UploadTicket::growTo) must name the account like a refusal before the body
// does; growTo passed the account id as the name, so the 507 said
// "account <id>" where every other answer says "account alice".
void tst_UploadsLimits::chunkedRefusalNamesTheAccount()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxUploadTempBytes = 4 * 1024 * 1024; // a third each (three accounts)
    UploadFixture f(limits);
    const QByteArray piece(1536 * 1024, 'c');
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/chunked.txt", f.alice, "Transfer-Encoding: chunked\r\n")
                + QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n0\r\n\r\n");
    const Reply refused = client.read(10'000);
    QCOMPARE(refused.status, 507);
    QCOMPARE(f.json(refused).value(u"limit"_s).toString(), u"account_share_percent"_s);
    const QString message = f.json(refused).value(u"error"_s).toString();
    QVERIFY2(message.contains(u"account alice"_s), qPrintable(message));
    QTRY_VERIFY(f.tempFiles().isEmpty());
}

// Review (issue 18, finding 3: "one account can also fill the disk down to
// min_free_disk_bytes"). A body of unknown length is admitted with 0 bytes
// declared; UploadTicket::growTo() checked only the temp budgets, never
// min_free_disk_bytes: one account's chunked upload wrote through the floor
// that keeps the data dir usable for everyone and was stored (201).
void tst_UploadsLimits::chunkedBodyKeepsTheDiskFloor()
{
    constexpr qint64 MiB = 1024 * 1024;
    const qint64 free = QStorageInfo(QDir::tempPath()).bytesAvailable();
    if (free < 4096 * MiB)
        QSKIP("needs 4 GiB free");
    config::Limits limits = UploadFixture::defaultLimits();
    limits.minFreeDiskBytes = free - 64 * MiB;
    limits.accountSharePercent = 100; // the floor, not the account's share, stops it
    UploadFixture f(limits);
    RawClient client(f.port);
    client.send(f.head("PUT", "/uploads/chunked.bin", f.alice, "Transfer-Encoding: chunked\r\n"));
    const QByteArray piece(4 * MiB, 'z');
    // 256 MiB, far past the floor; it stops sending once the answer is in.
    for (int i = 0; i < 64 && client.isOpen(); ++i) {
        client.send(QByteArray::number(piece.size(), 16) + "\r\n" + piece + "\r\n");
        while (client.isOpen() && client.socket().bytesToWrite() > 0
               && client.socket().bytesAvailable() == 0)
            client.socket().waitForBytesWritten(100);
        if (client.socket().bytesAvailable() > 0 || client.socket().waitForReadyRead(10))
            break;
    }
    if (client.isOpen() && client.socket().bytesAvailable() == 0)
        client.send("0\r\n\r\n"); // all of it went in: the end of the body
    const Reply r = client.read(30'000);
    QVERIFY2(r.status == 507, qPrintable(u"%1 %2"_s.arg(r.status).arg(QString::fromUtf8(r.body))));
    QCOMPARE(f.json(r).value(u"limit"_s).toString(), u"min_free_disk_bytes"_s);
    QTRY_VERIFY(f.tempFiles().isEmpty());
    QVERIFY(QDir(f.dataDir + u"/uploads"_s).entryList(QDir::Files).isEmpty());
}

// Review (issue 18, F4): the disk above min_free_disk_bytes was one pool.
// max_account_stored_upload_bytes is a fixed number (256 GiB), larger than
// most disks, so one account could store uploads until the floor and every
// other account got 507 min_free_disk_bytes. Each account may now hold its
// share of what uploads hold or may still use (three accounts here: a third).
void tst_UploadsLimits::oneAccountCannotTakeTheDiskAboveTheFloor()
{
    constexpr qint64 MiB = 1024 * 1024;
    const qint64 free = QStorageInfo(QDir::tempPath()).bytesAvailable();
    if (free < 4096 * MiB)
        QSKIP("needs 4 GiB free");
    config::Limits limits = UploadFixture::defaultLimits();
    limits.minFreeDiskBytes = free - 480 * MiB; // 480 MiB usable: 160 MiB each
    UploadFixture f(limits);
    const QByteArray body(100 * MiB, 'd');
    QCOMPARE(f.put("first.bin", body, f.alice).status, 201);
    // Asked first (as curl does for a large body): refused before the body.
    RawClient second(f.port);
    second.send(f.head("PUT", "/uploads/second.bin", f.alice,
                       "Content-Length: " + QByteArray::number(body.size())
                           + "\r\nExpect: 100-continue\r\n"));
    const Reply refused = second.read();
    QVERIFY2(refused.status == 507, refused.body.constData());
    QCOMPARE(f.json(refused).value(u"limit"_s).toString(), u"account_share_percent"_s);
    const QString why = f.json(refused).value(u"error"_s).toString();
    QVERIFY2(why.contains(u"account alice"_s), qPrintable(why));
    // The others' shares are theirs, and alice still has room for a smaller one.
    QCOMPARE(f.put("third.bin", body, f.bob).status, 201);
    QCOMPARE(f.put("small.bin", QByteArray(20 * MiB, 's'), f.alice).status, 201);
    QVERIFY(f.tempFiles().isEmpty());
}

// Review (issue 18, finding 2, decision 0016). Each upload's processing job
// leaves a result (NAME.report.json) that counted against the account's
// max_results_per_account; at exactly the quota admission refused (>=)
// while the sweep evicted only past it (>), so every further upload of the
// account was stored unprocessed (not_queued) until the reports expired, for
// an account that never asked for a job. Processing reports now count
// towards max_result_bytes only. Here the quota is 3.
void tst_UploadsLimits::uploadsAreProcessedPastTheResultCount()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.maxResultsPerAccount = 3;
    limits.resultEvictionFloorMs = 0;
    UploadFixture f(limits);
    QString last;
    for (int i = 0; i < 5; ++i) {
        const Reply r = f.put("n" + QByteArray::number(i) + ".csv", Csv, f.alice);
        QCOMPARE(r.status, 201);
        last = f.json(r).value(u"id"_s).toString();
        QVERIFY(QTest::qWaitFor([&] { return f.processing(last) != u"pending"_s; }, 10'000));
    }
    const QJsonObject processing = f.upload(last, f.alice).value(u"processing"_s).toObject();
    QVERIFY2(processing.value(u"state"_s).toString() == u"done"_s,
             QJsonDocument(processing).toJson().constData());
}

QTEST_GUILESS_MAIN(tst_UploadsLimits)
#include "tst_uploads_limits.moc"
