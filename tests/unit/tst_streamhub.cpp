// StreamHub (issue 20, GET /api/stream): who sees what, resuming with
// Last-Event-ID, `reset` after a gap or from another run, superseded
// samples skipped for a subscriber that is behind, the ring's bound, the
// heartbeat and the end of every stream at shutdown.
#include "service/streamhub.h"

#include "ssetesting.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

using namespace sluice;
using namespace sluice::service;
using namespace Qt::StringLiterals;

namespace {

using Frame = sluice::test::SseFrame;
using Parsed = sluice::test::SseBlocks;

Parsed parse(QByteArray text)
{
    Parsed p;
    sluice::test::takeSseBlocks(text, p);
    return p;
}

http::Request who(const QString &accountId, bool admin)
{
    http::Request r;
    r.accountId = accountId;
    r.account = accountId;
    r.admin = admin;
    return r;
}

jobs::JobRecord job(const QString &id, const QString &ownerId)
{
    jobs::JobRecord j;
    j.id = id;
    j.kind = u"selftest"_s;
    j.owner = ownerId;
    j.ownerId = ownerId;
    return j;
}

QJsonObject value(int n)
{
    return {{u"n"_s, n}};
}

Parsed readAll(http::ResponseProducer &p)
{
    return parse(p.read(1 << 30));
}

} // namespace

class tst_StreamHub : public QObject
{
    Q_OBJECT
private slots:
    void adminGetsSnapshotThenEverything();
    void accountSeesOnlyItsOwnJobs();
    void resumesAfterLastEventId();
    void resetForAnotherRunOrAGap();
    void behindSubscriberSkipsSupersededSamples();
    void ringIsBoundedWhateverIsPublished();
    void heartbeatWhenQuiet();
    void closeAllEndsEveryStream();
    void publishWakesSubscribers();
    void heartbeatMovesTheResumePoint();
    void whatAnAccountCannotSeeNeitherWakesNorStrandsIt();
    void pieceStaysNearWhatWasAskedFor();
};

void tst_StreamHub::adminGetsSnapshotThenEverything()
{
    StreamHub hub;
    hub.publish(StreamKind::Status, QJsonObject {{u"state"_s, u"running"_s}});
    hub.publish(StreamKind::Limits, value(1));
    hub.publish(StreamKind::Sample, value(1));
    hub.publish(StreamKind::Sample, value(2));
    auto s = hub.subscribe(who(u"a"_s, true), {});
    Parsed p = readAll(*s);
    QCOMPARE(p.retries, 1);
    // The state as it is, without ids: status, limits, the latest sample.
    QCOMPARE(p.events(), (QByteArrayList {"status", "limits", "sample"}));
    QCOMPARE(p.frames.at(2).data.value(u"n"_s).toInt(), 2);
    for (const Frame &f : p.frames)
        QVERIFY(f.id.isEmpty());

    hub.publish(StreamKind::Event, value(3));
    hub.publishJobs({job(u"j1"_s, u"bob"_s)}, {}, {});
    hub.publish(StreamKind::Transfers, value(4));
    p = readAll(*s);
    QCOMPARE(p.events(), (QByteArrayList {"event", "jobs", "transfers"}));
    QCOMPARE(p.frames.at(1).data.value(u"changed"_s)[0][u"id"_s].toString(), u"j1"_s);
    QCOMPARE(p.frames.last().id, hub.epoch() + '-' + QByteArray::number(hub.lastSeq()));
    QVERIFY(readAll(*s).frames.isEmpty());
}

void tst_StreamHub::accountSeesOnlyItsOwnJobs()
{
    StreamHub hub;
    auto bob = hub.subscribe(who(u"bob"_s, false), {});
    auto carol = hub.subscribe(who(u"carol"_s, false), {});
    QCOMPARE(readAll(*bob).frames.size(), 0); // no admin snapshot
    hub.publish(StreamKind::Sample, value(1));
    hub.publish(StreamKind::Event, value(2));
    hub.publish(StreamKind::Limits, value(3));
    hub.publishJobs({job(u"b1"_s, u"bob"_s), job(u"c1"_s, u"carol"_s)}, {}, {});
    // Removals name their owners (a job bob never saw change is still his).
    hub.publishJobs({}, {u"b1"_s, u"c9"_s, u"b7"_s}, {u"bob"_s, u"carol"_s, u"bob"_s});

    Parsed p = readAll(*bob);
    QCOMPARE(p.events(), (QByteArrayList {"jobs", "jobs"}));
    const QJsonArray changed = p.frames.at(0).data.value(u"changed"_s).toArray();
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0)[u"id"_s].toString(), u"b1"_s);
    QCOMPARE(p.frames.at(1).data.value(u"removed"_s).toArray(), (QJsonArray {u"b1"_s, u"b7"_s}));
    p = readAll(*carol);
    QCOMPARE(p.events(), (QByteArrayList {"jobs", "jobs"}));
    QCOMPARE(p.frames.at(1).data.value(u"removed"_s).toArray(), QJsonArray {u"c9"_s});
    QCOMPARE(p.frames.at(0).data.value(u"changed"_s)[0][u"id"_s].toString(), u"c1"_s);
}

void tst_StreamHub::resumesAfterLastEventId()
{
    StreamHub hub;
    auto first = hub.subscribe(who(u"a"_s, true), {});
    hub.publish(StreamKind::Event, value(1));
    hub.publish(StreamKind::Event, value(2));
    const Parsed seen = readAll(*first);
    QCOMPARE(seen.events().count("event"), 2);
    const QByteArray lastId = seen.frames.last().id;
    first.reset(); // the client went away
    QCOMPARE(hub.subscriberCount(), 0);
    hub.publish(StreamKind::Event, value(3));
    hub.publish(StreamKind::Event, value(4));

    auto again = hub.subscribe(who(u"a"_s, true), lastId);
    const Parsed p = readAll(*again);
    QCOMPARE(p.retries, 1);
    // Exactly what it missed, no snapshot and no reset.
    QCOMPARE(p.events(), (QByteArrayList {"event", "event"}));
    QCOMPARE(p.frames.at(0).data.value(u"n"_s).toInt(), 3);
    QCOMPARE(p.frames.at(1).data.value(u"n"_s).toInt(), 4);
}

void tst_StreamHub::resetForAnotherRunOrAGap()
{
    StreamHub hub;
    hub.setBudget(3, 1 << 20);
    hub.publish(StreamKind::Event, value(1));
    const QByteArray firstId = hub.epoch() + "-1";
    for (int i = 2; i <= 5; ++i)
        hub.publish(StreamKind::Event, value(i));
    // Event 2 has left the ring: resuming after 1 would skip it.
    Parsed p = readAll(*hub.subscribe(who(u"a"_s, true), firstId));
    QCOMPARE(p.events().first(), QByteArray("reset"));
    QVERIFY(!p.events().contains("event")); // it starts from now
    // An id from another process (another epoch), or none that parses.
    for (const QByteArray &id :
         {QByteArray("other-3"), QByteArray("garbage"), QByteArray(hub.epoch() + "-999")}) {
        p = readAll(*hub.subscribe(who(u"a"_s, true), id));
        QCOMPARE(p.events().first(), QByteArray("reset"));
    }
    // Still held: resumes.
    p = readAll(*hub.subscribe(who(u"a"_s, true), hub.epoch() + "-3"));
    QCOMPARE(p.events(), (QByteArrayList {"event", "event"}));
}

void tst_StreamHub::behindSubscriberSkipsSupersededSamples()
{
    StreamHub hub;
    auto s = hub.subscribe(who(u"a"_s, true), {});
    readAll(*s);
    for (int i = 0; i < 100; ++i) {
        hub.publish(StreamKind::Sample, value(i));
        hub.publish(StreamKind::Transfers, value(i));
        if (i % 10 == 0)
            hub.publish(StreamKind::Event, value(i));
    }
    const Parsed p = readAll(*s);
    // Every event, one sample and one transfers list: the latest.
    QCOMPARE(p.events().count("event"), 10);
    QCOMPARE(p.events().count("sample"), 1);
    QCOMPARE(p.events().count("transfers"), 1);
    for (const Frame &f : p.frames) {
        if (f.event != "event")
            QCOMPARE(f.data.value(u"n"_s).toInt(), 99);
    }
}

void tst_StreamHub::ringIsBoundedWhateverIsPublished()
{
    StreamHub hub;
    constexpr qint64 budget = 64 * 1024;
    hub.setBudget(100'000, budget);
    auto stalled = hub.subscribe(who(u"a"_s, true), {}); // never reads
    const QJsonObject big {{u"detail"_s, QString(1000, u'x')}};
    for (int i = 0; i < 5000; ++i) {
        hub.publish(StreamKind::Event, big);
        QVERIFY(hub.heldBytes() <= budget);
    }
    // Reading again: it was left behind, so a reset, then what is held.
    const QByteArray text = stalled->read(1 << 30);
    QVERIFY(text.size() <= budget + 4096);
    const Parsed p = parse(text);
    QVERIFY(p.events().contains("reset"));
    // A piece is about what the connection asked for, not everything held.
    hub.publish(StreamKind::Event, big);
    hub.publish(StreamKind::Event, big);
    hub.publish(StreamKind::Event, big);
    QVERIFY(stalled->read(100).size() < 2000);
}

void tst_StreamHub::heartbeatWhenQuiet()
{
    StreamHub hub;
    hub.setHeartbeatInterval(20);
    auto s = hub.subscribe(who(u"a"_s, false), {});
    QCOMPARE(readAll(*s).comments, 0);
    QSignalSpy ready(s.get(), &http::ResponseProducer::readyRead);
    QVERIFY(ready.wait(1000));
    QCOMPARE(readAll(*s).comments, 1);
    QVERIFY(readAll(*s).frames.isEmpty());
    QCOMPARE(readAll(*s).comments, 0); // once per interval, not per read
}

void tst_StreamHub::closeAllEndsEveryStream()
{
    StreamHub hub;
    auto a = hub.subscribe(who(u"a"_s, true), {});
    auto b = hub.subscribe(who(u"b"_s, false), {});
    QSignalSpy ready(a.get(), &http::ResponseProducer::readyRead);
    QVERIFY(!a->atEnd());
    hub.closeAll();
    QCOMPARE(ready.size(), 1); // the connection pulls, sees the end, sends the last chunk
    QVERIFY(a->atEnd());
    QVERIFY(b->atEnd());
    QCOMPARE(hub.subscriberCount(), 0);
    // A new one may follow (the service started again).
    auto c = hub.subscribe(who(u"a"_s, true), {});
    QVERIFY(!c->atEnd());
    QCOMPARE(hub.subscriberCount(), 1);
    a.reset();
    QCOMPARE(hub.subscriberCount(), 1);
}

void tst_StreamHub::publishWakesSubscribers()
{
    StreamHub hub;
    auto s = hub.subscribe(who(u"a"_s, true), {});
    readAll(*s);
    QSignalSpy ready(s.get(), &http::ResponseProducer::readyRead);
    hub.publish(StreamKind::Event, value(1));
    QCOMPARE(ready.size(), 1);
    s->abort();
    QCOMPARE(hub.subscriberCount(), 0);
    hub.publish(StreamKind::Event, value(2));
    QCOMPARE(ready.size(), 1);
}

// An account that sees little gets ids on heartbeats, so that a reconnect
// after much it could not see resumes instead of a needless reset.
void tst_StreamHub::heartbeatMovesTheResumePoint()
{
    StreamHub hub;
    hub.setBudget(8, 1 << 20);
    hub.setHeartbeatInterval(20);
    auto bob = hub.subscribe(who(u"bob"_s, false), {});
    readAll(*bob);
    for (int i = 0; i < 20; ++i) {
        hub.publish(StreamKind::Event, value(i)); // admins only
        QVERIFY(bob->read(1 << 20).isEmpty()); // pulled as the connection does: nothing for bob
    }
    const QByteArray id = hub.epoch() + '-' + QByteArray::number(hub.lastSeq());
    QSignalSpy ready(bob.get(), &http::ResponseProducer::readyRead);
    QVERIFY(ready.wait(1000));
    const QByteArray beat = bob->read(1 << 20);
    QVERIFY2(beat.contains(QByteArray("\nid: " + id + "\n")), beat.constData());
    bob.reset();
    hub.publish(StreamKind::Event, value(21));
    const Parsed p = readAll(*hub.subscribe(who(u"bob"_s, false), id));
    QVERIFY(!p.events().contains("reset"));
}

void tst_StreamHub::whatAnAccountCannotSeeNeitherWakesNorStrandsIt()
{
    StreamHub hub;
    hub.setBudget(8, 1 << 20);
    auto bob = hub.subscribe(who(u"bob"_s, false), {});
    readAll(*bob);
    QSignalSpy ready(bob.get(), &http::ResponseProducer::readyRead);
    for (int i = 0; i < 20; ++i)
        hub.publish(StreamKind::Event, value(i)); // admins only, far more than the ring holds
    QCOMPARE(ready.size(), 0);
    hub.publishJobs({job(u"b1"_s, u"bob"_s)}, {}, {});
    QCOMPARE(ready.size(), 1);
    // Bob is not behind: his job, and no reset.
    QCOMPARE(readAll(*bob).events(), QByteArrayList {"jobs"});
}

void tst_StreamHub::pieceStaysNearWhatWasAskedFor()
{
    StreamHub hub;
    auto s = hub.subscribe(who(u"a"_s, true), {});
    readAll(*s);
    const QJsonObject big {{u"detail"_s, QString(1000, u'x')}};
    for (int i = 0; i < 3; ++i)
        hub.publish(StreamKind::Event, big);
    // One frame fits in 1500 bytes, two do not: one frame.
    QCOMPARE(parse(s->read(1500)).frames.size(), 1);
    // Smaller than one frame: still one (a piece is never empty while there is one).
    QCOMPARE(parse(s->read(10)).frames.size(), 1);
    QCOMPARE(parse(s->read(1 << 20)).frames.size(), 1);
}

QTEST_GUILESS_MAIN(tst_StreamHub)
#include "tst_streamhub.moc"
