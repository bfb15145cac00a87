#include "config/authenticator.h"

#include <QTest>

using namespace Qt::StringLiterals;
using sluice::config::Account;
using sluice::config::Authenticator;
using sluice::config::Principal;
using sluice::config::TokenRecord;

namespace {

// Fixed tokens keep the catalogue readable; only their digests are stored.
const QString OperatorToken = u"sluice_operator-token-0123456789abcdefghijklmnopqrstu"_s;
const QString OperatorSecondToken = u"sluice_operator-second-token"_s;
const QString UploaderToken = u"sluice_Uploader.Token~+/=="_s;
const QString RevokedToken = u"sluice_revoked"_s;

TokenRecord record(const QString &token)
{
    return {sluice::config::tokenDigest(token), QDateTime::currentDateTimeUtc()};
}

QList<Account> accounts()
{
    return {
        Account {u"operator"_s,
                 true,
                 {record(OperatorToken), record(OperatorSecondToken)},
                 u"operator-id"_s},
        Account {u"uploader"_s, false, {record(UploaderToken)}, u"uploader-id"_s},
        Account {u"idle"_s, false, {}, u"idle-id"_s},
    };
}

QByteArray bearer(const QString &token)
{
    return "Bearer " + token.toLatin1();
}

} // namespace

class tst_Authenticator : public QObject
{
    Q_OBJECT

private slots:
    void authenticate_data();
    void authenticate();
    void noAccountsAcceptsNothing();
    void stillAdmits();
};

void tst_Authenticator::authenticate_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("account"); // empty: rejected
    QTest::addColumn<bool>("admin");

    QTest::addRow("operator token") << bearer(OperatorToken) << u"operator"_s << true;
    QTest::addRow("operator second token") << bearer(OperatorSecondToken) << u"operator"_s << true;
    QTest::addRow("uploader token") << bearer(UploaderToken) << u"uploader"_s << false;
    // RFC 9110 §11.1: the scheme is case-insensitive; §11.4: 1*SP before token68.
    QTest::addRow("lower-case scheme")
        << "bearer " + OperatorToken.toLatin1() << u"operator"_s << true;
    QTest::addRow("upper-case scheme")
        << "BEARER " + OperatorToken.toLatin1() << u"operator"_s << true;
    QTest::addRow("several spaces")
        << "Bearer   " + UploaderToken.toLatin1() << u"uploader"_s << false;
    QTest::addRow("surrounding whitespace")
        << " \tBearer " + UploaderToken.toLatin1() + " \t" << u"uploader"_s << false;

    QTest::addRow("wrong token") << bearer(u"sluice_wrong"_s) << QString() << false;
    QTest::addRow("revoked token") << bearer(RevokedToken) << QString() << false;
    QTest::addRow("token prefix") << bearer(OperatorToken.chopped(1)) << QString() << false;
    QTest::addRow("token with extra character")
        << bearer(OperatorToken + u'x') << QString() << false;
    QTest::addRow("token case changed") << bearer(OperatorToken.toUpper()) << QString() << false;
    QTest::addRow("empty") << QByteArray() << QString() << false;
    QTest::addRow("scheme alone") << "Bearer"_ba << QString() << false;
    QTest::addRow("scheme and space") << "Bearer "_ba << QString() << false;
    QTest::addRow("basic scheme") << "Basic " + OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("basic x") << "Basic x"_ba << QString() << false;
    QTest::addRow("two tokens") << "Bearer  a b"_ba << QString() << false;
    QTest::addRow("trailing junk") << bearer(OperatorToken) + " junk" << QString() << false;
    QTest::addRow("tab separator") << "Bearer\t" + OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("no separator") << "Bearer" + OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("token alone") << OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("scheme prefix") << "Bearerx " + OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("auth-param form")
        << "Bearer token=" + OperatorToken.toLatin1() << QString() << false;
    QTest::addRow("NUL inside") << QByteArrayLiteral("Bearer sluice_\0x") << QString() << false;
}

void tst_Authenticator::authenticate()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, account);
    QFETCH(bool, admin);

    const Authenticator authenticator(accounts());
    const std::optional<Principal> principal = authenticator.authenticate(header);

    if (account.isEmpty()) {
        QVERIFY2(!principal, qPrintable(principal ? principal->account : QString()));
        return;
    }
    QVERIFY(principal);
    QCOMPARE(principal->account, account);
    QCOMPARE(principal->accountId, account + u"-id"_s);
    QCOMPARE(principal->admin, admin);
}

// What a request authenticated earlier is checked against when accounts change.
void tst_Authenticator::stillAdmits()
{
    const Authenticator before(accounts());
    const auto first = before.authenticate(bearer(OperatorToken));
    const auto second = before.authenticate(bearer(OperatorSecondToken));
    const auto uploader = before.authenticate(bearer(UploaderToken));
    QVERIFY(first && second && uploader);
    QVERIFY(before.stillAdmits(*first) && before.stillAdmits(*uploader));

    // One token of the operator revoked: only what it authenticated ends.
    QList<Account> changed = accounts();
    changed[0].tokens.removeFirst();
    const Authenticator oneRevoked(changed);
    QVERIFY(!oneRevoked.stillAdmits(*first));
    QVERIFY(oneRevoked.stillAdmits(*second));
    QVERIFY(oneRevoked.stillAdmits(*uploader));

    // The uploader revoked and added again with the same token file entry:
    // the name is back, but it is another account.
    changed = accounts();
    changed[1].id = u"uploader-new-id"_s;
    const Authenticator readded(changed);
    QVERIFY(!readded.stillAdmits(*uploader));
    QCOMPARE(readded.authenticate(bearer(UploaderToken))->accountId, u"uploader-new-id"_s);

    QVERIFY(!Authenticator({}).stillAdmits(*second));
}

void tst_Authenticator::noAccountsAcceptsNothing()
{
    const Authenticator authenticator({});
    QVERIFY(!authenticator.authenticate(bearer(OperatorToken)));
}

QTEST_GUILESS_MAIN(tst_Authenticator)
#include "tst_authenticator.moc"
