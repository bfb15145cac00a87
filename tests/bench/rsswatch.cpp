#include "rsswatch.h"

#include <cstdio>
#include <cstring>
#include <string>

#include <unistd.h>

namespace sluice::bench {

long RssWatch::statusField(const char *name) const
{
    const std::string path = "/proc/" + std::to_string(m_pid) + "/status";
    FILE *f = std::fopen(path.c_str(), "re");
    if (!f)
        return -1;
    char line[256];
    long value = -1;
    const size_t length = std::strlen(name);
    while (std::fgets(line, sizeof line, f)) {
        if (std::strncmp(line, name, length) == 0 && line[length] == ':') {
            value = std::strtol(line + length + 1, nullptr, 10);
            break;
        }
    }
    std::fclose(f);
    return value;
}

long RssWatch::currentKiB() const
{
    return statusField("VmRSS");
}

long RssWatch::highWaterKiB() const
{
    return statusField("VmHWM");
}

double RssWatch::cpuSeconds() const
{
    const std::string path = "/proc/" + std::to_string(m_pid) + "/stat";
    FILE *f = std::fopen(path.c_str(), "re");
    if (!f)
        return -1;
    char buffer[1024];
    const size_t n = std::fread(buffer, 1, sizeof buffer - 1, f);
    std::fclose(f);
    buffer[n] = '\0';
    // Fields after the command name, which may hold spaces and parentheses:
    // state is field 3, utime and stime are fields 14 and 15 (proc(5)).
    const char *p = std::strrchr(buffer, ')');
    if (!p)
        return -1;
    unsigned long utime = 0;
    unsigned long stime = 0;
    if (std::sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime)
        != 2)
        return -1;
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

bool RssWatch::resetHighWater() const
{
    const std::string path = "/proc/" + std::to_string(m_pid) + "/clear_refs";
    FILE *f = std::fopen(path.c_str(), "we");
    if (!f)
        return false;
    const bool ok = std::fputs("5", f) >= 0;
    return std::fclose(f) == 0 && ok;
}

void RssWatch::start(std::chrono::milliseconds period)
{
    stop();
    m_running = true;
    m_thread = std::thread([this, period] {
        auto next = std::chrono::steady_clock::now();
        while (m_running) {
            const long kib = currentKiB();
            {
                std::lock_guard lock(m_mutex);
                m_samples.push_back({std::chrono::steady_clock::now(), kib});
            }
            next += period;
            std::this_thread::sleep_until(next);
        }
    });
}

void RssWatch::stop()
{
    m_running = false;
    if (m_thread.joinable())
        m_thread.join();
}

std::vector<RssWatch::Sample> RssWatch::samples() const
{
    std::lock_guard lock(m_mutex);
    return m_samples;
}

long RssWatch::peakKiB(std::chrono::steady_clock::time_point from,
                       std::chrono::steady_clock::time_point to) const
{
    std::lock_guard lock(m_mutex);
    long peak = -1;
    for (const Sample &s : m_samples) {
        if (s.at >= from && s.at <= to)
            peak = std::max(peak, s.kib);
    }
    return peak;
}

} // namespace sluice::bench
