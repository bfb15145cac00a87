// The sluiced binary as a user runs it: first run, curl-like requests,
// hostile input, token administration, a malformed config, and SIGTERM.
#include "daemon.h"
#include "testsupport.h"

#include "config/config.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSslCertificate>
#include <QSslSocket>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/stat.h>

using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_Sluiced : public QObject
{
    Q_OBJECT
private slots:
    void firstRunServesAndStopsOnSigterm();
    void hostileInputGetsPreciseStatus_data();
    void hostileInputGetsPreciseStatus();
    void tokenCommands();
    void metricsOnlyTokens();
    void tlsSelfSignedServesHttps();
    void tlsSelfSignedThatFailsLeavesTheOldPair();
    void httpsListenWithoutCertificateFails();
    void concurrentTokenAddsAllLand();
    void chattyDaemonNeverBlocksOnItsOutput();
    void malformedConfigIsRefused();
    void sigtermAbortsStragglersAfterGrace();
    void cleanupTestCase() { m_shared.reset(); }

private:
    std::unique_ptr<Daemon> m_shared; // one daemon for the whole catalogue
    QTemporaryDir m_sharedDir;
};

void tst_Sluiced::firstRunServesAndStopsOnSigterm()
{
    QTemporaryDir dir;
    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());
    QVERIFY(d.token.startsWith(QLatin1String("sluice_")));
    const QByteArray config = [&] {
        QFile f(dir.filePath(QStringLiteral("config.json")));
        f.open(QIODevice::ReadOnly);
        return f.readAll();
    }();
    QVERIFY(!config.isEmpty());
    QVERIFY2(!config.contains(d.token.toLatin1()), "the config must hold only digests");

    const Reply health = request(d.port, get("/healthz"));
    QCOMPARE(health.status, 200);
    QCOMPARE(health.body, QByteArray("ok\n"));
    QCOMPARE(request(d.port, get("/api/status")).status, 401);
    QCOMPARE(request(d.port, get("/api/status", bearer(d.token))).status, 200);

    ::kill(pid_t(d.process.processId()), SIGTERM);
    QVERIFY(d.process.waitForFinished(10'000));
    QCOMPARE(d.process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(d.process.exitCode(), 0);
    QVERIFY(d.standardOutput().contains("stopped"));

    // A second start on the same data dir reuses the config and its token.
    Daemon again;
    QVERIFY(again.start(dir.path()));
    QVERIFY(again.token.isEmpty());
    QCOMPARE(request(again.port, get("/api/status", bearer(d.token))).status, 200);
}

void tst_Sluiced::hostileInputGetsPreciseStatus_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<int>("status");
    QTest::addRow("CL+TE") << QByteArray(
        "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n")
                           << 400;
    QTest::addRow("bare LF") << QByteArray("GET /healthz HTTP/1.1\nHost: t\n\n") << 400;
    QTest::addRow("obs-fold") << QByteArray(
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\r\n\tb\r\n\r\n")
                              << 400;
    QTest::addRow("TE gzip") << QByteArray(
        "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
                             << 501;
    QTest::addRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << 505;
    QTest::addRow("414") << QByteArray("GET /" + QByteArray(10000, 'a')
                                       + " HTTP/1.1\r\nHost: t\r\n\r\n")
                         << 414;
    QTest::addRow("431") << QByteArray("GET / HTTP/1.1\r\nHost: t\r\nX: " + QByteArray(20000, 'a')
                                       + "\r\n\r\n")
                         << 431;
    QTest::addRow("bodyless POST: 404, not 411")
        << QByteArray("POST /x HTTP/1.1\r\nHost: t\r\n\r\n") << 404;
    QTest::addRow("501") << QByteArray("TRACE / HTTP/1.1\r\nHost: t\r\n\r\n") << 501;
    QTest::addRow("missing Host") << QByteArray("GET /healthz HTTP/1.1\r\n\r\n") << 400;
}

void tst_Sluiced::hostileInputGetsPreciseStatus()
{
    QFETCH(QByteArray, raw);
    QFETCH(int, status);
    if (!m_shared) {
        m_shared = std::make_unique<Daemon>();
        QVERIFY2(m_shared->start(m_sharedDir.path()), m_shared->output.constData());
    }
    Daemon &d = *m_shared;
    QCOMPARE(request(d.port, raw).status, status);
    QCOMPARE(request(d.port, get("/healthz")).status, 200);
}

void tst_Sluiced::tokenCommands()
{
    QTemporaryDir dir;
    const QStringList base {QStringLiteral("--data-dir"), dir.path(), QStringLiteral("token")};
    const Run add = runSluiced(
        base
        + QStringList {QStringLiteral("add"), QStringLiteral("alice"), QStringLiteral("--admin")});
    QCOMPARE(add.exitCode, 0);
    const QString token = add.out.trimmed().section(QLatin1Char('\n'), -1);
    QVERIFY2(token.startsWith(QLatin1String("sluice_")) && token.size() >= 7 + 43,
             qPrintable(add.out));
    // The config was made by this command, before any start: its admin's
    // token is shown (on stderr) rather than lost, and it works.
    const QString firstRun = add.err.section(QLatin1String("\ntoken "), 1).trimmed();
    QVERIFY2(firstRun.startsWith(QLatin1String("sluice_")), qPrintable(add.err));

    const Run list = runSluiced(base + QStringList {QStringLiteral("list")});
    QCOMPARE(list.exitCode, 0);
    QVERIFY(list.out.contains(QLatin1String("alice")));
    QVERIFY(list.out.contains(QLatin1String("admin")));
    QVERIFY(!list.out.contains(token));

    Daemon d;
    QVERIFY(d.start(dir.path()));
    QCOMPARE(request(d.port, get("/api/status", bearer(token))).status, 200);
    QCOMPARE(request(d.port, get("/metrics", bearer(firstRun))).status, 200); // an admin's

    const Run revoke
        = runSluiced(base + QStringList {QStringLiteral("revoke"), QStringLiteral("alice")});
    QCOMPARE(revoke.exitCode, 0);
    // The running service picks the change up from the file.
    QTRY_COMPARE(request(d.port, get("/api/status", bearer(token))).status, 401);

    QCOMPARE(runSluiced(base + QStringList {QStringLiteral("revoke"), QStringLiteral("nobody")})
                 .exitCode,
             1);
    const Run bad
        = runSluiced(base + QStringList {QStringLiteral("add"), QStringLiteral("bad name!")});
    QCOMPARE(bad.exitCode, 2);
    QVERIFY(bad.err.contains(QLatin1String("bad name!")));
    QCOMPARE(runSluiced(base + QStringList {QStringLiteral("frobnicate")}).exitCode, 2);
}

// A scrape account for Prometheus (issue 18, docs/decisions/0017): its token
// reads /metrics and nothing else, and it cannot become an admin by accident.
namespace {

int modeOf(const QString &path)
{
    struct stat info
    {
    };
    return ::stat(QFile::encodeName(path).constData(), &info) == 0 ? int(info.st_mode & 07777) : -1;
}

} // namespace

void tst_Sluiced::tlsSelfSignedServesHttps()
{
    QTemporaryDir dir;
    const Run made = runSluiced({u"--data-dir"_s, dir.path(), u"tls"_s, u"self-signed"_s,
                                 u"--host"_s, u"localhost"_s, u"--host"_s, u"127.0.0.1"_s});
    QCOMPARE(made.exitCode, 0);
    const QString fingerprint = made.out.trimmed().section(u'\n', -1);

    const QString keyPath = dir.filePath(u"tls/key.pem"_s);
    const QString certificatePath = dir.filePath(u"tls/certificate.pem"_s);
    QCOMPARE(modeOf(keyPath), 0600);
    QCOMPARE(modeOf(certificatePath), 0644);
    QCOMPARE(modeOf(dir.filePath(u"tls"_s)), 0700);
    QFile file(certificatePath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QSslCertificate certificate(file.readAll(), QSsl::Pem);
    QVERIFY(!certificate.isNull());
    QCOMPARE(
        fingerprint,
        QString::fromLatin1(certificate.digest(QCryptographicHash::Sha256).toHex(':').toUpper()));
    const auto names = certificate.subjectAlternativeNames();
    QVERIFY(names.values(QSsl::DnsEntry).contains(u"localhost"_s));
    QVERIFY(names.values(QSsl::IpAddressEntry).contains(u"127.0.0.1"_s));
    QVERIFY(certificate.expiryDate() > QDateTime::currentDateTimeUtc().addDays(800));

    const auto config = sluice::config::Config::load(dir.filePath(u"config.json"_s));
    QVERIFY2(config, config ? "" : qPrintable(config.error().message));
    QVERIFY(config->tls.has_value());
    QCOMPARE(config->tls->certificate, certificatePath);
    QCOMPARE(config->tls->privateKey, keyPath);

    Daemon d;
    QVERIFY2(d.start(dir.path(), {u"--listen"_s, u"https://127.0.0.1:0"_s}), d.output.constData());
    QVERIFY2(d.output.contains("listening on https://127.0.0.1:"), d.output.constData());
    QSslSocket client;
    QSslConfiguration trust = QSslConfiguration::defaultConfiguration();
    trust.setCaCertificates({certificate});
    client.setSslConfiguration(trust);
    client.connectToHostEncrypted(u"127.0.0.1"_s, d.port);
    QVERIFY2(client.waitForEncrypted(5'000), qPrintable(client.errorString()));
    client.write(get("/healthz", "Connection: close\r\n"));
    QByteArray response;
    while (client.state() == QAbstractSocket::ConnectedState && client.waitForReadyRead(5'000))
        response += client.readAll();
    response += client.readAll();
    QVERIFY2(response.startsWith("HTTP/1.1 200"), response.constData());
    QVERIFY(response.endsWith("ok\n"));
    // Plain HTTP to it: closed, and the service goes on.
    RawClient plain(d.port);
    plain.send(get("/healthz"));
    QVERIFY(plain.waitForClose(5'000));
    QCOMPARE(d.process.state(), QProcess::Running);

    const Run badHost = runSluiced(
        {u"--data-dir"_s, dir.path(), u"tls"_s, u"self-signed"_s, u"--host"_s, u"a,b"_s});
    QCOMPARE(badHost.exitCode, 2);
    QVERIFY2(badHost.err.contains(u"a,b"_s), qPrintable(badHost.err));
}

// A second `tls self-signed` that cannot write its certificate (here a
// directory stands where it goes, as a full disk would stop it) changes
// nothing: the earlier key and certificate stay a pair.
void tst_Sluiced::tlsSelfSignedThatFailsLeavesTheOldPair()
{
    QTemporaryDir dir;
    QCOMPARE(runSluiced({u"--data-dir"_s, dir.path(), u"tls"_s, u"self-signed"_s}).exitCode, 0);
    const auto contentOf = [&](const QString &name) {
        QFile f(dir.filePath(u"tls/"_s + name));
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray key = contentOf(u"key.pem"_s);
    const QByteArray certificate = contentOf(u"certificate.pem"_s);
    QVERIFY(!key.isEmpty() && !certificate.isEmpty());
    QVERIFY(QDir().mkpath(dir.filePath(u"tls/certificate.pem.new"_s)));
    const Run failed = runSluiced({u"--data-dir"_s, dir.path(), u"tls"_s, u"self-signed"_s});
    QCOMPARE(failed.exitCode, 1);
    QVERIFY2(failed.err.contains(u"certificate.pem"_s), qPrintable(failed.err));
    QCOMPARE(contentOf(u"key.pem"_s), key);
    QCOMPARE(contentOf(u"certificate.pem"_s), certificate);
    QVERIFY(!QFile::exists(dir.filePath(u"tls/key.pem.new"_s)));
}

void tst_Sluiced::httpsListenWithoutCertificateFails()
{
    QTemporaryDir dir;
    Daemon d;
    QVERIFY(!d.start(dir.path(), {u"--listen"_s, u"https://127.0.0.1:0"_s}));
    QVERIFY(d.process.state() == QProcess::NotRunning || d.process.waitForFinished(10'000));
    QCOMPARE(d.process.exitCode(), 1);
    QVERIFY2(d.standardError().contains("\"tls\" section"), d.standardError().constData());

    // A certificate file that is not one: named.
    QFile bogus(dir.filePath(u"bogus.pem"_s));
    QVERIFY(bogus.open(QIODevice::WriteOnly));
    bogus.write("not a certificate\n");
    bogus.close();
    const QString configPath = dir.filePath(u"config.json"_s);
    QFile configFile(configPath);
    QVERIFY(configFile.open(QIODevice::ReadOnly));
    QByteArray text = configFile.readAll();
    configFile.close();
    text.replace("\"limits\": {",
                 "\"tls\": {\"certificate\": \"bogus.pem\", \"private_key\": \"bogus.pem\"},\n"
                 "    \"limits\": {");
    QVERIFY(configFile.open(QIODevice::WriteOnly | QIODevice::Truncate));
    configFile.write(text);
    configFile.close();
    Daemon again;
    QVERIFY(!again.start(dir.path(), {u"--listen"_s, u"https://127.0.0.1:0"_s}));
    QVERIFY(again.process.state() == QProcess::NotRunning || again.process.waitForFinished(10'000));
    QVERIFY2(again.standardError().contains(dir.filePath(u"bogus.pem"_s).toUtf8()),
             again.standardError().constData());
}

void tst_Sluiced::metricsOnlyTokens()
{
    QTemporaryDir dir;
    const QStringList base {u"--data-dir"_s, dir.path(), u"token"_s};
    const Run add = runSluiced(base + QStringList {u"add"_s, u"prometheus"_s, u"--metrics-only"_s});
    QCOMPARE(add.exitCode, 0);
    QVERIFY2(add.out.contains(u"(metrics only, id "_s), qPrintable(add.out));
    const QString token = add.out.trimmed().section(u'\n', -1);
    QVERIFY(token.startsWith(u"sluice_"_s));
    const Run list = runSluiced(base + QStringList {u"list"_s});
    QVERIFY2(list.out.contains(QRegularExpression(u"prometheus +metrics +1 "_s)),
             qPrintable(list.out));

    const Run both
        = runSluiced(base + QStringList {u"add"_s, u"ops"_s, u"--admin"_s, u"--metrics-only"_s});
    QCOMPARE(both.exitCode, 2);
    QVERIFY2(both.err.contains(u"either admin or metrics-only"_s), qPrintable(both.err));
    const Run promote = runSluiced(base + QStringList {u"add"_s, u"prometheus"_s, u"--admin"_s});
    QCOMPARE(promote.exitCode, 2);
    QVERIFY2(promote.err.contains(u"revoke it first"_s), qPrintable(promote.err));

    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());
    QCOMPARE(request(d.port, get("/metrics", bearer(token))).status, 200);
    QCOMPARE(request(d.port, get("/api/status", bearer(token))).status, 403);
    QCOMPARE(request(d.port, get("/jobs", bearer(token))).status, 403);
}

// Twenty `token add` at once used to leave about six accounts: each read the
// file, added its own, and renamed its copy over the others'. Under the
// config's lock, every account lands and every printed token works.
void tst_Sluiced::concurrentTokenAddsAllLand()
{
    QTemporaryDir dir;
    QVERIFY(runSluiced({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("token"),
                        QStringLiteral("list")})
                .exitCode
            == 0); // the config exists before the race starts
    constexpr int Writers = 20;
    std::vector<std::unique_ptr<QProcess>> writers;
    for (int i = 0; i < Writers; ++i) {
        auto p = std::make_unique<QProcess>();
        p->start(sluicedPath(),
                 {QStringLiteral("--data-dir"), dir.path(), QStringLiteral("token"),
                  QStringLiteral("add"), QStringLiteral("user%1").arg(i)});
        writers.push_back(std::move(p));
    }
    QStringList tokens;
    for (auto &p : writers) {
        QVERIFY(p->waitForFinished(30'000));
        QCOMPARE(p->exitCode(), 0);
        tokens << QString::fromUtf8(p->readAllStandardOutput()).trimmed().section(u'\n', -1);
    }
    const Run list = runSluiced({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("token"),
                                 QStringLiteral("list")});
    for (int i = 0; i < Writers; ++i)
        QVERIFY2(list.out.contains(QStringLiteral("user%1 ").arg(i)), qPrintable(list.out));

    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());
    for (const QString &token : std::as_const(tokens))
        QCOMPARE(request(d.port, get("/api/status", bearer(token))).status, 200);
}

// With every request logged (sluice.http debug), a few thousand requests
// print far more than a pipe holds. The test thread blocks on its sockets and
// runs no event loop, so a piped child used to stall on a full pipe and stop
// answering; the Daemon now sends its output to files.
void tst_Sluiced::chattyDaemonNeverBlocksOnItsOutput()
{
    QTemporaryDir dir;
    Daemon d;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("QT_LOGGING_RULES"), QStringLiteral("sluice.http.debug=true"));
    d.process.setProcessEnvironment(env);
    QVERIFY2(d.start(dir.path()), d.output.constData());
    for (int i = 0; i < 2000; ++i) {
        const Reply r = request(d.port, get("/healthz?padding=" + QByteArray(64, 'x')), 5'000);
        QVERIFY2(r.status == 200,
                 qPrintable(QStringLiteral("request %1 got %2").arg(i).arg(r.status)));
    }
    QVERIFY(d.standardError().size() > 128 * 1024); // well past a pipe's 64 KiB
}

void tst_Sluiced::malformedConfigIsRefused()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("config.json"));
    const QByteArray broken
        = "{\n  \"version\": 1,\n  \"listen\": \"127.0.0.1:8080\"\n  \"limits\": {}\n}\n";
    {
        QFile f(path);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(broken);
    }
    const Run r = runSluiced({QStringLiteral("--data-dir"), dir.path(), QStringLiteral("--listen"),
                              QStringLiteral("127.0.0.1:0")});
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(path + QLatin1String(":4")), qPrintable(r.err));
    QFile f(path);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(f.readAll(), broken); // never replaced
}

void tst_Sluiced::sigtermAbortsStragglersAfterGrace()
{
    QTemporaryDir dir;
    {
        QFile f(dir.filePath(QStringLiteral("config.json")));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(
            R"({"version": 1, "listen": "127.0.0.1:0", "limits": {"shutdown_grace_ms": 300}, "accounts": []})");
    }
    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());
    RawClient straggler(d.port);
    straggler.send("GET /healthz HTTP/1.1\r\nHost: t\r\n"); // a head that never ends
    QTest::qWait(100); // let the bytes arrive before the signal
    ::kill(pid_t(d.process.processId()), SIGTERM);
    QVERIFY(d.process.waitForFinished(10'000));
    QCOMPARE(d.process.exitCode(), 0);
    QVERIFY(straggler.waitForClose(1000));
}

QTEST_GUILESS_MAIN(tst_Sluiced)
#include "tst_sluiced.moc"
