#pragma once

#include "jobs/jobkind.h"

#include <QElapsedTimer>
#include <QMutex>
#include <QPointer>

#include <atomic>
#include <memory>

namespace sluice::jobs {

class JobEngine;

// Lets worker threads reach the engine only while it exists.
struct EngineLink
{
    QMutex mutex;
    JobEngine *engine = nullptr;
};

// One attempt of one job, shared by the engine (its thread) and the worker.
struct Attempt
{
    JobRecord job; // as started
    std::shared_ptr<const JobKind> kind;
    QString tempDir;
    QString dataDir; // its disk keeps minFreeDiskBytes free; empty: not checked
    qint64 minFreeDiskBytes = 0; // min_free_disk_bytes when the attempt started
    std::atomic<bool> stopRequested {false}; // set through requestStop()
    std::atomic<qint64> rows {0};
    std::atomic<qint64> bytes {0};
    std::atomic<double> fraction {-1};

    // Sets stopRequested, then runs the job's stop handler, if it set one.
    void requestStop();
    void setStopHandler(std::function<void()> handler);

    // Engine thread only
    QElapsedTimer clock;
    QString stopReason; // "cancelled", "timeout", "shutdown"
    qint64 stopRequestedAtMs = -1;
    bool alreadyRecorded = false; // the store holds its final state already
    bool reportedStuck = false;
    qint64 lastRows = 0, lastBytes = 0;
    double lastFraction = -1;

private:
    QMutex m_stopMutex;
    std::function<void()> m_stopHandler; // guarded by m_stopMutex
};

inline QDateTime now()
{
    return QDateTime::currentDateTimeUtc();
}

// One entry of a job's attempt log.
inline QJsonObject logEntry(const JobRecord &job, const QString &outcome, const QString &error)
{
    using namespace Qt::StringLiterals;
    return QJsonObject {{u"attempt"_s, job.attempts},
                        {u"started"_s, job.startedAt.toString(Qt::ISODateWithMs)},
                        {u"finished"_s, now().toString(Qt::ISODateWithMs)},
                        {u"outcome"_s, outcome},
                        {u"error"_s, error}};
}

// "disk below min_free_disk_bytes: …" when the disk of dataDir has less than
// minFree bytes free; nothing when it has enough, or dataDir is empty or
// cannot be read (a reading that fails does not stop work).
std::optional<QString> diskFloorProblem(const QString &dataDir, qint64 minFree);

// Runs the attempt on the calling (worker) thread and reports the outcome to
// the engine through the link.
void runAttempt(const std::shared_ptr<Attempt> &attempt, const std::shared_ptr<EngineLink> &link);

} // namespace sluice::jobs
