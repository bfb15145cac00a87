#include "healthprobe.h"

#include <QFile>

#include <algorithm>
#include <cmath>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

namespace sluice::bench {

double stealMs()
{
    QFile stat(QStringLiteral("/proc/stat"));
    if (!stat.open(QIODevice::ReadOnly))
        return 0;
    const QList<QByteArray> fields = stat.readLine().simplified().split(' ');
    // cpu user nice system idle iowait irq softirq steal ...
    return fields.size() > 8 ? fields[8].toDouble() * 1000.0 / double(::sysconf(_SC_CLK_TCK)) : 0;
}

void HealthProbe::start()
{
    stop();
    m_probes.clear();
    m_failures = 0;
    m_realtime = false;
    m_running = true;
    m_thread = std::thread([this] {
        ::pthread_setname_np(::pthread_self(), "health-probe"); // for perf sched and top
        // Low among real-time priorities: below the kernel's interrupt
        // threads (50), above every normal thread.
        sched_param param {};
        param.sched_priority = 10;
        m_realtime = ::pthread_setschedparam(::pthread_self(), SCHED_FIFO, &param) == 0;
        const auto period = std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(1.0 / m_hz));
        const auto first = Clock::now();
        for (long i = 0; m_running; ++i) {
            const auto scheduled = first + i * period;
            // Steal is read just before the scheduled start, so that its
            // reading is not timed and the sleep before it is not counted.
            std::this_thread::sleep_until(scheduled - std::chrono::milliseconds(1));
            const double stealBefore = stealMs();
            std::this_thread::sleep_until(scheduled); // returns at once when late
            const double late
                = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
            const auto reply = m_client.request("GET", "/healthz", {}, std::chrono::seconds(5));
            const double ms
                = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
            if (!reply || reply->status != 200)
                ++m_failures;
            m_probes.push_back({std::chrono::duration<double>(scheduled - first).count(), ms, late,
                                stealMs() - stealBefore});
        }
    });
}

void HealthProbe::stop()
{
    m_running = false;
    if (m_thread.joinable())
        m_thread.join();
}

HealthProbe::Summary HealthProbe::summary() const
{
    Summary s;
    std::vector<double> sorted;
    sorted.reserve(m_probes.size());
    for (const Probe &p : m_probes)
        sorted.push_back(p.latencyMs);
    std::sort(sorted.begin(), sorted.end());
    s.probes = int(sorted.size());
    s.failures = m_failures;
    s.realtime = m_realtime;
    if (sorted.empty())
        return s;
    // Nearest rank: the smallest value with at least p% of the probes at or below it.
    const auto rank = [&](double p) {
        const auto index = size_t(std::ceil(p / 100.0 * double(sorted.size()))) - 1;
        return sorted[std::min(index, sorted.size() - 1)];
    };
    s.p50Ms = rank(50);
    s.p99Ms = rank(99);
    s.maxMs = sorted.back();
    for (const Probe &p : m_probes) {
        s.startedLate += p.wokeLate() ? 1 : 0;
        s.maxStartLateMs = std::max(s.maxStartLateMs, p.startLateMs);
        s.stolen += p.stolen() ? 1 : 0;
    }
    return s;
}

} // namespace sluice::bench
