#pragma once

#include "config/dataset.h"
#include "config/limits.h"
#include "util/expected.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QString>
#include <QStringList>

#include <functional>
#include <optional>

namespace sluice::config {

// A bearer token is stored only as its SHA-256 digest.
struct TokenRecord
{
    QByteArray sha256; // 32 raw bytes (hex in the file)
    QDateTime created; // UTC
    bool operator==(const TokenRecord &) const = default;
};

// An account is its id: given once at creation and never reused, it owns the
// account's jobs, uploads and results. The name is for people (and the
// command line); a name revoked and added again is a new account.
struct Account
{
    QString name; // [A-Za-z0-9._-]{1,64}
    bool admin = false;
    QList<TokenRecord> tokens;
    QString id; // newAccountId(), or legacyAccountId(name) for an account of a version 1 file
    // A scrape account (Prometheus): its tokens read GET /metrics and nothing
    // else. Never an admin too (docs/decisions/0017).
    bool metricsOnly = false;
    bool operator==(const Account &) const = default;
};

// The server's certificate chain and private key, PEM files. A relative path
// is relative to the config file's directory (Config::resolvePath).
struct TlsFiles
{
    QString certificate;
    QString privateKey;
    bool operator==(const TlsFiles &) const = default;
};

struct Config
{
    // 2: accounts carry an "id". A version 1 file (no ids) still loads: its
    // accounts get legacyAccountId(name), which is also what the stores'
    // migrations gave the rows those names owned.
    static constexpr int CurrentVersion = 2;
    static constexpr auto DefaultListen = "127.0.0.1:8080";
    static constexpr auto DefaultAccount = "operator";

    // HOST:PORT or http://HOST:PORT (plain), https://HOST:PORT (needs `tls`)
    QString listen = QString::fromLatin1(DefaultListen);
    std::optional<TlsFiles> tls;
    // Media types an upload may have (declared and sniffed); a type is allowed
    // when it or one of its parents in the shared MIME database is listed
    // (HTML, XHTML and SVG only when listed by name: upload::ContentPolicy).
    QStringList uploadTypes = defaultUploadTypes();
    Limits limits;
    QList<Account> accounts;
    // A file without a "datasets" key gets the built-in `orders` demo; an
    // empty array means no datasets at all.
    QList<Dataset> datasets = {Dataset::demoOrders()};

    const Dataset *dataset(QStringView name) const;

    bool operator==(const Config &) const = default;

    static QStringList defaultUploadTypes();

    // Parses and validates. Errors read "FILE:LINE: reason" and name the key at
    // fault; a malformed file is never replaced.
    static Expected<Config> load(const QString &path);
    static Expected<Config> fromJson(const QByteArray &json, const QString &fileNameForErrors);
    QByteArray toJson() const;

    // Durable write: temp file, fdatasync, rename, fsync of the directory.
    Expected<void> save(const QString &path) const;

    // A path of the file (the tls files) made absolute against the directory
    // of the config file at configPath.
    static QString resolvePath(const QString &configPath, const QString &path);

    const Account *account(QStringView name) const;
    const Account *accountById(QStringView id) const;
    // Creates the account when missing (admin and metricsOnly as given; an
    // existing account keeps its role unless admin is true) and returns a new
    // plain token. A metrics-only account can be neither made admin nor
    // added to as metricsOnly when it exists as another kind.
    Expected<QString> addToken(const QString &accountName, bool admin, bool metricsOnly = false);
    // Removes the account and all its tokens; false when there is none.
    bool revokeAccount(QStringView name);
};

struct LoadedConfig
{
    Config config;
    // The plain token created for the default account when the file did not
    // exist yet; shown once (printed by sluiced, displayed by the GUI).
    std::optional<QString> firstRunToken;
};

// Loads the file, or on first run creates it with defaults and one admin
// account with a fresh token (under the file's lock: of two first runs at
// once, one creates and the other loads).
Expected<LoadedConfig> loadOrCreate(const QString &path);

// The one way to change the config file on disk: takes its lock
// ("PATH.lock", shared by `sluiced token`, the window's Apply and the admin
// API), reads the file as it is now, applies `change` and saves, so that
// concurrent writers never lose each other's changes. A file that no longer
// parses is never replaced: the update fails naming the file and why. A
// missing file is rebuilt from `whenMissing` (the service's own config), or
// the update fails. A symlink is followed: its target is locked and replaced.
// Returns the config as saved.
Expected<Config> updateConfigFile(const QString &path,
                                  const std::function<Expected<void>(Config &)> &change,
                                  const std::optional<Config> &whenMissing = std::nullopt);

// 256 bits from QRandomGenerator::system(), base64url, prefixed "sluice_".
QString generateToken();
QByteArray tokenDigest(QStringView token);
bool isValidAccountName(QStringView name);

// 128 bits from QRandomGenerator::system(), base64url without padding: 22 characters.
QString newAccountId();
// The id that an account named `name` had before accounts had ids: "name:" + name.
// It never collides with newAccountId(), which has no ':'.
QString legacyAccountId(QStringView name);
bool isValidAccountId(QStringView id);

} // namespace sluice::config
