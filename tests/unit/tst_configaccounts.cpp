#include "config/authenticator.h"
#include "config/config.h"

#include <QRegularExpression>
#include <QTest>

using namespace Qt::StringLiterals;
using sluice::config::Account;
using sluice::config::Authenticator;
using sluice::config::Config;

namespace {

// QVERIFY2 evaluates its message even on success, when there is no error().
template<typename T> QByteArray failureOf(const sluice::Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

} // namespace

// Accounts and tokens of a Config, in memory; tst_config covers the file.
class tst_ConfigAccounts : public QObject
{
    Q_OBJECT

private slots:
    void addToken();
    void addTokenRejectsInvalidName_data();
    void addTokenRejectsInvalidName();
    void revokeAccount();
    void metricsOnlyAccounts();
    void metricsOnlyWithAdminIsRefusedInTheFile();
    void accountIds();
    void tokensAndDigests();
};

void tst_ConfigAccounts::addToken()
{
    Config config;
    const QDateTime before = QDateTime::currentDateTimeUtc().addSecs(-1);

    const auto first = config.addToken(u"uploader"_s, false);
    QVERIFY2(first, failureOf(first).constData());
    const Account *account = config.account(u"uploader");
    QVERIFY(account);
    QVERIFY(!account->admin);
    QCOMPARE(account->tokens.size(), 1);
    QCOMPARE(account->tokens[0].sha256, sluice::config::tokenDigest(*first));
    QVERIFY(account->tokens[0].created >= before);
    QVERIFY(account->tokens[0].created <= QDateTime::currentDateTimeUtc());
    QCOMPARE(account->tokens[0].created.time().msec(), 0);

    // A second token for the same account keeps its role...
    const auto second = config.addToken(u"uploader"_s, false);
    QVERIFY(second);
    QVERIFY(*second != *first);
    QCOMPARE(config.accounts.size(), 1);
    QCOMPARE(config.account(u"uploader")->tokens.size(), 2);
    QVERIFY(!config.account(u"uploader")->admin);
    // ...unless it asks for admin.
    QVERIFY(config.addToken(u"uploader"_s, true));
    QVERIFY(config.account(u"uploader")->admin);
    QVERIFY(config.addToken(u"uploader"_s, false));
    QVERIFY(config.account(u"uploader")->admin);

    // Every token authenticates, and survives a save and load.
    const auto reparsed = Config::fromJson(config.toJson(), u"memory"_s);
    QVERIFY2(reparsed, failureOf(reparsed).constData());
    const Authenticator authenticator(reparsed->accounts);
    for (const QString &token : {*first, *second}) {
        const auto principal = authenticator.authenticate(QByteArray("Bearer " + token.toLatin1()));
        QVERIFY(principal);
        QCOMPARE(principal->account, u"uploader"_s);
    }
}

void tst_ConfigAccounts::addTokenRejectsInvalidName_data()
{
    QTest::addColumn<QString>("name");
    QTest::addRow("empty") << QString();
    QTest::addRow("space") << u"up loader"_s;
    QTest::addRow("slash") << u"a/b"_s;
    QTest::addRow("non-ASCII letter") << u"b\u00e9b\u00e9"_s;
    QTest::addRow("65 characters") << QString(65, u'a');
}

void tst_ConfigAccounts::addTokenRejectsInvalidName()
{
    QFETCH(QString, name);
    Config config;
    const auto token = config.addToken(name, true);
    QVERIFY(!token);
    QVERIFY2(token.error().message.contains(u"\""_s + name + u"\""_s),
             qPrintable(token.error().message));
    QVERIFY(config.accounts.isEmpty());
    QVERIFY(sluice::config::isValidAccountName(QString(64, u'a')));
    QVERIFY(sluice::config::isValidAccountName(u"Ci.bot-1_x"));
}

void tst_ConfigAccounts::revokeAccount()
{
    Config config;
    for (const QString &name : {u"operator"_s, u"uploader"_s, u"ci"_s})
        QVERIFY(config.addToken(name, false));
    QVERIFY(config.revokeAccount(u"operator"));
    QVERIFY(!config.account(u"operator"));
    QCOMPARE(config.accounts.size(), 2);
    QVERIFY(!config.revokeAccount(u"operator"));
    QVERIFY(!config.revokeAccount(u"nobody"));
    QCOMPARE(config.accounts.size(), 2);
}

// A scrape account (docs/decisions/0017): kept through a save and load,
// authenticated as metrics-only, never turned into or out of an admin.
void tst_ConfigAccounts::metricsOnlyAccounts()
{
    Config config;
    const auto scrape = config.addToken(u"prometheus"_s, false, true);
    QVERIFY2(scrape, failureOf(scrape).constData());
    QVERIFY(config.account(u"prometheus")->metricsOnly);
    QVERIFY(!config.account(u"prometheus")->admin);
    QVERIFY(config.addToken(u"alice"_s, false));

    // A second token keeps the role; asking for admin, or metrics-only of a
    // plain account, is refused and changes nothing.
    QVERIFY(config.addToken(u"prometheus"_s, false));
    QVERIFY(config.account(u"prometheus")->metricsOnly);
    const auto promote = config.addToken(u"prometheus"_s, true);
    QVERIFY(!promote);
    QVERIFY2(promote.error().message.contains(u"metrics-only"_s),
             qPrintable(promote.error().message));
    QVERIFY(!config.addToken(u"alice"_s, false, true));
    QVERIFY(!config.account(u"alice")->metricsOnly);
    QVERIFY(!config.addToken(u"both"_s, true, true));
    QVERIFY(!config.account(u"both"));
    QCOMPARE(config.account(u"prometheus")->tokens.size(), 2);

    const QByteArray json = config.toJson();
    QCOMPARE(json.count("\"metrics_only\": true"), 1); // only where it is true
    const auto reparsed = Config::fromJson(json, u"memory"_s);
    QVERIFY2(reparsed, failureOf(reparsed).constData());
    QCOMPARE(*reparsed, config);
    const auto principal = Authenticator(reparsed->accounts)
                               .authenticate(QByteArray("Bearer " + scrape->toLatin1()));
    QVERIFY(principal);
    QCOMPARE(principal->account, u"prometheus"_s);
    QVERIFY(principal->metricsOnly);
    QVERIFY(!principal->admin);
}

void tst_ConfigAccounts::metricsOnlyWithAdminIsRefusedInTheFile()
{
    const QByteArray json = R"({"version": 1, "accounts": [
        {"name": "ops", "admin": true, "metrics_only": true, "tokens": []}]})";
    const auto loaded = Config::fromJson(json, u"c.json"_s);
    QVERIFY(!loaded);
    QVERIFY2(loaded.error().message.contains(u"accounts[0].metrics_only"_s),
             qPrintable(loaded.error().message));
    const auto wrongType = Config::fromJson(
        R"({"version": 1, "accounts": [{"name": "p", "metrics_only": "yes", "tokens": []}]})",
        u"c.json"_s);
    QVERIFY(!wrongType);
    QVERIFY2(wrongType.error().message.contains(u"must be true or false"_s),
             qPrintable(wrongType.error().message));
}

// An id is given once, at creation: more tokens keep it, a name revoked and
// added again gets a new one.
void tst_ConfigAccounts::accountIds()
{
    Config config;
    QVERIFY(config.addToken(u"dave"_s, false));
    QVERIFY(config.addToken(u"erin"_s, false));
    const QString dave = config.account(u"dave")->id;
    QVERIFY2(sluice::config::isValidAccountId(dave), qPrintable(dave));
    QVERIFY(!dave.startsWith(u"name:"_s));
    QVERIFY(dave != config.account(u"erin")->id);
    QCOMPARE(config.accountById(dave)->name, u"dave"_s);

    QVERIFY(config.addToken(u"dave"_s, true));
    QCOMPARE(config.account(u"dave")->id, dave);

    QVERIFY(config.revokeAccount(u"dave"));
    QVERIFY(!config.accountById(dave));
    QVERIFY(config.addToken(u"dave"_s, false));
    QVERIFY(config.account(u"dave")->id != dave);
    QVERIFY(sluice::config::isValidAccountId(config.account(u"dave")->id));
}

void tst_ConfigAccounts::tokensAndDigests()
{
    static const QRegularExpression format(u"^sluice_[A-Za-z0-9_-]{43}$"_s);
    const QString a = sluice::config::generateToken();
    const QString b = sluice::config::generateToken();
    QVERIFY2(format.match(a).hasMatch(), qPrintable(a));
    QVERIFY(a != b);

    // FIPS 180-2 test vector.
    QCOMPARE(sluice::config::tokenDigest(u"abc").toHex(),
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_ba);
    QCOMPARE(sluice::config::tokenDigest(a).size(), 32);
}

QTEST_GUILESS_MAIN(tst_ConfigAccounts)
#include "tst_configaccounts.moc"
