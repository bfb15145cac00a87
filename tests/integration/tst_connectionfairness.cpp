// Connections without a token cannot crowd out the accounts, nor the
// operator's health probe (issue 18, finding 6; docs/decisions/0019): the
// clients come from several loopback addresses (127.0.0.2, …), as the
// attack in the finding did.
#include "testroutes.h"
#include "testsupport.h"

#include <QTest>

#include <memory>
#include <vector>

using namespace sluice;
using namespace sluice::test;

namespace {

QHostAddress loopback(int host)
{
    return QHostAddress(QHostAddress(QHostAddress::LocalHost).toIPv4Address() - 1 + quint32(host));
}

// `perAddress` connections from each of `addresses` loopback addresses
// (127.0.0.2 on), each asking for /healthz once and then staying open.
std::vector<std::unique_ptr<RawClient>> flood(quint16 port, int addresses, int perAddress)
{
    std::vector<std::unique_ptr<RawClient>> clients;
    for (int a = 0; a < addresses; ++a) {
        for (int i = 0; i < perAddress; ++i) {
            auto c = std::make_unique<RawClient>(port, loopback(2 + a));
            c->send(get("/healthz"));
            c->read(); // 200, or 503 when refused
            clients.push_back(std::move(c));
        }
    }
    return clients;
}

QByteArray secure()
{
    return get("/secure", bearer(viewerToken()));
}

} // namespace

class tst_ConnectionFairness : public QObject
{
    Q_OBJECT
private slots:
    void init() { probe().reset(); }
    void floodWithoutTokenLeavesRoomForAccounts();
    void slowHeadsGiveWayToo();
    void poolOfBusyConnectionsRefusesTheNextOne();
    void healthReserveServesHealthChecksOnly();
    void healthzAnswersWhenAccountsHoldEveryConnection();
    void oneAccountHoldsItsShareOfConnections();
};

// The finding at a small scale: nine addresses × 8 connections without a
// token against max_connections = 64. Before, they held every connection and
// an account got 503 for as long as they stayed.
void tst_ConnectionFairness::floodWithoutTokenLeavesRoomForAccounts()
{
    config::Limits limits;
    limits.maxConnections = 64;
    limits.maxConnectionsPerClient = 8;
    limits.maxUnauthenticatedConnections = 16;
    limits.keepAliveIdleTimeoutMs = 60'000;
    ServerThread server(addTestRoutes, limits);

    auto first = flood(server.port(), 9, 8);
    RawClient account(server.port());
    account.send(secure());
    Reply r = account.read();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("viewer"));
    // The quietest gave way to each newcomer.
    QTRY_VERIFY(server.stats().connections <= 16 + 1);

    // A second wave does not take the authenticated connection away...
    auto second = flood(server.port(), 9, 8);
    account.send(secure());
    QCOMPARE(account.read().status, 200);
    QVERIFY(account.isOpen());
    // ...and the operator's probe on a fresh connection gets its answer.
    RawClient probe(server.port());
    probe.send(get("/healthz"));
    r = probe.read();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.body, QByteArray("ok\n"));
}

// A connection still sending its head (a slowloris) counts as quiet since
// its first byte: the one that started longest ago gives way.
void tst_ConnectionFairness::slowHeadsGiveWayToo()
{
    config::Limits limits;
    limits.maxUnauthenticatedConnections = 2;
    limits.headerDeadlineMs = 30'000;
    ServerThread server(addTestRoutes, limits);
    RawClient oldest(server.port(), loopback(2));
    oldest.send("GET /healthz HTTP/1.1\r\nHost: t\r\n");
    QTest::qWait(50);
    RawClient newer(server.port(), loopback(3));
    newer.send("GET /healthz HTTP/1.1\r\nHost: t\r\n");
    QTRY_COMPARE(server.stats().connections, 2);

    RawClient account(server.port(), loopback(4));
    account.send(secure());
    QCOMPARE(account.read().status, 200);
    QVERIFY(oldest.waitForClose(2'000));
    QVERIFY(newer.isOpen());
    newer.send("\r\n");
    QCOMPARE(newer.read().status, 200);
}

// When no connection without a token is quiet (each waits for an answer),
// none gives way: the new one is refused with 503 + Retry-After, naming the
// limit.
void tst_ConnectionFairness::poolOfBusyConnectionsRefusesTheNextOne()
{
    config::Limits limits;
    limits.maxUnauthenticatedConnections = 4;
    limits.healthReserveConnections = 0;
    ServerThread server(addTestRoutes, limits);
    std::vector<std::unique_ptr<RawClient>> busy;
    for (int i = 0; i < 4; ++i) {
        busy.push_back(std::make_unique<RawClient>(server.port(), loopback(2 + i)));
        busy.back()->send(get("/never"));
    }
    QTRY_COMPARE(server.stats().requestsInFlight, 4);
    RawClient refused(server.port(), loopback(10));
    const Reply r = refused.read();
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("retry-after"), QByteArray("1"));
    QVERIFY2(r.body.contains("\"max_unauthenticated_connections\""), r.body.constData());
    QVERIFY(refused.waitForClose());
    for (const auto &c : busy)
        QVERIFY(c->isOpen());
    QCOMPARE(server.stats().requestsInFlight, 4);
}

// A connection taken on the health reserve answers /healthz (and closes
// after it), and nothing else.
void tst_ConnectionFairness::healthReserveServesHealthChecksOnly()
{
    config::Limits limits;
    limits.maxUnauthenticatedConnections = 2;
    limits.healthReserveConnections = 2;
    ServerThread server(addTestRoutes, limits);
    RawClient a(server.port(), loopback(2));
    RawClient b(server.port(), loopback(3));
    a.send(get("/never"));
    b.send(get("/never"));
    QTRY_COMPARE(server.stats().requestsInFlight, 2);

    RawClient other(server.port(), loopback(4));
    other.send(secure());
    Reply r = other.read();
    QCOMPARE(r.status, 503);
    QCOMPARE(r.header("retry-after"), QByteArray("1"));
    // What it would have had without the reserve.
    QVERIFY2(r.body.contains("\"max_unauthenticated_connections\""), r.body.constData());
    QVERIFY(other.waitForClose());

    RawClient health(server.port(), loopback(4));
    health.send(get("/healthz"));
    r = health.read();
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("connection"), QByteArray("close"));
    QVERIFY(health.waitForClose());
}

// Accounts may fill max_connections (they are who the service is for); the
// operator's probe still gets through, on the reserve. (One account may hold
// them all here: account_share_percent 100.)
void tst_ConnectionFairness::healthzAnswersWhenAccountsHoldEveryConnection()
{
    config::Limits limits;
    limits.accountSharePercent = 100;
    limits.maxConnections = 3;
    limits.maxConnectionsPerClient = 3;
    limits.maxUnauthenticatedConnections = 3;
    limits.healthReserveConnections = 1;
    ServerThread server(addTestRoutes, limits);
    std::vector<std::unique_ptr<RawClient>> accounts;
    for (int i = 0; i < 3; ++i) {
        accounts.push_back(std::make_unique<RawClient>(server.port()));
        accounts.back()->send(secure());
        QCOMPARE(accounts.back()->read().status, 200);
    }
    // Without a token and past max_connections: only a health check is served.
    RawClient health(server.port(), loopback(2));
    health.send(get("/healthz"));
    const Reply r = health.read();
    QCOMPARE(r.status, 200);
    for (const auto &c : accounts) {
        c->send(secure());
        QCOMPARE(c->read().status, 200);
    }
}

// Issue 18 ("connections at once" per account): authenticated connections
// were capped per address only, so one account's clients could hold all of
// max_connections and every other account got 503. Two accounts here (the
// test server's admin and viewer): half of max_connections each.
void tst_ConnectionFairness::oneAccountHoldsItsShareOfConnections()
{
    config::Limits limits;
    limits.maxConnections = 8;
    limits.maxUnauthenticatedConnections = 8;
    limits.keepAliveIdleTimeoutMs = 60'000;
    ServerThread server(addTestRoutes, limits);
    std::vector<std::unique_ptr<RawClient>> viewers;
    for (int i = 0; i < 4; ++i) {
        viewers.push_back(std::make_unique<RawClient>(server.port(), loopback(2 + i)));
        viewers.back()->send(secure());
        QCOMPARE(viewers.back()->read().status, 200);
    }
    RawClient fifth(server.port(), loopback(7));
    fifth.send(secure());
    const Reply refused = fifth.read();
    QCOMPARE(refused.status, 429);
    QVERIFY2(refused.body.contains("\"limit\":\"account_share_percent\""),
             refused.body.constData());
    QVERIFY2(refused.body.contains("account viewer"), refused.body.constData());
    // The percentage that applied: half, as there are two accounts.
    QVERIFY2(refused.body.contains("\"value\":50"), refused.body.constData());
    QCOMPARE(refused.header("Retry-After"), QByteArray("1"));
    QVERIFY(fifth.waitForClose()); // it does not stay to try again
    // The other account is not held back...
    RawClient admin(server.port(), loopback(8));
    admin.send(get("/secure", bearer(adminToken())));
    QCOMPARE(admin.read().status, 200);
    // ...and a connection that closes gives its place back.
    viewers.front()->socket().abort();
    viewers.erase(viewers.begin());
    QTRY_COMPARE(server.stats().connections, 4);
    RawClient again(server.port(), loopback(9));
    again.send(secure());
    QCOMPARE(again.read().status, 200);
    // The remaining ones still serve.
    for (const auto &c : viewers) {
        c->send(secure());
        QCOMPARE(c->read().status, 200);
    }
}

QTEST_GUILESS_MAIN(tst_ConnectionFairness)
#include "tst_connectionfairness.moc"
