// Crash recovery for real: sluiced is killed with SIGKILL while a job runs,
// started again on the same data dir, and the job is re-queued and finishes,
// with no temp file left behind.
#include "daemon.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_JobCrash : public QObject
{
    Q_OBJECT
private slots:
    void killedWhileRunningThenRecovered();
    void secondInstanceLeavesTheFirstOnesJobsAlone();
};

namespace {

QJsonObject jobOf(quint16 port, const QString &token, const QString &id)
{
    return QJsonDocument::fromJson(request(port, get("/jobs/" + id.toLatin1(), bearer(token))).body)
        .object();
}

// A selftest job of 40 steps of 50 ms (2 s), 4 KiB a step, once it has made
// some progress (its attempt folder holds a partial file); its id, or empty.
QString startSelftest(quint16 port, const QString &token)
{
    const QByteArray body
        = R"({"kind":"selftest","params":{"steps":40,"step_ms":50,"bytes_per_step":4096}})";
    const Reply submitted = request(port,
                                    "POST /jobs HTTP/1.1\r\nHost: t\r\n" + bearer(token)
                                        + "Content-Type: application/json\r\nContent-Length: "
                                        + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    if (submitted.status != 202)
        return {};
    const QString id = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
    const bool progressed = QTest::qWaitFor(
        [&] {
            return jobOf(port, token, id).value(u"progress"_s).toObject().value(u"rows"_s).toInt()
                >= 3;
        },
        10'000);
    return progressed ? id : QString();
}

} // namespace

void tst_JobCrash::killedWhileRunningThenRecovered()
{
    QTemporaryDir dir;
    Daemon first;
    QVERIFY2(first.start(dir.path()), first.output.constData());
    const QString token = first.token;
    const QString id = startSelftest(first.port, token);
    QVERIFY(!id.isEmpty());
    QCOMPARE(jobOf(first.port, token, id).value(u"state"_s).toString(), u"running"_s);
    QVERIFY(!QDir(dir.filePath(u"tmp/jobs"_s)).isEmpty());
    first.kill9();

    Daemon second;
    QVERIFY2(second.start(dir.path()), second.output.constData());
    QTRY_COMPARE_WITH_TIMEOUT(jobOf(second.port, token, id).value(u"state"_s).toString(),
                              u"succeeded"_s, 20000);
    const QJsonObject done = jobOf(second.port, token, id);
    QCOMPARE(done.value(u"attempts"_s).toInt(), 2);
    QCOMPARE(done.value(u"result"_s).toObject().value(u"size"_s).toInt(), 40 * 4096);
    QTRY_VERIFY(QDir(dir.filePath(u"tmp/jobs"_s)).isEmpty());
    QCOMPARE(QDir(dir.filePath(u"results"_s)).entryList(QDir::Files).size(), 1);
}

// A second sluiced on the same data dir used to run crash recovery before it
// found the port taken: it re-queued the first one's running job and deleted
// its temp folder, and the job then ran twice. Now it exits at once, naming
// the holder, and the first instance's job runs once, undisturbed.
void tst_JobCrash::secondInstanceLeavesTheFirstOnesJobsAlone()
{
    QTemporaryDir dir;
    Daemon first;
    QVERIFY2(first.start(dir.path()), first.output.constData());
    const QString token = first.token;
    const QString id = startSelftest(first.port, token);
    QVERIFY(!id.isEmpty());
    const QString attemptDir = dir.filePath(u"tmp/jobs/"_s + id + u"-1"_s);
    QVERIFY(QDir(attemptDir).exists());

    const Run second = runSluiced({u"--data-dir"_s, dir.path(), u"--listen"_s, u"127.0.0.1:0"_s});
    QCOMPARE(second.exitCode, 2);
    QVERIFY2(second.err.contains(u"process %1"_s.arg(first.process.processId())),
             qPrintable(second.err));
    QVERIFY2(!second.out.contains(u"listening"_s), qPrintable(second.out));

    // Untouched: still its first attempt, its folder still there, then done once.
    const QJsonObject running = jobOf(first.port, token, id);
    QCOMPARE(running.value(u"attempts"_s).toInt(), 1);
    QVERIFY(QDir(attemptDir).exists() || running.value(u"state"_s).toString() == u"succeeded"_s);
    QTRY_COMPARE_WITH_TIMEOUT(jobOf(first.port, token, id).value(u"state"_s).toString(),
                              u"succeeded"_s, 20000);
    const QJsonObject done = jobOf(first.port, token, id);
    QCOMPARE(done.value(u"attempts"_s).toInt(), 1);
    QCOMPARE(done.value(u"result"_s).toObject().value(u"size"_s).toInt(), 40 * 4096);
}

QTEST_GUILESS_MAIN(tst_JobCrash)
#include "tst_jobcrash.moc"
