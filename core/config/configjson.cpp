// Config::fromJson and Config::toJson: the file format and its error messages.

#include "config/config.h"
#include "config/dataset_p.h"
#include "config/jsontext_p.h"
#include "config/limits_p.h"

#include <QHostAddress>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QStringBuilder>

#include <algorithm>
#include <initializer_list>
#include <optional>

using namespace Qt::StringLiterals;

namespace sluice::config {
namespace {

bool isDigits(QStringView text)
{
    return !text.isEmpty() && std::all_of(text.begin(), text.end(), [](QChar c) {
        return c.isDigit() && c.unicode() < 128;
    });
}

bool isHostName(QStringView host)
{
    if (host.isEmpty() || host.size() > 253)
        return false;
    for (QStringView label : host.tokenize(u'.')) {
        if (label.isEmpty() || label.size() > 63 || label.startsWith(u'-') || label.endsWith(u'-'))
            return false;
        for (QChar c : label) {
            if (!(c.isLetterOrNumber() && c.unicode() < 128) && c != u'-')
                return false;
        }
    }
    return true;
}

// [http://|https://]HOST:PORT where HOST is an IPv4 address, a host name or a bracketed IPv6
// address, and PORT is 0 (any free port) to 65535.
bool isValidListen(QStringView listen)
{
    if (listen.startsWith(u"https://"))
        listen = listen.sliced(8);
    else if (listen.startsWith(u"http://"))
        listen = listen.sliced(7);
    const qsizetype colon = listen.lastIndexOf(u':');
    if (colon <= 0)
        return false;
    const QStringView host = listen.first(colon);
    const QStringView port = listen.sliced(colon + 1);
    if (!isDigits(port) || port.size() > 5 || port.toInt() > 65535)
        return false;

    if (host.startsWith(u'[')) {
        return host.size() > 2 && host.endsWith(u']')
            && QHostAddress(host.sliced(1, host.size() - 2).toString()).protocol()
            == QAbstractSocket::IPv6Protocol;
    }
    // Digits and dots only: must then be a real IPv4 address, not "999.1.1.1".
    const bool numeric = std::all_of(host.begin(), host.end(), [](QChar c) {
        return c == u'.' || (c.isDigit() && c.unicode() < 128);
    });
    if (numeric)
        return QHostAddress(host.toString()).protocol() == QAbstractSocket::IPv4Protocol;
    return isHostName(host);
}

QString childPath(const QString &path, QStringView key)
{
    return path.isEmpty() ? key.toString() : path % u'.' % key;
}

QString elementPath(const QString &path, qsizetype index)
{
    return path % u'[' % QString::number(index) % u']';
}

// Collects every problem of a file with the line it is on.
class ConfigReader final
{
public:
    ConfigReader(const QByteArray &json, const QString &fileName)
        : m_lines(json)
        , m_fileName(fileName)
    {
        for (const auto &duplicate : m_lines.duplicates()) {
            failAt(duplicate.line, duplicate.path,
                   u"duplicate key (first on line "_s % QString::number(duplicate.firstLine)
                       % u')');
        }
    }

    Config read(const QJsonObject &root);

    QString errorText()
    {
        std::stable_sort(m_errors.begin(), m_errors.end(),
                         [](const auto &a, const auto &b) { return a.first < b.first; });
        QStringList messages;
        for (const auto &error : std::as_const(m_errors))
            messages.append(error.second);
        return messages.join(u'\n');
    }
    bool failed() const { return !m_errors.isEmpty(); }

private:
    void fail(const QString &path, const QString &reason)
    {
        failAt(m_lines.lineOf(path), path, reason);
    }
    void failAt(int line, const QString &path, const QString &reason)
    {
        m_errors.append(
            {line, m_fileName % u':' % QString::number(line) % u": "_s % path % u": "_s % reason});
    }
    void rejectUnknownKeys(const QJsonObject &object, const QString &path,
                           std::initializer_list<QLatin1StringView> known)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (std::find(known.begin(), known.end(), it.key()) == known.end())
                fail(childPath(path, it.key()), u"unknown key"_s);
        }
    }

    void readAccounts(const QJsonValue &value, QList<Account> &accounts);
    void readUploadTypes(const QJsonValue &value, QStringList &types);
    std::optional<TlsFiles> readTls(const QJsonValue &value);
    std::optional<Account> readAccount(const QJsonValue &value, const QString &path);
    std::optional<TokenRecord> readToken(const QJsonValue &value, const QString &path);

    detail::JsonKeyLines m_lines;
    QString m_fileName;
    int m_version = Config::CurrentVersion;
    QList<std::pair<int, QString>> m_errors;
};

Config ConfigReader::read(const QJsonObject &root)
{
    Config config;
    rejectUnknownKeys(root, {},
                      {"version"_L1, "listen"_L1, "upload_types"_L1, "limits"_L1, "accounts"_L1,
                       "datasets"_L1, "tls"_L1});

    const QJsonValue version = root.value("version"_L1);
    if (version.isUndefined()) {
        fail(u"version"_s,
             u"missing; this format needs \"version\": "_s
                 % QString::number(Config::CurrentVersion));
    } else if (version.toInteger(-1) == 1) {
        m_version = 1; // accounts without ids (see Config::CurrentVersion)
    } else if (version.toInteger(-1) != Config::CurrentVersion) {
        fail(u"version"_s,
             u"unsupported version "_s % detail::describeJsonValue(version) % u" (expected "_s
                 % QString::number(Config::CurrentVersion) % u')');
    }

    if (const QJsonValue listen = root.value("listen"_L1); !listen.isUndefined()) {
        if (listen.isString() && isValidListen(listen.toString())) {
            config.listen = listen.toString();
        } else {
            fail(u"listen"_s,
                 u"must be HOST:PORT, http://HOST:PORT or https://HOST:PORT with a port from 0 "
                 "to 65535, like \"127.0.0.1:8080\" (got "_s
                     % detail::describeJsonValue(listen) % u')');
        }
    }
    if (const QJsonValue tls = root.value("tls"_L1); !tls.isUndefined())
        config.tls = readTls(tls);
    if (config.listen.startsWith(u"https://"_s) && !config.tls && !root.contains("tls"_L1)) {
        fail(u"listen"_s,
             u"https needs a \"tls\" section: {\"certificate\": \"PATH\", \"private_key\": "
             "\"PATH\"} (`sluiced tls self-signed` writes one)"_s);
    }

    if (const QJsonValue types = root.value("upload_types"_L1); !types.isUndefined())
        readUploadTypes(types, config.uploadTypes);

    if (const QJsonValue limits = root.value("limits"_L1); !limits.isUndefined()) {
        if (!limits.isObject()) {
            fail(u"limits"_s,
                 u"must be an object (got "_s % detail::describeJsonValue(limits) % u')');
        } else {
            for (const auto &problem : detail::readLimits(limits.toObject(), config.limits))
                fail(u"limits."_s % problem.key, problem.reason);
        }
    }

    if (const QJsonValue accounts = root.value("accounts"_L1); !accounts.isUndefined())
        readAccounts(accounts, config.accounts);
    if (const QJsonValue datasets = root.value("datasets"_L1); !datasets.isUndefined()) {
        QList<detail::DatasetProblem> problems;
        config.datasets = detail::readDatasets(datasets, problems);
        for (const auto &problem : std::as_const(problems))
            fail(problem.path, problem.reason);
    }
    return config;
}

std::optional<TlsFiles> ConfigReader::readTls(const QJsonValue &value)
{
    if (!value.isObject()) {
        fail(u"tls"_s,
             u"must be an object like {\"certificate\": \"PATH\", \"private_key\": \"PATH\"} "
             "(got "_s
                 % detail::describeJsonValue(value) % u')');
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    rejectUnknownKeys(object, u"tls"_s, {"certificate"_L1, "private_key"_L1});
    TlsFiles files;
    bool ok = true;
    for (auto [key, member] : {std::pair {"certificate"_L1, &TlsFiles::certificate},
                               std::pair {"private_key"_L1, &TlsFiles::privateKey}}) {
        const QJsonValue path = object.value(key);
        if (path.isString() && !path.toString().isEmpty()) {
            files.*member = path.toString();
        } else {
            ok = false;
            fail(childPath(u"tls"_s, QString(key)),
                 (path.isUndefined()
                      ? u"missing"_s
                      : u"must be a file path (got "_s % detail::describeJsonValue(path) % u')')
                     % u"; a PEM file, relative to the config file's directory or absolute"_s);
        }
    }
    return ok ? std::optional(files) : std::nullopt;
}

void ConfigReader::readUploadTypes(const QJsonValue &value, QStringList &types)
{
    const QString path = u"upload_types"_s;
    if (!value.isArray()) {
        fail(path,
             u"must be a list of media types like [\"text/csv\", \"image/png\"] (got "_s
                 % detail::describeJsonValue(value) % u')');
        return;
    }
    types.clear();
    const QJsonArray array = value.toArray();
    static const QRegularExpression mediaType(
        u"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$"_s);
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString type = array.at(i).toString();
        if (!array.at(i).isString() || !mediaType.match(type).hasMatch()) {
            fail(path,
                 u"entry "_s % QString::number(i)
                     % u" must be a media type like \"text/csv\" (got "_s
                     % detail::describeJsonValue(array.at(i)) % u')');
            continue;
        }
        types.append(type.toLower());
    }
}

void ConfigReader::readAccounts(const QJsonValue &value, QList<Account> &accounts)
{
    const QString path = u"accounts"_s;
    if (!value.isArray()) {
        fail(path, u"must be an array (got "_s % detail::describeJsonValue(value) % u')');
        return;
    }
    const QJsonArray array = value.toArray();
    QSet<QString> names;
    QSet<QString> ids;
    for (qsizetype i = 0; i < array.size(); ++i) {
        const QString accountPath = elementPath(path, i);
        std::optional<Account> account = readAccount(array.at(i), accountPath);
        if (!account)
            continue;
        if (names.contains(account->name)) {
            fail(childPath(accountPath, u"name"), u"duplicate account \""_s % account->name % u'"');
            continue;
        }
        if (ids.contains(account->id)) {
            fail(childPath(accountPath, u"id"), u"duplicate account id \""_s % account->id % u'"');
            continue;
        }
        names.insert(account->name);
        ids.insert(account->id);
        accounts.append(std::move(*account));
    }
}

std::optional<Account> ConfigReader::readAccount(const QJsonValue &value, const QString &path)
{
    if (!value.isObject()) {
        fail(path, u"must be an object (got "_s % detail::describeJsonValue(value) % u')');
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    if (m_version == 1)
        rejectUnknownKeys(object, path, {"name"_L1, "admin"_L1, "metrics_only"_L1, "tokens"_L1});
    else
        rejectUnknownKeys(object, path,
                          {"id"_L1, "name"_L1, "admin"_L1, "metrics_only"_L1, "tokens"_L1});

    Account account;
    bool valid = true;
    const QJsonValue name = object.value("name"_L1);
    if (name.isString() && isValidAccountName(name.toString())) {
        account.name = name.toString();
    } else {
        fail(childPath(path, u"name"),
             u"must be 1 to 64 of A-Z a-z 0-9 . _ - (got "_s % detail::describeJsonValue(name)
                 % u')');
        valid = false;
    }

    // Version 1 had no ids: the name was the identity, and stays it for the
    // rows it owned. From version 2 on an id is required, so that an account
    // written by hand cannot silently inherit another's data.
    const QJsonValue id = object.value("id"_L1);
    if (m_version == 1) {
        account.id = legacyAccountId(account.name);
    } else if (id.isString() && isValidAccountId(id.toString())) {
        account.id = id.toString();
    } else {
        const QString reason = id.isUndefined()
            ? u"missing; `sluiced token add NAME` creates accounts with one"_s
            : QString(u"must be 22 characters of A-Z a-z 0-9 _ - (got "_s
                      % detail::describeJsonValue(id) % u')');
        fail(childPath(path, u"id"), reason);
        valid = false;
    }

    if (const QJsonValue admin = object.value("admin"_L1); admin.isBool()) {
        account.admin = admin.toBool();
    } else if (!admin.isUndefined()) {
        fail(childPath(path, u"admin"),
             u"must be true or false (got "_s % detail::describeJsonValue(admin) % u')');
        valid = false;
    }
    if (const QJsonValue scrape = object.value("metrics_only"_L1); scrape.isBool()) {
        account.metricsOnly = scrape.toBool();
        if (account.metricsOnly && account.admin) {
            fail(childPath(path, u"metrics_only"),
                 u"an admin account cannot be metrics-only (make it two accounts)"_s);
            valid = false;
        }
    } else if (!scrape.isUndefined()) {
        fail(childPath(path, u"metrics_only"),
             u"must be true or false (got "_s % detail::describeJsonValue(scrape) % u')');
        valid = false;
    }

    const QString tokensPath = childPath(path, u"tokens");
    if (const QJsonValue tokens = object.value("tokens"_L1); tokens.isArray()) {
        const QJsonArray array = tokens.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (auto token = readToken(array.at(i), elementPath(tokensPath, i)))
                account.tokens.append(std::move(*token));
            else
                valid = false;
        }
    } else if (!tokens.isUndefined()) {
        fail(tokensPath, u"must be an array (got "_s % detail::describeJsonValue(tokens) % u')');
        valid = false;
    }
    return valid ? std::optional(std::move(account)) : std::nullopt;
}

std::optional<TokenRecord> ConfigReader::readToken(const QJsonValue &value, const QString &path)
{
    if (!value.isObject()) {
        fail(path, u"must be an object (got "_s % detail::describeJsonValue(value) % u')');
        return std::nullopt;
    }
    const QJsonObject object = value.toObject();
    rejectUnknownKeys(object, path, {"sha256"_L1, "created"_L1});

    TokenRecord token;
    bool valid = true;
    const QJsonValue sha256 = object.value("sha256"_L1);
    const QString hex = sha256.toString();
    const bool isHex = std::all_of(hex.begin(), hex.end(), [](QChar c) {
        return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
    });
    if (sha256.isString() && hex.size() == 64 && isHex) {
        token.sha256 = QByteArray::fromHex(hex.toLatin1());
    } else {
        fail(childPath(path, u"sha256"),
             u"must be 64 hexadecimal digits (got "_s % detail::describeJsonValue(sha256) % u')');
        valid = false;
    }

    const QJsonValue created = object.value("created"_L1);
    const QDateTime time = QDateTime::fromString(created.toString(), Qt::ISODate);
    if (created.isString() && time.isValid() && time.timeSpec() != Qt::LocalTime) {
        token.created = time.toUTC();
    } else {
        fail(childPath(path, u"created"),
             u"must be a date and time with a zone, like \"2026-01-31T12:00:00Z\" (got "_s
                 % detail::describeJsonValue(created) % u')');
        valid = false;
    }
    return valid ? std::optional(std::move(token)) : std::nullopt;
}

// Writes one line per call, four spaces per level.
class IndentedWriter final
{
public:
    void line(int depth, std::initializer_list<QByteArrayView> parts)
    {
        m_text.append(depth * 4, ' ');
        for (QByteArrayView part : parts)
            m_text.append(part);
        m_text.append('\n');
    }
    QByteArray text() const { return m_text; }

private:
    QByteArray m_text;
};

QByteArrayView separator(qsizetype index, qsizetype count)
{
    return QByteArrayView(index + 1 < count ? "," : "");
}

} // namespace

Expected<Config> Config::fromJson(const QByteArray &json, const QString &fileNameForErrors)
{
    if (json.trimmed().isEmpty())
        return Error {fileNameForErrors % u":1:1: the file is empty"_s};
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        const detail::TextPosition at = detail::textPosition(json, parseError.offset);
        return Error {fileNameForErrors % u':' % QString::number(at.line) % u':'
                      % QString::number(at.column) % u": "_s % parseError.errorString()};
    }
    if (!document.isObject()) {
        return Error {fileNameForErrors
                      % u":1: the file must hold a JSON object, like {\"version\": 1}"_s};
    }

    ConfigReader reader(json, fileNameForErrors);
    Config config = reader.read(document.object());
    if (reader.failed())
        return Error {reader.errorText()};
    return config;
}

QByteArray Config::toJson() const
{
    IndentedWriter out;
    out.line(0, {"{"});
    out.line(1, {"\"version\": ", QByteArray::number(CurrentVersion), ","});
    out.line(1, {"\"listen\": ", detail::jsonQuoted(listen), ","});
    out.line(1, {"\"upload_types\": [", uploadTypes.isEmpty() ? "]," : ""});
    for (qsizetype i = 0; i < uploadTypes.size(); ++i)
        out.line(2, {detail::jsonQuoted(uploadTypes[i]), separator(i, uploadTypes.size())});
    if (!uploadTypes.isEmpty())
        out.line(1, {"],"});
    if (tls) {
        out.line(1, {"\"tls\": {"});
        out.line(2, {"\"certificate\": ", detail::jsonQuoted(tls->certificate), ","});
        out.line(2, {"\"private_key\": ", detail::jsonQuoted(tls->privateKey)});
        out.line(1, {"},"});
    }

    out.line(1, {"\"limits\": {"});
    const QList<LimitField> &fields = limitFields();
    for (qsizetype i = 0; i < fields.size(); ++i) {
        out.line(2,
                 {"\"", fields[i].key, "\": ", QByteArray::number(limits.*fields[i].member),
                  separator(i, fields.size())});
    }
    out.line(1, {"},"});

    out.line(1, {"\"accounts\": [", accounts.isEmpty() ? "]," : ""});
    for (qsizetype i = 0; i < accounts.size(); ++i) {
        const Account &account = accounts[i];
        out.line(2, {"{"});
        out.line(3, {"\"id\": ", detail::jsonQuoted(account.id), ","});
        out.line(3, {"\"name\": ", detail::jsonQuoted(account.name), ","});
        out.line(3, {"\"admin\": ", QByteArrayView(account.admin ? "true" : "false"), ","});
        if (account.metricsOnly)
            out.line(3, {"\"metrics_only\": true,"});
        out.line(3, {"\"tokens\": [", account.tokens.isEmpty() ? "]" : ""});
        for (qsizetype t = 0; t < account.tokens.size(); ++t) {
            const TokenRecord &token = account.tokens[t];
            out.line(4, {"{"});
            out.line(5, {"\"sha256\": \"", token.sha256.toHex(), "\","});
            out.line(
                5,
                {"\"created\": \"", token.created.toUTC().toString(Qt::ISODate).toLatin1(), "\""});
            out.line(4, {"}", separator(t, account.tokens.size())});
        }
        if (!account.tokens.isEmpty())
            out.line(3, {"]"});
        out.line(2, {"}", separator(i, accounts.size())});
    }
    if (!accounts.isEmpty())
        out.line(1, {"],"});
    out.line(0, {detail::datasetsJson(datasets, 1)});
    out.line(0, {"}"});
    return out.text();
}

} // namespace sluice::config
