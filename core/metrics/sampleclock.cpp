#include "metrics/sampleclock.h"

#include <QDateTime>
#include <QElapsedTimer>

#include <algorithm>

namespace sluice::metrics {

qint64 steadyNowMs()
{
    QElapsedTimer timer;
    timer.start();
    return timer.msecsSinceReference(); // CLOCK_MONOTONIC where there is one
}

SampleClock::SampleClock()
    : SampleClock([] { return QDateTime::currentMSecsSinceEpoch(); }, &steadyNowMs)
{ }

SampleClock::SampleClock(Clock wallMs, Clock steadyMs)
    : m_wallMs(std::move(wallMs))
    , m_steadyMs(std::move(steadyMs))
{ }

SampleTime SampleClock::now()
{
    const qint64 wall = m_wallMs();
    const qint64 steady = m_steadyMs();
    qint64 time = wall;
    if (m_started) {
        // Where the time line would be had the wall clock not moved.
        const qint64 expected = m_lastTimeMs + std::max<qint64>(0, steady - m_lastSteadyMs);
        time = std::max(wall, expected);
    }
    m_started = true;
    m_lastTimeMs = time;
    m_lastSteadyMs = steady;
    return {time, steady};
}

} // namespace sluice::metrics
