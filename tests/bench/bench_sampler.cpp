// What sampling costs: CPU time per sample, and the share of one core at the
// default 1 Hz. Not a test: it prints figures (docs/benchmarks.md).
#include "service/sampler.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <cstdio>
#include <ctime>

using namespace sluice;

namespace {

double cpuNow()
{
    timespec ts {};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QTemporaryDir dir;
    // A realistic temp folder: a few attempt folders with files in them.
    for (int i = 0; i < 20; ++i) {
        const QString sub = dir.filePath(QStringLiteral("tmp/jobs/job%1-1").arg(i));
        QDir().mkpath(sub);
        QFile f(sub + QStringLiteral("/part"));
        f.open(QIODevice::WriteOnly);
        f.write("x");
    }
    service::Sampler sampler(dir.path());
    http::TrafficStats traffic;
    service::SamplerInput input;
    input.traffic = &traffic;
    const int n = 2000;
    const double start = cpuNow();
    for (int i = 0; i < n; ++i) {
        traffic.bytesIn += 1000;
        sampler.take({1000 + i * 1000, 1000 + i * 1000}, input);
    }
    const double perSample = (cpuNow() - start) / n;
    std::printf("sampler: %.1f us CPU per sample (%d samples, 20 temp folders); at 1 Hz that is "
                "%.4f%% of one core\n",
                perSample * 1e6, n, perSample * 100.0);
    return 0;
}
