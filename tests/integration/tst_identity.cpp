// Accounts are ids, not names (issue 18, finding 5), against a real sluiced:
// a name revoked and added again is a new account that sees nothing of the
// old one, and a data dir written before accounts had ids keeps working.
#include "accounttesting.h"
#include "legacydata.h"

#include <QCryptographicHash>
#include <QFile>
#include <QJsonArray>

using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

const QByteArray Csv = "id,name\r\n1,alpha\r\n2,beta\r\n";

// An unknown id of the same shape: another account's resource must answer
// exactly like it, body included (the id itself aside).
const QString UnknownJob = u"AAAAAAAAAAAAAAAAAAAAAA"_s;
const QString UnknownUpload = u"u00000000000000000000000000000000"_s;

// What a stranger gets for `path`, with the real id replaced by the unknown
// one, next to what the unknown id itself gets: the two must be equal.
struct Probe
{
    QByteArray method;
    QByteArray path; // with {id}
    QString id;
    QString unknown;
};

QString hexOf(const QByteArray &data)
{
    return QString::fromLatin1(QCryptographicHash::hash(data, QCryptographicHash::Sha256).toHex());
}

} // namespace

class tst_Identity : public QObject
{
    Q_OBJECT
private slots:
    void reAddedNameIsANewAccount();
    void nameOwnedDataMigrates();
};

void tst_Identity::reAddedNameIsANewAccount()
{
    AccountDaemon s;
    QVERIFY(s.prepare());
    const QString root = s.add(u"root"_s, true);
    const QString oldDave = s.add(u"dave"_s);
    QVERIFY2(s.start(), s.daemon.output.constData());

    // The first dave: an upload (with its processing job) and an export result.
    const Reply uploaded = s.send("PUT", "/uploads/notes.csv", oldDave, Csv, "text/csv");
    QCOMPARE(uploaded.status, 201);
    const QString uploadId = AccountDaemon::json(uploaded).value(u"id"_s).toString();
    const QString processingJob = AccountDaemon::json(uploaded).value(u"job"_s).toString();
    const QString oldDaveId = AccountDaemon::json(uploaded).value(u"account_id"_s).toString();
    QVERIFY(!processingJob.isEmpty());
    QVERIFY(!oldDaveId.isEmpty());
    const Reply exported = s.submitExport(oldDave, "2025-01-01", "2025-01-03");
    QCOMPARE(exported.status, 202);
    const QString exportJob = AccountDaemon::json(exported).value(u"id"_s).toString();
    QTRY_COMPARE_WITH_TIMEOUT(s.jobState(exportJob, oldDave), u"succeeded"_s, 30'000);
    QTRY_COMPARE_WITH_TIMEOUT(s.jobState(processingJob, oldDave), u"succeeded"_s, 30'000);
    QCOMPARE(s.call("GET", "/jobs/" + exportJob.toLatin1() + "/result", oldDave).status, 200);

    QVERIFY(s.revoke(u"dave"_s));
    const QString newDave = s.add(u"dave"_s);
    QVERIFY(newDave != oldDave);
    // The service reloads the config file when it changes.
    QTRY_COMPARE_WITH_TIMEOUT(s.call("GET", "/jobs", newDave).status, 200, 5000);
    QCOMPARE(s.call("GET", "/jobs", oldDave).status, 401);

    // The new dave has no jobs...
    const QJsonObject list = AccountDaemon::json(s.call("GET", "/jobs", newDave));
    QCOMPARE(list.value(u"total"_s).toInt(), 0);
    QVERIFY(list.value(u"jobs"_s).toArray().isEmpty());
    // ...and every resource of the old one answers like an unknown id.
    const QList<Probe> probes = {
        {"GET", "/jobs/{id}", exportJob, UnknownJob},
        {"GET", "/jobs/{id}/result", exportJob, UnknownJob},
        {"GET", "/jobs/{id}", processingJob, UnknownJob},
        {"POST", "/jobs/{id}/retry", exportJob, UnknownJob},
        {"POST", "/jobs/{id}/cancel", exportJob, UnknownJob},
        {"DELETE", "/jobs/{id}", exportJob, UnknownJob},
        {"GET", "/uploads/{id}", uploadId, UnknownUpload},
        {"GET", "/uploads/{id}/content", uploadId, UnknownUpload},
        {"DELETE", "/uploads/{id}", uploadId, UnknownUpload},
    };
    for (const Probe &p : probes) {
        const Reply stranger
            = s.call(p.method, QByteArray(p.path).replace("{id}", p.id.toLatin1()), newDave);
        const Reply unknown
            = s.call(p.method, QByteArray(p.path).replace("{id}", p.unknown.toLatin1()), newDave);
        const QByteArray what = p.method + ' ' + p.path + ": " + stranger.body;
        QVERIFY2(stranger.status == 404, what.constData());
        QCOMPARE(stranger.status, unknown.status);
        QCOMPARE(QByteArray(stranger.body).replace(p.id.toLatin1(), p.unknown.toLatin1()),
                 unknown.body);
    }

    // Nothing was taken from the old account: an admin still sees it all,
    // under the old id and the name it had.
    const QJsonObject job
        = AccountDaemon::json(s.call("GET", "/jobs/" + exportJob.toLatin1(), root));
    QCOMPARE(job.value(u"owner"_s).toString(), u"dave"_s);
    QCOMPARE(job.value(u"owner_id"_s).toString(), oldDaveId);
    QCOMPARE(s.call("GET", "/uploads/" + uploadId.toLatin1() + "/content", root).body, Csv);

    // The new dave's own things carry its new id.
    const Reply mine = s.send("PUT", "/uploads/mine.csv", newDave, Csv, "text/csv");
    QCOMPARE(mine.status, 201);
    const QString newDaveId = AccountDaemon::json(mine).value(u"account_id"_s).toString();
    QVERIFY(!newDaveId.isEmpty());
    QVERIFY(newDaveId != oldDaveId);
    QCOMPARE(AccountDaemon::json(mine).value(u"account"_s).toString(), u"dave"_s);
    QCOMPARE(AccountDaemon::json(s.call("GET", "/jobs", newDave)).value(u"total"_s).toInt(), 1);
}

// A data dir from before accounts had ids: a version 1 config, jobs.db at
// schema version 1 and the first uploads.db, every row owned by a name.
// After the upgrade each account keeps what its name owned; the rows of a
// name no longer in the config belong to no one but admins.
void tst_Identity::nameOwnedDataMigrates()
{
    AccountDaemon s;
    const QString dataDir = s.dataDir();
    const QString rootToken = u"sluice_legacy-root-token"_s;
    const QString aliceToken = u"sluice_legacy-alice-token"_s;
    const auto account = [](const char *name, bool admin, const QString &token) -> QByteArray {
        return "{\"name\": \"" + QByteArray(name) + "\", \"admin\": " + (admin ? "true" : "false")
            + ", \"tokens\": [{\"sha256\": \"" + sluice::config::tokenDigest(token).toHex()
            + "\", \"created\": \"2026-01-01T00:00:00Z\"}]}";
    };
    {
        QFile config(s.configPath());
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(
            "{\"version\": 1, \"listen\": \"127.0.0.1:0\", \"datasets\": [], \"accounts\": ["
            + account("root", true, rootToken) + ", " + account("alice", false, aliceToken)
            + "]}\n");
    }
    const QString aliceJob = u"aliceJob00000000000000"_s, goneJob = u"goneJob000000000000000"_s;
    QVERIFY(QDir().mkpath(dataDir + u"/results"_s));
    const QString resultPath = dataDir + u"/results/"_s + aliceJob + u".txt"_s;
    const QByteArray result = "alice's result\n";
    {
        QFile file(resultPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(result);
    }
    QString error
        = writeVersion1JobStore(dataDir + u"/jobs.db"_s,
                                {{aliceJob, u"alice"_s, u"succeeded"_s, resultPath, result.size()},
                                 {goneJob, u"gone"_s, u"succeeded"_s, {}, -1}});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString aliceUpload = u"u0000000000000000000000000000a11c"_s;
    const QString goneUpload = u"u00000000000000000000000000000de1"_s;
    QVERIFY(QDir().mkpath(dataDir + u"/uploads"_s));
    for (const QString &id : {aliceUpload, goneUpload}) {
        QFile file(dataDir + u"/uploads/"_s + id);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(Csv);
    }
    error = writeFirstUploadStore(dataDir + u"/uploads.db"_s,
                                  {{aliceUpload, u"alice"_s, u"a.csv"_s, Csv.size(), hexOf(Csv)},
                                   {goneUpload, u"gone"_s, u"g.csv"_s, Csv.size(), hexOf(Csv)}});
    QVERIFY2(error.isEmpty(), qPrintable(error));

    QVERIFY2(s.start(), s.daemon.output.constData());

    // alice keeps what her name owned...
    const QJsonObject jobs = AccountDaemon::json(s.call("GET", "/jobs", aliceToken));
    QCOMPARE(jobs.value(u"total"_s).toInt(), 1);
    const QJsonObject job
        = AccountDaemon::json(s.call("GET", "/jobs/" + aliceJob.toLatin1(), aliceToken));
    QCOMPARE(job.value(u"owner"_s).toString(), u"alice"_s);
    QCOMPARE(job.value(u"owner_id"_s).toString(), u"name:alice"_s);
    QCOMPARE(s.call("GET", "/jobs/" + aliceJob.toLatin1() + "/result", aliceToken).body, result);
    const Reply upload = s.call("GET", "/uploads/" + aliceUpload.toLatin1(), aliceToken);
    QCOMPARE(upload.status, 200);
    QCOMPARE(AccountDaemon::json(upload).value(u"account_id"_s).toString(), u"name:alice"_s);
    QCOMPARE(s.call("GET", "/uploads/" + aliceUpload.toLatin1() + "/content", aliceToken).body,
             Csv);
    // ...but not what a name no longer in the config owned: only admins see that.
    QCOMPARE(s.call("GET", "/jobs/" + goneJob.toLatin1(), aliceToken).status, 404);
    QCOMPARE(s.call("GET", "/uploads/" + goneUpload.toLatin1(), aliceToken).status, 404);
    const QJsonObject gone
        = AccountDaemon::json(s.call("GET", "/jobs/" + goneJob.toLatin1(), rootToken));
    QCOMPARE(gone.value(u"owner"_s).toString(), u"gone"_s);
    QCOMPARE(s.call("GET", "/uploads/" + goneUpload.toLatin1(), rootToken).status, 200);

    // A name added now is a new account, even one that owned rows before:
    // what "gone" owned stays out of reach.
    const QString newGone = s.add(u"gone"_s);
    QTRY_COMPARE_WITH_TIMEOUT(s.call("GET", "/jobs", newGone).status, 200, 5000);
    QCOMPARE(AccountDaemon::json(s.call("GET", "/jobs", newGone)).value(u"total"_s).toInt(), 0);
    QCOMPARE(s.call("GET", "/jobs/" + goneJob.toLatin1(), newGone).status, 404);
    QCOMPARE(s.call("GET", "/uploads/" + goneUpload.toLatin1(), newGone).status, 404);
    // The config was saved in the new format, alice under her derived id.
    QVERIFY(s.token({u"list"_s}).out.contains(u"name:alice"_s));
    QCOMPARE(AccountDaemon::json(s.call("GET", "/jobs", aliceToken)).value(u"total"_s).toInt(), 1);
}

QTEST_GUILESS_MAIN(tst_Identity)
#include "tst_identity.moc"
