#pragma once

// An in-process Service on a temporary data dir with an admin ("operator",
// its first-run token) and a data account ("bob"), for tests of routes that
// the Service answers on its own thread (PATCH /admin/limits) or that need
// its pieces (event log, history, stream). Requests go out from another
// thread while the test's thread runs the event loop.

#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <future>

namespace sluice::test {

struct ServiceFixture
{
    QTemporaryDir dir;
    std::unique_ptr<sluice::service::Service> service;
    QString admin;
    QString user;
    quint16 port = 0;

    QString configPath() const { return dir.filePath(QStringLiteral("config.json")); }

    bool start()
    {
        auto loaded = sluice::config::loadOrCreate(configPath());
        if (!loaded)
            return false;
        auto userToken = loaded->config.addToken(QStringLiteral("bob"), false);
        if (!userToken || !loaded->config.save(configPath()))
            return false;
        user = *userToken;
        loaded->config.datasets.clear(); // no demo database to generate here
        sluice::service::Service::Options options {
            dir.path(), configPath(), sluice::service::ListenAddress {QHostAddress::LocalHost, 0}};
        service = std::make_unique<sluice::service::Service>(options, *loaded);
        admin = service->firstRunToken();
        service->start();
        if (!QTest::qWaitFor(
                [&] { return service->status().state == sluice::service::ServiceState::Running; }))
            return false;
        port = quint16(service->status().listenAddress.section(QLatin1Char(':'), -1).toUInt());
        return true;
    }

    // Sent from another thread while this one runs its event loop.
    std::future<Reply> send(const QByteArray &raw)
    {
        return std::async(std::launch::async,
                          [port = port, raw] { return request(port, raw, 10'000); });
    }
    Reply wait(std::future<Reply> &f)
    {
        if (!QTest::qWaitFor(
                [&] { return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
                15'000))
            return {};
        return f.get();
    }
    Reply get(const QByteArray &path, const QString &token)
    {
        auto f = send(sluice::test::get(path, bearer(token)));
        return wait(f);
    }
    Reply patch(const QString &token, const QByteArray &body)
    {
        auto f = send(patchRequest(token, body));
        return wait(f);
    }
    static QByteArray patchRequest(const QString &token, const QByteArray &body)
    {
        return "PATCH /admin/limits HTTP/1.1\r\nHost: t\r\n" + bearer(token)
            + "Content-Type: application/json\r\nContent-Length: " + QByteArray::number(body.size())
            + "\r\n\r\n" + body;
    }
    QJsonObject fileLimits() const
    {
        QFile f(configPath());
        if (!f.open(QIODevice::ReadOnly))
            return {};
        return QJsonDocument::fromJson(f.readAll())
            .object()
            .value(QStringLiteral("limits"))
            .toObject();
    }
};

} // namespace sluice::test
