// The composition root in-process: start, serve from its own thread, stop,
// restart, reload accounts from the config file, and report a failed start.
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QJsonDocument>
#include <QJsonObject>
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
    void failedStartNamesTheAddress();
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

    service->stop();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("stopped"));
    QTcpSocket probe;
    probe.connectToHost(QHostAddress::LocalHost, port);
    QVERIFY(!probe.waitForConnected(1000));

    service->start();
    QTRY_COMPARE(service::toString(service->status().state), QStringLiteral("running"));
    QCOMPARE(request(portOf(service->status()), get("/healthz")).status, 200);

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

QTEST_GUILESS_MAIN(tst_Service)
#include "tst_service.moc"
