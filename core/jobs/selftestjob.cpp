#include "jobs/selftestjob.h"

#include "util/outputfile.h"

#include <QThread>

using namespace Qt::StringLiterals;

namespace sluice::jobs {

namespace {

struct Param
{
    const char *key;
    qint64 minimum;
    qint64 maximum;
    qint64 defaultValue;
};

constexpr Param kParams[] = {
    {"steps", 1, 100'000, 10},
    {"step_ms", 0, 60'000, 100},
    {"bytes_per_step", 0, 1024 * 1024, 1024},
    {"fail_attempts", 0, 100, 0},
};

qint64 param(const QJsonObject &params, const char *key)
{
    for (const Param &p : kParams) {
        if (qstrcmp(p.key, key) == 0)
            return params.contains(QLatin1StringView(key))
                ? params.value(QLatin1StringView(key)).toInteger()
                : p.defaultValue;
    }
    return 0;
}

} // namespace

QString SelftestJob::validate(const QJsonObject &params) const
{
    for (auto it = params.begin(); it != params.end(); ++it) {
        const QString key = it.key();
        if (key == u"ignore_stop"_s) {
            if (!it->isBool())
                return u"selftest parameter 'ignore_stop' must be true or false"_s;
            continue;
        }
        const Param *known = nullptr;
        for (const Param &p : kParams)
            known = key == QLatin1StringView(p.key) ? &p : known;
        if (!known)
            return u"unknown selftest parameter '%1' (allowed: steps, step_ms, bytes_per_step, fail_attempts, ignore_stop)"_s
                .arg(key);
        const double v = it->toDouble(-1);
        if (!it->isDouble() || v != std::floor(v) || v < known->minimum || v > known->maximum) {
            return u"selftest parameter '%1' must be a whole number from %2 to %3"_s.arg(key)
                .arg(known->minimum)
                .arg(known->maximum);
        }
    }
    return {};
}

JobOutcome SelftestJob::run(JobContext &context) const
{
    const QJsonObject &params = context.job().params;
    const qint64 steps = param(params, "steps");
    const qint64 stepMs = param(params, "step_ms");
    const qint64 bytesPerStep = param(params, "bytes_per_step");
    const bool ignoreStop = params.value(u"ignore_stop"_s).toBool();

    const auto path = context.createTempFile(u".txt"_s);
    if (!path)
        return JobOutcome::failure(path.error().message);
    OutputFile out;
    if (auto opened = out.open(*path, *path); !opened)
        return JobOutcome::failure(opened.error().message);
    const QByteArray line
        = QByteArray("selftest ").append(context.job().id.toLatin1()).append('\n');
    qint64 written = 0;
    for (qint64 step = 1; step <= steps; ++step) {
        if (context.isStopRequested() && !ignoreStop)
            return JobOutcome::failure(u"stopped at step %1 of %2"_s.arg(step).arg(steps));
        QThread::msleep(quint64(stepMs)); // stands for a batch of real work
        // One write per step (at most bytes_per_step, 1 MiB): OutputFile is
        // unbuffered, and a write per line cost a system call per 46 bytes.
        QByteArray batch;
        batch.reserve(bytesPerStep);
        while (batch.size() < bytesPerStep)
            batch.append(line.left(bytesPerStep - batch.size()));
        if (auto done = out.write(batch); !done)
            return JobOutcome::failure(done.error().message);
        written += batch.size();
        context.reportProgress(step, written, double(step) / double(steps));
    }
    if (auto closed = out.close(); !closed)
        return JobOutcome::failure(closed.error().message);
    if (context.job().attempts <= param(params, "fail_attempts")) {
        return JobOutcome::failure(
            u"failing attempt %1 on purpose (fail_attempts = %2)"_s.arg(context.job().attempts)
                .arg(param(params, "fail_attempts")));
    }
    return JobOutcome::success(*path, u"selftest-%1.txt"_s.arg(context.job().id),
                               u"text/plain; charset=utf-8"_s);
}

} // namespace sluice::jobs
