// ConnectionAdmission: which cap a new connection meets, per address, per
// IPv6 /64 and without a token.
#include "http/connectionadmission.h"

#include <QTest>

using namespace Qt::StringLiterals;
using sluice::config::Limits;
using sluice::http::ConnectionAdmission;

class tst_ConnectionAdmission : public QObject
{
    Q_OBJECT
private slots:
    void ipv4MappedAddressIsIpv4();
    void ipv6AddressesShareTheirSlash64();
    void perClientCap();
    void unauthenticatedPoolIsSeparate();
    void accountCap();
    void reserveCountsApart();
};

void tst_ConnectionAdmission::ipv4MappedAddressIsIpv4()
{
    const QHostAddress mapped(u"::ffff:192.0.2.7"_s);
    QCOMPARE(ConnectionAdmission::clientAddress(mapped), QHostAddress(u"192.0.2.7"_s));
    QCOMPARE(ConnectionAdmission::clientAddress(mapped).protocol(), QAbstractSocket::IPv4Protocol);
    QVERIFY(!ConnectionAdmission::ipv6Prefix(mapped)); // else all of IPv4 were one /64
    QVERIFY(!ConnectionAdmission::ipv6Prefix(QHostAddress(u"192.0.2.7"_s)));
}

void tst_ConnectionAdmission::ipv6AddressesShareTheirSlash64()
{
    Limits limits;
    limits.maxConnectionsPerClient = 10;
    limits.maxConnectionsPerIpv6Prefix = 3;
    ConnectionAdmission admission;
    quint64 id = 1;
    for (int host = 1; host <= 3; ++host) {
        const QHostAddress a(u"2001:db8:1:2::%1"_s.arg(host));
        QVERIFY(admission.check(a, limits).refusedBy.isEmpty());
        admission.add(id++, a, false);
    }
    const auto sameSite = admission.check(QHostAddress(u"2001:db8:1:2:ffff::9"_s), limits);
    QCOMPARE(sameSite.refusedBy, u"max_connections_per_ipv6_prefix"_s);
    QCOMPARE(sameSite.refusedAt, 3);
    QVERIFY(admission.check(QHostAddress(u"2001:db8:1:3::1"_s), limits).refusedBy.isEmpty());
    admission.remove(2);
    QVERIFY(admission.check(QHostAddress(u"2001:db8:1:2:ffff::9"_s), limits).refusedBy.isEmpty());
}

void tst_ConnectionAdmission::perClientCap()
{
    Limits limits;
    limits.maxConnectionsPerClient = 2;
    ConnectionAdmission admission;
    const QHostAddress a(u"192.0.2.1"_s);
    admission.add(1, a, false);
    admission.add(2, QHostAddress(u"::ffff:192.0.2.1"_s), false); // the same client
    QCOMPARE(admission.fromClient(a), 2);
    QCOMPARE(admission.check(a, limits).refusedBy, u"max_connections_per_client"_s);
    QVERIFY(admission.check(QHostAddress(u"192.0.2.2"_s), limits).refusedBy.isEmpty());
}

void tst_ConnectionAdmission::unauthenticatedPoolIsSeparate()
{
    Limits limits;
    limits.maxConnections = 4;
    limits.maxUnauthenticatedConnections = 2;
    ConnectionAdmission admission;
    for (quint64 id = 1; id <= 2; ++id)
        admission.add(id, QHostAddress(u"192.0.2.%1"_s.arg(id)), false);
    const QHostAddress next(u"192.0.2.9"_s);
    QVERIFY(admission.check(next, limits).unauthenticatedFull);
    QVERIFY(admission.check(next, limits).refusedBy.isEmpty());
    QVERIFY(admission.authenticate(1, u"alice-id"_s, 10));
    QVERIFY(admission.authenticate(1, u"alice-id"_s, 10)); // once only
    QCOMPARE(admission.unauthenticated(), 1);
    QVERIFY(!admission.check(next, limits).unauthenticatedFull);
    admission.add(3, next, false);
    admission.add(4, next, false);
    QCOMPARE(admission.check(next, limits).refusedBy, u"max_connections"_s);
    admission.remove(1); // authenticated: the unauthenticated count stays
    QCOMPARE(admission.unauthenticated(), 3);
    QCOMPARE(admission.total(), 3);
}

// Issue 18: connections at once per account. The cap applies when a
// connection first authenticates; a refused one stays as it was, and a
// closed one gives its place back.
void tst_ConnectionAdmission::accountCap()
{
    ConnectionAdmission admission;
    for (quint64 id = 1; id <= 4; ++id)
        admission.add(id, QHostAddress(u"192.0.2.%1"_s.arg(id)), false);
    QVERIFY(admission.authenticate(1, u"alice-id"_s, 2));
    QVERIFY(admission.authenticate(2, u"alice-id"_s, 2));
    QVERIFY(!admission.authenticate(3, u"alice-id"_s, 2));
    QCOMPARE(admission.unauthenticated(), 2);
    QCOMPARE(admission.ofAccount(u"alice-id"_s), 2);
    QVERIFY(admission.authenticate(3, u"bob-id"_s, 2)); // bob's share is his own
    admission.remove(1);
    QCOMPARE(admission.ofAccount(u"alice-id"_s), 1);
    QVERIFY(admission.authenticate(4, u"alice-id"_s, 2));
    admission.remove(4);
    admission.remove(2);
    QCOMPARE(admission.ofAccount(u"alice-id"_s), 0);
}

void tst_ConnectionAdmission::reserveCountsApart()
{
    Limits limits;
    limits.maxConnections = 1;
    limits.healthReserveConnections = 1;
    ConnectionAdmission admission;
    admission.add(1, QHostAddress(u"192.0.2.1"_s), false);
    QVERIFY(admission.reserveHasRoom(limits));
    admission.add(2, QHostAddress(u"192.0.2.1"_s), true);
    QVERIFY(!admission.reserveHasRoom(limits));
    QCOMPARE(admission.total(), 1);
    QCOMPARE(admission.fromClient(QHostAddress(u"192.0.2.1"_s)), 1);
    admission.remove(2);
    QVERIFY(admission.reserveHasRoom(limits));
    QCOMPARE(admission.reserved(), 0);
}

QTEST_GUILESS_MAIN(tst_ConnectionAdmission)
#include "tst_connectionadmission.moc"
