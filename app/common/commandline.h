#pragma once

#include "service/service.h"
#include "util/expected.h"

#include <QStringList>
#include <QTextStream>

namespace sluice::app {

struct CommandLine
{
    enum class Command { Run, TokenAdd, TokenList, TokenRevoke, TlsSelfSigned, Help, Version };
    Command command = Command::Run;
    QString dataDir;
    QString configPath;
    std::optional<service::ListenAddress> listen;
    QString account; // token add/revoke
    bool admin = false; // token add --admin
    bool metricsOnly = false; // token add --metrics-only
    QStringList hosts; // tls self-signed --host
    QString connectTo; // sluice --connect URL: a remote sluiced, as given (not yet checked)
    QString helpText;
};

// Which program reads the command line: the window takes --connect URL as well.
enum class Program { Service, Window };

// Both binaries take --listen [https://]HOST:PORT, --data-dir DIR and --config FILE;
// `token add NAME [--admin | --metrics-only] | list | revoke NAME` administers accounts,
// `tls self-signed [--host NAME]...` makes the service a certificate.
Expected<CommandLine> parseCommandLine(const QStringList &arguments, const QString &description,
                                       Program program = Program::Service);

// Everything but running the service: parse errors, help, version and the
// token commands. Returns the exit code when the program is done, nullopt
// when it should go on and run the service.
std::optional<int> handleCommandLine(const Expected<CommandLine> &cmd, const char *program,
                                     QTextStream &out, QTextStream &err);

// The platform's app-data location, e.g. ~/.local/share/sluice.
QString defaultDataDir();

// Runs a token sub-command against the config file. Returns the exit code.
int runTokenCommand(const CommandLine &cmd, QTextStream &out, QTextStream &err);

// Writes a fresh key and self-signed certificate under DATA_DIR/tls/, sets
// them in the config and prints the certificate's SHA-256 fingerprint as the
// last line of `out`. Returns the exit code.
int runTlsCommand(const CommandLine &cmd, QTextStream &out, QTextStream &err);

// Loads (or on first run creates) the config and builds the service options.
Expected<std::pair<service::Service::Options, config::LoadedConfig>>
prepareService(const CommandLine &cmd);

} // namespace sluice::app
