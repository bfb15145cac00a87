// An export job on a full disk: the data dir is a small tmpfs of its own
// (jobs.db, the attempt's temp file and results/ share it, as on a real
// server), filled by a ballast file until the export no longer fits. The job
// fails, naming the cause, after its automatic retries; its temp file is
// removed; other requests are served meanwhile; once the ballast is gone, a
// retry succeeds. Mounting needs root, as in CI.
#include "exporttesting.h"
#include "testsupport.h"
#include "tmpfsmount.h"

#include "config/config.h"
#include "service/service.h"

#include <QDirIterator>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 MiB = 1024 * 1024;
constexpr qint64 kDiskBytes = 16 * MiB;
constexpr qint64 kFreeBytes = 1 * MiB; // what the ballast leaves
constexpr int kRows = 40'000; // about 4 MiB of CSV, one row a minute from 2025-01-01

QString createSource(const QString &path)
{
    return createSqliteDatabase(
        path,
        {u"CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, label TEXT)"_s,
         u"CREATE INDEX t_at ON t (at)"_s,
         u"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1) "
         "INSERT INTO t SELECT i, strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || i || "
         "' minutes'), printf('row %d, \"%.60c\"', i, 'x') FROM n"_s.arg(kRows)});
}

struct Fixture : JobClient
{
    std::unique_ptr<service::Service> service;
    QString alice;

    Fixture(const QString &dataDir, const QString &source)
    {
        const QString path = dataDir + u"/config.json"_s;
        auto loaded = config::loadOrCreate(path);
        QVERIFY(loaded);
        config::Limits &l = loaded->config.limits;
        l.minFreeDiskBytes = 0;
        l.exportBatchRows = 1000;
        l.maxAttempts = 2;
        l.retryBaseDelayMs = 100;
        l.retryMaxDelayMs = 200;
        alice = *loaded->config.addToken(u"alice"_s, false);
        token = alice;
        config::Dataset d;
        d.name = u"rows"_s;
        d.database = source;
        d.table = u"t"_s;
        d.timeColumn = u"at"_s;
        d.columns = {u"id"_s, u"at"_s, u"label"_s};
        d.neutralizeFormulas = false;
        loaded->config.datasets = {d};
        QVERIFY(loaded->config.save(path));
        service = std::make_unique<service::Service>(
            service::Service::Options {
                dataDir, path, service::ListenAddress {QHostAddress::LocalHost, 0}, {}},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }
};

qint64 freeBytes(const QString &path)
{
    return QStorageInfo(path).bytesAvailable();
}

// Fills `path` until about `leave` bytes are free on its file system.
bool writeBallast(const QString &path, qint64 leave)
{
    QFile ballast(path);
    if (!ballast.open(QIODevice::WriteOnly))
        return false;
    const QByteArray block(64 * 1024, 'b');
    while (freeBytes(QFileInfo(path).absolutePath()) - block.size() >= leave) {
        if (ballast.write(block) != block.size() || !ballast.flush())
            return false;
    }
    return true;
}

} // namespace

class tst_ExportDiskFull : public QObject
{
    Q_OBJECT
private slots:
    void exportJobOnFullDisk();
};

void tst_ExportDiskFull::exportJobOnFullDisk()
{
    QTemporaryDir sourceDir; // the dataset's database is not on the small disk
    const QString source = sourceDir.filePath(u"source.sqlite"_s);
    const QString error = createSource(source);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QByteArray expected
        = sqliteShellCsv(source, u"SELECT id, at, label FROM t ORDER BY at"_s);
    QVERIFY(expected.size() > 3 * kFreeBytes);

    QTemporaryDir dataDir;
    TmpfsMount disk(dataDir.path(), kDiskBytes);
    if (!disk.isMounted()) {
        if (::geteuid() == 0) // CI runs as root: there, this must run
            QFAIL(qPrintable(disk.error()));
        QSKIP(qPrintable(disk.error() + u" (not root): export disk full is not tested"_s));
    }
    const QString ballast = dataDir.filePath(u"ballast"_s);
    {
        Fixture f(dataDir.path(), source);
        if (QTest::currentTestFailed())
            return;
        QVERIFY(writeBallast(ballast, kFreeBytes));
        const qint64 freeBefore = freeBytes(dataDir.path());
        qInfo("%lld bytes free for a %lld-byte export", freeBefore, qint64(expected.size()));

        const Reply submitted = f.call(
            "POST", "/exports", R"({"dataset":"rows","from":"2025-01-01","to":"2025-03-31"})");
        QCOMPARE(submitted.status, 202);
        const QString id
            = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString();
        const QByteArray path = "/jobs/" + id.toLatin1();
        QTRY_COMPARE_WITH_TIMEOUT(f.state(id), u"failed"_s, 20'000);

        // Both attempts failed on the full disk, and say so.
        const auto namesDiskFull = [](const QJsonValue &error) {
            const QString text = error.toString();
            return text.startsWith(u"the disk is full: cannot write "_s)
                && text.endsWith(u": No space left on device"_s);
        };
        const QJsonObject failed = f.job(id);
        QCOMPARE(failed.value(u"attempts"_s).toInt(), 2);
        QCOMPARE(failed.value(u"error_reason"_s).toString(), u"error"_s);
        QVERIFY2(namesDiskFull(failed.value(u"error"_s)),
                 qPrintable(failed.value(u"error"_s).toString()));
        const QJsonArray log = failed.value(u"attempt_log"_s).toArray();
        QCOMPARE(log.size(), 2);
        for (const QJsonValue &entry : log) {
            const QJsonObject e = entry.toObject();
            QCOMPARE(e.value(u"outcome"_s).toString(), u"failed"_s);
            QVERIFY2(namesDiskFull(e.value(u"error"_s)),
                     qPrintable(e.value(u"error"_s).toString()));
        }
        // The partial file is gone and its space is back; nothing was published.
        QTRY_VERIFY(filesUnder(dataDir.filePath(u"tmp/jobs"_s)).isEmpty());
        QVERIFY(filesUnder(dataDir.filePath(u"results"_s)).isEmpty());
        QVERIFY(freeBytes(dataDir.path()) >= freeBefore - 128 * 1024);
        QCOMPARE(f.call("GET", path + "/result").status, 409);

        // Other requests are served as before: health, the job list, a small live export.
        QCOMPARE(f.call("GET", "/healthz").status, 200);
        QCOMPARE(f.call("GET", "/jobs").status, 200);
        const Reply live = f.call("GET", "/exports/rows.csv?from=2025-01-02&to=2025-01-02");
        QCOMPARE(live.status, 200);
        QCOMPARE(parseCsv(live.body)->size(), 1 + 24 * 60);

        // Space returns: a retry of the same job succeeds, whole.
        QVERIFY(QFile::remove(ballast));
        QCOMPARE(f.call("POST", path + "/retry").status, 200);
        QTRY_COMPARE_WITH_TIMEOUT(f.state(id), u"succeeded"_s, 20'000);
        QCOMPARE(parseCsv(f.call("GET", path + "/result").body), parseCsv(expected));
        QCOMPARE(filesUnder(dataDir.filePath(u"results"_s)).size(), 1);
        QTRY_VERIFY(filesUnder(dataDir.filePath(u"tmp/jobs"_s)).isEmpty());
    }
}

QTEST_GUILESS_MAIN(tst_ExportDiskFull)
#include "tst_exportdiskfull.moc"
