#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::bench {

// Another process's resident set, two ways:
// - VmRSS sampled every `period` on a thread of its own (misses peaks shorter
//   than a period);
// - VmHWM, the kernel's high-water mark, after `echo 5 > clear_refs` reset it
//   to the current RSS. The kernel folds the live RSS into VmHWM only at some
//   points (unmapping, exit), so a peak that is freed without an unmap can
//   escape it; together the two bound the peak from below as well as they can.
// Writing 5 to clear_refs touches only that counter (1-4 would clear the
// pages' referenced and soft-dirty bits, which this never does).
class RssWatch
{
public:
    explicit RssWatch(pid_t pid)
        : m_pid(pid)
    { }
    ~RssWatch() { stop(); }

    // In KiB, -1 if unreadable.
    long currentKiB() const;
    long highWaterKiB() const;
    bool resetHighWater() const;
    // User plus system CPU time the process has used so far, in seconds; -1 if unreadable.
    double cpuSeconds() const;

    void start(std::chrono::milliseconds period);
    void stop();

    struct Sample
    {
        std::chrono::steady_clock::time_point at;
        long kib;
    };
    std::vector<Sample> samples() const;
    // The largest sample in [from, to].
    long peakKiB(std::chrono::steady_clock::time_point from,
                 std::chrono::steady_clock::time_point to) const;

private:
    long statusField(const char *name) const;

    pid_t m_pid;
    std::thread m_thread;
    std::atomic<bool> m_running {false};
    mutable std::mutex m_mutex;
    std::vector<Sample> m_samples;
};

} // namespace sluice::bench
