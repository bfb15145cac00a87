#pragma once

// A sluiced in a temporary data dir whose accounts the test administers with
// the real `sluiced token` commands, as an operator would (tst_identity,
// tst_revocation).

#include "daemon.h"
#include "testsupport.h"

#include "config/config.h"

#include <QDir>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

namespace sluice::test {

struct AccountDaemon
{
    QTemporaryDir dir;
    Daemon daemon;

    QString dataDir() const { return dir.path(); }
    QString configPath() const { return dir.filePath(QStringLiteral("config.json")); }

    Run token(const QStringList &args) const
    {
        return runSluiced(
            QStringList {QStringLiteral("--data-dir"), dir.path(), QStringLiteral("token")} + args);
    }
    // Creates the account (or adds a token to it) and returns the new token.
    QString add(const QString &name, bool admin = false) const
    {
        QStringList args {QStringLiteral("add"), name};
        if (admin)
            args << QStringLiteral("--admin");
        const Run run = token(args);
        if (run.exitCode != 0)
            qWarning("token add %s: %s", qPrintable(name), qPrintable(run.err));
        return run.out.trimmed().section(QLatin1Char('\n'), -1);
    }
    bool revoke(const QString &name) const
    {
        const Run run = token({QStringLiteral("revoke"), name});
        if (run.exitCode != 0)
            qWarning("token revoke %s: %s", qPrintable(name), qPrintable(run.err));
        return run.exitCode == 0;
    }

    // The config as `token list` creates it, with a demo dataset small enough
    // to generate in a moment.
    bool prepare(qint64 demoRows = 100'000) const
    {
        if (token({QStringLiteral("list")}).exitCode != 0)
            return false;
        return config::updateConfigFile(configPath(),
                                        [demoRows](config::Config &c) {
                                            for (config::Dataset &d : c.datasets)
                                                d.demoRows = demoRows;
                                            return Expected<void> {};
                                        })
            .hasValue();
    }
    bool start() { return daemon.start(dir.path()); }
    quint16 port() const { return daemon.port; }

    static QByteArray head(const QByteArray &method, const QByteArray &path, const QString &token,
                           const QByteArray &extra = {})
    {
        return method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(token) + extra + "\r\n";
    }
    Reply call(const QByteArray &method, const QByteArray &path, const QString &token) const
    {
        return request(port(), head(method, path, token, "Content-Length: 0\r\n"));
    }
    Reply send(const QByteArray &method, const QByteArray &path, const QString &token,
               const QByteArray &body, const QByteArray &type) const
    {
        return request(port(),
                       head(method, path, token,
                            "Content-Type: " + type
                                + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n")
                           + body,
                       15'000);
    }
    static QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }

    // POST /exports, again while the demo database is being generated (503).
    Reply submitExport(const QString &token, const QByteArray &from, const QByteArray &to) const
    {
        const QByteArray body
            = R"({"dataset": "orders", "from": ")" + from + R"(", "to": ")" + to + R"("})";
        Reply r;
        for (int attempt = 0; attempt < 150; ++attempt) {
            r = send("POST", "/exports", token, body, "application/json");
            if (r.status != 503)
                break;
            QTest::qWait(200);
        }
        return r;
    }
    QString jobState(const QString &id, const QString &token) const
    {
        return json(call("GET", "/jobs/" + id.toLatin1(), token))
            .value(QStringLiteral("state"))
            .toString();
    }
    QStringList uploadTempFiles() const
    {
        return QDir(dir.filePath(QStringLiteral("tmp")))
            .entryList({QStringLiteral("upload-*")}, QDir::Files | QDir::Hidden);
    }
};

} // namespace sluice::test
