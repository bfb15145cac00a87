// CredentialStore without a keyring (as on CI): tokens stay in memory for the
// session and never reach a settings file; pins round-trip through QSettings.
#include "credentialstore.h"

#include <QDirIterator>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using sluice::ui::CredentialStore;

namespace {

const auto Token = u"mT0pLw4nZc9yHs5dKb3gFa6eUi1oNj8tVr2q8Jx2vR7"_s;

// Every file under the test-mode config directory, where QSettings (ours and
// QtKeychain's plain-text fallback alike) would write.
QStringList filesContaining(const QString &needle)
{
    QSettings(u"Sluice"_s, u"sluice"_s).sync();
    QStringList found;
    const QString root = QStandardPaths::writableLocation(QStandardPaths::GenericConfigLocation);
    for (QDirIterator it(root, QDir::Files, QDirIterator::Subdirectories); it.hasNext();) {
        QFile file(it.next());
        if (file.open(QIODevice::ReadOnly) && file.readAll().contains(needle.toUtf8()))
            found.append(file.fileName());
    }
    return found;
}

// Reads the token and waits for the answer.
std::optional<QString> readToken(CredentialStore &store, const QUrl &server)
{
    std::optional<QString> answer;
    QObject context;
    store.readToken(server, &context, [&answer](const QString &token) { answer = token; });
    if (!QTest::qWaitFor([&answer] { return answer.has_value(); }))
        return std::nullopt;
    return answer;
}

} // namespace

class tst_CredentialStore : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void serverKeyIsSchemeHostPort_data();
    void serverKeyIsSchemeHostPort();
    void withoutKeyringTheTokenStaysInMemory();
    void unknownServerHasNoToken();
    void deleteForgetsTheToken();
    void answerSkippedWhenContextIsGone();
    void pinsRoundTrip();
    void deleteWinsOverAnEarlierWrite();
};

void tst_CredentialStore::initTestCase()
{
    // No keyring, deterministically: a session bus that is not there, so that
    // the Secret Service and KWallet both fail as they do without D-Bus.
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sluice-test-bus");
    QStandardPaths::setTestModeEnabled(true);
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
}

void tst_CredentialStore::cleanupTestCase()
{
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
}

void tst_CredentialStore::serverKeyIsSchemeHostPort_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("key");

    QTest::addRow("https with port") << u"https://h.example:8443"_s << u"https://h.example:8443"_s;
    QTest::addRow("default https port") << u"https://h.example"_s << u"https://h.example:443"_s;
    QTest::addRow("default http port") << u"http://h.example"_s << u"http://h.example:80"_s;
    QTest::addRow("case") << u"HTTPS://H.Example:8443"_s << u"https://h.example:8443"_s;
    QTest::addRow("trailing slash") << u"https://h:8443/"_s << u"https://h:8443"_s;
    QTest::addRow("ipv6") << u"https://[::1]:8443"_s << u"https://[::1]:8443"_s;
    QTest::addRow("other scheme") << u"ftp://h:21"_s << QString();
    QTest::addRow("no host") << u"https://"_s << QString();
}

void tst_CredentialStore::serverKeyIsSchemeHostPort()
{
    QFETCH(QString, url);
    QFETCH(QString, key);
    QCOMPARE(CredentialStore::serverKey(QUrl(url)), key);
}

void tst_CredentialStore::withoutKeyringTheTokenStaysInMemory()
{
    CredentialStore store;
    QCOMPARE(store.keyring(), CredentialStore::Keyring::Unknown);
    QVERIFY(!store.keptInMemoryOnly());

    const QUrl server(u"https://h.example:8443"_s);
    store.writeToken(server, Token);
    QTRY_COMPARE(store.keyring(), CredentialStore::Keyring::Unavailable);
    QVERIFY(store.keptInMemoryOnly());

    QCOMPARE(readToken(store, server), Token);
    // The same server, spelled otherwise.
    QCOMPARE(readToken(store, QUrl(u"HTTPS://H.EXAMPLE:8443/"_s)), Token);
    QCOMPARE(filesContaining(Token), QStringList());

    // A store made later in the session (not the same object) has nothing.
    CredentialStore other;
    QCOMPARE(readToken(other, server), QString());
}

void tst_CredentialStore::unknownServerHasNoToken()
{
    CredentialStore store;
    QCOMPARE(readToken(store, QUrl(u"https://nowhere.example:1"_s)), QString());
    QCOMPARE(store.keyring(), CredentialStore::Keyring::Unavailable);
}

void tst_CredentialStore::deleteForgetsTheToken()
{
    CredentialStore store;
    const QUrl server(u"http://10.0.0.5:8080"_s);
    store.writeToken(server, Token);
    QTRY_VERIFY(store.keptInMemoryOnly());
    QCOMPARE(readToken(store, server), Token);
    store.deleteToken(server);
    QCOMPARE(readToken(store, server), QString());
}

void tst_CredentialStore::answerSkippedWhenContextIsGone()
{
    CredentialStore store;
    bool answered = false;
    {
        QObject context;
        store.readToken(QUrl(u"https://h:1"_s), &context,
                        [&answered](const QString &) { answered = true; });
    }
    QTRY_COMPARE(store.keyring(), CredentialStore::Keyring::Unavailable);
    // Once the keyring has answered, a later read answers too: wait on it.
    QCOMPARE(readToken(store, QUrl(u"https://h:1"_s)), QString());
    QVERIFY(!answered);
}

void tst_CredentialStore::pinsRoundTrip()
{
    const auto fingerprint = u"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:"
                             "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"_s;
    const QUrl server(u"https://h.example:8443"_s);
    QCOMPARE(CredentialStore::pin(server), QString());

    CredentialStore::setPin(server, fingerprint);
    QCOMPARE(CredentialStore::pin(QUrl(u"https://H.example:8443/"_s)), fingerprint);
    QCOMPARE(CredentialStore::pin(QUrl(u"https://h.example:9443"_s)), QString());
    QCOMPARE(CredentialStore::pin(QUrl(u"http://h.example:8443"_s)), QString());
    // In the settings file, under remote/pins.
    QSettings settings(u"Sluice"_s, u"sluice"_s);
    settings.beginGroup(u"remote/pins"_s);
    QCOMPARE(settings.allKeys().size(), 1);
    settings.endGroup();

    CredentialStore::clearPin(server);
    QCOMPARE(CredentialStore::pin(server), QString());
}

// Review: "Remember" ticked, then (before the keyring has answered) the same
// server again with it unticked: the token must not be remembered.
void tst_CredentialStore::deleteWinsOverAnEarlierWrite()
{
    CredentialStore store;
    const QUrl server(u"https://h.example:8443"_s);
    store.writeToken(server, Token); // keyring still Unknown: a job
    store.deleteToken(server); // removes nothing yet; its own job
    QTRY_VERIFY(store.keptInMemoryOnly());
    QTest::qWait(50);
    QCOMPARE(readToken(store, server).value_or(u"<no answer>"_s),
             QString()); // fails: the write's failure put it back
}

QTEST_GUILESS_MAIN(tst_CredentialStore)
#include "tst_credentialstore.moc"
