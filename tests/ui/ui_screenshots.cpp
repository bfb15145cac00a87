// Starts the real service with some traffic (jobs in every state, a slow
// upload in flight, rejections and a limit change in the event log), lets the
// dashboard collect a few dozen samples, and saves every tab as a PNG. Then
// the window attached to a sluiced child over HTTPS (SLUICE_BIN_DIR names
// where sluiced is): the question about its self-signed certificate, and
// the window once it is trusted.
// Run through packaging/screenshots.sh (offscreen); not part of ctest.
//
// Usage: ui_screenshots OUTPUT_DIR [seconds-of-samples]
#include "daemon.h"
#include "dashboardpage.h"
#include "jobspage.h"
#include "mainwindow.h"
#include "testroutes.h"
#include "testsupport.h"

#include "config/config.h"
#include "jobs/jobengine.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QSettings>
#include <QSslSocket>
#include <QTabWidget>
#include <QTableView>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTimer>

#include <cstdio>

using namespace Qt::StringLiterals;
using namespace sluice;

namespace {

void spin(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
}

// The window on a sluiced child over HTTPS with a self-signed certificate.
int remoteScreenshots(const QString &out, int seconds)
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded || !loaded->firstRunToken)
        return 1;
    loaded->config.datasets.clear();
    loaded->config.limits.maxAttempts = 1;
    loaded->config.save(configPath);
    const test::Run made = test::runSluiced(
        {u"--data-dir"_s, dir.path(), u"tls"_s, u"self-signed"_s, u"--host"_s, u"127.0.0.1"_s});
    if (made.exitCode != 0) {
        std::fprintf(stderr, "sluiced tls self-signed: %s\n", qPrintable(made.err));
        return 1;
    }
    test::Daemon daemon;
    if (!daemon.start(dir.path(), {u"--listen"_s, u"https://127.0.0.1:0"_s})) {
        std::fprintf(stderr, "sluiced did not start: %s\n", daemon.output.constData());
        return 1;
    }
    remote::RemoteOptions options;
    options.url = QUrl(u"https://127.0.0.1:%1"_s.arg(daemon.port));
    options.token = *loaded->firstRunToken;
    remote::RemoteServiceFacade facade(options);
    ui::MainWindow window(facade);
    window.resize(1400, 1060);
    window.dashboard()->setWindowIndex(0);
    window.show();
    QWidget *question = nullptr;
    for (int waited = 0; !question && waited < 10'000; waited += 100) {
        spin(100);
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (w->objectName() == u"trustCertificateDialog"_s && w->isVisible())
                question = w;
        }
    }
    if (!question) {
        std::fprintf(stderr, "no certificate question: %s\n",
                     qPrintable(facade.connection().message));
        return 1;
    }
    const QString trustPath = out + u"/remote-certificate.png"_s;
    if (!question->grab().save(trustPath))
        return 1;
    std::printf("%s\n", qPrintable(trustPath));
    question->close();
    facade.trustCertificate(facade.connection().fingerprint);

    // Some work on the remote service, through its API.
    for (int i = 0; i < 8; ++i) {
        const QByteArray body = i % 4 == 3
            ? R"({"kind": "selftest", "params": {"steps": 3, "step_ms": 30, "fail_attempts": 1}})"
            : R"({"kind": "selftest", "params": {"steps": 600, "step_ms": 100}})";
        QSslSocket s;
        s.setPeerVerifyMode(QSslSocket::VerifyNone);
        s.connectToHostEncrypted(u"127.0.0.1"_s, daemon.port);
        if (!s.waitForEncrypted(5000))
            return 1;
        s.write("POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + loaded->firstRunToken->toLatin1()
                + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        s.waitForBytesWritten(5000);
        while (s.waitForReadyRead(2000))
            s.readAll();
    }
    spin(std::min(seconds, 20) * 1000);
    const char *const names[] = {"remote-dashboard", "remote-jobs"};
    for (int i = 0; i < 2; ++i) {
        window.tabs()->setCurrentIndex(i);
        spin(1200);
        const QString path = out + u'/' + QLatin1StringView(names[i]) + u".png"_s;
        if (!window.grab().save(path))
            return 1;
        std::printf("%s\n", qPrintable(path));
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: ui_screenshots OUTPUT_DIR [seconds]\n");
        return 2;
    }
    const QString out = QString::fromLocal8Bit(argv[1]);
    const int seconds = argc > 2 ? std::max(5, std::atoi(argv[2])) : 40;
    QDir().mkpath(out);
    QTemporaryDir dir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.filePath(u"settings"_s));
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded)
        return 1;
    loaded->config.limits.maxAttempts = 1;
    loaded->config.limits.maxJobsPerAccount = 200;
    loaded->config.save(configPath);
    const QString spool = dir.filePath(u"spool"_s);
    QDir().mkpath(spool);
    service::Service::Options options {
        dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}, {}};
    options.extraRoutes = [spool](http::Router &router) {
        test::addTestRoutes(router);
        test::addTempFileRoute(router, spool);
    };
    service::Service service(options, *loaded);
    ui::MainWindow window(service);
    window.resize(1400, 1060);
    window.dashboard()->setWindowIndex(0); // a fresh service: the last minute is full
    window.show();
    service.start();
    spin(500);
    const quint16 port = quint16(service.status().listenAddress.section(u':', -1).toUInt());

    // Jobs: quick ones that succeed, some that fail, long ones that run or wait.
    QObject context;
    const auto submit = [&](const QJsonObject &params, const QString &owner) {
        service.jobEngine()->submit(u"selftest"_s, params, {owner, owner, true}, &context,
                                    [](const jobs::SubmitResult &) {});
    };
    for (int i = 0; i < 12; ++i)
        submit({{u"steps"_s, 5}, {u"step_ms"_s, 40}, {u"bytes_per_step"_s, 200'000}},
               i % 2 ? u"reports"_s : u"alice"_s);
    for (int i = 0; i < 3; ++i)
        submit({{u"steps"_s, 3}, {u"step_ms"_s, 30}, {u"fail_attempts"_s, 1}}, u"bob"_s);
    spin(3000);
    for (int i = 0; i < 6; ++i)
        submit({{u"steps"_s, 2000}, {u"step_ms"_s, 100}, {u"bytes_per_step"_s, 50'000}},
               i % 2 ? u"alice"_s : u"reports"_s);

    // Traffic: a slow upload that stays in flight, a steady download, rejections.
    QTcpSocket upload;
    upload.connectToHost(QHostAddress::LocalHost, port);
    upload.waitForConnected(2000);
    // A real upload (PUT /uploads) that trickles in.
    upload.write("PUT /uploads/orders-2026-11.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                 + loaded->firstRunToken.value_or(QString()).toLatin1()
                 + "\r\nContent-Type: text/csv\r\nContent-Length: 50000000\r\n\r\n");
    QByteArray rows = "date,order,customer,amount\n";
    while (rows.size() < 96 * 1024)
        rows += "2026-11-26,100234,ACME Corp,129.90\n";
    QTimer trickle;
    QObject::connect(&trickle, &QTimer::timeout, &upload, [&upload, rows] { upload.write(rows); });
    trickle.start(100);
    QTcpSocket download;
    download.connectToHost(QHostAddress::LocalHost, port);
    download.waitForConnected(2000);
    download.write("GET /bytes/2000000000 HTTP/1.1\r\nHost: x\r\n\r\n");
    QTimer reader;
    QObject::connect(&reader, &QTimer::timeout, &download, [&download] { download.read(400'000); });
    reader.start(50);
    download.setReadBufferSize(256 * 1024);
    for (int i = 0; i < 3; ++i)
        test::request(port,
                      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(20'000, 'a')
                          + "\r\n\r\n"); // 431
    config::Limits limits = service.limits();
    limits.maxJsonBodyBytes = 512 * 1024;
    service.applyLimits(limits);

    spin(seconds * 1000);
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        if (window.tabs()->widget(i) == window.jobsPage()) // a job with details
            window.jobsPage()->view()->selectRow(0);
        spin(1200);
        // Named after the tab ("dashboard", "jobs", "uploads", ...).
        const QString path
            = out + u'/' + window.tabs()->tabText(i).remove(u'&').toLower() + u".png"_s;
        if (!window.grab().save(path))
            return 1;
        std::printf("%s\n", qPrintable(path));
    }
    return remoteScreenshots(out, seconds);
}
