// The window's client of a remote service (RemoteServiceFacade) against a
// real sluiced child process: it follows the service live, its commands do
// what the embedded service's do, it comes back after the service restarts,
// and it refuses tokens and certificates it must not accept.
#include "daemon.h"
#include "testsupport.h"

#include "remote/remoteservicefacade.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::test;
using remote::RemoteOptions;
using remote::RemoteServiceFacade;
using service::ConnectionState;

class tst_RemoteFacade : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void followsTheServiceLive();
    void refusedTokensStopIt();
    void cancelsRetriesAndRemovesJobs();
    void changesALimitThatTheServiceThenEnforces();
    void invalidLimitsNameTheFieldAndChangeNothing();
    void abortsATransfer();
    void comesBackAfterARestartAndRefetches();
    void untrustedCertificateIsShownThenPinned();
    void changedCertificateIsRefused();

private:
    bool startDaemon(const QStringList &extraArgs = {});
    std::unique_ptr<RemoteServiceFacade> connectTo(const QString &token,
                                                   const QString &pinned = {});
    QString scheme() const { return m_https ? u"https"_s : u"http"_s; }
    QByteArray api(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                   int *status = nullptr);

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<Daemon> m_daemon;
    QString m_admin;
    bool m_https = false;
};

namespace {

bool waitForState(RemoteServiceFacade &facade, ConnectionState state, int timeoutMs = 10'000)
{
    return QTest::qWaitFor([&] { return facade.connection().state == state; }, timeoutMs);
}

QString describe(const RemoteServiceFacade &facade)
{
    return u"%1: %2"_s.arg(service::toString(facade.connection().state),
                           facade.connection().message);
}

} // namespace

void tst_RemoteFacade::init()
{
    m_daemon.reset();
    m_dir = std::make_unique<QTemporaryDir>();
    m_admin = QString::fromLatin1(writeDaemonConfig(m_dir->path()));
    m_https = false;
    QVERIFY(!m_admin.isEmpty());
}

bool tst_RemoteFacade::startDaemon(const QStringList &extraArgs)
{
    m_daemon = std::make_unique<Daemon>();
    return m_daemon->start(m_dir->path(), extraArgs);
}

std::unique_ptr<RemoteServiceFacade> tst_RemoteFacade::connectTo(const QString &token,
                                                                 const QString &pinned)
{
    RemoteOptions options;
    options.url = QUrl(u"%1://127.0.0.1:%2"_s.arg(scheme()).arg(m_daemon->port));
    options.token = token;
    options.pinnedFingerprint = pinned;
    options.reconnectMinMs = 100;
    options.reconnectMaxMs = 500;
    return std::make_unique<RemoteServiceFacade>(options);
}

// One plain-HTTP request as the admin, outside the facade.
QByteArray tst_RemoteFacade::api(const QByteArray &method, const QByteArray &path,
                                 const QByteArray &body, int *status)
{
    const Reply r
        = request(m_daemon->port,
                  method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(m_admin)
                      + "Content-Type: application/json\r\n" + "Content-Length: "
                      + QByteArray::number(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    if (status)
        *status = r.status;
    return r.body;
}

void tst_RemoteFacade::followsTheServiceLive()
{
    QVERIFY(startDaemon());
    auto facade = connectTo(m_admin);
    QSignalSpy states(facade.get(), &RemoteServiceFacade::connectionChanged);
    QSignalSpy samples(facade.get(), &RemoteServiceFacade::metricsSampled);
    QSignalSpy limits(facade.get(), &RemoteServiceFacade::limitsChanged);
    QSignalSpy history(facade.get(), &RemoteServiceFacade::historyReady);
    QVERIFY(facade->isRemote());
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QVERIFY(
        QTest::qWaitFor([&] { return facade->status().state == service::ServiceState::Running; }));
    QCOMPARE(facade->status().listenAddress, u"127.0.0.1:%1"_s.arg(m_daemon->port));
    QVERIFY(!limits.isEmpty());
    QCOMPARE(facade->limits().maxStreams, config::Limits {}.maxStreams);
    QCOMPARE(facade->limits().minFreeDiskBytes, 0); // as writeDaemonConfig set it
    // A sample a second, with the service's own figures.
    QVERIFY(samples.wait(5'000));
    QVERIFY(facade->latestSample().residentBytes > 0);
    facade->requestHistory(0, {u"resident_bytes"_s});
    QVERIFY(history.wait(5'000));
    QVERIFY(!history.last()
                 .at(1)
                 .value<service::HistorySnapshot>()
                 .value(u"resident_bytes"_s)
                 .points.isEmpty());
    // An event recorded by the service arrives, with its sequence number.
    QSignalSpy events(facade.get(), &RemoteServiceFacade::eventRecorded);
    // A request that is not HTTP is refused and recorded.
    request(m_daemon->port, "NOT HTTP AT ALL\r\n\r\n");
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (const metrics::Event &e : facade->recentEvents())
                if (e.kind == u"rejected"_s && e.detail.startsWith(u"400"_s))
                    return true;
            return false;
        },
        5'000));
    QVERIFY(facade->recentEvents().constLast().seq > 0);
}

void tst_RemoteFacade::refusedTokensStopIt()
{
    const Run added = runSluiced({u"--data-dir"_s, m_dir->path(), u"token"_s, u"add"_s, u"bob"_s});
    QCOMPARE(added.exitCode, 0);
    const QString bob = added.out.trimmed().section(u'\n', -1);
    QVERIFY(startDaemon());

    auto wrong = connectTo(u"sluice_not-a-token"_s);
    QVERIFY2(waitForState(*wrong, ConnectionState::Unauthorized), qPrintable(describe(*wrong)));
    auto user = connectTo(bob);
    QVERIFY2(waitForState(*user, ConnectionState::Unauthorized), qPrintable(describe(*user)));
    QVERIFY2(user->connection().message.contains(u"not an admin"_s), qPrintable(describe(*user)));
    // And they stay so: no retry loop against a refusal.
    QSignalSpy again(wrong.get(), &RemoteServiceFacade::connectionChanged);
    QTest::qWait(1'000);
    QCOMPARE(again.size(), 0);
}

void tst_RemoteFacade::cancelsRetriesAndRemovesJobs()
{
    QVERIFY(startDaemon());
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QSignalSpy reset(facade.get(), &RemoteServiceFacade::jobsReset);
    QSignalSpy changed(facade.get(), &RemoteServiceFacade::jobsChanged);
    QSignalSpy done(facade.get(), &RemoteServiceFacade::jobCommandFinished);

    int status = 0;
    const auto submit = [&](const QByteArray &params) {
        const QByteArray body
            = api("POST", "/jobs", R"({"kind": "selftest", "params": )" + params + "}", &status);
        return QJsonDocument::fromJson(body).object().value(u"id"_s).toString();
    };
    const QString slow = submit(R"({"steps": 600, "step_ms": 100})");
    QCOMPARE(status, 202);
    const QString failing = submit(R"({"steps": 1, "step_ms": 1, "fail_attempts": 99})");
    QCOMPARE(status, 202);

    facade->requestJobs(50);
    QVERIFY(reset.wait(5'000));
    QStringList listed;
    for (const jobs::JobRecord &j : reset.last().at(0).value<QList<jobs::JobRecord>>())
        listed.append(j.id);
    QVERIFY(listed.contains(slow) && listed.contains(failing));

    // The stream shows what happens to them.
    const auto stateOf = [&](const QString &id) {
        std::optional<jobs::JobState> last;
        for (const QList<QVariant> &args : std::as_const(changed))
            for (const jobs::JobRecord &j : args.at(0).value<QList<jobs::JobRecord>>())
                if (j.id == id)
                    last = j.state;
        return last;
    };
    QVERIFY(QTest::qWaitFor([&] { return stateOf(slow) == jobs::JobState::Running; }, 10'000));
    QVERIFY(QTest::qWaitFor([&] { return stateOf(failing) == jobs::JobState::Failed; }, 20'000));

    facade->cancelJobs({slow});
    QVERIFY(done.wait(5'000));
    auto result = done.takeFirst().at(0).value<service::JobCommandResult>();
    QVERIFY2(result.ok, qPrintable(result.message));
    QCOMPARE(result.jobId, slow);
    QVERIFY(QTest::qWaitFor([&] { return stateOf(slow) == jobs::JobState::Cancelled; }, 10'000));

    // A refusal comes back with the service's reason.
    facade->cancelJobs({slow});
    QVERIFY(done.wait(5'000));
    result = done.takeFirst().at(0).value<service::JobCommandResult>();
    QVERIFY(!result.ok);
    QVERIFY2(result.message.contains(u"cancelled"_s), qPrintable(result.message));

    facade->retryJobs({failing});
    QVERIFY(done.wait(5'000));
    result = done.takeFirst().at(0).value<service::JobCommandResult>();
    QVERIFY2(result.ok, qPrintable(result.message));
    QVERIFY(QTest::qWaitFor([&] { return stateOf(failing) != jobs::JobState::Failed; }, 10'000));

    facade->removeJobs({slow});
    QVERIFY(done.wait(5'000));
    QVERIFY(done.takeFirst().at(0).value<service::JobCommandResult>().ok);
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (const QList<QVariant> &args : std::as_const(changed))
                if (args.at(1).toStringList().contains(slow))
                    return true;
            return false;
        },
        5'000));
    api("GET", "/jobs/" + slow.toLatin1(), {}, &status);
    QCOMPARE(status, 404);
}

void tst_RemoteFacade::changesALimitThatTheServiceThenEnforces()
{
    QVERIFY(startDaemon());
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QVERIFY(QTest::qWaitFor([&] { return facade->limits().maxUploadBytes > 0; }));
    QSignalSpy applied(facade.get(), &RemoteServiceFacade::limitsApplyFinished);
    config::Limits wanted = facade->limits();
    wanted.maxUploadBytes = 2048;
    facade->applyLimits(wanted);
    QVERIFY(applied.wait(5'000));
    const auto result = applied.first().at(0).value<service::LimitsApplyResult>();
    QVERIFY2(result.ok, qPrintable(result.errors.join(u"; "_s)));
    QCOMPARE(result.limits.maxUploadBytes, 2048);
    QCOMPARE(facade->limits().maxUploadBytes, 2048);

    const Reply upload = request(m_daemon->port,
                                 "PUT /uploads/a.bin HTTP/1.1\r\nHost: t\r\n" + bearer(m_admin)
                                     + "Content-Type: application/octet-stream\r\n"
                                       "Content-Length: 4000\r\nConnection: close\r\n\r\n"
                                     + QByteArray(4000, 'x'));
    QCOMPARE(upload.status, 413);
    QVERIFY2(upload.body.contains("max_upload_bytes"), upload.body.constData());
    // Persisted: the config file says so too.
    QFile config(m_dir->filePath(u"config.json"_s));
    QVERIFY(config.open(QIODevice::ReadOnly));
    QCOMPARE(QJsonDocument::fromJson(config.readAll())
                 .object()
                 .value(u"limits"_s)
                 .toObject()
                 .value(u"max_upload_bytes"_s)
                 .toInteger(),
             2048);
}

void tst_RemoteFacade::invalidLimitsNameTheFieldAndChangeNothing()
{
    QVERIFY(startDaemon());
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QVERIFY(QTest::qWaitFor([&] { return facade->limits().maxUploadBytes > 0; }));
    const config::Limits before = facade->limits();
    QSignalSpy applied(facade.get(), &RemoteServiceFacade::limitsApplyFinished);
    config::Limits wanted = before;
    wanted.maxStreams = -3;
    wanted.maxUploadBytes = before.maxUploadBytes / 2;
    facade->applyLimits(wanted);
    QVERIFY(applied.wait(5'000));
    const auto result = applied.first().at(0).value<service::LimitsApplyResult>();
    QVERIFY(!result.ok);
    QCOMPARE(result.invalid.size(), 1);
    QCOMPARE(result.invalid.first().key, u"max_streams"_s);
    QCOMPARE(result.limits.toJson(), before.toJson());
    int status = 0;
    const QJsonObject now
        = QJsonDocument::fromJson(api("GET", "/admin/limits", {}, &status)).object();
    QCOMPARE(status, 200);
    for (const QJsonValue &v : now.value(u"limits"_s).toArray()) {
        if (v[u"name"_s] == u"max_upload_bytes"_s)
            QCOMPARE(v[u"value"_s].toInteger(), before.maxUploadBytes);
    }
    QCOMPARE(facade->limits().maxUploadBytes, before.maxUploadBytes);
}

void tst_RemoteFacade::abortsATransfer()
{
    QVERIFY(startDaemon());
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QSignalSpy transfers(facade.get(), &RemoteServiceFacade::transfersChanged);
    // An upload that stops half way.
    RawClient client(m_daemon->port);
    client.send("PUT /uploads/half.bin HTTP/1.1\r\nHost: t\r\n" + bearer(m_admin)
                + "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                + QByteArray(50'000, 'x'));
    quint64 connection = 0;
    QVERIFY(QTest::qWaitFor(
        [&] {
            for (const QList<QVariant> &args : std::as_const(transfers))
                for (const http::Transfer &t : args.at(0).value<QList<http::Transfer>>())
                    if (t.path == u"/uploads/half.bin"_s && t.bytesIn > 0)
                        connection = t.connectionId;
            return connection != 0;
        },
        10'000));
    facade->abortTransfer(connection);
    // (Not client.waitForClose(): the facade's request needs this thread's event loop.)
    QVERIFY(QTest::qWaitFor([&] { return !client.isOpen(); }, 5'000));
    // And the row goes.
    QVERIFY(QTest::qWaitFor(
        [&] {
            const auto last = transfers.constLast().at(0).value<QList<http::Transfer>>();
            return std::none_of(last.begin(), last.end(), [&](const http::Transfer &t) {
                return t.connectionId == connection;
            });
        },
        5'000));
}

void tst_RemoteFacade::comesBackAfterARestartAndRefetches()
{
    QVERIFY(startDaemon());
    const quint16 port = m_daemon->port;
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QSignalSpy reset(facade.get(), &RemoteServiceFacade::jobsReset);
    QSignalSpy history(facade.get(), &RemoteServiceFacade::historyReady);
    facade->requestJobs(10);
    facade->requestHistory(0, {});
    QVERIFY(reset.wait(5'000));
    QTRY_COMPARE_WITH_TIMEOUT(history.size(), 1, 5'000);
    QCOMPARE(reset.last().at(0).value<QList<jobs::JobRecord>>().size(), 0);

    m_daemon->kill9();
    QVERIFY2(waitForState(*facade, ConnectionState::Reconnecting), qPrintable(describe(*facade)));
    QVERIFY(facade->connection().retryInMs > 0);

    // Work done while the window was away is shown after it comes back.
    QVERIFY(m_daemon->start(m_dir->path(), {u"--listen"_s, u"127.0.0.1:%1"_s.arg(port)}));
    int status = 0;
    api("POST", "/jobs", R"({"kind": "selftest", "params": {"steps": 1, "step_ms": 1}})", &status);
    QCOMPARE(status, 202);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected, 15'000),
             qPrintable(describe(*facade)));
    QVERIFY(QTest::qWaitFor(
        [&] {
            return reset.size() >= 2
                && reset.last().at(0).value<QList<jobs::JobRecord>>().size() == 1;
        },
        10'000));
    QVERIFY(history.size() >= 2);
}

void tst_RemoteFacade::untrustedCertificateIsShownThenPinned()
{
    const Run made = runSluiced(
        {u"--data-dir"_s, m_dir->path(), u"tls"_s, u"self-signed"_s, u"--host"_s, u"127.0.0.1"_s});
    QCOMPARE(made.exitCode, 0);
    const QString fingerprint = made.out.trimmed().section(u'\n', -1);
    m_https = true;
    QVERIFY(startDaemon({u"--listen"_s, u"https://127.0.0.1:0"_s}));

    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::CertificateUntrusted),
             qPrintable(describe(*facade)));
    QCOMPARE(facade->connection().fingerprint, fingerprint);
    QVERIFY(!facade->connection().message.isEmpty());
    // Nothing goes on until the operator decides.
    QTest::qWait(500);
    QVERIFY(facade->connection().state == ConnectionState::CertificateUntrusted);
    QVERIFY(facade->status().state != service::ServiceState::Running);

    facade->trustCertificate(fingerprint);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QVERIFY(
        QTest::qWaitFor([&] { return facade->status().state == service::ServiceState::Running; }));
    QVERIFY(facade->status().tls);

    // A later window that has it pinned connects at once.
    auto pinned = connectTo(m_admin, fingerprint.toLower());
    QVERIFY2(waitForState(*pinned, ConnectionState::Connected), qPrintable(describe(*pinned)));
}

void tst_RemoteFacade::changedCertificateIsRefused()
{
    QVERIFY(runSluiced({u"--data-dir"_s, m_dir->path(), u"tls"_s, u"self-signed"_s}).exitCode == 0);
    m_https = true;
    QVERIFY(startDaemon({u"--listen"_s, u"https://127.0.0.1:0"_s}));
    const QString other = QStringList(32, u"AB"_s).join(u':');
    auto facade = connectTo(m_admin, other);
    QSignalSpy states(facade.get(), &RemoteServiceFacade::connectionChanged);
    QVERIFY2(waitForState(*facade, ConnectionState::CertificateChanged),
             qPrintable(describe(*facade)));
    QVERIFY(facade->connection().fingerprint != other);
    QCOMPARE(facade->connection().fingerprint.size(), other.size());
    QVERIFY2(facade->connection().message.contains(other), qPrintable(describe(*facade)));
    // Never connected, and never tried again: the state stays as it is.
    for (const QList<QVariant> &args : std::as_const(states))
        QVERIFY(args.at(0).value<service::ConnectionInfo>().state != ConnectionState::Connected);
    states.clear();
    QTest::qWait(1'000);
    QCOMPARE(states.size(), 0);
    QVERIFY(facade->connection().state == ConnectionState::CertificateChanged);
    QVERIFY(facade->status().state != service::ServiceState::Running);
}

QTEST_GUILESS_MAIN(tst_RemoteFacade)
#include "tst_remotefacade.moc"
