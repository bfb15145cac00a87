#pragma once

// A real Service in a data dir on a small tmpfs of its own (jobs.db, temp
// files, results/ and uploads share it, as on a real server), with one
// dataset "rows" (kSourceRows rows, one a minute from 2025-01-01, about
// 4 MiB of CSV) in a database that is not on the small disk. For the tests
// of a full disk and of the errors it causes. Mounting needs root, as in CI.

#include "exporttesting.h"
#include "testsupport.h"

#include "config/limits.h"
#include "service/service.h"

#include <QJsonObject>

#include <functional>
#include <memory>

namespace sluice::test {

constexpr int kSourceRows = 40'000;

// Creates the "rows" source database at path; an error message, or empty.
QString createRowsSource(const QString &path);

// Fills `path` until about `leave` bytes are free on its file system.
bool writeBallast(const QString &path, qint64 leave);
qint64 freeBytes(const QString &path); // filesUnder(): exporttesting.h

struct DiskService
{
    std::unique_ptr<service::Service> service;
    quint16 port = 0;
    QString alice; // an account
    QString root; // an admin

    // `adjust` changes the limits of the test before the service starts.
    DiskService(const QString &dataDir, const QString &source,
                const std::function<void(config::Limits &)> &adjust = {});

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
               const QByteArray &extraHeaders = {});
    Reply callAs(const QString &token, const QByteArray &method, const QByteArray &path,
                 const QByteArray &body = {}, const QByteArray &extraHeaders = {});
    QJsonObject job(const QString &id);
    QString state(const QString &id) { return JobClient {port, root}.state(id); }
};

} // namespace sluice::test
