#include "config/authenticator.h"
#include "config/config.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace Qt::StringLiterals;
using sluice::config::Account;
using sluice::config::Authenticator;
using sluice::config::Config;
using sluice::config::TokenRecord;

namespace sluice::config {
// Lets QCOMPARE print both sides.
char *toString(const Config &config)
{
    return QTest::toString(config.toJson());
}
} // namespace sluice::config

namespace {

// QVERIFY2 evaluates its message even on success, when there is no error().
template<typename T> QByteArray failureOf(const sluice::Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

const QByteArray SomeDigest = QByteArray(64, 'a');

// A valid file; the malformed cases replace one of its lines.
QList<QByteArray> baseLines()
{
    return {
        "{", // 1
        "    \"version\": 1,", // 2
        "    \"listen\": \"127.0.0.1:8080\",", // 3
        "    \"limits\": {", // 4
        "        \"max_connections\": 100", // 5
        "    },", // 6
        "    \"accounts\": [", // 7
        "        {", // 8
        "            \"name\": \"operator\",", // 9
        "            \"admin\": true,", // 10
        "            \"tokens\": [", // 11
        "                {", // 12
        "                    \"sha256\": \"" + SomeDigest + "\",", // 13
        "                    \"created\": \"2026-01-02T03:04:05Z\"", // 14
        "                }", // 15
        "            ]", // 16
        "        },", // 17
        "        {", // 18
        "            \"name\": \"uploader\",", // 19
        "            \"tokens\": []", // 20
        "        }", // 21
        "    ]", // 22
        "}", // 23
    };
}

// Replaces the lines from lineNumber on with those of replacement (none when 0).
QByteArray fileWithLines(int lineNumber, const QByteArray &replacement)
{
    QList<QByteArray> lines = baseLines();
    if (lineNumber > 0) {
        const QList<QByteArray> replacements = replacement.split('\n');
        for (qsizetype i = 0; i < replacements.size(); ++i)
            lines[lineNumber - 1 + i] = replacements[i];
    }
    return lines.join('\n') + '\n';
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray("<unreadable>");
}

bool writeAll(const QString &path, const QByteArray &data)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(data) == data.size();
}

int modeOf(const QString &path)
{
    struct stat info
    {
    };
    if (::stat(QFile::encodeName(path).constData(), &info) != 0)
        return -1;
    return int(info.st_mode & 07777);
}

QDateTime utc(const char *iso)
{
    return QDateTime::fromString(QString::fromLatin1(iso), Qt::ISODate).toUTC();
}

Config sampleConfig()
{
    Config config;
    config.listen = u"[::1]:9000"_s;
    config.limits.maxConnections = 2000;
    config.limits.shutdownGraceMs = 0;
    config.uploadTypes = {u"text/csv"_s, u"image/png"_s};
    config.accounts = {
        Account {u"operator"_s,
                 true,
                 {TokenRecord {QByteArray(32, '\x01'), utc("2026-01-02T03:04:05Z")},
                  TokenRecord {QByteArray(32, '\xfe'), utc("2026-02-03T04:05:06Z")}},
                 u"Zm9vYmFyYmF6cXV4cXV1eA"_s},
        Account {u"uploader"_s, false, {}, sluice::config::legacyAccountId(u"uploader")},
        Account {u"ci.bot-1_x"_s,
                 false,
                 {TokenRecord {QByteArray(32, '\x7f'), utc("2026-03-04T05:06:07Z")}},
                 sluice::config::newAccountId()},
    };
    return config;
}

} // namespace

class tst_Config : public QObject
{
    Q_OBJECT

private slots:
    void firstRunCreatesFileWithAdminToken();
    void baseFileLoads();
    void accountIds();
    void roundTrip();
    void toJsonKeepsKeyOrder();
    void malformedFileIsRejected_data();
    void malformedFileIsRejected();
    void emptyFileIsNamed();
    void missingFileIsNamed();
    void saveRefusesInvalidConfig();
    void listenValidation_data();
    void listenValidation();
    void uploadTypes();
    void tlsSection();
    void tlsSectionErrors_data();
    void tlsSectionErrors();
    void updateThroughASymlinkKeepsTheLink();
    void updateThatCannotLockSaysWhy();
};

void tst_Config::firstRunCreatesFileWithAdminToken()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"state/sluice/config.json"_s);

    const auto created = sluice::config::loadOrCreate(path);

    QVERIFY2(created, failureOf(created).constData());
    QVERIFY(created->firstRunToken.has_value());
    const QString token = *created->firstRunToken;
    QVERIFY(token.startsWith(u"sluice_"_s));
    QVERIFY(QFileInfo::exists(path));
    QCOMPARE(modeOf(path), 0600);
    QCOMPARE(modeOf(dir.filePath(u"state"_s)), 0700);
    QCOMPARE(modeOf(dir.filePath(u"state/sluice"_s)), 0700);

    const QByteArray text = readAll(path);
    QVERIFY(!text.contains(token.toLatin1()));
    QVERIFY(text.contains(sluice::config::tokenDigest(token).toHex()));

    const Config &config = created->config;
    QCOMPARE(config.accounts.size(), 1);
    QCOMPARE(config.accounts.first().name, QString::fromLatin1(Config::DefaultAccount));
    QVERIFY(config.accounts.first().admin);

    // Second start: the same file, no new token, and the first one still works.
    const auto loaded = sluice::config::loadOrCreate(path);
    QVERIFY2(loaded, failureOf(loaded).constData());
    QVERIFY(!loaded->firstRunToken.has_value());
    QCOMPARE(loaded->config, config);
    QCOMPARE(readAll(path), text);

    const auto principal = Authenticator(loaded->config.accounts)
                               .authenticate(QByteArray("Bearer " + token.toLatin1()));
    QVERIFY(principal.has_value());
    QCOMPARE(principal->account, u"operator"_s);
    QVERIFY(principal->admin);
}

void tst_Config::baseFileLoads()
{
    const auto config = Config::fromJson(fileWithLines(0, {}), u"config.json"_s);
    QVERIFY2(config, failureOf(config).constData());
    QCOMPARE(config->listen, u"127.0.0.1:8080"_s);
    QCOMPARE(config->limits.maxConnections, 100);
    QCOMPARE(config->limits.maxHeaderBytes, sluice::config::Limits().maxHeaderBytes);
    QCOMPARE(config->accounts.size(), 2);
    QCOMPARE(config->accounts[0].tokens.size(), 1);
    QCOMPARE(config->accounts[0].tokens[0].sha256, QByteArray::fromHex(SomeDigest));
    QCOMPARE(config->accounts[0].tokens[0].created, utc("2026-01-02T03:04:05Z"));
    QVERIFY(!config->accounts[1].admin);
}

// Version 1 files have no ids: each account gets the one derived from its
// name (what the stores' migrations gave its rows). From version 2 on an id
// is required and unique.
void tst_Config::accountIds()
{
    const auto legacy = Config::fromJson(fileWithLines(0, {}), u"config.json"_s);
    QVERIFY2(legacy, failureOf(legacy).constData());
    QCOMPARE(legacy->accounts[0].id, u"name:operator"_s);
    QCOMPARE(legacy->accounts[1].id, u"name:uploader"_s);
    // Saved, the derived ids are written out and stay.
    const auto saved = Config::fromJson(legacy->toJson(), u"memory"_s);
    QVERIFY2(saved, failureOf(saved).constData());
    QCOMPARE(*saved, *legacy);
    QVERIFY(legacy->toJson().contains("\"id\": \"name:uploader\""));

    const auto v2 = [](const QByteArray &accounts) {
        return Config::fromJson("{\"version\": 2, \"accounts\": [" + accounts + "]}", u"c.json"_s);
    };
    const auto ok
        = v2(R"({"id": "Zm9vYmFyYmF6cXV4cXV1eA", "name": "a"}, {"id": "name:b", "name": "b"})");
    QVERIFY2(ok, failureOf(ok).constData());
    QCOMPARE(ok->accountById(u"Zm9vYmFyYmF6cXV4cXV1eA")->name, u"a"_s);
    QCOMPARE(ok->accountById(u"name:b")->name, u"b"_s);
    QVERIFY(!ok->accountById(u"name:a"));

    const auto missing = v2(R"({"name": "a"})");
    QVERIFY(!missing);
    QVERIFY2(missing.error().message.contains(u"accounts[0].id: missing"_s),
             qPrintable(missing.error().message));
    const auto malformed = v2(R"({"id": "short", "name": "a"})");
    QVERIFY(!malformed);
    QVERIFY2(malformed.error().message.contains(u"accounts[0].id: must be 22 characters"_s),
             qPrintable(malformed.error().message));
    const auto duplicate = v2(R"({"id": "name:a", "name": "a"}, {"id": "name:a", "name": "b"})");
    QVERIFY(!duplicate);
    QVERIFY2(duplicate.error().message.contains(u"accounts[1].id: duplicate account id"_s),
             qPrintable(duplicate.error().message));
}

void tst_Config::roundTrip()
{
    const Config config = sampleConfig();
    const auto parsed = Config::fromJson(config.toJson(), u"memory"_s);
    QVERIFY2(parsed, failureOf(parsed).constData());
    QCOMPARE(*parsed, config);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"config.json"_s);
    const auto saved = config.save(path);
    QVERIFY2(saved, failureOf(saved).constData());
    QCOMPARE(readAll(path), config.toJson());
    const auto loaded = Config::load(path);
    QVERIFY2(loaded, failureOf(loaded).constData());
    QCOMPARE(*loaded, config);

    const auto defaults = Config::fromJson(Config().toJson(), u"memory"_s);
    QVERIFY2(defaults, failureOf(defaults).constData());
    QCOMPARE(*defaults, Config());
}

void tst_Config::toJsonKeepsKeyOrder()
{
    const QByteArray json = sampleConfig().toJson();
    const auto before = [&json](const char *a, const char *b) {
        return json.indexOf(a) >= 0 && json.indexOf(a) < json.indexOf(b);
    };
    QVERIFY(before("\"version\"", "\"listen\""));
    QVERIFY(before("\"listen\"", "\"upload_types\""));
    QVERIFY(before("\"upload_types\"", "\"limits\""));
    QVERIFY(before("\"limits\"", "\"accounts\""));
    QVERIFY(before("\"header_deadline_ms\"", "\"body_idle_timeout_ms\""));
    QVERIFY(before("\"name\"", "\"admin\""));
    QVERIFY(before("\"admin\"", "\"tokens\""));
    QVERIFY(before("\"sha256\"", "\"created\""));
    QVERIFY(before("\"id\"", "\"name\""));
    QVERIFY(json.startsWith("{\n    \"version\": 2,\n"));
}

void tst_Config::malformedFileIsRejected_data()
{
    QTest::addColumn<int>("line");
    QTest::addColumn<QByteArray>("replacement");
    QTest::addColumn<int>("expectedLine");
    QTest::addColumn<QString>("expected"); // after "FILE:LINE: "

    // Syntax errors: "FILE:LINE:COLUMN: <parser message>".
    QTest::addRow("missing colon")
        << 3 << "    \"listen\" \"127.0.0.1:8080\","_ba << 3 << QString();
    QTest::addRow("bad number") << 5 << "        \"max_connections\": 10x0"_ba << 5 << QString();
    QTest::addRow("value after value")
        << 19 << "            \"name\": \"uploader\" true,"_ba << 19 << QString();

    // Semantic errors: "FILE:LINE: KEY PATH: reason".
    QTest::addRow("no version") << 2 << ""_ba << 1 << u"version: missing"_s;
    QTest::addRow("version 3") << 2 << "    \"version\": 3,"_ba << 2
                               << u"version: unsupported version 3 (expected 2)"_s;
    QTest::addRow("id in a version 1 file")
        << 9
        << "            \"id\": \"Zm9vYmFyYmF6cXV4cXV1eA\",\n            \"name\": \"operator\","_ba
        << 9 << u"accounts[0].id: unknown key"_s;
    QTest::addRow("version string")
        << 2 << "    \"version\": \"1\","_ba << 2 << u"version: unsupported version \"1\""_s;
    QTest::addRow("listen without port")
        << 3 << "    \"listen\": \"localhost\","_ba << 3 << u"listen: must be HOST:PORT"_s;
    QTest::addRow("listen port too big")
        << 3 << "    \"listen\": \"localhost:65536\","_ba << 3
        << u"listen: must be HOST:PORT, http://HOST:PORT or https://HOST:PORT with a port from 0 "
           u"to 65535, like \"127.0.0.1:8080\" (got \"localhost:65536\")"_s;
    QTest::addRow("unknown top-level key")
        << 3 << "    \"listn\": \"127.0.0.1:8080\","_ba << 3 << u"listn: unknown key"_s;
    QTest::addRow("duplicate key")
        << 3 << "    \"version\": 1,"_ba << 3 << u"version: duplicate key (first on line 2)"_s;
    QTest::addRow("limit out of range") << 5 << "        \"max_connections\": 0"_ba << 5
                                        << u"limits.max_connections: must be between 1 and "
                                           u"100000 (got 0)"_s;
    QTest::addRow("limit unknown") << 5 << "        \"max_conections\": 10"_ba << 5
                                   << u"limits.max_conections: is not a known limit"_s;
    QTest::addRow("limit not a number") << 5 << "        \"max_connections\": \"many\""_ba << 5
                                        << u"limits.max_connections: must be an integer (got "
                                           u"\"many\")"_s;
    QTest::addRow("limits not an object") << 4 << "    \"limits\": [\n        5\n    ],"_ba << 4
                                          << u"limits: must be an object (got an array)"_s;
    QTest::addRow("admin not a bool") << 10 << "            \"admin\": \"yes\","_ba << 10
                                      << u"accounts[0].admin: must be true or false (got "
                                         u"\"yes\")"_s;
    QTest::addRow("short digest") << 13 << "                    \"sha256\": \"abc\","_ba << 13
                                  << u"accounts[0].tokens[0].sha256: must be 64 hexadecimal "
                                     u"digits (got \"abc\")"_s;
    QTest::addRow("bad date") << 14 << "                    \"created\": \"yesterday\""_ba << 14
                              << u"accounts[0].tokens[0].created: must be a date"_s;
    QTest::addRow("invalid account name") << 19 << "            \"name\": \"up loader\","_ba << 19
                                          << u"accounts[1].name: must be 1 to 64 of"_s;
    QTest::addRow("duplicate account") << 19 << "            \"name\": \"operator\","_ba << 19
                                       << u"accounts[1].name: duplicate account \"operator\""_s;
    QTest::addRow("token not an object") << 20 << "            \"tokens\": [5]"_ba << 20
                                         << u"accounts[1].tokens[0]: must be an object (got 5)"_s;
}

void tst_Config::malformedFileIsRejected()
{
    QFETCH(int, line);
    QFETCH(QByteArray, replacement);
    QFETCH(int, expectedLine);
    QFETCH(QString, expected);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"config.json"_s);
    const QByteArray text = fileWithLines(line, replacement);
    QVERIFY(writeAll(path, text));
    const QStringList before = QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden);

    const auto loaded = Config::load(path);

    QVERIFY(!loaded);
    const QString message = loaded.error().message;
    const QString prefix = path + u':' + QString::number(expectedLine) + u':';
    QVERIFY2(message.startsWith(prefix), qPrintable(message));
    if (expected.isEmpty()) {
        static const QRegularExpression column(u"^\\d+: \\S"_s);
        QVERIFY2(column.match(message.sliced(prefix.size())).hasMatch(), qPrintable(message));
    } else {
        QVERIFY2(message.sliced(prefix.size()).startsWith(u" "_s + expected), qPrintable(message));
    }

    // Neither load nor loadOrCreate touch a malformed file.
    const auto again = sluice::config::loadOrCreate(path);
    QVERIFY(!again);
    QCOMPARE(again.error().message, message);
    QCOMPARE(readAll(path), text);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden), before);
}

void tst_Config::emptyFileIsNamed()
{
    const auto parsed = Config::fromJson(" \n", u"config.json"_s);
    QVERIFY(!parsed);
    QCOMPARE(parsed.error().message, u"config.json:1:1: the file is empty"_s);
}

void tst_Config::missingFileIsNamed()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"absent.json"_s);
    const auto loaded = Config::load(path);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(path), qPrintable(loaded.error().message));

    const auto directory = Config::load(dir.path());
    QVERIFY(!directory);
    QVERIFY2(directory.error().message.contains(dir.path()), qPrintable(directory.error().message));
}

void tst_Config::saveRefusesInvalidConfig()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(u"config.json"_s);
    Config config;
    config.limits.maxConnections = 0;
    const auto saved = config.save(path);
    QVERIFY(!saved);
    QVERIFY2(saved.error().message.contains(u"max_connections"_s),
             qPrintable(saved.error().message));
    QVERIFY(!QFileInfo::exists(path));
}

void tst_Config::listenValidation_data()
{
    QTest::addColumn<QString>("listen");
    QTest::addColumn<bool>("valid");

    QTest::addRow("IPv4") << u"127.0.0.1:8080"_s << true;
    QTest::addRow("any address") << u"0.0.0.0:65535"_s << true;
    QTest::addRow("ephemeral port") << u"localhost:0"_s << true;
    QTest::addRow("host name") << u"upload.example.org:443"_s << true;
    QTest::addRow("IPv6") << u"[::1]:8080"_s << true;
    QTest::addRow("IPv6 any") << u"[::]:80"_s << true;
    QTest::addRow("http scheme") << u"http://127.0.0.1:8080"_s << true;
    QTest::addRow("http scheme, IPv6") << u"http://[::1]:0"_s << true;

    QTest::addRow("empty") << QString() << false;
    QTest::addRow("no port") << u"127.0.0.1"_s << false;
    QTest::addRow("empty port") << u"127.0.0.1:"_s << false;
    QTest::addRow("no host") << u":8080"_s << false;
    QTest::addRow("port too big") << u"127.0.0.1:65536"_s << false;
    QTest::addRow("negative port") << u"127.0.0.1:-1"_s << false;
    QTest::addRow("port with junk") << u"127.0.0.1:80x"_s << false;
    QTest::addRow("bad IPv4") << u"999.0.0.1:80"_s << false;
    QTest::addRow("IPv6 without brackets") << u"::1:80"_s << false;
    QTest::addRow("unclosed bracket") << u"[::1:80"_s << false;
    QTest::addRow("IPv4 in brackets") << u"[127.0.0.1]:80"_s << false;
    QTest::addRow("space in host") << u"local host:80"_s << false;
    QTest::addRow("label starts with dash") << u"-x.example:80"_s << false;
    QTest::addRow("https without a tls section") << u"https://127.0.0.1:8443"_s << false;
    QTest::addRow("other scheme") << u"ftp://127.0.0.1:21"_s << false;
    QTest::addRow("scheme without host") << u"https://:8443"_s << false;
}

void tst_Config::listenValidation()
{
    QFETCH(QString, listen);
    QFETCH(bool, valid);
    Config config;
    config.listen = listen;
    const auto parsed = Config::fromJson(config.toJson(), u"config.json"_s);
    QCOMPARE(parsed.hasValue(), valid);
    if (valid) {
        QCOMPARE(parsed->listen, listen);
    } else {
        QVERIFY2(parsed.error().message.startsWith(u"config.json:3: listen: "_s),
                 qPrintable(parsed.error().message));
    }
}

void tst_Config::tlsSection()
{
    Config config = sampleConfig();
    config.listen = u"https://[::1]:8443"_s;
    config.tls = sluice::config::TlsFiles {u"tls/cert.pem"_s, u"/etc/sluice/tls/key.pem"_s};
    const QByteArray json = config.toJson();
    QVERIFY(json.contains("\"tls\": {"));
    const auto parsed = Config::fromJson(json, u"config.json"_s);
    QVERIFY2(parsed, failureOf(parsed).constData());
    QCOMPARE(*parsed, config);
    QCOMPARE(parsed->toJson(), json);

    // Relative to the config file's directory; absolute stays.
    QCOMPARE(Config::resolvePath(u"/etc/sluice/config.json"_s, u"tls/cert.pem"_s),
             u"/etc/sluice/tls/cert.pem"_s);
    QCOMPARE(Config::resolvePath(u"/etc/sluice/config.json"_s, u"/var/lib/key.pem"_s),
             u"/var/lib/key.pem"_s);

    // A plain listen may keep a tls section (ready for https later).
    config.listen = u"127.0.0.1:8080"_s;
    const auto plain = Config::fromJson(config.toJson(), u"config.json"_s);
    QVERIFY2(plain, failureOf(plain).constData());
    QCOMPARE(plain->tls, config.tls);
}

void tst_Config::tlsSectionErrors_data()
{
    QTest::addColumn<QByteArray>("tls");
    QTest::addColumn<QString>("error");
    QTest::addRow("missing") << QByteArray() << u"listen: https needs a \"tls\" section"_s;
    QTest::addRow("not an object") << "\"tls\": \"cert.pem\","_ba << u"tls: must be an object"_s;
    QTest::addRow("no key") << "\"tls\": {\"certificate\": \"c.pem\"},"_ba
                            << u"tls.private_key: missing"_s;
    QTest::addRow("empty certificate")
        << "\"tls\": {\"certificate\": \"\", \"private_key\": \"k.pem\"},"_ba
        << u"tls.certificate: must be a file path"_s;
    QTest::addRow("unknown key")
        << "\"tls\": {\"certificate\": \"c.pem\", \"private_key\": \"k.pem\", \"ca\": 1},"_ba
        << u"tls.ca: unknown key"_s;
}

void tst_Config::tlsSectionErrors()
{
    QFETCH(QByteArray, tls);
    QFETCH(QString, error);
    const QByteArray json
        = "{\"version\": 2, \"listen\": \"https://127.0.0.1:8443\", " + tls + " \"accounts\": []}";
    const auto parsed = Config::fromJson(json, u"config.json"_s);
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().message.contains(error), qPrintable(parsed.error().message));
}

void tst_Config::uploadTypes()
{
    // Absent: the defaults; present: exactly the list, lower-cased.
    const auto defaults = Config::fromJson(R"({"version": 1})", u"memory"_s);
    QVERIFY2(defaults, failureOf(defaults).constData());
    QCOMPARE(defaults->uploadTypes, Config::defaultUploadTypes());
    QVERIFY(!Config::defaultUploadTypes().contains(u"application/octet-stream"_s));

    const auto listed
        = Config::fromJson(R"({"version": 1, "upload_types": ["Text/CSV", "image/png"]})", u"m"_s);
    QVERIFY2(listed, failureOf(listed).constData());
    QCOMPARE(listed->uploadTypes, QStringList({u"text/csv"_s, u"image/png"_s}));

    const auto empty = Config::fromJson(R"({"version": 1, "upload_types": []})", u"m"_s);
    QVERIFY2(empty, failureOf(empty).constData());
    QVERIFY(empty->uploadTypes.isEmpty());

    const auto notList
        = Config::fromJson("{\"version\": 1,\n\"upload_types\": \"text/csv\"}", u"c.json"_s);
    QVERIFY(!notList);
    QVERIFY2(notList.error().message.startsWith(u"c.json:2: upload_types: must be a list"_s),
             qPrintable(notList.error().message));

    const auto badEntry = Config::fromJson(
        R"({"version": 1, "upload_types": ["text/csv", "csv", 5]})", u"c.json"_s);
    QVERIFY(!badEntry);
    QVERIFY2(badEntry.error().message.contains(u"entry 1 must be a media type"_s),
             qPrintable(badEntry.error().message));
    QVERIFY2(badEntry.error().message.contains(u"entry 2 must be a media type"_s),
             qPrintable(badEntry.error().message));
}

// Review of issue 17: updateConfigFile() (token add/revoke, Apply) on a
// config reached through a symlink (/etc/sluice/config.json -> a managed
// file) replaced the link with a regular file, so the real file never saw
// the change; and its lock sits beside the link, so a writer using the
// target's own path did not exclude it.
void tst_Config::updateThroughASymlinkKeepsTheLink()
{
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(u"real"_s));
    QVERIFY(QDir(dir.path()).mkpath(u"etc"_s));
    const QString real = dir.filePath(u"real/config.json"_s);
    const QString link = dir.filePath(u"etc/config.json"_s);
    QVERIFY(sluice::config::loadOrCreate(real));
    QVERIFY(QFile::link(real, link));

    const auto saved
        = sluice::config::updateConfigFile(link, [](Config &c) -> sluice::Expected<void> {
              if (!c.addToken(u"alice"_s, false))
                  return sluice::Error {u"addToken"_s};
              return {};
          });
    QVERIFY2(saved, failureOf(saved).constData());
    QVERIFY2(QFileInfo(link).isSymLink(), "the symlink was replaced by a regular file");
    const auto reread = Config::load(real);
    QVERIFY(reread);
    QVERIFY2(reread->account(u"alice"), "the change never reached the link's target");
}

// Review of issue 17: a lock file that cannot be opened (a read-only
// config directory, a lock created by root with mode 0600; here: a
// directory in its place) fails at once, but the error says another writer
// held it for 10 s, which sends the operator looking for a process.
void tst_Config::updateThatCannotLockSaysWhy()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"config.json"_s);
    QVERIFY(sluice::config::loadOrCreate(path));
    QVERIFY(QFile::remove(path + u".lock"_s)); // left by the first run
    QVERIFY(QDir(dir.path()).mkdir(u"config.json.lock"_s));
    const auto saved = sluice::config::updateConfigFile(
        path, [](Config &) { return sluice::Expected<void> {}; });
    QVERIFY(!saved);
    QVERIFY2(!saved.error().message.contains(u"did not finish"_s),
             qPrintable(saved.error().message));
}

QTEST_GUILESS_MAIN(tst_Config)
#include "tst_config.moc"
