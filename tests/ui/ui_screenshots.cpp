// The screenshots of docs/screenshots and the README: the window in front of
// the real service doing its real work, all of it through the HTTP API as
// clients would do it. Three accounts export from the built-in orders demo
// (jobs succeed, run, wait, are cancelled, and one is cancelled and retried),
// files are uploaded with PUT /uploads (a CSV and an image, processed with a
// thumbnail), one upload trickles in and one live export is read slowly
// while the dashboard collects samples, a few requests are refused, and a
// limit is changed. Then every tab is saved, with the New export dialog and
// the Limits editor holding changes. Last, the window attached to a sluiced
// child over HTTPS (SLUICE_BIN_DIR names where sluiced is): the question
// about its self-signed certificate, and the window once it is trusted.
// Run through packaging/screenshots.sh (offscreen); not part of ctest.
//
// Usage: ui_screenshots OUTPUT_DIR [--seconds N] [--size WxH] [--prefix P]
//                       [--tabs dashboard,jobs,...] [--no-remote]
//                       [--appearance dark|light]
// The window's language follows the locale (LANG=de_DE.UTF-8), as sluice's.
#include "appearance.h"
#include "daemon.h"
#include "dashboardpage.h"
#include "jobsmodel.h"
#include "jobspage.h"
#include "limitseditor.h"
#include "mainwindow.h"
#include "testsupport.h"
#include "translations.h"
#include "uploadsmodel.h"
#include "uploadspage.h"

#include "config/config.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QApplication>
#include <QBuffer>
#include <QDialog>
#include <QDir>
#include <QElapsedTimer>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QLinearGradient>
#include <QPainter>
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

struct Options
{
    QString out;
    int seconds = 40;
    QSize size {1280, 800};
    QString prefix; // "dark-", "de-", ...
    QStringList tabs; // empty: all
    bool remote = true;
    std::optional<bool> dark; // --appearance; unset: the platform's
};

// The tabs in the window's order, named for the files.
const QStringList kTabNames {u"dashboard"_s, u"jobs"_s,   u"uploads"_s,
                             u"transfers"_s, u"limits"_s, u"events"_s};

void spin(int ms)
{
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 20);
}

bool save(QWidget *w, const Options &o, const QString &name)
{
    const QString path = o.out + u'/' + o.prefix + name + u".png"_s;
    if (!w->grab().save(path)) {
        std::fprintf(stderr, "could not save %s\n", qPrintable(path));
        return false;
    }
    std::printf("%s\n", qPrintable(path));
    return true;
}

bool wanted(const Options &o, const QString &name)
{
    return o.tabs.isEmpty() || o.tabs.contains(name);
}

// A client of the embedded service, one request per connection. The service
// answers on its own threads, so blocking here only pauses the window.
class Client
{
public:
    Client(quint16 port, QString token)
        : m_port(port)
        , m_token(std::move(token))
    { }

    test::Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                     const QByteArray &type = "application/json") const
    {
        QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: sluice\r\nAuthorization: Bearer "
            + m_token.toLatin1() + "\r\nConnection: close\r\n";
        if (!body.isEmpty() || method != "GET")
            raw += "Content-Type: " + type
                + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n";
        return test::request(m_port, raw + "\r\n" + body, 30'000);
    }

    // POST /exports; the job's id, or empty (and a message) when refused.
    QString exportJob(const QJsonObject &request) const
    {
        const test::Reply r
            = call("POST", "/exports", QJsonDocument(request).toJson(QJsonDocument::Compact));
        if (r.status != 202) {
            std::fprintf(stderr, "POST /exports: %d %s\n", r.status, r.body.constData());
            return {};
        }
        return QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString();
    }

    QString state(const QString &id) const
    {
        return QJsonDocument::fromJson(call("GET", "/jobs/" + id.toLatin1()).body)
            .object()
            .value(u"state"_s)
            .toString();
    }

    quint16 port() const { return m_port; }
    const QString &token() const { return m_token; }

private:
    quint16 m_port;
    QString m_token;
};

QJsonObject exportRequest(const QString &from, const QString &to, const QString &format,
                          const QJsonObject &filters = {})
{
    QJsonObject o {
        {u"dataset"_s, u"orders"_s}, {u"from"_s, from}, {u"to"_s, to}, {u"format"_s, format}};
    if (!filters.isEmpty())
        o.insert(u"filters"_s, filters);
    return o;
}

bool waitForState(const Client &c, const QString &id, const QStringList &states, int ms)
{
    for (int waited = 0; waited < ms; waited += 200) {
        if (states.contains(c.state(id)))
            return true;
        spin(200);
    }
    std::fprintf(stderr, "job %s is %s, not %s\n", qPrintable(id), qPrintable(c.state(id)),
                 qPrintable(states.join(u'/')));
    return false;
}

// A picture for the Uploads tab's thumbnail: a floor plan of sorts.
QByteArray floorPlanPng()
{
    QImage image(1600, 1000, QImage::Format_RGB32);
    image.fill(QColor(0xf4, 0xf1, 0xea));
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    QLinearGradient sky(0, 0, 0, 1000);
    sky.setColorAt(0, QColor(0x2b, 0x5f, 0x8a));
    sky.setColorAt(1, QColor(0x9c, 0xc3, 0xd5));
    p.fillRect(0, 0, 1600, 1000, sky);
    p.setPen(QPen(Qt::white, 14));
    p.drawRect(120, 120, 1360, 760);
    p.drawLine(700, 120, 700, 560);
    p.drawLine(120, 560, 1100, 560);
    p.drawLine(1100, 560, 1100, 880);
    p.setPen(QPen(QColor(0xff, 0xc8, 0x57), 10));
    for (int x = 180; x < 660; x += 80)
        p.drawRect(x, 180, 50, 330);
    p.end();
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return png;
}

QByteArray ordersCsv(int rows)
{
    static const char *const customers[]
        = {"ACME Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "Wayne Enterprises"};
    QByteArray csv = "order,date,customer,amount,currency\n";
    for (int i = 0; i < rows; ++i)
        csv += QByteArray::number(100'000 + i) + ",2026-11-" + QByteArray::number(1 + i % 30) + ','
            + customers[i % 6] + ',' + QByteArray::number(10 + (i * 37) % 900) + ".90,EUR\n";
    return csv;
}

// The window on a sluiced child over HTTPS with a self-signed certificate.
int remoteScreenshots(const Options &o)
{
    QTemporaryDir dir;
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded || !loaded->firstRunToken)
        return 1;
    loaded->config.limits.maxExportJobsPerAccount = 8;
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
    window.resize(o.size);
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
    if (!save(question, o, u"remote-certificate"_s))
        return 1;
    question->close();
    facade.trustCertificate(facade.connection().fingerprint);

    // Exports on the remote service, through its API over TLS.
    const auto call = [&](const QByteArray &method, const QByteArray &path,
                          const QByteArray &body) {
        QSslSocket s;
        s.setPeerVerifyMode(QSslSocket::VerifyNone);
        s.connectToHostEncrypted(u"127.0.0.1"_s, daemon.port);
        if (!s.waitForEncrypted(5000))
            return QByteArray();
        s.write(method + ' ' + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + loaded->firstRunToken->toLatin1()
                + "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
        s.waitForBytesWritten(5000);
        QByteArray answer;
        while (s.waitForReadyRead(2000))
            answer += s.readAll();
        return answer;
    };
    const auto post = [&](const QJsonObject &request) {
        return call("POST", "/exports", QJsonDocument(request).toJson(QJsonDocument::Compact))
            .startsWith("HTTP/1.1 202");
    };
    // The demo dataset is generated at the first start: wait for it (a job
    // queued before would spend attempts on "being generated").
    for (int waited = 0;
         waited < 120'000 && !call("GET", "/exports", {}).contains("\"ready\":true"); waited += 500)
        spin(500);
    post(exportRequest(u"2025-01-01"_s, u"2025-01-31"_s, u"csv"_s));
    const QString months[] = {u"2025-02"_s, u"2025-03"_s, u"2025-04"_s, u"2025-05"_s};
    for (const QString &m : months)
        post(exportRequest(m + u"-01"_s, m + u"-28"_s, u"csv.gz"_s));
    post(exportRequest(u"2025-01-01"_s, u"2026-06-30"_s, u"csv.gz"_s));
    post(exportRequest(u"2025-07-01"_s, u"2026-06-30"_s, u"csv"_s));
    spin(std::min(o.seconds, 15) * 1000);
    const QString names[] = {u"remote-dashboard"_s, u"remote-jobs"_s};
    const int indexes[] = {0, 1};
    for (int i = 0; i < 2; ++i) {
        window.tabs()->setCurrentIndex(indexes[i]);
        spin(1200);
        if (!save(&window, o, names[i]))
            return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    Options o;
    const QStringList args = QCoreApplication::arguments();
    for (int i = 1; i < args.size(); ++i) {
        const QString &a = args[i];
        const QString next = i + 1 < args.size() ? args[i + 1] : QString();
        if (a == u"--seconds"_s)
            o.seconds = std::max(5, next.toInt()), ++i;
        else if (a == u"--size"_s)
            o.size = QSize(next.section(u'x', 0, 0).toInt(), next.section(u'x', 1, 1).toInt()), ++i;
        else if (a == u"--prefix"_s)
            o.prefix = next, ++i;
        else if (a == u"--tabs"_s)
            o.tabs = next.split(u','), ++i;
        else if (a == u"--no-remote"_s)
            o.remote = false;
        else if (a == u"--appearance"_s && (next == u"dark"_s || next == u"light"_s))
            o.dark = next == u"dark"_s, ++i;
        else if (o.out.isEmpty() && !a.startsWith(u'-'))
            o.out = a;
        else {
            std::fprintf(stderr, "unknown argument %s\n", qPrintable(a));
            return 2;
        }
    }
    if (o.out.isEmpty() || o.size.isEmpty()) {
        std::fprintf(stderr,
                     "usage: ui_screenshots OUTPUT_DIR [--seconds N] [--size WxH] [--prefix P] "
                     "[--tabs dashboard,jobs,...] [--no-remote] [--appearance dark|light]\n");
        return 2;
    }
    // As the window does: the system's language (LANGUAGE, LC_ALL, LANG).
    ui::installTranslations(app, QLocale());
    if (o.dark)
        ui::applyAppearance(*o.dark ? ui::Appearance::Dark : ui::Appearance::Light);
    QDir().mkpath(o.out);
    QTemporaryDir dir;
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.filePath(u"settings"_s));
    const QString configPath = dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    if (!loaded || !loaded->firstRunToken)
        return 1;
    // Three accounts that export and upload, each with a token.
    QHash<QString, QString> tokens;
    for (const QString &name : {u"finance"_s, u"reports"_s, u"warehouse"_s}) {
        const QString token = u"sluice_screenshot_%1_token_0123456789"_s.arg(name);
        tokens.insert(name, token);
        loaded->config.accounts.append(
            config::Account {name,
                             false,
                             {{config::tokenDigest(token), QDateTime::currentDateTimeUtc()}},
                             config::newAccountId()});
    }
    loaded->config.limits.maxExportJobsPerAccount = 4;
    loaded->config.limits.retryBaseDelayMs = 500;
    if (!loaded->config.save(configPath))
        return 1;
    service::Service::Options options {
        dir.path(), configPath, service::ListenAddress {QHostAddress::LocalHost, 0}, {}};
    options.helperDir = qEnvironmentVariable("SLUICE_BIN_DIR"); // sluice-thumbnail
    service::Service service(options, *loaded);
    ui::MainWindow window(service);
    window.resize(o.size);
    window.dashboard()->setWindowIndex(0); // a fresh service: the last minute is full
    window.show();
    service.start();
    spin(500);
    const quint16 port = quint16(service.status().listenAddress.section(u':', -1).toUInt());
    const Client admin(port, *loaded->firstRunToken);
    const Client finance(port, tokens[u"finance"_s]);
    const Client reports(port, tokens[u"reports"_s]);
    const Client warehouse(port, tokens[u"warehouse"_s]);

    // The demo dataset is generated at the first start: wait for it.
    bool ready = false;
    for (int waited = 0; !ready && waited < 120'000; waited += 500) {
        const auto catalog = QJsonDocument::fromJson(admin.call("GET", "/exports").body).object();
        ready = catalog.value(u"datasets"_s).toArray().at(0).toObject().value(u"ready"_s).toBool();
        if (!ready)
            spin(500);
    }
    if (!ready) {
        std::fprintf(stderr, "the orders demo did not become ready\n");
        return 1;
    }

    // Uploads: a CSV and an image (processed, with a thumbnail).
    for (const auto &[client, name, type, body] :
         {std::tuple {&warehouse, QByteArray("stock-count-2026-11.csv"), QByteArray("text/csv"),
                      ordersCsv(40'000)},
          std::tuple {&finance, QByteArray("warehouse-floor-plan.png"), QByteArray("image/png"),
                      floorPlanPng()},
          std::tuple {&reports, QByteArray("returns-q3.csv"), QByteArray("text/csv"),
                      ordersCsv(3'000)}}) {
        const test::Reply r = client->call("PUT", "/uploads/" + name, body, type);
        if (r.status != 201) {
            std::fprintf(stderr, "PUT /uploads/%s: %d %s\n", name.constData(), r.status,
                         r.body.constData());
            return 1;
        }
    }

    // Exports that succeed at once.
    QStringList quick;
    quick << finance.exportJob(
        exportRequest(u"2025-03-01"_s, u"2025-03-31"_s, u"csv"_s, {{u"status"_s, u"paid"_s}}))
          << finance.exportJob(exportRequest(u"2025-01-01"_s, u"2025-03-31"_s, u"csv.gz"_s))
          << reports.exportJob(exportRequest(u"2025-11-01"_s, u"2025-11-30"_s, u"csv"_s,
                                             {{u"currency"_s, u"EUR"_s}}));
    for (const QString &id : std::as_const(quick)) {
        if (id.isEmpty() || !waitForState(admin, id, {u"succeeded"_s}, 60'000))
            return 1;
    }
    // Two long ones take both workers (max_active_jobs 2); what comes next waits.
    // The compressed one runs longest: the one the Jobs screenshot shows running.
    const auto occupyWorkers = [&] {
        const QString longest
            = reports.exportJob(exportRequest(u"2025-01-01"_s, u"2026-06-30"_s, u"csv.gz"_s));
        const QString other
            = warehouse.exportJob(exportRequest(u"2025-01-01"_s, u"2026-06-30"_s, u"csv"_s));
        return other.isEmpty() ? QString() : longest;
    };
    if (occupyWorkers().isEmpty())
        return 1;
    // One cancelled while it waits, one cancelled and retried (it runs again later).
    const QString cancelled
        = reports.exportJob(exportRequest(u"2025-06-01"_s, u"2025-06-30"_s, u"csv"_s));
    const QString retried
        = warehouse.exportJob(exportRequest(u"2025-09-01"_s, u"2025-09-30"_s, u"csv.gz"_s));
    if (cancelled.isEmpty() || retried.isEmpty())
        return 1;
    admin.call("POST", "/jobs/" + cancelled.toLatin1() + "/cancel");
    admin.call("POST", "/jobs/" + retried.toLatin1() + "/cancel");
    if (!waitForState(admin, retried, {u"cancelled"_s}, 10'000))
        return 1;
    const test::Reply retry = admin.call("POST", "/jobs/" + retried.toLatin1() + "/retry");
    if (retry.status != 200 && retry.status != 202) {
        std::fprintf(stderr, "retry: %d %s\n", retry.status, retry.body.constData());
        return 1;
    }

    // While the dashboard collects samples: an upload trickling in, a live
    // export read slowly, health probes, refusals, and new exports now and then.
    QTcpSocket upload;
    upload.connectToHost(QHostAddress::LocalHost, port);
    upload.waitForConnected(2000);
    upload.write(
        "PUT /uploads/orders-archive-2024.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
        + tokens[u"warehouse"_s].toLatin1()
        + "\r\nContent-Type: text/csv\r\nContent-Length: 900000000\r\n\r\n");
    const QByteArray rows = ordersCsv(2'000);
    QTimer trickle;
    QObject::connect(&trickle, &QTimer::timeout, &upload, [&upload, &rows] { upload.write(rows); });
    trickle.start(100);
    QTcpSocket live;
    live.setReadBufferSize(64 * 1024);
    live.connectToHost(QHostAddress::LocalHost, port);
    live.waitForConnected(2000);
    live.write("GET /exports/orders.csv?from=2025-05-01&to=2025-05-31 HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer "
               + tokens[u"reports"_s].toLatin1() + "\r\n\r\n");
    QTimer reader;
    QObject::connect(&reader, &QTimer::timeout, &live, [&live] { live.read(24 * 1024); });
    reader.start(100);
    QTimer probes;
    QObject::connect(&probes, &QTimer::timeout, &probes,
                     [port] { test::request(port, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); });
    probes.start(250);
    // Refused: a header over max_header_bytes, a live export too long to serve live.
    for (int i = 0; i < 3; ++i)
        test::request(port,
                      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Padding: " + QByteArray(20'000, 'a')
                          + "\r\n\r\n"); // 431
    finance.call("GET", "/exports/orders.csv?from=2025-01-01&to=2025-12-31"); // 413
    config::Limits limits = service.limits();
    limits.maxUploadsPerAccount = 6;
    service.applyLimits(limits);
    const QString months[]
        = {u"2025-02"_s, u"2025-04"_s, u"2025-07"_s, u"2025-08"_s, u"2025-10"_s, u"2025-12"_s};
    for (int s = 0; s < o.seconds; s += 5) {
        const QString &m = months[(s / 5) % 6];
        finance.exportJob(exportRequest(m + u"-01"_s, m + u"-28"_s, u"csv"_s));
        spin(5000);
    }
    // The Jobs tab with work in every state: long ones running, one waiting.
    const QString running = occupyWorkers();
    finance.exportJob(exportRequest(u"2026-01-01"_s, u"2026-06-30"_s, u"csv.gz"_s,
                                    {{u"status"_s, u"refunded"_s}}));
    spin(800);

    // Jobs first, while the long exports run and another waits.
    QList<int> order;
    for (int i = 0; i < window.tabs()->count() && i < kTabNames.size(); ++i)
        order.insert(window.tabs()->widget(i) == window.jobsPage() ? 0 : order.size(), i);
    for (const int i : std::as_const(order)) {
        if (!wanted(o, kTabNames[i]))
            continue;
        window.tabs()->setCurrentIndex(i);
        QWidget *page = window.tabs()->widget(i);
        if (page == window.jobsPage()) { // a running export with its details
            QAbstractItemModel *model = window.jobsPage()->view()->model();
            for (int row = 0; row < model->rowCount(); ++row) {
                if (model->index(row, 0).data(ui::JobsModel::JobIdRole).toString() == running)
                    window.jobsPage()->view()->selectRow(row);
            }
        } else if (page == window.uploadsPage()) { // the image, with its thumbnail
            spin(1200);
            QAbstractItemModel *model = window.uploadsPage()->view()->model();
            for (int row = 0; row < model->rowCount(); ++row) {
                if (model->index(row, ui::UploadsModel::Name).data().toString().endsWith(u".png"_s))
                    window.uploadsPage()->view()->selectRow(row);
            }
        } else if (page == window.limitsEditor()) { // changes waiting for Apply
            if (QLineEdit *e = window.limitsEditor()->editor(u"max_active_jobs"_s))
                e->setText(u"4"_s);
            if (QLineEdit *e = window.limitsEditor()->editor(u"max_upload_bytes"_s))
                e->setText(u"8 GiB"_s);
        }
        spin(1200);
        if (!save(&window, o, kTabNames[i]))
            return 1;
    }
    if (wanted(o, u"new-export"_s)) {
        window.tabs()->setCurrentWidget(window.jobsPage());
        window.jobsPage()->newExport();
        spin(3000); // the catalog, then the row estimate
        for (QWidget *w : QApplication::topLevelWidgets()) {
            if (qobject_cast<QDialog *>(w) && w->isVisible()) {
                if (!save(w, o, u"new-export"_s))
                    return 1;
                w->close();
            }
        }
    }
    trickle.stop();
    reader.stop();
    probes.stop();
    upload.abort();
    live.abort();
    return o.remote ? remoteScreenshots(o) : 0;
}
