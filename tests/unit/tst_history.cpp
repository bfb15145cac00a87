// Bounded metric history: ring wrap-around, per-minute aggregates, gaps,
// ordering policy, a simulated day at 1 Hz, and snapshots across series.
#include "metrics/history.h"

#include <QElapsedTimer>
#include <QTest>

#include <cmath>
#include <limits>

using namespace Qt::StringLiterals;
using namespace sluice::metrics;

namespace sluice::metrics {
// QCOMPARE prints these on mismatch (found through ADL).
char *toString(const MetricPoint &p)
{
    return QTest::toString(QByteArray::number(p.timeMs) + '=' + QByteArray::number(p.value));
}
char *toString(const AggregatePoint &a)
{
    return QTest::toString("minute " + QByteArray::number(a.minuteStartMs) + " min "
                           + QByteArray::number(a.min) + " avg " + QByteArray::number(a.avg)
                           + " max " + QByteArray::number(a.max) + " n "
                           + QByteArray::number(a.count));
}
} // namespace sluice::metrics

namespace {

// A minute boundary in late 2023, so that "second s" below is t0 + s * 1000.
constexpr qint64 t0 = 1'700'000'040'000;
static_assert(t0 % kMinuteMs == 0);

qint64 second(qint64 s)
{
    return t0 + s * 1000;
}

} // namespace

class tst_History : public QObject
{
    Q_OBJECT
private slots:
    void ringKeepsLastN_data();
    void ringKeepsLastN();
    void aggregates_data();
    void aggregates();
    void sinceFiltersPointsAndMinutes();
    void dayAtOneHertzStaysAtCaps();
    void gapsAreNotFilled();
    void rejectsOutOfOrderDuplicateAndNonFinite();
    void flushClosesTheOpenMinute();
    void latest();
    void metricsHistoryBySeries();
    void snapshotIsACopy();
    void metricsHistoryBoundsNames();
};

void tst_History::ringKeepsLastN_data()
{
    QTest::addColumn<qsizetype>("capacity");
    QTest::addColumn<int>("appended");

    QTest::addRow("not full") << qsizetype(5) << 3;
    QTest::addRow("exactly full") << qsizetype(5) << 5;
    QTest::addRow("one past full") << qsizetype(5) << 6;
    QTest::addRow("wrapped twice and a bit") << qsizetype(5) << 12;
    QTest::addRow("capacity one") << qsizetype(1) << 4;
}

void tst_History::ringKeepsLastN()
{
    QFETCH(qsizetype, capacity);
    QFETCH(int, appended);

    SeriesHistory h(capacity, 10);
    for (int i = 0; i < appended; ++i)
        QVERIFY(h.append(second(i), i * 10.0));

    QList<MetricPoint> expected;
    for (int i = std::max<int>(0, appended - int(capacity)); i < appended; ++i)
        expected.append({second(i), i * 10.0});
    QCOMPARE(h.points(), expected);
    QCOMPARE(h.pointCount(), expected.size());
    QCOMPARE(h.maxPoints(), capacity);
}

void tst_History::aggregates_data()
{
    QTest::addColumn<QList<MetricPoint>>("input");
    QTest::addColumn<QList<AggregatePoint>>("expected");

    const qint64 m1 = t0 + kMinuteMs;
    const qint64 m5 = t0 + 5 * kMinuteMs;

    QTest::addRow("one open minute")
        << QList<MetricPoint> {{second(0), 1}, {second(1), 5}, {second(2), 3}}
        << QList<AggregatePoint> {{t0, 1, 3, 5, 3}};
    QTest::addRow("last ms of a minute, first ms of the next")
        << QList<MetricPoint> {{m1 - 1, 2}, {m1, 4}}
        << QList<AggregatePoint> {{t0, 2, 2, 2, 1}, {m1, 4, 4, 4, 1}};
    QTest::addRow("three minutes")
        << QList<MetricPoint> {{second(10), 1},  {second(50), 3},  {second(60), 10},
                               {second(61), 20}, {second(62), 30}, {second(125), -1}}
        << QList<AggregatePoint> {
               {t0, 1, 2, 3, 2}, {m1, 10, 20, 30, 3}, {t0 + 2 * kMinuteMs, -1, -1, -1, 1}};
    QTest::addRow("negative and fractional values")
        << QList<MetricPoint> {{second(0), -2.5}, {second(1), 0.5}, {second(2), -0.5}}
        << QList<AggregatePoint> {{t0, -2.5, -2.5 / 3, 0.5, 3}};
    QTest::addRow("minutes without points are absent")
        << QList<MetricPoint> {{second(1), 7}, {m5 + 1000, 9}}
        << QList<AggregatePoint> {{t0, 7, 7, 7, 1}, {m5, 9, 9, 9, 1}};
    QTest::addRow("full minute of 1 Hz") << [] {
        QList<MetricPoint> l;
        for (int s = 0; s < 60; ++s)
            l.append({second(s), double(s)});
        l.append({second(60), 100});
        return l;
    }() << QList<AggregatePoint> {{t0, 0, 29.5, 59, 60}, {m1, 100, 100, 100, 1}};
}

void tst_History::aggregates()
{
    QFETCH(QList<MetricPoint>, input);
    QFETCH(QList<AggregatePoint>, expected);

    SeriesHistory h;
    for (const MetricPoint &p : input)
        QVERIFY(h.append(p.timeMs, p.value));
    QCOMPARE(h.aggregates(), expected);
    // Every minute but the last is closed; the last is reported while open.
    QCOMPARE(h.closedMinuteCount(), expected.size() - 1);
}

void tst_History::sinceFiltersPointsAndMinutes()
{
    SeriesHistory h;
    for (int s = 0; s < 180; s += 10)
        h.append(second(s), s);

    const QList<MetricPoint> points = h.points(second(125));
    QCOMPARE(points.size(), 5); // 130 .. 170
    QCOMPARE(points.first().timeMs, second(130));
    QCOMPARE(h.points(second(130)).first().timeMs, second(130)); // inclusive
    QVERIFY(h.points(second(171)).isEmpty());

    // A minute is included while it ends after `since`.
    QCOMPARE(h.aggregates(second(59)).size(), 3);
    QCOMPARE(h.aggregates(second(60)).size(), 2);
    QCOMPARE(h.aggregates(second(60)).first().minuteStartMs, t0 + kMinuteMs);
    QCOMPARE(h.aggregates(second(179)).size(), 1); // the open minute
    QVERIFY(h.aggregates(second(180)).isEmpty());
}

void tst_History::dayAtOneHertzStaysAtCaps()
{
    SeriesHistory h; // 3600 points, 1440 minutes
    const qsizetype pointStorage = h.pointStorageCapacity();
    const qsizetype minuteStorage = h.minuteStorageCapacity();
    QVERIFY(pointStorage >= 3600);
    QVERIFY(minuteStorage >= 1440);

    constexpr int day = 24 * 3600;
    QElapsedTimer timer;
    timer.start();
    for (int s = 0; s < day; ++s)
        h.append(second(s), s % 60);
    const qint64 elapsed = timer.elapsed();
    QVERIFY2(elapsed < 1000, qPrintable(u"86,400 appends took %1 ms"_s.arg(elapsed)));

    QCOMPARE(h.pointCount(), 3600);
    QCOMPARE(h.closedMinuteCount(), 1439);
    QCOMPARE(h.aggregates().size(), 1440); // 1439 closed + the open one
    QCOMPARE(h.pointStorageCapacity(), pointStorage);
    QCOMPARE(h.minuteStorageCapacity(), minuteStorage);

    // Another hour wraps the minute ring as well: still at the caps, and the
    // oldest minutes are the ones that went.
    for (int s = day; s < day + 3600; ++s)
        h.append(second(s), s % 60);
    QCOMPARE(h.pointCount(), 3600);
    QCOMPARE(h.closedMinuteCount(), 1440);
    QCOMPARE(h.pointStorageCapacity(), pointStorage);
    QCOMPARE(h.minuteStorageCapacity(), minuteStorage);

    const QList<AggregatePoint> minutes = h.aggregates();
    QCOMPARE(minutes.size(), 1441);
    QCOMPARE(minutes.first().minuteStartMs, t0 + 59 * kMinuteMs); // hour 0, minute 59
    QCOMPARE(minutes.last().minuteStartMs, second(day + 3600 - 60));
    for (const AggregatePoint &m : minutes) {
        QCOMPARE(m.count, 60);
        QCOMPARE(m.min, 0.0);
        QCOMPARE(m.max, 59.0);
        QCOMPARE(m.avg, 29.5);
    }
    const QList<MetricPoint> points = h.points();
    QCOMPARE(points.first().timeMs, second(day));
    QCOMPARE(points.last().timeMs, second(day + 3599));
    for (qsizetype i = 1; i < points.size(); ++i)
        QCOMPARE(points.at(i).timeMs - points.at(i - 1).timeMs, 1000);
}

void tst_History::gapsAreNotFilled()
{
    SeriesHistory h(100, 100);
    // Every third second is missing in the first minute...
    for (int s = 0; s < 60; ++s) {
        if (s % 3 != 2)
            QVERIFY(h.append(second(s), 1));
    }
    // ...then nothing for ten minutes.
    QVERIFY(h.append(second(11 * 60 + 5), 2));

    QCOMPARE(h.pointCount(), 41);
    const QList<AggregatePoint> minutes = h.aggregates();
    QCOMPARE(minutes.size(), 2);
    QCOMPARE(minutes.at(0).count, 40);
    QCOMPARE(minutes.at(1).minuteStartMs, t0 + 11 * kMinuteMs);
    QCOMPARE(minutes.at(1).count, 1);
    const QList<MetricPoint> points = h.points(second(58));
    QCOMPARE(points.size(), 2);
    QCOMPARE(points.at(0).timeMs, second(58));
    QCOMPARE(points.at(1).timeMs, second(665));
}

void tst_History::rejectsOutOfOrderDuplicateAndNonFinite()
{
    SeriesHistory h;
    QVERIFY(h.append(second(10), 1));
    QVERIFY(!h.append(second(10), 2)); // duplicate
    QVERIFY(!h.append(second(9), 3)); // older
    QVERIFY(!h.append(second(11), qQNaN()));
    QVERIFY(!h.append(second(11), qInf()));
    QVERIFY(!h.append(second(11), -qInf()));
    QCOMPARE(h.rejectedCount(), 5);
    QCOMPARE(h.points(), (QList<MetricPoint> {{second(10), 1}}));
    QCOMPARE(h.aggregates(), (QList<AggregatePoint> {{t0, 1, 1, 1, 1}}));

    QVERIFY(h.append(second(10) + 1, 4)); // a millisecond later is in order
    QCOMPARE(h.pointCount(), 2);
}

void tst_History::flushClosesTheOpenMinute()
{
    SeriesHistory h;
    h.append(second(1), 4);
    h.append(second(2), 6);

    h.flush(second(59)); // same minute: stays open
    QCOMPARE(h.closedMinuteCount(), 0);
    QVERIFY(h.append(second(3), 8));

    h.flush(second(125));
    QCOMPARE(h.closedMinuteCount(), 1);
    QCOMPARE(h.aggregates(), (QList<AggregatePoint> {{t0, 4, 6, 8, 3}}));

    // Points in minutes closed by the flush would rewrite history: rejected.
    QVERIFY(!h.append(second(4), 1));
    QVERIFY(!h.append(second(119), 1));
    QVERIFY(h.append(second(120), 1));
    QCOMPARE(h.aggregates().size(), 2);
    QCOMPARE(h.closedMinuteCount(), 1);
}

void tst_History::latest()
{
    SeriesHistory h(3, 3);
    QVERIFY(!h.latest().has_value());
    for (int s = 0; s < 5; ++s)
        h.append(second(s), s + 0.5);
    QCOMPARE(h.latest(), (MetricPoint {second(4), 4.5}));
}

void tst_History::metricsHistoryBySeries()
{
    MetricsHistory m(10, 10);
    m.append(second(0), {{u"rss_bytes"_s, 100}, {u"open_fds"_s, 7}});
    m.append(second(1), {{u"rss_bytes"_s, 120}}); // open_fds missing: a gap
    m.append(second(2), {{u"rss_bytes"_s, 110}, {u"open_fds"_s, 9}, {u"jobs_queued"_s, 1}});

    QCOMPARE(m.names(), (QStringList {u"jobs_queued"_s, u"open_fds"_s, u"rss_bytes"_s}));
    QVERIFY(!m.series(u"nope"_s));
    const SeriesHistory *rss = m.series(u"rss_bytes"_s);
    QVERIFY(rss);
    QCOMPARE(rss->points(),
             (QList<MetricPoint> {{second(0), 100}, {second(1), 120}, {second(2), 110}}));
    QCOMPARE(m.series(u"open_fds"_s)->points(),
             (QList<MetricPoint> {{second(0), 7}, {second(2), 9}}));
    QCOMPARE(m.series(u"rss_bytes"_s)->aggregates(),
             (QList<AggregatePoint> {{t0, 100, 110, 120, 3}}));

    m.flush(second(60));
    QCOMPARE(m.series(u"jobs_queued"_s)->closedMinuteCount(), 1);
}

void tst_History::snapshotIsACopy()
{
    MetricsHistory m(4, 4);
    for (int s = 0; s < 6; ++s)
        m.append(second(s), {{u"a"_s, double(s)}, {u"b"_s, -double(s)}});

    const QHash<QString, SeriesSnapshot> snap = m.snapshot(second(3));
    QCOMPARE(snap.size(), 2);
    QCOMPARE(snap.value(u"a"_s).points,
             (QList<MetricPoint> {{second(3), 3}, {second(4), 4}, {second(5), 5}}));
    QCOMPARE(snap.value(u"b"_s).minutes, (QList<AggregatePoint> {{t0, -5, -2.5, 0, 6}}));

    for (int s = 6; s < 10; ++s)
        m.append(second(s), {{u"a"_s, 100}});
    QCOMPARE(snap.value(u"a"_s).points.size(), 3);
    QCOMPARE(snap.value(u"a"_s).points.last(), (MetricPoint {second(5), 5}));
    QCOMPARE(m.series(u"a"_s)->latest(), (MetricPoint {second(9), 100}));
}

void tst_History::metricsHistoryBoundsNames()
{
    MetricsHistory m(4, 4, 2);
    m.append(second(0), {{u"a"_s, 1}, {u"b"_s, 2}});
    m.append(second(1), {{u"a"_s, 1}, {u"c"_s, 3}, {u"d"_s, 4}});
    QCOMPARE(m.names(), (QStringList {u"a"_s, u"b"_s}));
    QCOMPARE(m.droppedNameCount(), 2);
    QCOMPARE(m.series(u"a"_s)->pointCount(), 2);
}

QTEST_GUILESS_MAIN(tst_History)
#include "tst_history.moc"
