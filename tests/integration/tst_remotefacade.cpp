// The window's client of a remote service (RemoteServiceFacade) against a
// real sluiced child process: it follows the service live, its commands do
// what the embedded service's do, it comes back after the service restarts,
// and it refuses tokens and certificates it must not accept.
#include "daemon.h"
#include "testsupport.h"

#include "remote/remoteservicefacade.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QSslKey>
#include <QSslServer>
#include <QSslSocket>
#include <QTcpServer>
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
    // Review (not committed).
    void pinIsCheckedBeforeTheTokenIsSent();
    void retryAfterOfAFullStreamIsHonoured();
    void revokedTokenWhileConnectedStops();
    void hugeEventIsRefused();
    void errorBodyOfTheStreamIsBounded();
    void bodyOfTheStatusAnswerIsBounded();
    void tlsToAPlainPortAndRedirectSaySo();
    void aStreamThatDropsAtOnceBacksOff();

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

namespace {

// A plain-HTTP peer that answers each request with what `answer` writes.
class FakeHttp : public QObject
{
public:
    using Answer = std::function<void(QTcpSocket *, const QByteArray &head)>;
    explicit FakeHttp(Answer answer)
        : m_answer(std::move(answer))
    {
        QVERIFY(m_server.listen(QHostAddress::LocalHost));
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket *s = m_server.nextPendingConnection()) {
                auto buffer = std::make_shared<QByteArray>();
                connect(s, &QIODevice::readyRead, this, [this, s, buffer] {
                    *buffer += s->readAll();
                    const qsizetype end = buffer->indexOf("\r\n\r\n");
                    if (end < 0)
                        return;
                    const QByteArray head = buffer->left(end);
                    buffer->remove(0, end + 4);
                    heads.append(head);
                    m_answer(s, head);
                });
            }
        });
    }
    quint16 port() const { return m_server.serverPort(); }
    QList<QByteArray> heads;

private:
    QTcpServer m_server;
    Answer m_answer;
};

// Writes 1 MiB pieces of body as the socket drains, up to 400 MiB in all
// (`sent` counts them across connections): an answer that never ends.
void sendEndlessBody(QTcpSocket *s, qint64 &sent)
{
    QObject::connect(s, &QIODevice::bytesWritten, s, [s, &sent] {
        if (s->bytesToWrite() < 1024 * 1024 && sent < 400LL * 1024 * 1024) {
            sent += 1024 * 1024;
            s->write(QByteArray(1024 * 1024, 'x'));
        }
    });
    s->write(QByteArray(1024 * 1024, 'x'));
}

qint64 residentKiB()
{
    QFile f(u"/proc/self/status"_s);
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : f.readAll().split('\n'))
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').first().toLongLong();
    return -1;
}

const QByteArray adminStatus = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 33\r\n\r\n{\"admin\": true, \"account\": \"ad\"}\n";

} // namespace

// A certificate the system trusts but that is not the pinned one (an
// interceptor's, issued by a CA the machine trusts): refused, and the token
// must never reach it.
void tst_RemoteFacade::pinIsCheckedBeforeTheTokenIsSent()
{
    QTemporaryDir other;
    QVERIFY(!writeDaemonConfig(other.path()).isEmpty());
    QCOMPARE(runSluiced({u"--data-dir"_s, other.path(), u"tls"_s, u"self-signed"_s, u"--host"_s,
                         u"127.0.0.1"_s})
                 .exitCode,
             0);
    QFile certFile(other.filePath(u"tls/certificate.pem"_s));
    QFile keyFile(other.filePath(u"tls/key.pem"_s));
    QVERIFY(certFile.open(QIODevice::ReadOnly) && keyFile.open(QIODevice::ReadOnly));
    const QSslCertificate cert(certFile.readAll(), QSsl::Pem);
    const QSslKey key(keyFile.readAll(), QSsl::Ec, QSsl::Pem);
    QVERIFY(!cert.isNull() && !key.isNull());

    const QSslConfiguration saved = QSslConfiguration::defaultConfiguration();
    const auto restore = qScopeGuard([&] { QSslConfiguration::setDefaultConfiguration(saved); });
    QSslConfiguration trusting = saved;
    trusting.addCaCertificate(cert);
    QSslConfiguration::setDefaultConfiguration(trusting);

    struct TlsPeer : QTcpServer
    {
        QSslConfiguration tls;
        QByteArray received;
        int handshakes = 0;
        void incomingConnection(qintptr descriptor) override
        {
            auto *s = new QSslSocket(this);
            s->setSocketDescriptor(descriptor);
            s->setSslConfiguration(tls);
            QObject::connect(s, &QSslSocket::encrypted, this, [this] { ++handshakes; });
            QObject::connect(s, &QIODevice::readyRead, this,
                             [this, s] { received += s->readAll(); });
            s->startServerEncryption();
        }
    } server;
    server.tls = QSslConfiguration::defaultConfiguration();
    server.tls.setLocalCertificate(cert);
    server.tls.setPrivateKey(key);
    QVERIFY(server.listen(QHostAddress::LocalHost));
    QByteArray &received = server.received;
    int &handshakes = server.handshakes;
    {
        // Trusted by this process: a plain client sees no SSL error.
        QNetworkAccessManager plain;
        QList<QSslError> errors;
        connect(&plain, &QNetworkAccessManager::sslErrors, this,
                [&](QNetworkReply *, const QList<QSslError> &e) { errors = e; });
        QNetworkReply *r
            = plain.get(QNetworkRequest(QUrl(u"https://127.0.0.1:%1/"_s.arg(server.serverPort()))));
        QTRY_VERIFY(handshakes > 0 || !errors.isEmpty());
        QVERIFY2(errors.isEmpty(),
                 qPrintable(errors.isEmpty() ? QString() : errors.first().errorString()));
        r->abort();
        delete r;
        received.clear();
        handshakes = 0;
    }
    RemoteOptions options;
    options.url = QUrl(u"https://127.0.0.1:%1"_s.arg(server.serverPort()));
    options.token = u"sluice_the-secret-token"_s;
    options.pinnedFingerprint = QStringList(32, u"AB"_s).join(u':');
    RemoteServiceFacade facade(options);
    QVERIFY2(waitForState(facade, ConnectionState::CertificateChanged),
             qPrintable(describe(facade)));
    QTest::qWait(500);
    qInfo() << "server-side handshakes:" << handshakes << "bytes received:" << received.size();
    QVERIFY2(!received.contains("the-secret-token"), received.constData());
}

// max_streams reached: 503 with Retry-After: 5. The next attempt must not
// come before then (RFC 9110 §10.2.3).
void tst_RemoteFacade::retryAfterOfAFullStreamIsHonoured()
{
    m_dir = std::make_unique<QTemporaryDir>();
    m_admin = QString::fromLatin1(
        writeDaemonConfig(m_dir->path(), [](config::Limits &l) { l.maxStreams = 1; }));
    QVERIFY(startDaemon());
    RawClient holder(m_daemon->port);
    holder.send("GET /api/stream HTTP/1.1\r\nHost: t\r\n" + bearer(m_admin) + "\r\n");
    QVERIFY(holder.socket().waitForReadyRead(5'000));

    RemoteOptions options; // the window's defaults: 500 ms .. 30 s
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(m_daemon->port));
    options.token = m_admin;
    RemoteServiceFacade facade(options);
    QVERIFY2(waitForState(facade, ConnectionState::Reconnecting), qPrintable(describe(facade)));
    QVERIFY2(facade.connection().message.contains(u"max_streams"_s), qPrintable(describe(facade)));
    // Decision 0029: "at least half of it" (RFC 9110 §10.2.3 would say all of it).
    QVERIFY2(facade.connection().retryInMs >= 2'500,
             qPrintable(u"retry in %1 ms"_s.arg(facade.connection().retryInMs)));
}

void tst_RemoteFacade::revokedTokenWhileConnectedStops()
{
    const Run added = runSluiced(
        {u"--data-dir"_s, m_dir->path(), u"token"_s, u"add"_s, u"carol"_s, u"--admin"_s});
    QCOMPARE(added.exitCode, 0);
    const QString carol = added.out.trimmed().section(u'\n', -1);
    QVERIFY(startDaemon());
    auto facade = connectTo(carol);
    QVERIFY2(waitForState(*facade, ConnectionState::Connected), qPrintable(describe(*facade)));
    QCOMPARE(
        runSluiced({u"--data-dir"_s, m_dir->path(), u"token"_s, u"revoke"_s, u"carol"_s}).exitCode,
        0);
    QVERIFY2(waitForState(*facade, ConnectionState::Unauthorized, 20'000),
             qPrintable(describe(*facade)));
}

void tst_RemoteFacade::hugeEventIsRefused()
{
    const qint64 before = residentKiB();
    FakeHttp peer([](QTcpSocket *s, const QByteArray &head) {
        if (head.startsWith("GET /api/status")) {
            s->write(adminStatus);
            return;
        }
        if (!head.startsWith("GET /api/stream"))
            return;
        s->write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
                 "event: status\ndata: {}\n\ndata: ");
        // 40 MiB of one event, 1 MiB at a time as the socket drains.
        auto left = std::make_shared<int>(40);
        QObject::connect(s, &QIODevice::bytesWritten, s, [s, left] {
            if (s->bytesToWrite() < 1024 * 1024 && *left > 0) {
                --*left;
                s->write(QByteArray(1024 * 1024, 'x'));
            }
        });
        s->write(QByteArray(1024 * 1024, 'x'));
    });
    RemoteOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(peer.port()));
    options.token = u"t"_s;
    options.reconnectMinMs = 60'000;
    RemoteServiceFacade facade(options);
    QVERIFY(QTest::qWaitFor(
        [&] {
            return facade.connection().state == ConnectionState::Reconnecting
                && facade.connection().message.contains(u"16 MiB"_s);
        },
        20'000));
    qInfo() << "resident grew by" << (residentKiB() - before) / 1024 << "MiB";
}

// A peer that is not sluiced (a wrong port) answering with an endless body:
// what the facade holds of it must stay bounded.
void tst_RemoteFacade::errorBodyOfTheStreamIsBounded()
{
    const qint64 before = residentKiB();
    qint64 sent = 0;
    FakeHttp peer([&sent](QTcpSocket *s, const QByteArray &head) {
        if (head.startsWith("GET /api/status")) {
            s->write(adminStatus);
            return;
        }
        s->write("HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                 "Content-Length: 2000000000\r\n\r\n");
        sendEndlessBody(s, sent);
    });
    RemoteOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(peer.port()));
    options.token = u"t"_s;
    RemoteServiceFacade facade(options);
    // Given up at the bound, and said why.
    QVERIFY2(
        QTest::qWaitFor([&] { return facade.connection().message.contains(u"64 KiB"_s); }, 60'000),
        qPrintable(describe(facade)));
    QVERIFY(facade.connection().state == ConnectionState::Reconnecting);
    QVERIFY(sent < 400LL * 1024 * 1024);
    const qint64 grewMiB = (residentKiB() - before) / 1024;
    QVERIFY2(grewMiB < 100,
             qPrintable(u"resident grew by %1 MiB; %2"_s.arg(grewMiB).arg(describe(facade))));
}

// A stream that is accepted, sends its snapshot and is dropped (a proxy's
// idle timeout, a server that ends streams): each attempt refetches the
// whole job window, so the attempts must still back off.
void tst_RemoteFacade::aStreamThatDropsAtOnceBacksOff()
{
    int streams = 0;
    int jobPages = 0;
    FakeHttp peer([&](QTcpSocket *s, const QByteArray &head) {
        const auto json = [s](const QByteArray &body) {
            s->write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                     + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        };
        if (head.startsWith("GET /api/status")) {
            s->write(adminStatus);
        } else if (head.startsWith("GET /api/stream")) {
            ++streams;
            s->write(
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                "retry: 3000\n\nevent: limits\ndata: {}\n\n");
            s->disconnectFromHost();
        } else if (head.startsWith("GET /jobs")) {
            ++jobPages;
            json(R"({"jobs": [], "total": 0})");
        } else {
            json(R"({"events": [], "last_seq": 0})");
        }
    });
    RemoteOptions options; // the window's defaults: 500 ms .. 30 s
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(peer.port()));
    options.token = u"t"_s;
    RemoteServiceFacade facade(options);
    facade.requestJobs(20'000);
    QTest::qWait(8'000);
    qInfo() << streams << "streams," << jobPages << "job list requests in 8 s";
    // Backing off from 0.5 s: 0.5 + 1 + 2 + 4 s, so at most 5 attempts.
    QVERIFY2(streams <= 5, qPrintable(u"%1 streams in 8 s"_s.arg(streams)));
}

// A wrong port whose server answers GET /api/status with a big file: the
// facade reads it whole before looking at it.
void tst_RemoteFacade::bodyOfTheStatusAnswerIsBounded()
{
    const qint64 before = residentKiB();
    qint64 sent = 0;
    FakeHttp peer([&sent](QTcpSocket *s, const QByteArray &) {
        s->write("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                 "Content-Length: 2000000000\r\n\r\n");
        sendEndlessBody(s, sent);
    });
    RemoteOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(peer.port()));
    options.token = u"t"_s;
    RemoteServiceFacade facade(options);
    QVERIFY2(
        QTest::qWaitFor([&] { return facade.connection().message.contains(u"64 MiB"_s); }, 60'000),
        qPrintable(describe(facade)));
    QVERIFY(facade.connection().state == ConnectionState::Reconnecting);
    const qint64 grewMiB = (residentKiB() - before) / 1024;
    QVERIFY2(grewMiB < 100,
             qPrintable(u"resident grew by %1 MiB; %2"_s.arg(grewMiB).arg(describe(facade))));
}

void tst_RemoteFacade::tlsToAPlainPortAndRedirectSaySo()
{
    QVERIFY(startDaemon());
    m_https = true; // but the daemon speaks plain HTTP
    auto facade = connectTo(m_admin);
    QVERIFY2(waitForState(*facade, ConnectionState::Reconnecting), qPrintable(describe(*facade)));
    QVERIFY2(facade->connection().message.contains(u"SSL"_s, Qt::CaseInsensitive),
             qPrintable(describe(*facade)));
    // A redirect is not followed (the token would go along) and not retried:
    // it names where it points.
    FakeHttp peer([](QTcpSocket *s, const QByteArray &) {
        s->write("HTTP/1.1 308 Permanent Redirect\r\nLocation: https://elsewhere/\r\n"
                 "Content-Length: 0\r\n\r\n");
    });
    RemoteOptions options;
    options.url = QUrl(u"http://127.0.0.1:%1"_s.arg(peer.port()));
    options.token = u"t"_s;
    options.reconnectMinMs = 100;
    options.reconnectMaxMs = 200;
    RemoteServiceFacade redirected(options);
    QVERIFY2(waitForState(redirected, ConnectionState::Refused), qPrintable(describe(redirected)));
    QVERIFY2(redirected.connection().message.contains(u"https://elsewhere"_s),
             qPrintable(describe(redirected)));
    QTest::qWait(1'000);
    QCOMPARE(peer.heads.size(), 1);
}

QTEST_GUILESS_MAIN(tst_RemoteFacade)
#include "tst_remotefacade.moc"
