// The composition root in-process: start, serve from its own thread, stop,
// restart, reload accounts from the config file, and report a failed start.
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"
#include "util/lockfile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;

namespace {

std::unique_ptr<service::Service> makeService(const QTemporaryDir &dir, quint16 port = 0)
{
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded)
        qFatal("%s", qPrintable(loaded.error().message));
    loaded->config.datasets.clear(); // no demo database to generate here
    service::Service::Options options {dir.path(), configPath,
                                       service::ListenAddress {QHostAddress::LocalHost, port}};
    return std::make_unique<service::Service>(options, *loaded);
}

quint16 portOf(const service::ServiceStatus &s)
{
    return quint16(s.listenAddress.section(QLatin1Char(':'), -1).toUInt());
}

} // namespace

class tst_Service : public QObject
{
    Q_OBJECT
private slots:
    void startServeStopRestart();
    void reloadsAccountsWhenConfigChanges();
    void inPlaceEditIsPickedUp();
    void badEditIsRefusedNamingTheLine();
    void failedStartNamesTheAddress();
    void secondServiceOnOneDataDirTouchesNothing();
    void applyLeavesAConfigThatNoLongerParses();
    void refusedServiceSweepsNothingAfterAConfigReload();
    void applyKeepsAccountsWhenTheConfigFileIsMissing();
    void startsInADataDirThatDoesNotExistYet();
};

void tst_Service::startServeStopRestart()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    const QString token = service->firstRunToken();
    QVERIFY(token.startsWith(QLatin1String("sluice_")));
    QSignalSpy spy(service.get(), &service::ServiceFacade::statusChanged);

    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    const quint16 port = portOf(service->status());
    QVERIFY(port != 0);
    // The client below blocks this thread while it waits: an answer proves the
    // server runs on a thread of its own.
    const Reply status = request(port, get("/api/status", bearer(token)));
    QCOMPARE(status.status, 200);
    const QJsonObject o = QJsonDocument::fromJson(status.body).object();
    QCOMPARE(o.value(QLatin1String("listen")).toString(), service->status().listenAddress);
    QCOMPARE(o.value(QLatin1String("version")).toString(), QStringLiteral(SLUICE_VERSION));
    QCOMPARE(request(port, get("/healthz")).status, 200);
    QTRY_VERIFY(service->status().requestsTotal >= 2);
    const quint64 served = service->status().requestsTotal;

    service->stop();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("stopped"));
    // Issue 23, defect 8: the total is the service's, like /metrics', not the
    // listener's: it does not drop to 0 when the service stops.
    QCOMPARE(service->status().requestsTotal, served);
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!probe.waitForConnected(1000));

    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    QCOMPARE(request(portOf(service->status()), get("/healthz")).status, 200);
    QTRY_COMPARE(service->status().requestsTotal, served + 1);

    QStringList states;
    for (const auto &args : std::as_const(spy))
        states << service::toString(args.at(0).value<service::ServiceStatus>().state);
    states.removeDuplicates();
    QCOMPARE(states,
             QStringList({QStringLiteral("starting"), QStringLiteral("running"),
                          QStringLiteral("stopping"), QStringLiteral("stopped")}));
}

void tst_Service::reloadsAccountsWhenConfigChanges()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    const quint16 port = portOf(service->status());

    const QString path = dir.filePath(QStringLiteral("config.json"));
    auto cfg = config::Config::load(path);
    QVERIFY(cfg);
    auto token = cfg->addToken(QStringLiteral("alice"), false);
    QVERIFY(token);
    QCOMPARE(request(port, get("/api/status", bearer(*token))).status, 401);
    QVERIFY(cfg->save(path));
    QTRY_COMPARE(request(port, get("/api/status", bearer(*token))).status, 200);

    QVERIFY(cfg->revokeAccount(QStringLiteral("alice")));
    QVERIFY(cfg->save(path));
    QTRY_COMPARE(request(port, get("/api/status", bearer(*token))).status, 401);
}

namespace {

// Rewrites the file in place (same inode, as an editor that does not rename
// does), replacing `from` with `to` in its text.
bool editInPlace(const QString &path, const QByteArray &from, const QByteArray &to)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadWrite))
        return false;
    QByteArray text = file.readAll();
    if (!text.contains(from))
        return false;
    text.replace(from, to);
    return file.seek(0) && file.write(text) == text.size() && file.resize(text.size());
}

} // namespace

void tst_Service::inPlaceEditIsPickedUp()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const qint64 before = service->limits().maxActiveJobs;
    const QByteArray key = "\"max_active_jobs\": ";
    QVERIFY(editInPlace(path, key + QByteArray::number(before), key + "7"));
    QTRY_COMPARE(service->limits().maxActiveJobs, 7);
    // And again after the file was replaced by a rename (its watch renewed).
    auto cfg = config::Config::load(path);
    QVERIFY(cfg);
    cfg->limits.maxActiveJobs = 5;
    QVERIFY(cfg->save(path));
    QTRY_COMPARE(service->limits().maxActiveJobs, 5);
    QVERIFY(editInPlace(path, key + "5", key + "6"));
    QTRY_COMPARE(service->limits().maxActiveJobs, 6);
}

void tst_Service::badEditIsRefusedNamingTheLine()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const qint64 before = service->limits().maxActiveJobs;
    const QByteArray key = "\"max_active_jobs\": ";
    QVERIFY(editInPlace(path, key + QByteArray::number(before), key + "\"five\""));
    const auto rejections = [&] {
        QStringList out;
        for (const metrics::Event &e : service->recentEvents()) {
            if (e.kind == QStringLiteral("config_rejected"))
                out.append(e.detail);
        }
        return out;
    };
    QTRY_COMPARE(rejections().size(), 1);
    const QString detail = rejections().constFirst();
    QVERIFY2(detail.contains(QRegularExpression(QStringLiteral("config\\.json:\\d+: "))),
             qPrintable(detail));
    QVERIFY2(detail.contains(QStringLiteral("max_active_jobs")), qPrintable(detail));
    QCOMPARE(service->limits().maxActiveJobs, before); // the running config stays
    // Saved again with the same mistake: not recorded twice.
    QVERIFY(editInPlace(path, "\"five\"", "\"five\" "));
    QTest::qWait(600);
    QCOMPARE(rejections().size(), 1);
    // Fixed: applied.
    QVERIFY(editInPlace(path, key + "\"five\" ", key + "4"));
    QTRY_COMPARE(service->limits().maxActiveJobs, 4);
}

void tst_Service::failedStartNamesTheAddress()
{
    QTcpServer occupier;
    QVERIFY(occupier.listen(QHostAddress::LocalHost, 0));
    QTemporaryDir dir;
    auto service = makeService(dir, occupier.serverPort());
    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("failed"));
    QVERIFY2(service->status().error.contains(QString::number(occupier.serverPort())),
             qPrintable(service->status().error));
}

// Another process holds the data dir (here: this test holds its lock): the
// Service neither opens nor creates the job store, recovers nothing, and its
// start fails naming the holder.
void tst_Service::secondServiceOnOneDataDirTouchesNothing()
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded);
    loaded->config.datasets.clear();
    auto held = LockFile::tryLock(dir.filePath(QStringLiteral("sluice.lock")));
    QVERIFY(held);
    QVERIFY(!service::Service::lockDataDir(dir.path()));
    // A resumable upload's bytes whose record the holder is writing right
    // now: a start-up of resumable uploads would delete them as orphans.
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("resumable")));
    const QString inFlight
        = dir.filePath(QStringLiteral("resumable/u0123456789abcdef0123456789abcdef.bin"));
    {
        QFile file(inFlight);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("the other process's bytes");
    }

    {
        service::Service service(
            service::Service::Options {dir.path(), configPath,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        service.start();
        QTRY_COMPARE(service::toString(service.status().state), QStringLiteral("failed"));
        const QString error = service.status().error;
        QVERIFY2(
            error.contains(QStringLiteral("process %1").arg(QCoreApplication::applicationPid()))
                && error.contains(dir.path()),
            qPrintable(error));
        // Nor does it write the other process's config.
        QFile before(configPath);
        QVERIFY(before.open(QIODevice::ReadOnly));
        const QByteArray original = before.readAll();
        QSignalSpy applied(&service, &service::ServiceFacade::limitsApplyFinished);
        config::Limits limits = service.limits();
        limits.maxQueueDepth += 1;
        service.applyLimits(limits);
        QVERIFY(!applied.isEmpty() || applied.wait(5'000));
        QVERIFY(!applied.first().first().value<service::LimitsApplyResult>().ok);
        QFile after(configPath);
        QVERIFY(after.open(QIODevice::ReadOnly));
        QCOMPARE(after.readAll(), original);
    }
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("jobs.db"))));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("uploads.db"))));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("tmp"))));
    QVERIFY(QFile::exists(inFlight));

    // Once the holder lets go, the same data dir starts normally.
    held->reset();
    auto service = makeService(dir);
    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("jobs.db"))));
}

// Apply used to write the in-memory config over a file that no longer
// parsed (a hand edit in progress, say). Now it fails, naming the file and
// the fault, and the file stays as the person left it.
void tst_Service::applyLeavesAConfigThatNoLongerParses()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    const QString path = dir.filePath(QStringLiteral("config.json"));
    QByteArray broken;
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::ReadOnly));
        broken = f.readAll();
    }
    broken.replace("\"limits\"", "\"limits\" oops");
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
        f.write(broken);
    }
    QSignalSpy done(service.get(), &service::ServiceFacade::limitsApplyFinished);
    config::Limits limits = service->limits();
    limits.maxQueueDepth += 1;
    service->applyLimits(limits);
    QVERIFY(done.wait(10'000));
    const auto result = done.first().first().value<service::LimitsApplyResult>();
    QVERIFY(!result.ok);
    QVERIFY2(result.errors.join(u' ').contains(path + QStringLiteral(":")),
             qPrintable(result.errors.join(u' ')));
    QCOMPARE(service->limits().maxQueueDepth, limits.maxQueueDepth - 1);
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), broken);
}

// Review of issue 17: a Service refused its data dir (another process holds
// it) still follows the config file. A reload calls applyConfig(), which
// starts the upload store's temp sweeper on a store that never started, and
// the sweeper deletes the other process's upload temp files (its registry of
// live files is in the other process). Now a refused Service neither reloads
// nor applies limits, and a store that never started never sweeps.
void tst_Service::refusedServiceSweepsNothingAfterAConfigReload()
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(QStringLiteral("config.json"));
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded);
    loaded->config.datasets.clear();
    // "The other process": its lock, and a temp file one of its requests owns
    // (a finished part waiting for the rest of its form, an hour old).
    auto held = LockFile::tryLock(dir.filePath(QStringLiteral("sluice.lock")));
    QVERIFY(held);
    QVERIFY(QDir().mkpath(dir.filePath(QStringLiteral("tmp"))));
    const QString part = dir.filePath(QStringLiteral("tmp/upload-abcdef.part"));
    {
        QFile f(part);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("owned by the other process");
        QVERIFY(f.flush()); // or closing would make it new again
        QVERIFY(f.setFileTime(QDateTime::currentDateTimeUtc().addSecs(-3600),
                              QFileDevice::FileModificationTime));
    }

    service::Service service(
        service::Service::Options {dir.path(), configPath,
                                   service::ListenAddress {QHostAddress::LocalHost, 0}},
        *loaded);
    service.start();
    QTRY_COMPARE(service::toString(service.status().state), QStringLiteral("failed"));

    // The other process (or `sluiced token add`) changes the config file.
    QSignalSpy changed(&service, &service::ServiceFacade::limitsChanged);
    QVERIFY(config::updateConfigFile(configPath, [](config::Config &c) {
        c.limits.tempFileTtlMs = 60'000; // the sweeper runs every 6 s
        return Expected<void> {};
    }));
    // It does not follow the file at all (it used to, and its sweeper ran):
    // nothing to wait for but one sweep interval and the reload debounce.
    QTest::qWait(7'000);
    QVERIFY2(changed.isEmpty(), "a Service refused the data dir applied a config change");
    QVERIFY2(QFile::exists(part), "a Service refused the data dir deleted another process's file");
    QVERIFY2(!QFile::exists(dir.filePath(QStringLiteral("logs"))),
             "a Service refused the data dir wrote into its logs folder");
}

// Review of issue 17: Apply used to fall back on the in-memory config when
// the file could not be read; updateConfigFile() starts from a default
// Config when the file is missing, so Apply writes a config with no
// accounts, and the reload that follows locks every client out.
void tst_Service::applyKeepsAccountsWhenTheConfigFileIsMissing()
{
    QTemporaryDir dir;
    auto service = makeService(dir);
    const QString token = service->firstRunToken();
    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    const quint16 port = portOf(service->status());
    QCOMPARE(request(port, get("/api/status", bearer(token))).status, 200);

    const QString path = dir.filePath(QStringLiteral("config.json"));
    QVERIFY(QFile::remove(path)); // moved aside by an operator, a config tool...
    QTest::qWait(500); // the reload that fails ("config not reloaded")

    QSignalSpy done(service.get(), &service::ServiceFacade::limitsApplyFinished);
    config::Limits limits = service->limits();
    limits.maxQueueDepth += 1;
    service->applyLimits(limits);
    QVERIFY(done.wait(10'000));
    QTest::qWait(1'000); // the reload of what Apply wrote

    if (QFile::exists(path)) {
        auto written = config::Config::load(path);
        QVERIFY(written);
        QVERIFY2(written->account(QString::fromLatin1(config::Config::DefaultAccount)),
                 "Apply wrote a config file without the accounts the service runs with");
    }
    QCOMPARE(request(port, get("/api/status", bearer(token))).status, 200);
}

// Review of issue 17: the Service used to create its data dir (the job
// engine's mkpath); now its own lockDataDir() opens DIR/sluice.lock first,
// which fails with ENOENT when DIR does not exist yet, and the service fails
// ("cannot open the lock file"). Only the programs create the dir first.
void tst_Service::startsInADataDirThatDoesNotExistYet()
{
    QTemporaryDir parent;
    const QString dataDir = parent.filePath(QStringLiteral("new/data"));
    const QString configPath = parent.filePath(QStringLiteral("config.json"));
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded);
    loaded->config.datasets.clear();
    service::Service service(
        service::Service::Options {dataDir, configPath,
                                   service::ListenAddress {QHostAddress::LocalHost, 0}},
        *loaded);
    service.start();
    QTRY_VERIFY(service.status().state == service::ServiceState::Running
                || service.status().state == service::ServiceState::Failed);
    QVERIFY2(service.status().state == service::ServiceState::Running,
             qPrintable(service.status().error));
}

QTEST_GUILESS_MAIN(tst_Service)
#include "tst_service.moc"
