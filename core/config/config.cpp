#include "config/config.h"
#include "util/durablefile.h"
#include "util/lockfile.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QStringBuilder>

#include <algorithm>
#include <array>

using namespace Qt::StringLiterals;

namespace sluice::config {
namespace {

// Far above any real configuration; stops a wrong path (a log, a disk image)
// from being read into memory.
constexpr qint64 MaxFileBytes = 16 * 1024 * 1024;

QDateTime nowToTheSecond()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    return now.addMSecs(-now.time().msec()); // the file stores whole seconds
}

} // namespace

Expected<Config> Config::load(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return Error {u"cannot read config file "_s % path % u": "_s % file.errorString()};
    if (file.size() > MaxFileBytes) {
        return Error {u"cannot read config file "_s % path % u": it has "_s
                      % QString::number(file.size()) % u" bytes, more than a config can ("_s
                      % QString::number(MaxFileBytes) % u')'};
    }
    const QByteArray json = file.readAll();
    if (file.error() != QFileDevice::NoError)
        return Error {u"cannot read config file "_s % path % u": "_s % file.errorString()};
    return fromJson(json, path);
}

Expected<void> Config::save(const QString &path) const
{
    const QByteArray json = toJson();
    // Never write a file that the next start would refuse.
    if (auto check = fromJson(json, path); !check) {
        return Error {u"refusing to save an invalid configuration to "_s % path % u":\n"_s
                      % check.error().message};
    }
    if (auto directory = createPrivateDirectories(QFileInfo(path).path()); !directory)
        return directory;
    return writeFileDurably(path, json);
}

QStringList Config::defaultUploadTypes()
{
    // Text (CSV and JSON are text/plain's children), common images, PDF and
    // archives. Arbitrary binary (application/octet-stream) is not accepted.
    return {u"text/plain"_s,      u"application/json"_s, u"image/png"_s,
            u"image/jpeg"_s,      u"image/gif"_s,        u"image/webp"_s,
            u"application/pdf"_s, u"application/zip"_s,  u"application/gzip"_s};
}

const Dataset *Config::dataset(QStringView name) const
{
    for (const Dataset &dataset : datasets) {
        if (dataset.name == name)
            return &dataset;
    }
    return nullptr;
}

QString Config::resolvePath(const QString &configPath, const QString &path)
{
    return QDir::cleanPath(QFileInfo(configPath).absoluteDir().absoluteFilePath(path));
}

const Account *Config::account(QStringView name) const
{
    for (const Account &account : accounts) {
        if (account.name == name)
            return &account;
    }
    return nullptr;
}

const Account *Config::accountById(QStringView id) const
{
    for (const Account &account : accounts) {
        if (account.id == id)
            return &account;
    }
    return nullptr;
}

Expected<QString> Config::addToken(const QString &accountName, bool admin, bool metricsOnly)
{
    if (!isValidAccountName(accountName)) {
        return Error {u"invalid account name \""_s % accountName
                      % u"\": use 1 to 64 of A-Z a-z 0-9 . _ -"_s};
    }
    if (admin && metricsOnly)
        return Error {u"account \""_s % accountName
                      % u"\": an account is either admin or metrics-only, not both"_s};
    auto it = std::find_if(accounts.begin(), accounts.end(),
                           [&](const Account &account) { return account.name == accountName; });
    if (it == accounts.end()) {
        accounts.append(Account {accountName, admin, {}, newAccountId(), metricsOnly});
        it = accounts.end() - 1;
    } else if ((admin && it->metricsOnly) || (metricsOnly && !it->metricsOnly)) {
        return Error {
            u"account \""_s % accountName % u"\" exists as "_s
            % (it->metricsOnly ? u"a metrics-only"_s : (it->admin ? u"an admin"_s : u"a user"_s))
            % u" account; revoke it first, or choose another name"_s};
    } else if (admin) {
        it->admin = true;
    }
    QString token = generateToken();
    it->tokens.append(TokenRecord {tokenDigest(token), nowToTheSecond()});
    return token;
}

bool Config::revokeAccount(QStringView name)
{
    return accounts.removeIf([name](const Account &account) { return account.name == name; }) > 0;
}

namespace {

// Writers wait this long for each other; a save takes milliseconds.
constexpr int ConfigLockWaitMs = 10'000;

bool configExists(const QString &path)
{
    // A dangling symlink counts as existing: it is not ours to replace.
    const QFileInfo info(path);
    return info.exists() || info.isSymLink();
}

// The file a config path stands for: a symlink (/etc/sluice/config.json to a
// managed file) is followed, so that the link stays and every writer, by
// whichever path, locks and replaces the same file.
Expected<QString> configTarget(const QString &path)
{
    const QFileInfo info(path);
    if (!info.isSymLink())
        return path;
    const QString target = info.canonicalFilePath();
    if (target.isEmpty())
        return Error {u"the config file "_s % path % u" is a symbolic link to "_s
                      % info.symLinkTarget() % u", which does not exist"_s};
    return target;
}

Expected<std::unique_ptr<LockFile>> lockConfig(const QString &path)
{
    if (auto directory = createPrivateDirectories(QFileInfo(path).path()); !directory)
        return directory.error();
    bool heldByOther = false;
    auto lock = LockFile::lock(path + u".lock"_s, QDeadlineTimer(ConfigLockWaitMs), &heldByOther);
    if (!lock && heldByOther)
        return Error {u"cannot change the config file "_s % path
                      % u": another writer did not finish within "_s
                      % QString::number(ConfigLockWaitMs / 1000) % u" s ("_s % lock.error().message
                      % u')'};
    if (!lock)
        return Error {u"cannot change the config file "_s % path % u": "_s % lock.error().message};
    return lock;
}

} // namespace

Expected<Config> updateConfigFile(const QString &linkOrPath,
                                  const std::function<Expected<void>(Config &)> &change,
                                  const std::optional<Config> &whenMissing)
{
    const auto target = configTarget(linkOrPath);
    if (!target)
        return target.error();
    const QString &path = *target;
    auto lock = lockConfig(path);
    if (!lock)
        return lock.error();
    Config config;
    if (!configExists(path)) {
        // Never a default in its place: that would drop every account.
        if (!whenMissing)
            return Error {u"the config file "_s % path
                          % u" is missing; run the service once to create it"_s};
        config = *whenMissing;
    } else {
        auto current = Config::load(path);
        if (!current)
            return Error {
                u"the config file no longer parses, so it was left as it is; fix it first:\n"_s
                % current.error().message};
        config = std::move(*current);
    }
    if (auto changed = change(config); !changed)
        return changed.error();
    if (auto saved = config.save(path); !saved)
        return saved.error();
    return config;
}

Expected<LoadedConfig> loadOrCreate(const QString &path)
{
    if (configExists(path)) {
        Expected<Config> config = Config::load(path);
        if (!config)
            return config.error();
        return LoadedConfig {std::move(*config), std::nullopt};
    }
    if (QFileInfo(path).isSymLink()) // dangling: not ours to replace
        return configTarget(path).error();
    auto lock = lockConfig(path);
    if (!lock)
        return lock.error();
    if (configExists(path)) { // created by another first run while we waited
        Expected<Config> config = Config::load(path);
        if (!config)
            return config.error();
        return LoadedConfig {std::move(*config), std::nullopt};
    }

    Config config;
    Expected<QString> token = config.addToken(QString::fromLatin1(Config::DefaultAccount), true);
    if (!token)
        return token.error();
    if (auto saved = config.save(path); !saved)
        return saved.error();
    return LoadedConfig {std::move(config), std::move(*token)};
}

QString generateToken()
{
    std::array<quint32, 8> words; // 256 bits
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), sizeof(words));
    return u"sluice_"_s
        % QString::fromLatin1(
               bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QByteArray tokenDigest(QStringView token)
{
    return QCryptographicHash::hash(token.toUtf8(), QCryptographicHash::Sha256);
}

QString newAccountId()
{
    std::array<quint32, 4> words; // 128 bits
    QRandomGenerator::system()->fillRange(words.data(), words.size());
    const QByteArray bytes(reinterpret_cast<const char *>(words.data()), sizeof(words));
    return QString::fromLatin1(
        bytes.toBase64(QByteArray::Base64UrlEncoding | QByteArray::OmitTrailingEquals));
}

QString legacyAccountId(QStringView name)
{
    return u"name:"_s + name;
}

bool isValidAccountId(QStringView id)
{
    if (id.startsWith(u"name:"))
        return isValidAccountName(id.sliced(5));
    return id.size() == 22 && std::all_of(id.begin(), id.end(), [](QChar c) {
               return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z')
                   || (c >= u'0' && c <= u'9') || c == u'_' || c == u'-';
           });
}

bool isValidAccountName(QStringView name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    return std::all_of(name.begin(), name.end(), [](QChar c) {
        return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'.' || c == u'_' || c == u'-';
    });
}

} // namespace sluice::config
