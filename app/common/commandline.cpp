#include "commandline.h"

#include "config/selfsigned.h"
#include "util/durablefile.h"

#include <QCommandLineParser>
#include <QDir>
#include <QFile>
#include <QStandardPaths>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::app {

std::optional<int> handleCommandLine(const Expected<CommandLine> &cmd, const char *program,
                                     QTextStream &out, QTextStream &err)
{
    if (!cmd) {
        err << program << ": " << cmd.error().message << Qt::endl;
        return 2;
    }
    switch (cmd->command) {
    case CommandLine::Command::Help:
        out << cmd->helpText;
        return 0;
    case CommandLine::Command::Version:
        out << program << " " SLUICE_VERSION << Qt::endl;
        return 0;
    case CommandLine::Command::Run:
        return std::nullopt;
    case CommandLine::Command::TlsSelfSigned:
        return runTlsCommand(*cmd, out, err);
    default:
        return runTokenCommand(*cmd, out, err);
    }
}

QString defaultDataDir()
{
    QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    if (dir.isEmpty())
        dir = QDir::homePath() + u"/.local/share/sluice"_s;
    return dir;
}

Expected<CommandLine> parseCommandLine(const QStringList &arguments, const QString &description,
                                       Program program)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(description);
    const QCommandLineOption help({u"h"_s, u"help"_s}, u"Show this help."_s);
    const QCommandLineOption version({u"v"_s, u"version"_s}, u"Show the version."_s);
    const QCommandLineOption listen(
        u"listen"_s,
        u"Address to listen on (port 0 picks a free port); https://HOST:PORT for TLS with the "
        "config's certificate. Default: from the config, 127.0.0.1:8080."_s,
        u"[https://]HOST:PORT"_s);
    const QCommandLineOption dataDir(
        u"data-dir"_s, u"Data directory. Default: %1"_s.arg(defaultDataDir()), u"DIR"_s);
    const QCommandLineOption config(u"config"_s, u"Config file. Default: DIR/config.json"_s,
                                    u"FILE"_s);
    const QCommandLineOption admin(u"admin"_s, u"With 'token add': make the account an admin."_s);
    const QCommandLineOption metricsOnly(
        u"metrics-only"_s,
        u"With 'token add': a scrape account, whose tokens read GET /metrics and nothing else."_s);
    const QCommandLineOption host(u"host"_s,
                                  u"With 'tls self-signed': a name or IP address for the "
                                  "certificate (repeatable). Default: localhost, 127.0.0.1, ::1."_s,
                                  u"NAME"_s);
    parser.addOptions({help, version, listen, dataDir, config, admin, metricsOnly, host});
    const QCommandLineOption connectTo(
        u"connect"_s,
        u"Show the sluiced at this URL instead of this computer's service, which then starts only "
        "when File > Local service asks for it. The token comes from SLUICE_TOKEN, else the "
        "keyring, else a dialog."_s,
        u"http[s]://HOST:PORT"_s);
    if (program == Program::Window)
        parser.addOption(connectTo);
    parser.addPositionalArgument(
        u"command"_s,
        u"Optional: token add NAME [--admin | --metrics-only] | token list | token revoke NAME | "
        "tls self-signed [--host NAME]..."_s,
        u"[token ... | tls ...]"_s);
    if (!parser.parse(arguments))
        return Error {parser.errorText()};

    CommandLine cmd;
    cmd.helpText = parser.helpText();
    if (parser.isSet(help)) {
        cmd.command = CommandLine::Command::Help;
        return cmd;
    }
    if (parser.isSet(version)) {
        cmd.command = CommandLine::Command::Version;
        return cmd;
    }
    cmd.dataDir
        = QDir(parser.isSet(dataDir) ? parser.value(dataDir) : defaultDataDir()).absolutePath();
    cmd.configPath = parser.isSet(config) ? parser.value(config) : cmd.dataDir + u"/config.json"_s;
    if (parser.isSet(listen)) {
        cmd.listen = service::ListenAddress::parse(parser.value(listen));
        if (!cmd.listen)
            return Error {u"--listen: '%1' is not [https://]HOST:PORT (e.g. 127.0.0.1:8080, "
                          "[::1]:0, https://127.0.0.1:8443)"_s.arg(parser.value(listen))};
    }
    cmd.admin = parser.isSet(admin);
    cmd.metricsOnly = parser.isSet(metricsOnly);
    cmd.hosts = parser.values(host);
    if (program == Program::Window) {
        cmd.connectTo = parser.value(connectTo);
        // An empty value (an unset variable) must not mean "no --connect":
        // that would start this computer's service and print a new token.
        if (parser.isSet(connectTo) && cmd.connectTo.trimmed().isEmpty())
            return Error {u"--connect needs a URL, such as https://sluice.example.org:8443"_s};
    }

    const QStringList words = parser.positionalArguments();
    if (words.isEmpty()) {
        if (!cmd.hosts.isEmpty())
            return Error {u"--host goes with 'tls self-signed'"_s};
        return cmd;
    }
    if (words.first() == u"tls"_s) {
        if (words.size() != 2 || words.at(1) != u"self-signed"_s)
            return Error {u"usage: tls self-signed [--host NAME]..."_s};
        cmd.command = CommandLine::Command::TlsSelfSigned;
        return cmd;
    }
    if (!cmd.hosts.isEmpty())
        return Error {u"--host goes with 'tls self-signed'"_s};
    if (words.first() != u"token"_s)
        return Error {u"unknown command '%1' (expected: token, tls)"_s.arg(words.first())};
    const QString sub = words.value(1);
    if (sub == u"add"_s && words.size() == 3) {
        cmd.command = CommandLine::Command::TokenAdd;
        cmd.account = words.at(2);
    } else if (sub == u"list"_s && words.size() == 2) {
        cmd.command = CommandLine::Command::TokenList;
    } else if (sub == u"revoke"_s && words.size() == 3) {
        cmd.command = CommandLine::Command::TokenRevoke;
        cmd.account = words.at(2);
    } else {
        return Error {u"usage: token add NAME [--admin | --metrics-only] | token list | token "
                      "revoke NAME"_s};
    }
    return cmd;
}

int runTokenCommand(const CommandLine &cmd, QTextStream &out, QTextStream &err)
{
    // Token commands work on an existing or a fresh config alike.
    auto loaded = config::loadOrCreate(cmd.configPath);
    if (!loaded) {
        err << "sluiced: " << loaded.error().message << Qt::endl;
        return 2;
    }
    // Created here (before the service's first start): its admin's token is
    // shown now or never. On stderr, so that `token add`'s last line on
    // stdout stays the token asked for.
    if (loaded->firstRunToken) {
        err << "created " << cmd.configPath << " with admin account '"
            << config::Config::DefaultAccount << "'; its bearer token (shown once):" << Qt::endl
            << "token " << *loaded->firstRunToken << Qt::endl;
    }
    const config::Config &cfg = loaded->config;
    switch (cmd.command) {
    case CommandLine::Command::TokenAdd: {
        // Read, change and save under the config's lock: of twenty `token
        // add` at once, every one lands and every printed token works.
        bool existed = false;
        bool badName = false;
        QString token;
        const auto saved = config::updateConfigFile(
            cmd.configPath, [&](config::Config &current) -> Expected<void> {
                existed = current.account(cmd.account) != nullptr;
                auto added = current.addToken(cmd.account, cmd.admin, cmd.metricsOnly);
                if (!added) {
                    badName = true;
                    return added.error();
                }
                token = *added;
                return {};
            });
        if (!saved) {
            err << "sluiced: " << saved.error().message << Qt::endl;
            return badName ? 2 : 1;
        }
        const config::Account *a = saved->account(cmd.account);
        out << (existed ? "added a token to account '" : "created account '") << cmd.account << "'"
            << " (" << (a && a->admin ? "admin, " : "")
            << (a && a->metricsOnly ? "metrics only, " : "") << "id " << (a ? a->id : QString())
            << "); the token is shown once:" << Qt::endl;
        out << token << Qt::endl;
        return 0;
    }
    case CommandLine::Command::TokenList:
        out << QStringLiteral("%1  %2  %3  %4  %5")
                   .arg(u"ACCOUNT"_s, -24)
                   .arg(u"ROLE"_s, -7)
                   .arg(u"TOKENS"_s, 6)
                   .arg(u"NEWEST TOKEN (UTC)"_s, -20)
                   .arg(u"ID"_s)
            << Qt::endl;
        for (const config::Account &a : std::as_const(cfg.accounts)) {
            QDateTime newest;
            for (const auto &t : a.tokens)
                newest = std::max(newest, t.created);
            out << QStringLiteral("%1  %2  %3  %4  %5")
                       .arg(a.name, -24)
                       .arg(a.admin ? u"admin"_s : (a.metricsOnly ? u"metrics"_s : u"user"_s), -7)
                       .arg(a.tokens.size(), 6)
                       .arg(newest.isValid() ? newest.toString(Qt::ISODate) : u"-"_s, -20)
                       .arg(a.id)
                << Qt::endl;
        }
        return 0;
    case CommandLine::Command::TokenRevoke: {
        qsizetype count = 0;
        const auto saved = config::updateConfigFile(
            cmd.configPath, [&](config::Config &current) -> Expected<void> {
                const config::Account *a = current.account(cmd.account);
                if (!a)
                    return Error {u"no account named '%1'"_s.arg(cmd.account)};
                count = a->tokens.size();
                current.revokeAccount(cmd.account);
                return {};
            });
        if (!saved) {
            err << "sluiced: " << saved.error().message << Qt::endl;
            return 1;
        }
        // The running service reloads the file and ends what those tokens
        // have in flight; the name, if added again, is a new account.
        out << "revoked account '" << cmd.account << "' and its " << count << " token(s)"
            << Qt::endl;
        return 0;
    }
    default:
        return 2;
    }
}

int runTlsCommand(const CommandLine &cmd, QTextStream &out, QTextStream &err)
{
    auto loaded = config::loadOrCreate(cmd.configPath);
    if (!loaded) {
        err << "sluiced: " << loaded.error().message << Qt::endl;
        return 2;
    }
    if (loaded->firstRunToken) { // on stderr: stdout ends with the fingerprint
        err << "created " << cmd.configPath << " with admin account '"
            << config::Config::DefaultAccount << "'; its bearer token (shown once):" << Qt::endl
            << "token " << *loaded->firstRunToken << Qt::endl;
    }
    constexpr int validityDays = 825;
    const auto made = config::makeSelfSignedCertificate(cmd.hosts, validityDays);
    if (!made) {
        err << "sluiced: " << made.error().message << Qt::endl;
        return 2;
    }
    const QString directory = cmd.dataDir + u"/tls"_s;
    const QString keyPath = directory + u"/key.pem"_s;
    const QString certificatePath = directory + u"/certificate.pem"_s;
    // Files and directory go to the data directory's owner when root runs
    // this, as the token commands' files do: the service must read them.
    const auto written = [&]() -> Expected<void> {
        if (auto created = createPrivateDirectories(directory); !created)
            return created;
        const int fd
            = ::open(QFile::encodeName(directory).constData(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return Error {
                u"cannot open %1: %2"_s.arg(directory, QString::fromLocal8Bit(strerror(errno)))};
        auto given = giveToDirectoryOwner(fd, directory);
        ::close(fd);
        if (!given)
            return given;
        // Both written in full under new names first, then both renamed: a
        // failure while writing (a full disk) leaves an earlier pair as it
        // was, never a new key beside an old certificate.
        const QString newKey = keyPath + u".new"_s;
        const QString newCertificate = certificatePath + u".new"_s;
        const auto discard = [&] {
            QFile::remove(newKey);
            QFile::remove(newCertificate);
        };
        if (auto key = writeFileDurably(newKey, made->privateKeyPem); !key) { // mode 0600
            discard();
            return key;
        }
        if (auto certificate = writeFileDurably(newCertificate, made->certificatePem);
            !certificate) {
            discard();
            return certificate;
        }
        // Public: readable by anyone, as a client may need to be given it.
        if (!QFile::setPermissions(newCertificate,
                                   QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup
                                       | QFile::ReadOther)) {
            discard();
            return Error {u"cannot make %1 readable"_s.arg(certificatePath)};
        }
        for (const auto &[from, to] :
             {std::pair(newKey, keyPath), std::pair(newCertificate, certificatePath)}) {
            if (::rename(QFile::encodeName(from).constData(), QFile::encodeName(to).constData())
                != 0) {
                const QString why = QString::fromLocal8Bit(strerror(errno));
                discard();
                return Error {u"cannot rename %1 to %2: %3"_s.arg(from, to, why)};
            }
        }
        return fsyncDirectory(directory);
    }();
    if (!written) {
        err << "sluiced: " << written.error().message << Qt::endl;
        return 1;
    }
    const auto saved
        = config::updateConfigFile(cmd.configPath, [&](config::Config &current) -> Expected<void> {
              current.tls = config::TlsFiles {certificatePath, keyPath};
              return {};
          });
    if (!saved) {
        err << "sluiced: " << saved.error().message << Qt::endl;
        return 1;
    }
    out << "wrote " << keyPath << " (mode 0600) and " << certificatePath << " (valid "
        << validityDays << " days, for "
        << (cmd.hosts.isEmpty() ? u"localhost, 127.0.0.1, ::1"_s : cmd.hosts.join(u", "_s))
        << "), set in " << cmd.configPath << Qt::endl;
    out << "listen on https://HOST:PORT (\"listen\" in the config or --listen) to use them; "
           "the certificate's SHA-256 fingerprint:"
        << Qt::endl;
    out << config::certificateFingerprint(made->certificatePem) << Qt::endl;
    return 0;
}

Expected<std::pair<service::Service::Options, config::LoadedConfig>>
prepareService(const CommandLine &cmd)
{
    if (!QDir().mkpath(cmd.dataDir))
        return Error {u"cannot create data directory %1"_s.arg(cmd.dataDir)};
    // Before the config is read or created: a second instance touches nothing.
    auto lock = service::Service::lockDataDir(cmd.dataDir);
    if (!lock)
        return lock.error();
    auto loaded = config::loadOrCreate(cmd.configPath);
    if (!loaded)
        return loaded.error();
    service::Service::Options options {cmd.dataDir, cmd.configPath, cmd.listen, {}, *lock};
    return std::pair {std::move(options), std::move(*loaded)};
}

} // namespace sluice::app
