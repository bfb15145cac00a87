#include "diskservice.h"

#include "config/config.h"

#include <QDirIterator>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QStorageInfo>
#include <QTest>

using namespace Qt::StringLiterals;

namespace sluice::test {

QString createRowsSource(const QString &path)
{
    return createSqliteDatabase(
        path,
        {u"CREATE TABLE t (id INTEGER PRIMARY KEY, at TEXT NOT NULL, label TEXT)"_s,
         u"CREATE INDEX t_at ON t (at)"_s,
         u"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %1) "
         "INSERT INTO t SELECT i, strftime('%Y-%m-%d %H:%M:%S', '2025-01-01', '+' || i || "
         "' minutes'), printf('row %d, \"%.60c\"', i, 'x') FROM n"_s.arg(kSourceRows)});
}

qint64 freeBytes(const QString &path)
{
    return QStorageInfo(path).bytesAvailable();
}

bool writeBallast(const QString &path, qint64 leave)
{
    QFile ballast(path);
    if (!ballast.open(QIODevice::WriteOnly | QIODevice::Append))
        return false;
    const QByteArray block(64 * 1024, 'b');
    while (freeBytes(QFileInfo(path).absolutePath()) - block.size() >= leave) {
        if (ballast.write(block) != block.size() || !ballast.flush())
            return false;
    }
    return true;
}

DiskService::DiskService(const QString &dataDir, const QString &source,
                         const std::function<void(config::Limits &)> &adjust)
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
    if (adjust)
        adjust(l);
    alice = *loaded->config.addToken(u"alice"_s, false);
    root = *loaded->config.addToken(u"root"_s, true);
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

Reply DiskService::callAs(const QString &token, const QByteArray &method, const QByteArray &path,
                          const QByteArray &body, const QByteArray &extraHeaders)
{
    QByteArray raw
        = method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(token) + extraHeaders;
    if (method == "POST")
        raw += "Content-Type: application/json\r\n";
    if (method == "POST" || method == "PUT")
        raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    return request(port, raw + "\r\n" + body, 15'000);
}

Reply DiskService::call(const QByteArray &method, const QByteArray &path, const QByteArray &body,
                        const QByteArray &extraHeaders)
{
    return callAs(alice, method, path, body, extraHeaders);
}

QJsonObject DiskService::job(const QString &id)
{
    return JobClient {port, root}.job(id); // as the admin, who sees every account's jobs
}

} // namespace sluice::test
