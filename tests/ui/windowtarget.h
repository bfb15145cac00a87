#pragma once

// The operator window in front of either facade, for tests that run the same
// steps twice: the embedded Service in this process, or RemoteServiceFacade
// attached to a sluiced child (SLUICE_BIN_DIR) on the same kind of data dir.

#include "daemon.h"

#include "mainwindow.h"

#include "config/config.h"
#include "remote/remoteservicefacade.h"
#include "service/service.h"

#include <QTemporaryDir>
#include <QTest>

#include <functional>
#include <memory>

namespace sluice::testing {

struct WindowTarget
{
    bool remote = false;
    QTemporaryDir dir;
    QString token; // the admin's (first run)
    quint16 port = 0;
    std::unique_ptr<service::Service> embedded;
    std::unique_ptr<test::Daemon> daemon;
    std::unique_ptr<remote::RemoteServiceFacade> facade;
    std::unique_ptr<ui::MainWindow> window;

    // Creates the config, lets `prepare` change it (false: give up), saves
    // it, starts the service, shows the window on it and waits until the
    // service runs.
    bool startWindow(const std::function<bool(config::LoadedConfig &)> &prepare)
    {
        const QString configPath = dir.filePath(QStringLiteral("config.json"));
        auto loaded = config::loadOrCreate(configPath);
        if (!loaded || !loaded->firstRunToken)
            return false;
        token = *loaded->firstRunToken;
        if (!prepare(*loaded) || !loaded->config.save(configPath))
            return false;
        if (remote) {
            daemon = std::make_unique<test::Daemon>();
            if (!daemon->start(dir.path()))
                return false;
            port = daemon->port;
            remote::RemoteOptions options;
            options.url = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
            options.token = token;
            facade = std::make_unique<remote::RemoteServiceFacade>(options);
            window = std::make_unique<ui::MainWindow>(*facade);
        } else {
            service::Service::Options options {dir.path(),
                                               configPath,
                                               service::ListenAddress {QHostAddress::LocalHost, 0},
                                               {},
                                               {},
                                               // sluice-thumbnail is in the build tree's app/
                                               qEnvironmentVariable("SLUICE_BIN_DIR")};
            embedded = std::make_unique<service::Service>(options, *loaded);
            window = std::make_unique<ui::MainWindow>(*embedded);
            embedded->start();
        }
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return false;
        if (!QTest::qWaitFor(
                [this] { return service().status().state == service::ServiceState::Running; },
                10'000))
            return false;
        if (!remote)
            port = quint16(embedded->status().listenAddress.section(u':', -1).toUInt());
        return true;
    }

    service::ServiceFacade &service()
    {
        return remote ? static_cast<service::ServiceFacade &>(*facade) : *embedded;
    }
};

} // namespace sluice::testing
