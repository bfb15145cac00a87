#pragma once

#include <QProcess>
#include <QStringList>

namespace sluice::test {

// The sluiced binary (from SLUICE_BIN_DIR), as a child process.
QString sluicedPath();

struct Daemon
{
    QProcess process;
    QByteArray output;
    quint16 port = 0;
    QString token; // printed on first run only

    // Starts on 127.0.0.1:0 and waits for "listening on"; false if it never comes.
    bool start(const QString &dataDir, const QStringList &extraArgs = {});
    void kill9();
    ~Daemon();
};

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

Run runSluiced(const QStringList &args);

} // namespace sluice::test
