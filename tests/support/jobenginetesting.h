#pragma once

// The job engine with a real SQLite store and real worker threads, for the
// tst_jobengine* tests: two job kinds the test steers (probe: blocks until
// released or stopped; hang: ignores stop requests) beside the selftest job.
#include "jobs/jobengine.h"
#include "jobs/selftestjob.h"
#include "jobs/sqlitejobstore.h"

#include <QDir>
#include <QFile>
#include <QObject>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <atomic>

namespace sluice::test {

using namespace sluice::jobs;
using namespace Qt::StringLiterals;

// Blocks until released (or stopped), and counts how many run at once.
struct ProbeState
{
    std::atomic<int> running {0};
    std::atomic<int> maxRunning {0};
    std::atomic<bool> release {false};
};
inline ProbeState g_probe;

class ProbeJob final : public JobKind
{
public:
    QString name() const override { return u"probe"_s; }
    QString validate(const QJsonObject &) const override { return {}; }
    JobOutcome run(JobContext &context) const override
    {
        const int now = ++g_probe.running;
        int seen = g_probe.maxRunning;
        while (now > seen && !g_probe.maxRunning.compare_exchange_weak(seen, now)) { }
        while (!g_probe.release && !context.isStopRequested())
            QThread::msleep(2); // the job's own wait, not the test's
        --g_probe.running;
        if (context.isStopRequested())
            return JobOutcome::failure(u"stopped"_s);
        const auto file = context.createTempFile(u".txt"_s);
        QFile f(*file);
        f.open(QIODevice::WriteOnly);
        f.write("probe\n");
        return JobOutcome::success(*file, u"probe.txt"_s, u"text/plain"_s);
    }
};

// Ignores stop requests: returns only when released (a decode or a driver
// call that cannot be interrupted).
inline std::atomic<bool> g_hangRelease {false};

class HangJob final : public JobKind
{
public:
    QString name() const override { return u"hang"_s; }
    QString validate(const QJsonObject &) const override { return {}; }
    JobOutcome run(JobContext &) const override
    {
        while (!g_hangRelease)
            QThread::msleep(2);
        return JobOutcome::failure(u"released"_s);
    }
};

struct Harness
{
    QTemporaryDir dir;
    std::unique_ptr<JobEngine> engine;
    QObject replyTo;

    explicit Harness(config::Limits limits = {})
    {
        g_probe.running = 0;
        g_probe.maxRunning = 0;
        g_probe.release = false;
        g_hangRelease = false;
        create(limits);
    }
    void create(const config::Limits &limits)
    {
        engine = std::make_unique<JobEngine>(
            JobEngine::Paths {dir.filePath(u"jobs.db"_s), dir.filePath(u"tmp/jobs"_s),
                              dir.filePath(u"results"_s), dir.path()},
            limits);
        engine->registerKind(std::make_unique<SelftestJob>());
        engine->registerKind(std::make_unique<ProbeJob>());
        engine->registerKind(std::make_unique<HangJob>());
        const auto started = engine->start();
        if (!started)
            qFatal("%s", qPrintable(started.error().message));
    }
    SubmitResult submit(const QString &kind, const QJsonObject &params = {},
                        const QString &owner = u"alice"_s)
    {
        std::optional<SubmitResult> result;
        engine->submit(kind, params, {owner, owner, false}, &replyTo,
                       [&](SubmitResult r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
            qWarning("no reply from the job engine within 5 s");
        return result.value_or(SubmitResult {});
    }
    ControlResult control(void (JobEngine::*method)(const QString &, const Principal &, QObject *,
                                                    std::function<void(ControlResult)>),
                          const QString &id, Principal who = {u"alice"_s, u"alice"_s, false})
    {
        std::optional<ControlResult> result;
        (engine.get()->*method)(id, who, &replyTo, [&](ControlResult r) { result = r; });
        if (!QTest::qWaitFor([&] { return result.has_value(); }, 5000))
            qWarning("no reply from the job engine within 5 s");
        return result.value_or(ControlResult {});
    }
    JobRecord job(const QString &id) { return engine->store()->find(id)->value_or(JobRecord {}); }
    JobState state(const QString &id) { return job(id).state; }
    QStringList tempEntries()
    {
        return QDir(dir.filePath(u"tmp/jobs"_s)).entryList(QDir::AllEntries | QDir::NoDotAndDotDot);
    }
    QStringList resultFiles() { return QDir(dir.filePath(u"results"_s)).entryList(QDir::Files); }
};

inline QJsonObject quick(int steps = 2)
{
    return {{u"steps"_s, steps}, {u"step_ms"_s, 1}};
}

} // namespace sluice::test

#define QTRY_STATE(h, id, s) QTRY_COMPARE_WITH_TIMEOUT(toString((h).state(id)), toString(s), 10000)
