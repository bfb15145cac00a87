#pragma once

#include "config/limits.h"

#include <QProcess>
#include <QStringList>
#include <QTemporaryDir>

#include <functional>

namespace sluice::test {

// The sluiced binary (from SLUICE_BIN_DIR), as a child process.
QString sluicedPath();

// sluiced as a child process. Its stdout and stderr go to files, not pipes:
// a pipe is read only while this thread runs an event loop, and a test that
// blocks on a socket would otherwise leave a chatty child blocked on a full
// pipe (64 KiB), which looks like a hang of the service under test.
struct Daemon
{
    QProcess process;
    QByteArray output; // stdout, then stderr, as of the end of start() (for messages)
    quint16 port = 0;
    QString token; // printed on first run only

    // Starts on 127.0.0.1:0 and waits for "listening on"; false if it never comes.
    bool start(const QString &dataDir, const QStringList &extraArgs = {});
    void kill9();
    // Everything the child printed so far.
    QByteArray standardOutput() const;
    QByteArray standardError() const;
    ~Daemon();

private:
    QTemporaryDir m_logs;
};

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runSluiced(const QStringList &args);

// Writes DATA_DIR/config.json for a sluiced of the tests: no datasets, no
// disk floor, then `tweak` on the limits. Returns the admin token when the
// file is created (empty once it exists).
QByteArray writeDaemonConfig(const QString &dataDir,
                             const std::function<void(config::Limits &)> &tweak = {});

} // namespace sluice::test
