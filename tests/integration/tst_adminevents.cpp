// GET /admin/events and GET /api/history (issue 20) against an in-process
// Service: the event log paged by sequence number (continuing across a
// restart, telling a reader it missed events the ring no longer holds), and
// the sampler's history as the dashboard reads it.
#include "servicefixture.h"
#include "testsupport.h"

#include "metrics/eventlog.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

QJsonObject json(const Reply &r)
{
    return QJsonDocument::fromJson(r.body).object();
}

QStringList details(const QJsonObject &page)
{
    QStringList out;
    for (const QJsonValue &v : page.value(u"events"_s).toArray())
        out.append(v[u"detail"_s].toString());
    return out;
}

metrics::Event testEvent(const QString &detail, const QString &kind = u"test"_s)
{
    metrics::Event e;
    e.kind = kind;
    e.detail = detail;
    return e;
}

void record(service::Service &s, const QString &kind, const QString &detail)
{
    s.eventLog()->record(testEvent(detail, kind));
}

} // namespace

class tst_AdminEvents : public QObject
{
    Q_OBJECT
private slots:
    void pagesBySequence();
    void kindFilterSkipsAhead();
    void sequenceContinuesAfterRestart();
    void missedWhenTheRingMovedOn();
    void badParameters();
    void onlyAdmins();
    void historyAsTheDashboardReadsIt();
};

void tst_AdminEvents::pagesBySequence()
{
    ServiceFixture f;
    QVERIFY(f.start());
    const quint64 base = f.service->eventLog()->lastSeq();
    for (int i = 0; i < 5; ++i)
        record(*f.service, u"test"_s, u"e%1"_s.arg(i));

    QJsonObject page
        = json(f.get("/admin/events?after=" + QByteArray::number(base) + "&limit=2", f.admin));
    QCOMPARE(details(page), (QStringList {u"e0"_s, u"e1"_s}));
    const QJsonArray events = page.value(u"events"_s).toArray();
    QCOMPARE(quint64(events.at(0)[u"seq"_s].toInteger()), base + 1);
    QCOMPARE(quint64(events.at(1)[u"seq"_s].toInteger()), base + 2);
    QCOMPARE(quint64(page.value(u"next_after"_s).toInteger()), base + 2);
    QCOMPARE(quint64(page.value(u"last_seq"_s).toInteger()), base + 5);
    QCOMPARE(page.value(u"missed"_s).toBool(), false);

    page = json(f.get("/admin/events?after=" + QByteArray::number(base + 2), f.admin));
    QCOMPARE(details(page), (QStringList {u"e2"_s, u"e3"_s, u"e4"_s}));
    // Caught up: an empty page that stays where it is.
    page = json(f.get("/admin/events?after=" + QByteArray::number(base + 5), f.admin));
    QVERIFY(details(page).isEmpty());
    QCOMPARE(quint64(page.value(u"next_after"_s).toInteger()), base + 5);
}

void tst_AdminEvents::kindFilterSkipsAhead()
{
    ServiceFixture f;
    QVERIFY(f.start());
    const quint64 base = f.service->eventLog()->lastSeq();
    record(*f.service, u"retry"_s, u"r0"_s);
    for (int i = 0; i < 3; ++i)
        record(*f.service, u"timeout"_s, u"t%1"_s.arg(i));
    record(*f.service, u"retry"_s, u"r1"_s);

    const QByteArray query = "/admin/events?kind=retry&limit=1&after=";
    QJsonObject page = json(f.get(query + QByteArray::number(base), f.admin));
    QCOMPARE(details(page), QStringList {u"r0"_s});
    page
        = json(f.get(query + QByteArray::number(page.value(u"next_after"_s).toInteger()), f.admin));
    QCOMPARE(details(page), QStringList {u"r1"_s});
    QCOMPARE(quint64(page.value(u"next_after"_s).toInteger()), base + 5);
    // No match left: the cursor still moves past what was looked at.
    page = json(f.get("/admin/events?kind=expired&after=" + QByteArray::number(base), f.admin));
    QVERIFY(details(page).isEmpty());
    QCOMPARE(quint64(page.value(u"next_after"_s).toInteger()), base + 5);
}

void tst_AdminEvents::sequenceContinuesAfterRestart()
{
    QTemporaryDir dir;
    quint64 last = 0;
    {
        metrics::EventLog log(dir.path());
        for (int i = 0; i < 3; ++i)
            log.record(testEvent(u"before"_s));
        last = log.lastSeq();
        QCOMPARE(last, quint64(3));
    }
    metrics::EventLog log(dir.path());
    QCOMPARE(log.lastSeq(), last);
    log.record(testEvent(u"after"_s));
    const metrics::EventLog::Page page = log.after(last, 10);
    QCOMPARE(page.events.size(), 1);
    QCOMPARE(page.events.first().seq, last + 1);
    // The earlier run's events are not held: a reader from 0 missed them.
    QVERIFY(log.after(0, 10).missed);
    // A cursor past the end (the log's files were deleted) restarts the reader.
    const metrics::EventLog::Page ahead = log.after(last + 100, 10);
    QVERIFY(ahead.missed);
    QCOMPARE(ahead.events.size(), 1);
}

void tst_AdminEvents::missedWhenTheRingMovedOn()
{
    QTemporaryDir dir;
    metrics::EventLog log(dir.path(), 4);
    for (int i = 0; i < 10; ++i)
        log.record(testEvent(QString::number(i)));
    const metrics::EventLog::Page page = log.after(2, 100);
    QVERIFY(page.missed);
    QCOMPARE(page.oldestSeq, quint64(7));
    QCOMPARE(page.events.size(), 4);
    QCOMPARE(page.events.first().detail, u"6"_s);
    QVERIFY(!log.after(6, 100).missed);
    QVERIFY(!log.after(10, 100).missed);
}

void tst_AdminEvents::badParameters()
{
    ServiceFixture f;
    QVERIFY(f.start());
    for (const QByteArray &query :
         {QByteArray("after=-1"), QByteArray("after=x"), QByteArray("limit=0"),
          QByteArray("limit=1001"), QByteArray("afterr=1")}) {
        const Reply r = f.get("/admin/events?" + query, f.admin);
        QCOMPARE(r.status, 400);
        const QString error = json(r).value(u"error"_s).toString();
        QVERIFY2(error.contains(QString::fromLatin1(query.left(query.indexOf('=')))),
                 qPrintable(error));
    }
    Reply r = f.get("/api/history?series=no_such_series", f.admin);
    QCOMPARE(r.status, 400);
    QVERIFY(json(r).value(u"error"_s).toString().contains(u"no_such_series"_s));
    r = f.get("/api/history?since=soon", f.admin);
    QCOMPARE(r.status, 400);
    QVERIFY(json(r).value(u"error"_s).toString().contains(u"since"_s));
}

void tst_AdminEvents::onlyAdmins()
{
    ServiceFixture f;
    QVERIFY(f.start());
    QCOMPARE(f.get("/admin/events", f.user).status, 403);
    QCOMPARE(f.get("/api/history", f.user).status, 403);
    QCOMPARE(f.get("/admin/events", {}).status, 401);
    QCOMPARE(f.get("/api/history", {}).status, 401);
}

void tst_AdminEvents::historyAsTheDashboardReadsIt()
{
    ServiceFixture f;
    QVERIFY(f.start());
    // The runtime samples at start and then each metrics_interval_ms (1 s).
    QVERIFY(QTest::qWaitFor([&] { return f.service->latestSample().timeMs > 0; }, 5'000));
    const Reply r = f.get("/api/history?series=resident_bytes,requests_per_second", f.admin);
    QCOMPARE(r.status, 200);
    const QJsonObject o = json(r);
    const QJsonObject series = o.value(u"series"_s).toObject();
    QCOMPARE(series.keys(), (QStringList {u"requests_per_second"_s, u"resident_bytes"_s}));
    const QJsonArray points = series.value(u"resident_bytes"_s)[u"points"_s].toArray();
    QVERIFY(!points.isEmpty());
    const QJsonArray last = points.last().toArray();
    QVERIFY(last.at(0).toInteger() <= o.value(u"now_ms"_s).toInteger());
    QVERIFY(last.at(1).toDouble() > 1e6); // a process holds more than a megabyte
    const QJsonArray minutes = series.value(u"resident_bytes"_s)[u"minutes"_s].toArray();
    QCOMPARE(minutes.size(), 1); // the open minute
    QCOMPARE(minutes.first().toArray().size(), 5);
    // since= past the latest point: nothing.
    const qint64 after = last.at(0).toInteger() + 1;
    const QJsonObject none = json(
        f.get("/api/history?series=resident_bytes&since=" + QByteArray::number(after), f.admin));
    QVERIFY(none.value(u"series"_s)[u"resident_bytes"_s][u"points"_s].toArray().isEmpty());
    // All series by default, the same names the sampler has.
    const QJsonObject all = json(f.get("/api/history", f.admin)).value(u"series"_s).toObject();
    QVERIFY(all.contains(u"resident_bytes"_s));
    QVERIFY(all.size() > 10);
}

QTEST_GUILESS_MAIN(tst_AdminEvents)
#include "tst_adminevents.moc"
