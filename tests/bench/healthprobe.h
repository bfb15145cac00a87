#pragma once

#include "loopbackclient.h"

#include <atomic>
#include <thread>
#include <vector>

namespace sluice::bench {

// Time the hypervisor took from this machine's CPUs since boot, all CPUs
// together (the steal column of /proc/stat), in ms; counted in clock ticks
// (10 ms), so only a difference of two ticks or more says much. 0 where
// /proc/stat cannot be read.
double stealMs();

// GET /healthz at a fixed rate, each on a fresh connection, timed from the
// moment it was scheduled rather than from when it was sent: when the server
// stalls, the probes queued behind the stall all count as slow (no
// coordinated omission). A probe that fails counts as its time-out.
//
// The probing thread asks for SCHED_FIFO (root or CAP_SYS_NICE): it stands
// for a health checker on another machine, so it should not queue for a core
// behind this benchmark's own sending threads. It sleeps between probes and
// works ~0.1 ms per probe, so it takes nothing measurable from the server.
// Without the permission it runs at normal priority and says so
// (Summary::realtime). See docs/decisions/0012-realtime-health-probe.md.
class HealthProbe
{
public:
    HealthProbe(quint16 port, double hz)
        : m_client(port, {})
        , m_hz(hz)
    { }
    ~HealthProbe() { stop(); }

    void start();
    void stop();

    struct Summary
    {
        int probes = 0;
        int failures = 0;
        double p50Ms = 0;
        double p99Ms = 0;
        double maxMs = 0;
        // Probes whose own thread woke more than LateMs after their
        // scheduled start: time the server had no part in (the client's
        // timer, or its virtual CPU not running), though still counted.
        int startedLate = 0;
        double maxStartLateMs = 0;
        // Probes during which the machine lost at least StolenMs to steal.
        int stolen = 0;
        bool realtime = false; // the probing thread ran as SCHED_FIFO
    };
    static constexpr double LateMs = 5;
    static constexpr double StolenMs = 20; // two ticks: more than one tick's worth for sure
    Summary summary() const;

    struct Probe
    {
        double offsetS = 0; // from start() to its scheduled time
        double latencyMs = 0; // from its scheduled time to its answer
        double startLateMs = 0; // how late its thread woke for it
        // Steal (stealMs()) from just before its scheduled time to its answer:
        // the virtual CPUs not running at all, for server and client alike.
        double stealMs = 0;

        bool wokeLate() const { return startLateMs > LateMs; }
        bool stolen() const { return stealMs >= StolenMs; }
    };
    // Read after stop().
    const std::vector<Probe> &probes() const { return m_probes; }

private:
    LoopbackClient m_client;
    double m_hz;
    std::thread m_thread;
    std::atomic<bool> m_running {false};
    // Written by the thread until stop().
    bool m_realtime = false;
    std::vector<Probe> m_probes;
    int m_failures = 0;
};

} // namespace sluice::bench
