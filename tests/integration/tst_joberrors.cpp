// What a job's owner reads when something fails: the cause by name (ENOSPC,
// not "Unknown error"), and never the server's own folders. The data dir is
// a small tmpfs of its own, so that a disk fills for real; mounting needs
// root, as in CI. The event log keeps the full paths for the operator.
#include "diskservice.h"
#include "tmpfsmount.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 MiB = 1024 * 1024;

QJsonObject json(const Reply &reply)
{
    return QJsonDocument::fromJson(reply.body).object();
}

QByteArray selftest(int steps, qint64 bytesPerStep)
{
    return QJsonDocument(QJsonObject {{u"kind"_s, u"selftest"_s},
                                      {u"params"_s,
                                       QJsonObject {{u"steps"_s, steps},
                                                    {u"step_ms"_s, 0},
                                                    {u"bytes_per_step"_s, bytesPerStep}}}})
        .toJson(QJsonDocument::Compact);
}

QByteArray readEventLog(const QString &dataDir)
{
    QByteArray all;
    for (const QString &file : filesUnder(dataDir + u"/logs"_s)) {
        QFile f(file);
        if (f.open(QIODevice::ReadOnly))
            all += f.readAll();
    }
    return all;
}

// Replaces a folder of the data dir by a regular file, so that nothing can
// be created in it (root ignores permissions; a file is in everyone's way).
bool blockFolder(const QString &path)
{
    if (!QDir(path).removeRecursively())
        return false;
    QFile blocker(path);
    return blocker.open(QIODevice::WriteOnly);
}

bool unblockFolder(const QString &path)
{
    return QFile::remove(path) && QDir().mkpath(path);
}

} // namespace

class tst_JobErrors : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void selftestOnFullDiskNamesTheCause();
    void noResponseShowsTheDataDir();

private:
    std::unique_ptr<QTemporaryDir> m_dataDir;
    std::unique_ptr<TmpfsMount> m_disk;
    QTemporaryDir m_sourceDir;
};

void tst_JobErrors::init()
{
    m_dataDir = std::make_unique<QTemporaryDir>();
    m_disk = std::make_unique<TmpfsMount>(m_dataDir->path(), 16 * MiB);
    if (!m_disk->isMounted()) {
        if (::geteuid() == 0) // CI runs as root: there, this must run
            QFAIL(qPrintable(m_disk->error()));
        QSKIP(qPrintable(m_disk->error() + u" (not root): job errors are not tested"_s));
    }
}

void tst_JobErrors::cleanup()
{
    m_disk.reset();
    m_dataDir.reset();
}

// A selftest job's write meets the end of the disk part-way: its error says
// "no space left on device", not Qt's "Unknown error" for a short write.
void tst_JobErrors::selftestOnFullDiskNamesTheCause()
{
    DiskService f(m_dataDir->path(), m_sourceDir.filePath(u"none.sqlite"_s));
    if (QTest::currentTestFailed())
        return;
    QVERIFY(writeBallast(m_dataDir->filePath(u"ballast"_s), 1 * MiB));
    const Reply submitted = f.callAs(f.root, "POST", "/jobs", selftest(8, 1024 * 1024));
    QCOMPARE(submitted.status, 202);
    const QString id = json(submitted).value(u"id"_s).toString();
    QTRY_COMPARE_WITH_TIMEOUT(f.state(id), u"failed"_s, 20'000);
    const QJsonObject job = f.job(id);
    for (const QJsonValue &entry : job.value(u"attempt_log"_s).toArray()) {
        const QString error = entry.toObject().value(u"error"_s).toString();
        QVERIFY2(error.contains(u"no space left on device (ENOSPC)"_s), qPrintable(error));
        QVERIFY2(!error.contains(u"Unknown error"_s), qPrintable(error));
    }
    QCOMPARE(job.value(u"attempt_log"_s).toArray().size(), 2);
}

// Jobs fail in the ways that used to name the server's folders (a write, a
// temp folder, publishing a result), uploads fail on the full disk, and a
// sweep of the routes, as the owner and as an admin, finds the data dir's
// absolute path in no body. The event log still has it.
void tst_JobErrors::noResponseShowsTheDataDir()
{
    const QString dataDir = QDir(m_dataDir->path()).absolutePath();
    const QString source = m_sourceDir.filePath(u"source.sqlite"_s);
    const QString error = createRowsSource(source);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    DiskService f(dataDir, source);
    if (QTest::currentTestFailed())
        return;
    QList<Reply> replies;
    const auto keep = [&](const Reply &reply) {
        replies.append(reply);
        return reply;
    };
    QStringList jobs;
    const auto submitted = [&](const Reply &reply) {
        keep(reply);
        const QString id = json(reply).value(u"id"_s).toString();
        jobs.append(id);
        return id;
    };

    // A result that cannot be published: results/ is in the way.
    const QString results = dataDir + u"/results"_s;
    QVERIFY(blockFolder(results));
    const QString unpublished = submitted(f.callAs(f.root, "POST", "/jobs", selftest(1, 100)));
    QTRY_COMPARE_WITH_TIMEOUT(f.state(unpublished), u"failed"_s, 20'000);
    QVERIFY(unblockFolder(results));

    // A job whose temp folder cannot be created.
    const QString temp = dataDir + u"/tmp/jobs"_s;
    QVERIFY(blockFolder(temp));
    const QString noTemp = submitted(f.callAs(f.root, "POST", "/jobs", selftest(1, 100)));
    QTRY_COMPARE_WITH_TIMEOUT(f.state(noTemp), u"failed"_s, 20'000);
    QVERIFY(unblockFolder(temp));

    // An upload that is stored, and then the disk fills: an export job that
    // fails writing, and uploads refused or cut short.
    const Reply stored = keep(f.call("PUT", "/uploads/small.csv", "a,b\n1,2\n"));
    QCOMPARE(stored.status, 201);
    const QString upload = json(stored).value(u"id"_s).toString();
    QVERIFY(writeBallast(dataDir + u"/ballast"_s, 1 * MiB));
    const QString export_ = submitted(
        f.call("POST", "/exports", R"({"dataset":"rows","from":"2025-01-01","to":"2025-03-31"})"));
    QTRY_COMPARE_WITH_TIMEOUT(f.state(export_), u"failed"_s, 20'000);
    QVERIFY(keep(f.call("PUT", "/uploads/big.bin", QByteArray(2 * MiB, 'x'))).status >= 400);
    keep(f.call("PUT", "/uploads/chunked.bin", {},
                "Transfer-Encoding: chunked\r\n\r\n200000\r\n" + QByteArray(0x200000, 'y')
                    + "\r\n0\r\n"));
    keep(f.callAs(f.root, "POST", "/jobs", selftest(4, 1024 * 1024)));

    // The sweep, as the owner and as an admin.
    for (const QString &token : {f.alice, f.root}) {
        const QByteArray uploadPath = "/uploads/" + upload.toLatin1();
        for (const QByteArray &path :
             QList<QByteArray> {"/jobs"_ba, "/jobs?state=failed"_ba, "/api/status"_ba,
                                "/metrics"_ba, "/healthz"_ba, "/readyz"_ba, uploadPath,
                                QByteArray(uploadPath + "/content"), "/uploads/nothere"_ba}) {
            keep(f.callAs(token, "GET", path));
        }
        for (const QString &id : std::as_const(jobs)) {
            const QByteArray path = "/jobs/" + id.toLatin1();
            keep(f.callAs(token, "GET", path));
            keep(f.callAs(token, "GET", path + "/result"));
            keep(f.callAs(token, "POST", path + "/cancel"));
        }
    }
    QVERIFY(replies.size() > 40);
    for (const Reply &reply : std::as_const(replies)) {
        QVERIFY2(reply.status != 0, "a request got no response");
        QVERIFY2(!reply.body.contains(dataDir.toUtf8()), reply.body.constData());
    }
    // What the owner reads still says what failed, relative to the data dir.
    const auto lastError = [&](const QString &id) {
        return f.job(id).value(u"error"_s).toString();
    };
    QVERIFY2(lastError(unpublished).contains(u"into results: Not a directory"_s),
             qPrintable(lastError(unpublished)));
    QVERIFY2(lastError(noTemp).contains(u"tmp/jobs/%1-1"_s.arg(noTemp)),
             qPrintable(lastError(noTemp)));
    QVERIFY2(lastError(export_).startsWith(u"cannot write tmp/jobs/%1-"_s.arg(export_)),
             qPrintable(lastError(export_)));

    // The operator's event log keeps the full paths.
    QTRY_VERIFY(readEventLog(dataDir).contains((temp + u'/' + noTemp).toUtf8()));
}

QTEST_GUILESS_MAIN(tst_JobErrors)
#include "tst_joberrors.moc"
