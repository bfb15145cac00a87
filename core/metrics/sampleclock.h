#pragma once

#include <QtGlobal>

#include <functional>

namespace sluice::metrics {

// When a sample was taken, on two clocks (issue 23, defect 4).
struct SampleTime
{
    // Milliseconds since the epoch, for history keys and axis labels: never
    // goes back (see SampleClock).
    qint64 timeMs = 0;
    // A monotonic clock (steadyNowMs()): intervals, and so rates, come from
    // this one only, so that a wall clock step makes no spike.
    qint64 steadyMs = 0;
};

// Milliseconds on the monotonic clock, comparable across threads of this process.
qint64 steadyNowMs();

// The sampler's time line. It follows the wall clock forwards (an NTP step
// ahead, a resume from suspend: the history shows the gap) but never goes
// back: after a step back it runs on from where it was at the monotonic
// clock's pace. A step back of an hour therefore neither freezes the history
// for an hour (it rejects keys at or before its newest) nor turns a second's
// bytes into a spike; the keys run ahead of the wall clock by at most the
// steps back since the service started.
class SampleClock
{
public:
    using Clock = std::function<qint64()>;
    SampleClock(); // the system's clocks
    SampleClock(Clock wallMs, Clock steadyMs); // for tests

    SampleTime now();

private:
    Clock m_wallMs;
    Clock m_steadyMs;
    qint64 m_lastTimeMs = 0;
    qint64 m_lastSteadyMs = 0;
    bool m_started = false;
};

} // namespace sluice::metrics
