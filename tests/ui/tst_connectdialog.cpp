// ConnectDialog: which URLs it takes (and what it says about the others), the
// recent servers, and what it returns.
#include "connectdialog.h"
#include "credentialstore.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

using namespace Qt::StringLiterals;
using sluice::ui::ConnectDialog;
using sluice::ui::CredentialStore;

namespace {

template<typename T> T *child(const QWidget &parent, const char *name)
{
    T *found = parent.findChild<T *>(QString::fromLatin1(name));
    if (!found)
        qFatal("no %s named \"%s\"", T::staticMetaObject.className(), name);
    return found;
}

QPushButton *okButton(const ConnectDialog &dialog)
{
    return dialog.findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok);
}

} // namespace

class tst_ConnectDialog : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void validatesUrl_data();
    void validatesUrl();
    void needsToken();
    void returnsUrlTokenAndRemember();
    void tokenMaskedUntilShown();
    void recentServersNewestFirst();
    void recentServersAtMostTen();
    void saysWhenThereIsNoKeyring();
    void recentServerBringsItsToken();
    void filledTokenStaysWithItsServer();
    void acceptedCertificateCanBeForgotten();

private:
    QSettings settings() const { return QSettings(u"Sluice"_s, u"sluice"_s); }
};

void tst_ConnectDialog::initTestCase()
{
    qputenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/sluice-test-bus");
    QStandardPaths::setTestModeEnabled(true);
}

void tst_ConnectDialog::init()
{
    settings().clear();
}

void tst_ConnectDialog::validatesUrl_data()
{
    QTest::addColumn<QString>("url");
    QTest::addColumn<QString>("problem"); // a part of the message; empty: valid

    QTest::addRow("https with port") << u"https://h.example:8443"_s << QString();
    QTest::addRow("http without port") << u"http://10.0.0.5"_s << QString();
    QTest::addRow("trailing slash") << u"https://h:8443/"_s << QString();
    QTest::addRow("ipv6") << u"https://[::1]:8443"_s << QString();
    QTest::addRow("spaces around") << u"  https://h:8443 "_s << QString();
    QTest::addRow("empty") << QString() << u"Enter the server's URL"_s;
    QTest::addRow("no scheme") << u"h.example:8443"_s << u"http:// or https://"_s;
    QTest::addRow("other scheme") << u"ftp://h.example"_s << u"http:// or https://"_s;
    QTest::addRow("no host") << u"https://:8443"_s << u"no host"_s;
    QTest::addRow("bad port") << u"https://h:99999"_s << u"not a URL"_s;
    QTest::addRow("path") << u"https://h:8443/api/stream"_s
                          << u"the path \u201c/api/stream\u201d"_s;
    QTest::addRow("query") << u"https://h:8443?token=x"_s << u"the query \u201c?token=x\u201d"_s;
    QTest::addRow("fragment") << u"https://h:8443#top"_s << u"the fragment \u201c#top\u201d"_s;
    QTest::addRow("user") << u"https://admin@h:8443"_s << u"user name"_s;
}

void tst_ConnectDialog::validatesUrl()
{
    QFETCH(QString, url);
    QFETCH(QString, problem);

    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.show();
    auto urlField = child<QComboBox>(dialog, "urlField");
    child<QLineEdit>(dialog, "tokenField")->setText(u"token"_s);
    urlField->setEditText(url);

    auto problemLabel = child<QLabel>(dialog, "urlProblem");
    if (problem.isEmpty()) {
        QVERIFY(!problemLabel->isVisible());
        QVERIFY(okButton(dialog)->isEnabled());
    } else {
        QVERIFY(problemLabel->isVisible());
        QVERIFY2(problemLabel->text().contains(problem), qPrintable(problemLabel->text()));
        QVERIFY(!okButton(dialog)->isEnabled());
    }
    QCOMPARE(ConnectDialog::problemWithUrl(url), problemLabel->text());
}

void tst_ConnectDialog::needsToken()
{
    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.setUrl(QUrl(u"https://h:8443"_s));
    QVERIFY(!okButton(dialog)->isEnabled());
    dialog.setToken(u"t"_s);
    QVERIFY(okButton(dialog)->isEnabled());
    dialog.setToken(u"   "_s);
    QVERIFY(!okButton(dialog)->isEnabled());
}

void tst_ConnectDialog::returnsUrlTokenAndRemember()
{
    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.show();
    child<QComboBox>(dialog, "urlField")->setEditText(u"https://h.example:8443/"_s);
    QTest::keyClicks(child<QLineEdit>(dialog, "tokenField"), u"s3cret"_s);
    child<QCheckBox>(dialog, "rememberTokenBox")->setChecked(true);
    QVERIFY(dialog.rememberToken());

    QTest::mouseClick(okButton(dialog), Qt::LeftButton);
    QCOMPARE(dialog.result(), int(QDialog::Accepted));
    QCOMPARE(dialog.url(), QUrl(u"https://h.example:8443"_s));
    QCOMPARE(dialog.token(), u"s3cret"_s);
    QCOMPARE(ConnectDialog::recentServers(), QStringList {u"https://h.example:8443"_s});
    // Remembered or not, the token is never in the settings.
    QVERIFY(!settings().allKeys().isEmpty());
    for (const QString &key : settings().allKeys())
        QVERIFY2(!settings().value(key).toString().contains(u"s3cret"_s), qPrintable(key));
}

void tst_ConnectDialog::tokenMaskedUntilShown()
{
    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.show();
    auto token = child<QLineEdit>(dialog, "tokenField");
    auto show = child<QPushButton>(dialog, "showTokenButton");
    QCOMPARE(token->echoMode(), QLineEdit::Password);
    QTest::mouseClick(show, Qt::LeftButton);
    QCOMPARE(token->echoMode(), QLineEdit::Normal);
    QCOMPARE(show->text(), u"Hide"_s);
    QTest::mouseClick(show, Qt::LeftButton);
    QCOMPARE(token->echoMode(), QLineEdit::Password);
}

void tst_ConnectDialog::recentServersNewestFirst()
{
    ConnectDialog::addRecentServer(QUrl(u"https://a:1"_s));
    ConnectDialog::addRecentServer(QUrl(u"https://b:2"_s));
    ConnectDialog::addRecentServer(QUrl(u"https://a:1"_s)); // again: moves to the front
    const QStringList expected {u"https://a:1"_s, u"https://b:2"_s};
    QCOMPARE(ConnectDialog::recentServers(), expected);

    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    auto urlField = child<QComboBox>(dialog, "urlField");
    QCOMPARE(urlField->count(), 2);
    QCOMPARE(urlField->itemText(0), expected.at(0));
    QCOMPARE(urlField->itemText(1), expected.at(1));
    QCOMPARE(urlField->currentText(), expected.at(0)); // the newest, ready to connect again
}

void tst_ConnectDialog::recentServersAtMostTen()
{
    for (int i = 1; i <= 12; ++i)
        ConnectDialog::addRecentServer(QUrl(u"https://h%1:8443"_s.arg(i)));
    const QStringList recent = ConnectDialog::recentServers();
    QCOMPARE(recent.size(), ConnectDialog::MaxRecentServers);
    QCOMPARE(recent.first(), u"https://h12:8443"_s);
    QCOMPARE(recent.last(), u"https://h3:8443"_s);
    QCOMPARE(settings().value(u"remote/recent"_s).toStringList(), recent);
}

void tst_ConnectDialog::saysWhenThereIsNoKeyring()
{
    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.show();
    auto note = child<QLabel>(dialog, "keyringNote");
    // The dialog asks the store, which finds no keyring (no session bus here).
    QTRY_VERIFY(note->isVisible());
    QCOMPARE(note->text(), u"no keyring: the token is kept until Sluice quits"_s);
    QVERIFY(credentials.keptInMemoryOnly());
}

void tst_ConnectDialog::recentServerBringsItsToken()
{
    CredentialStore credentials;
    credentials.writeToken(QUrl(u"https://b:2"_s), u"b-token"_s); // in memory: no keyring here
    QTRY_VERIFY(credentials.keptInMemoryOnly());
    ConnectDialog::addRecentServer(QUrl(u"https://b:2"_s));
    ConnectDialog::addRecentServer(QUrl(u"https://a:1"_s));

    ConnectDialog dialog(credentials);
    dialog.show();
    auto urlField = child<QComboBox>(dialog, "urlField");
    auto token = child<QLineEdit>(dialog, "tokenField");
    QCOMPARE(urlField->currentText(), u"https://a:1"_s);
    // a:1 has no token. A question asked after the dialog's is answered after it.
    bool answered = false;
    credentials.readToken(QUrl(u"https://a:1"_s), this, [&](const QString &) { answered = true; });
    QTRY_VERIFY(answered);
    QVERIFY(token->text().isEmpty());

    QTest::keyClick(urlField, Qt::Key_Down); // the operator picks b:2
    QCOMPARE(urlField->currentText(), u"https://b:2"_s);
    QTRY_COMPARE(token->text(), u"b-token"_s);
    QVERIFY(child<QCheckBox>(dialog, "rememberTokenBox")->isChecked());
    QVERIFY(okButton(dialog)->isEnabled());
}

// Review: a token filled in for one server must not be sent to another.
void tst_ConnectDialog::filledTokenStaysWithItsServer()
{
    CredentialStore credentials;
    credentials.writeToken(QUrl(u"https://b:2"_s), u"b-token"_s);
    QTRY_VERIFY(credentials.keptInMemoryOnly());
    credentials.writeToken(QUrl(u"https://a:1"_s), u"a-token"_s);
    ConnectDialog::addRecentServer(QUrl(u"https://b:2"_s));
    ConnectDialog::addRecentServer(QUrl(u"https://a:1"_s));

    ConnectDialog dialog(credentials); // as File > Connect to... on a:1
    dialog.setUrl(QUrl(u"https://a:1"_s));
    dialog.show();
    auto urlField = child<QComboBox>(dialog, "urlField");
    auto token = child<QLineEdit>(dialog, "tokenField");
    QTRY_COMPARE(token->text(), u"a-token"_s);

    QTest::keyClick(urlField, Qt::Key_Down); // the operator picks b:2 from the list
    QCOMPARE(urlField->currentText(), u"https://b:2"_s);
    QTest::qWait(50);
    QVERIFY(child<QCheckBox>(dialog, "rememberTokenBox")->isChecked()); // so kept for b:2 too
    QCOMPARE_NE(dialog.token(),
                u"a-token"_s); // fails: a's token, to be sent to b (and remembered for b)

    // ... or types another server's URL.
    urlField->setEditText(u"https://elsewhere:9"_s);
    QCOMPARE_NE(dialog.token(), u"a-token"_s);
}

// After an expected certificate change the pinned one must go: the dialog
// shows it for the server and forgets it.
void tst_ConnectDialog::acceptedCertificateCanBeForgotten()
{
    const QString fingerprint = QStringList(32, u"AB"_s).join(u':');
    CredentialStore::setPin(QUrl(u"https://a:1"_s), fingerprint);
    CredentialStore credentials;
    ConnectDialog dialog(credentials);
    dialog.show();
    auto urlField = child<QComboBox>(dialog, "urlField");
    auto pin = child<QLabel>(dialog, "pinLabel");
    auto forget = child<QPushButton>(dialog, "forgetPinButton");
    urlField->setEditText(u"https://b:2"_s);
    QVERIFY(!forget->isVisible()); // nothing accepted for b:2
    urlField->setEditText(u"https://a:1"_s);
    QVERIFY(forget->isVisible());
    QVERIFY(pin->text().contains(fingerprint));
    QTest::mouseClick(forget, Qt::LeftButton);
    QVERIFY(CredentialStore::pin(QUrl(u"https://a:1"_s)).isEmpty());
    QVERIFY(!forget->isVisible());
}

QTEST_MAIN(tst_ConnectDialog)
#include "tst_connectdialog.moc"
