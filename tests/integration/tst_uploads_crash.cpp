// Review of d1818aa ("Upload processing state follows its job"): kill -9 of
// sluiced between the engine's verdict on an upload's processing job and
// the store following it (one jobsChanged batch, 250 ms), then a restart on
// the same data dir once the job's result has expired. Fails against
// d1818aa: the upload stays pending for ever.
#include "daemon.h"
#include "testsupport.h"
#include "uploadtesting.h"

#include "config/config.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <functional>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

struct Client
{
    quint16 port;
    QByteArray token;
    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {}) const
    {
        return request(port,
                       method + ' ' + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                           + token + "\r\n"
                           + (method == "POST" || method == "PUT"
                                  ? "Content-Length: " + QByteArray::number(body.size()) + "\r\n"
                                  : QByteArray())
                           + "\r\n" + body,
                       30'000);
    }
    QJsonObject json(const QByteArray &method, const QByteArray &path) const
    {
        return QJsonDocument::fromJson(call(method, path).body).object();
    }
};

} // namespace

class tst_UploadsCrash : public QObject
{
    Q_OBJECT

private slots:
    void killedBeforeTheVerdictReachedTheUpload();
};

// kill -9 right after GET /jobs/{id} says "succeeded" (the store follows
// the verdict up to 250 ms later); the service comes back after the
// result's TTL (1 s here, a day by default). The engine's start-up sweep
// makes the job "expired"; catchUpWithJobs() asks for it, and followJob()
// ignores "expired" (processingFor() -> nullopt): the upload stays
// "pending" (job_state "expired") for ever, although its job succeeded and
// its findings are in the row.
void tst_UploadsCrash::killedBeforeTheVerdictReachedTheUpload()
{
    QTemporaryDir dir;
    const QByteArray token
        = writeDaemonConfig(dir.path(), [](config::Limits &l) { l.resultTtlMs = 1000; });
    QVERIFY(!token.isEmpty());
    const QByteArray csv = bigCsv(24 * 1024 * 1024); // processing takes a while
    QString id;
    QByteArray job;
    bool caught = false;
    for (int attempt = 0; attempt < 5 && !caught; ++attempt) {
        Daemon first;
        QVERIFY2(first.start(dir.path()), first.output.constData());
        const Client client {first.port, token};
        const Reply r = client.call("PUT", "/uploads/big.csv", csv);
        QCOMPARE(r.status, 201);
        const QJsonObject upload = QJsonDocument::fromJson(r.body).object();
        id = upload.value(u"id"_s).toString();
        job = upload.value(u"job"_s).toString().toLatin1();
        QString state;
        QVERIFY(QTest::qWaitFor(
            [&] {
                state = client.json("GET", "/jobs/" + job).value(u"state"_s).toString();
                return state == u"succeeded"_s || state == u"failed"_s;
            },
            30'000));
        first.kill9();
        QCOMPARE(state, u"succeeded"_s);
        const QJsonObject row = uploadRow(dir.path(), id);
        caught = row.value(u"processing"_s).toString() == u"pending"_s
            && row.value(u"outcome"_s).toObject().contains(u"rows"_s);
    }
    QVERIFY2(caught, "the store followed the verdict before every kill");

    QTest::qWait(1500); // longer than result_ttl_ms
    Daemon second;
    QVERIFY2(second.start(dir.path()), second.output.constData());
    const Client client {second.port, token};
    QCOMPARE(client.json("GET", "/jobs/" + job).value(u"state"_s).toString(), u"expired"_s);
    // Its job succeeded and its findings are recorded: the upload is done.
    QJsonObject processing;
    const bool done = QTest::qWaitFor(
        [&] {
            processing
                = client.json("GET", "/uploads/" + id.toLatin1()).value(u"processing"_s).toObject();
            return processing.value(u"state"_s).toString() == u"done"_s;
        },
        5000);
    QVERIFY2(done, QJsonDocument(processing).toJson(QJsonDocument::Compact).constData());
}

QTEST_GUILESS_MAIN(tst_UploadsCrash)
#include "tst_uploads_crash.moc"
