// The sampler's readings move when what they measure moves.
#include "metrics/history.h"
#include "metrics/processinfo.h"
#include "metrics/sampleclock.h"
#include "service/sampler.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <memory>
#include <vector>

using namespace sluice;
using namespace Qt::StringLiterals;

class tst_Sampler : public QObject
{
    Q_OBJECT
private slots:
    void openFilesRaiseFdCount();
    void tempFilesAreCounted();
    void ratesFromTotals();
    void jobFiguresPassThrough();
    void processReadingsAreSane();
    void ratesFollowTheMonotonicClock();
    void sampleTimesNeverGoBack();
};

namespace {

// A time on which the wall and the monotonic clock agree.
metrics::SampleTime at(qint64 ms)
{
    return {ms, ms};
}

} // namespace

void tst_Sampler::openFilesRaiseFdCount()
{
    QTemporaryDir dir;
    service::Sampler sampler(dir.path());
    const qint64 before = sampler.take(at(1000), {}).openFds;
    std::vector<std::unique_ptr<QFile>> files;
    for (int i = 0; i < 20; ++i) {
        files.push_back(std::make_unique<QFile>(dir.filePath(u"f%1"_s.arg(i))));
        QVERIFY(files.back()->open(QIODevice::WriteOnly));
    }
    QCOMPARE(sampler.take(at(2000), {}).openFds, before + 20);
    files.clear();
    QCOMPARE(sampler.take(at(3000), {}).openFds, before);
}

void tst_Sampler::tempFilesAreCounted()
{
    QTemporaryDir dir;
    service::Sampler sampler(dir.path());
    QCOMPARE(sampler.take(at(1000), {}).tempFiles, 0);
    QDir().mkpath(dir.filePath(u"tmp/jobs/x-1"_s));
    QFile a(dir.filePath(u"tmp/jobs/x-1/part"_s));
    QVERIFY(a.open(QIODevice::WriteOnly));
    a.write(QByteArray(1000, 'a'));
    a.close();
    QFile b(dir.filePath(u"tmp/upload"_s));
    QVERIFY(b.open(QIODevice::WriteOnly));
    b.write(QByteArray(24, 'b'));
    b.close();
    const metrics::Sample s = sampler.take(at(2000), {});
    QCOMPARE(s.tempFiles, 2);
    QCOMPARE(s.tempBytes, 1024);
    QVERIFY(s.diskFreeBytes > 0);
}

void tst_Sampler::ratesFromTotals()
{
    QTemporaryDir dir;
    service::Sampler sampler(dir.path());
    http::TrafficStats traffic;
    service::SamplerInput input;
    input.traffic = &traffic;
    QCOMPARE(sampler.take(at(10'000), input).bytesInPerSecond, 0.0); // no interval yet
    traffic.bytesIn = 4000;
    traffic.bytesOut = 1000;
    traffic.readPauses = 3;
    input.rowsExported = 9000;
    input.exportsInFlight = 2;
    input.exportStalls = 3;
    traffic.recordRequest(u"/healthz"_s, "GET", 200, 0.001);
    traffic.recordRequest(u"/healthz"_s, "GET", 200, 0.002);
    const metrics::Sample s = sampler.take(at(12'000), input); // two seconds later
    QCOMPARE(s.bytesInPerSecond, 2000.0);
    QCOMPARE(s.bytesOutPerSecond, 500.0);
    QCOMPARE(s.readPausesPerSecond, 1.5);
    QCOMPARE(s.requestsPerSecond, 1.0);
    QCOMPARE(s.requestsTotal, quint64(2));
    QCOMPARE(s.rowsPerSecond, 4500.0);
    QCOMPARE(s.exportsInFlight, 2);
    QCOMPARE(s.rowsExportedTotal, quint64(9000));
    QCOMPARE(s.exportStallsTotal, quint64(3));
    // A total that went backwards (a fresh counter) gives no negative rate.
    http::TrafficStats fresh;
    input.traffic = &fresh;
    QCOMPARE(sampler.take(at(13'000), input).bytesInPerSecond, 0.0);
}

void tst_Sampler::jobFiguresPassThrough()
{
    QTemporaryDir dir;
    service::Sampler sampler(dir.path());
    service::SamplerInput input;
    input.engine.byState = {{u"queued"_s, 3}, {u"running"_s, 1}};
    input.engine.oldestQueuedAgeMs = 4200;
    input.engine.resultBytes = 77;
    input.engine.resultFiles = 2;
    input.engine.refused = 5;
    const metrics::Sample s = sampler.take(at(1000), input);
    QCOMPARE(s.jobsByState.value(u"queued"_s), 3);
    QCOMPARE(s.oldestQueuedAgeMs, 4200);
    QCOMPARE(s.resultBytes, 77);
    QCOMPARE(s.rejectionsTotal, quint64(5));
    QCOMPARE(s.series().value(u"jobs_queued"_s), 3.0);
    QCOMPARE(s.series().value(u"oldest_queued_age_seconds"_s), 4.2);
}

void tst_Sampler::processReadingsAreSane()
{
    QVERIFY(metrics::ProcessInfo::residentBytes() > 1024 * 1024);
    QVERIFY(metrics::ProcessInfo::maxFileDescriptors() > 0);
    QVERIFY(metrics::ProcessInfo::cpuSeconds() >= 0);
    const double start = metrics::ProcessInfo::startTimeSeconds();
    const double now = double(QDateTime::currentSecsSinceEpoch());
    QVERIFY2(start > now - 3600 && start <= now + 1, qPrintable(QString::number(now - start)));
    // Issue 23, defect 6: on a host with many cores btime sits past the
    // first 4 KiB of /proc/stat, and only those were read (start time -1).
    QTemporaryDir dir;
    const QString manyCores = dir.filePath(u"stat"_s);
    {
        QFile f(manyCores);
        QVERIFY(f.open(QIODevice::WriteOnly));
        for (int cpu = 0; cpu < 256; ++cpu)
            f.write("cpu" + QByteArray::number(cpu) + " 1 2 3 4 5 6 7 8 9 10\n");
        f.write("intr 12345\nctxt 678\nbtime 1700000000\nprocesses 42\n");
    }
    QVERIFY(QFileInfo(manyCores).size() > 4096);
    const double later = metrics::ProcessInfo::startTimeSeconds(manyCores);
    QVERIFY2(later >= 1700000000.0 && later < 1700000000.0 + 365 * 86400.0,
             qPrintable(QString::number(later, 'f', 0)));
    // Resident memory follows an allocation that is touched.
    const qint64 before = metrics::ProcessInfo::residentBytes();
    QByteArray big(64 * 1024 * 1024, 'x');
    QVERIFY(metrics::ProcessInfo::residentBytes() >= before + 60 * 1024 * 1024);
    QCOMPARE(big.at(123), 'x');
}

// Issue 23, defect 4: rates came from the wall clock's interval, so a step
// back of 900 ms between two samples a second apart turned 10 MiB/s into
// 100 MiB/s (and a step forward into a dip). They come from the monotonic one.
void tst_Sampler::ratesFollowTheMonotonicClock()
{
    QTemporaryDir dir;
    service::Sampler sampler(dir.path());
    http::TrafficStats traffic;
    service::SamplerInput input;
    input.traffic = &traffic;
    sampler.take({50'000, 7'000}, input);
    traffic.bytesIn = 10 * 1024 * 1024;
    // A second later on the monotonic clock; the wall clock was set back 900 ms.
    const metrics::Sample s = sampler.take({50'100, 8'000}, input);
    QCOMPARE(s.intervalMs, 1000);
    QCOMPARE(s.bytesInPerSecond, 10.0 * 1024 * 1024);
    traffic.bytesIn *= 2;
    // The wall clock jumped an hour ahead; a second passed.
    QCOMPARE(sampler.take({50'100 + 3'600'000, 9'000}, input).bytesInPerSecond, 10.0 * 1024 * 1024);
}

// Issue 23, defect 4: the history rejects a key at or before its newest, so
// a wall clock set back an hour froze the history (and the charts) for an
// hour. The sample clock runs on after a step back and follows one forward.
void tst_Sampler::sampleTimesNeverGoBack()
{
    qint64 wall = 1'700'000'000'000, steady = 5'000;
    metrics::SampleClock clock([&wall] { return wall; }, [&steady] { return steady; });
    metrics::MetricsHistory history;
    QList<qint64> times;
    const auto tick = [&](qint64 wallStep) {
        wall += 1000 + wallStep;
        steady += 1000;
        const metrics::SampleTime t = clock.now();
        QCOMPARE(t.steadyMs, steady);
        times << t.timeMs;
        history.append(t.timeMs, {{u"x"_s, 1.0}});
    };
    tick(0);
    const qint64 first = times.last();
    QCOMPARE(first, wall); // the wall clock while it is sane
    tick(-3'600'000); // set back an hour
    tick(0);
    tick(-900);
    QCOMPARE(times, (QList<qint64> {first, first + 1000, first + 2000, first + 3000}));
    QCOMPARE(history.series(u"x"_s)->rejectedCount(), 0);
    QCOMPARE(history.series(u"x"_s)->pointCount(), 4);
    // Ahead past the time line (an NTP step, a resume from suspend): it
    // follows, leaving a gap.
    tick(2 * 3'600'000);
    QCOMPARE(times.last(), wall);
    QVERIFY(times.last() > first + 4000);
    QCOMPARE(history.series(u"x"_s)->rejectedCount(), 0);
}

QTEST_GUILESS_MAIN(tst_Sampler)
#include "tst_sampler.moc"
