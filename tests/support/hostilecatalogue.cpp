#include "hostilecatalogue.h"

#include "config/config.h"
#include "service/service.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

#include <sys/socket.h>

using namespace Qt::StringLiterals;

namespace sluice::test::hostile {

CatalogueService::CatalogueService()
{
    const QString path = m_dir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(path);
    QVERIFY(loaded);
    loaded->config.datasets.clear(); // no demo database to generate here
    config::Limits &l = loaded->config.limits;
    l.minFreeDiskBytes = 0;
    l.headerDeadlineMs = 1000;
    l.bodyIdleTimeoutMs = 1000;
    l.keepAliveIdleTimeoutMs = 800;
    l.maxUploadBytes = 1024 * 1024;
    l.maxMultipartParts = 8;
    l.maxMultipartFileParts = 4;
    l.maxMultipartPartHeaderBytes = 1024;
    m_values.insert("{admin}", loaded->firstRunToken->toLatin1());
    m_values.insert("{alice}", loaded->config.addToken(u"alice"_s, false)->toLatin1());
    m_values.insert("{bob}", loaded->config.addToken(u"bob"_s, false)->toLatin1());
    QVERIFY(loaded->config.save(path));
    m_service = std::make_unique<service::Service>(
        service::Service::Options {m_dir.path(), path,
                                   service::ListenAddress {QHostAddress::LocalHost, 0}},
        *loaded);
    m_service->start();
    QTRY_VERIFY(m_service->status().state == service::ServiceState::Running);
    port = quint16(m_service->status().listenAddress.section(u':', -1).toUInt());
    QTRY_VERIFY(m_service->latestSample().diskFreeBytes > 0);

    // Something of alice's for bob to reach for.
    const Reply seeded = request(port, expand(put("seed.csv", "a,b\r\n1,2\r\n")));
    QCOMPARE(seeded.status, 201);
    const QJsonObject json = QJsonDocument::fromJson(seeded.body).object();
    m_values.insert("{alice-upload}", json.value(u"id"_s).toString().toLatin1());
    m_values.insert("{alice-job}", json.value(u"job"_s).toString().toLatin1());
    QTRY_COMPARE(jobState(m_values.value("{alice-job}")), u"succeeded"_s);
    ready = true;
}

CatalogueService::~CatalogueService() = default;

QByteArray CatalogueService::expand(QByteArray raw) const
{
    for (auto it = m_values.begin(); it != m_values.end(); ++it)
        raw.replace(it.key(), it.value());
    return raw;
}

QStringList CatalogueService::tempFiles() const
{
    return QDir(m_dir.filePath(u"tmp"_s)).entryList({u"upload-*"_s}, QDir::Files | QDir::Hidden);
}

QStringList CatalogueService::storedFiles() const
{
    return QDir(m_dir.filePath(u"uploads"_s)).entryList(QDir::Files | QDir::Hidden);
}

int CatalogueService::uploadsInFlight() const
{
    return m_service->latestSample().uploadsInFlight;
}

qint64 CatalogueService::jobTotal() const
{
    const Reply r = request(port, expand(getAs("admin", "/jobs?limit=1")));
    return r.status == 200
        ? QJsonDocument::fromJson(r.body).object().value(u"total"_s).toInteger(-1)
        : -1;
}

QString CatalogueService::jobState(const QByteArray &id) const
{
    const Reply r = request(port, expand(getAs("admin", "/jobs/" + id)));
    return QJsonDocument::fromJson(r.body).object().value(u"state"_s).toString();
}

void addColumns()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QList<int>>("statuses"); // empty: closed without a response
    QTest::addColumn<After>("after");
    QTest::addColumn<int>("uploadsCreated");
}

void row(const char *name, const QByteArray &raw, QList<int> statuses, After after,
         int uploadsCreated)
{
    QTest::newRow(name) << raw << statuses << after << uploadsCreated;
}

void runRow(std::unique_ptr<CatalogueService> &service)
{
    QFETCH(QByteArray, raw);
    QFETCH(QList<int>, statuses);
    QFETCH(After, after);
    QFETCH(int, uploadsCreated);

    if (!service)
        service = std::make_unique<CatalogueService>();
    QVERIFY(service->ready);
    CatalogueService &s = *service;
    const QStringList storedBefore = s.storedFiles();
    const qint64 jobsBefore = s.jobTotal();
    QVERIFY(jobsBefore >= 1);

    const bool halfClose = raw.endsWith(Shut);
    if (halfClose)
        raw.chop(Shut.size());
    RawClient client(s.port);
    QVERIFY(client.isOpen());
    client.send(s.expand(raw));
    if (halfClose)
        QCOMPARE(::shutdown(int(client.socket().socketDescriptor()), SHUT_WR), 0);

    QList<QString> created;
    for (const int expected : statuses) {
        const Reply r = client.read(5000);
        QVERIFY2(r.status == expected,
                 qPrintable(u"got %1, expected %2: %3"_s.arg(r.status).arg(expected).arg(
                     QString::fromUtf8(r.body))));
        if (r.status != 201)
            continue;
        QVERIFY2(!r.headers.contains("set-cookie"), "a header was injected");
        const QJsonObject json = QJsonDocument::fromJson(r.body).object();
        const QJsonArray list
            = json.contains(u"uploads"_s) ? json.value(u"uploads"_s).toArray() : QJsonArray {json};
        for (const QJsonValue &upload : list) {
            const QString name = upload.toObject().value(u"name"_s).toString();
            QVERIFY2(isSafeName(name), qPrintable(name));
            created.append(upload.toObject().value(u"id"_s).toString());
        }
    }
    switch (after) {
    case After::Usable:
        client.send(get("/healthz"));
        QCOMPARE(client.read().status, 200);
        break;
    case After::Closed:
        QVERIFY(client.waitForClose(5000));
        QCOMPARE(client.read(100).status, 0); // nothing more was sent
        break;
    case After::Either:
        break;
    }
    QCOMPARE(created.size(), uploadsCreated);

    // The service is unharmed, and nothing was left or created.
    QCOMPARE(request(s.port, get("/healthz")).status, 200);
    QTRY_VERIFY2(s.tempFiles().isEmpty(), qPrintable(s.tempFiles().join(u' ')));
    QTRY_COMPARE(s.uploadsInFlight(), 0);
    QStringList expectedStored = storedBefore;
    expectedStored.append(created);
    expectedStored.sort();
    QTRY_COMPARE(s.storedFiles(), expectedStored);
    QTRY_COMPARE(s.jobTotal(), jobsBefore + created.size()); // one processing job per upload
    for (const QString &id : std::as_const(created)) {
        const Reply removed
            = request(s.port,
                      "DELETE /uploads/" + id.toLatin1() + " HTTP/1.1\r\nHost: t\r\n"
                          + bearer(QString::fromLatin1(s.token("alice"))) + "\r\n");
        QCOMPARE(removed.status, 204);
    }
    QTRY_COMPARE(s.storedFiles(), storedBefore);
}

} // namespace sluice::test::hostile
