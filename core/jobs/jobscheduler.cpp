// JobEngine, part two: running attempts, their limits and outcomes, and the
// expiry sweep. Everything here runs on the engine's thread.
#include "jobs/attempt_p.h"
#include "jobs/jobengine.h"
#include "jobs/resultsweep.h"
#include "util/durablefile.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRegularExpression>
#include <QScopeGuard>

#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_DECLARE_LOGGING_CATEGORY(lcJobs)

namespace sluice::jobs {

namespace {

Expected<void> syncFile(const QString &path)
{
    const int fd = ::open(QFile::encodeName(path).constData(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return Error {u"cannot open %1: %2"_s.arg(path, QString::fromLocal8Bit(strerror(errno)))};
    const int rc = ::fdatasync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0)
        return Error {u"cannot sync %1: %2"_s.arg(path, QString::fromLocal8Bit(strerror(err)))};
    return {};
}

// The result file keeps the job id and the extension of its download name.
QString resultFileNameFor(const JobRecord &job, const QString &downloadName)
{
    static const QRegularExpression safe(u"^[A-Za-z0-9.]{1,16}$"_s);
    const QString suffix = QFileInfo(downloadName).completeSuffix();
    return job.id + (safe.match(suffix).hasMatch() ? u"."_s + suffix : QString());
}

} // namespace

void JobEngine::schedule()
{
    if (!m_started || m_shuttingDown)
        return;
    // A stopped attempt still winding down holds its slot until it returns:
    // max_active_jobs bounds what really runs (CPU, memory, connections),
    // and a cancelled decode still decoding is running whatever its row says.
    const qsizetype busy = m_attempts.size() + m_draining.size();
    const qsizetype free
        = std::min<qsizetype>(m_limits.maxActiveJobs, m_pool->maxThreadCount()) - busy;
    if (free <= 0)
        return;
    // Below min_free_disk_bytes, jobs that could fill the disk wait, a retry
    // after a full disk included, whatever their retry delay: starting them
    // would fail again at once. The query leaves them out, so that however
    // many wait, the other kinds pass them (a window over the queue did not).
    QStringList waiting;
    if (diskFloorProblem(m_paths.dataDir, m_limits.minFreeDiskBytes)) {
        for (auto it = m_kinds.cbegin(); it != m_kinds.cend(); ++it) {
            if (it.value()->needsFreeDisk())
                waiting.append(it.key());
        }
    }
    const auto due = m_store->due(now(), int(free), waiting);
    if (!due) {
        qCWarning(lcJobs).noquote() << due.error().message;
        return;
    }
    for (const JobRecord &job : *due)
        startAttempt(job);
}

void JobEngine::startAttempt(const JobRecord &queued)
{
    const auto kind = m_kinds.value(queued.kind);
    const QString tempDir
        = m_paths.tempDir + u'/' + queued.id + u'-' + QString::number(queued.attempts + 1);
    if (!kind || !QDir().mkpath(tempDir)) {
        const auto failed = m_store->transition(queued.id, JobState::Queued, JobState::Running,
                                                [&](JobRecord &j) {
                                                    ++j.attempts;
                                                    j.startedAt = now();
                                                });
        if (failed) {
            const QString why = kind ? u"cannot create the job's temp folder %1"_s.arg(tempDir)
                                     : u"unknown job kind '%1'"_s.arg(queued.kind);
            if (auto done = m_store->transition(
                    queued.id, JobState::Running, JobState::Failed, [&](JobRecord &j) {
                        j.finishedAt = now();
                        j.lastError = forAccounts(why);
                        j.errorReason = u"error"_s;
                        j.attemptLog.append(logEntry(j, u"failed"_s, j.lastError));
                    })) {
                noteChanged(*done);
                emit event(u"failed"_s, queued.id, why);
            }
        }
        return;
    }
    const auto started
        = m_store->transition(queued.id, JobState::Queued, JobState::Running, [&](JobRecord &j) {
              ++j.attempts;
              j.startedAt = now();
              j.notBefore = {};
              j.progressRows = j.progressBytes = 0;
              j.progressFraction = -1;
          });
    if (!started) {
        QDir(tempDir).removeRecursively();
        qCWarning(lcJobs).noquote() << started.error().message;
        return;
    }
    auto attempt = std::make_shared<Attempt>();
    attempt->job = *started;
    attempt->kind = kind;
    attempt->tempDir = tempDir;
    attempt->dataDir = m_paths.dataDir;
    attempt->minFreeDiskBytes = m_limits.minFreeDiskBytes;
    attempt->clock.start();
    m_attempts.insert(started->id, attempt);
    ++m_counters.started;
    noteDurations(std::max<qint64>(0, queued.queuedAt.msecsTo(started->startedAt)), -1);
    noteChanged(*started);
    m_pool->start([attempt, link = m_link] { runAttempt(attempt, link); });
}

bool JobEngine::isStopping(const QString &id) const
{
    return std::any_of(m_draining.cbegin(), m_draining.cend(),
                       [&](const std::shared_ptr<Attempt> &a) { return a->job.id == id; });
}

void JobEngine::detach(const QString &id)
{
    if (auto attempt = m_attempts.take(id))
        m_draining.append(std::move(attempt));
}

void JobEngine::onAttemptFinished(const std::shared_ptr<Attempt> &attempt,
                                  const JobOutcome &outcome)
{
    const auto cleanup = qScopeGuard([&] {
        QDir(attempt->tempDir).removeRecursively();
        QMetaObject::invokeMethod(this, &JobEngine::schedule, Qt::QueuedConnection);
    });
    noteDurations(-1, attempt->clock.elapsed());
    if (m_draining.removeOne(attempt)) // its verdict is recorded: outputs go with the temp folder
        return;
    const QString id = attempt->job.id;
    if (m_attempts.value(id) != attempt)
        return;
    m_attempts.remove(id);

    if (outcome.status == JobOutcome::Status::Succeeded) {
        const auto current = m_store->find(id);
        if (!current || !current->has_value())
            return; // reconcile() settles the row
        const auto published = publishResult(**current, *attempt, outcome);
        if (published) {
            const qint64 size = QFileInfo(*published).size();
            if (auto done = m_store->transition(
                    id, JobState::Running, JobState::Succeeded, [&](JobRecord &j) {
                        j.finishedAt = now();
                        j.resultPath = *published;
                        j.resultSize = size;
                        j.resultName = outcome.resultName;
                        j.resultMime = outcome.resultMime;
                        j.resultExpiresAt = now().addMSecs(m_limits.resultTtlMs);
                        j.progressFraction = 1;
                        j.progressRows = attempt->rows;
                        j.progressBytes = attempt->bytes;
                        j.attemptLog.append(logEntry(j, u"succeeded"_s, {}));
                    })) {
                noteChanged(*done);
                sweepIfOverShare(done->ownerId);
                return;
            }
            QFile::remove(*published);
            return;
        }
        // Publishing failed (disk full, say): a failed attempt like any other.
        return onAttemptFailed(attempt, JobOutcome::failure(published.error().message));
    }
    if (attempt->stopReason == u"shutdown"_s)
        return requeueUnspent(id, u"service shutting down"_s);
    onAttemptFailed(attempt, outcome);
}

// Back to the queue without spending the attempt: it was not the job's fault.
void JobEngine::requeueUnspent(const QString &id, const QString &why)
{
    if (auto moved
        = m_store->transition(id, JobState::Running, JobState::Queued, [&](JobRecord &j) {
              j.attemptLog.append(logEntry(j, u"interrupted"_s, why));
              j.attempts = std::max(0, j.attempts - 1);
              j.queuedAt = now();
          }))
        noteChanged(*moved);
}

void JobEngine::onAttemptFailed(const std::shared_ptr<Attempt> &attempt, const JobOutcome &outcome)
{
    // Its outputs first: recording the verdict needs disk space of its own
    // (the store's WAL), and an attempt that failed because it filled the
    // disk would otherwise be recorded only as "could not be recorded".
    QDir(attempt->tempDir).removeRecursively();
    const QString id = attempt->job.id;
    const auto current = m_store->find(id);
    if (!current || !current->has_value())
        return;
    // Also while shutting down: a queued job simply waits for the next start.
    const bool again = outcome.retryable && (**current).attempts < (**current).maxAttempts;
    const qint64 delay = again ? backoffMs((**current).attempts) : 0;
    const auto moved = m_store->transition(
        id, JobState::Running, again ? JobState::Queued : JobState::Failed, [&](JobRecord &j) {
            j.lastError = forAccounts(outcome.error);
            j.errorReason = u"error"_s;
            j.attemptLog.append(logEntry(j, u"failed"_s, j.lastError));
            if (again) {
                j.queuedAt = now();
                j.notBefore = now().addMSecs(delay);
            } else {
                j.finishedAt = now();
            }
        });
    if (!moved)
        return; // reconcile() settles the row
    noteChanged(*moved);
    if (again) {
        ++m_counters.retries;
        emit event(u"retry"_s, id,
                   u"attempt %1 failed (%2); next in %3 ms"_s.arg(moved->attempts)
                       .arg(outcome.error)
                       .arg(delay));
    } else {
        emit event(u"failed"_s, id, outcome.error);
    }
}

QString JobEngine::forAccounts(const QString &message) const
{
    if (m_paths.dataDir.isEmpty())
        return message;
    const QString root = QRegularExpression::escape(m_paths.dataDir);
    // A path inside the data dir, then the data dir itself (followed by
    // nothing that would make it a longer name), each only where a path
    // starts (/var/tmp/d is not inside /tmp/d). Failures are rare: no cache.
    const QString start = u"(?<![^\\s:;,'\"(=])"_s;
    QString text = message;
    text.replace(QRegularExpression(start + root + u"/+"_s), QString());
    text.replace(QRegularExpression(start + root + u"(?=$|[\\s:;,'\")\\]])"_s), u"the data dir"_s);
    return text;
}

// Temp file -> fdatasync -> rename into the results folder -> fsync of the folder.
Expected<QString> JobEngine::publishResult(const JobRecord &job, const Attempt &attempt,
                                           const JobOutcome &outcome)
{
    const QString file = QFileInfo(outcome.resultFile).absoluteFilePath();
    const QString folder = QFileInfo(attempt.tempDir).absoluteFilePath() + u'/';
    if (outcome.resultFile.isEmpty() || !file.startsWith(folder))
        return Error {u"job %1 succeeded without a result file from its temp folder"_s.arg(job.id)};
    const QString target = m_paths.resultsDir + u'/' + resultFileNameFor(job, outcome.resultName);
    if (auto synced = syncFile(file); !synced)
        return synced.error();
    if (::rename(QFile::encodeName(file).constData(), QFile::encodeName(target).constData()) != 0)
        return Error {u"cannot move the result of job %1 into %2: %3"_s.arg(
            job.id, m_paths.resultsDir, QString::fromLocal8Bit(strerror(errno)))};
    if (auto synced = fsyncDirectory(m_paths.resultsDir); !synced) {
        QFile::remove(target);
        return synced.error();
    }
    return target;
}

void JobEngine::tick()
{
    const qint64 runtimeLimit = m_limits.jobMaxRuntimeMs;
    QStringList timedOut;
    for (const auto &attempt : std::as_const(m_attempts)) {
        const QString id = attempt->job.id;
        if (attempt->clock.elapsed() > runtimeLimit) {
            // Record the verdict now; the worker is told and its outputs go
            // when it returns, however long that takes.
            const QString why = u"ran longer than job_max_runtime_ms (%1 ms)"_s.arg(runtimeLimit);
            const auto moved
                = m_store->transition(id, JobState::Running, JobState::Failed, [&](JobRecord &j) {
                      j.finishedAt = now();
                      j.lastError = why;
                      j.errorReason = u"timeout"_s;
                      j.attemptLog.append(logEntry(j, u"timeout"_s, why));
                  });
            if (!moved)
                continue; // try again on the next tick
            attempt->stopReason = u"timeout"_s;
            attempt->stopRequestedAtMs = attempt->clock.elapsed();
            attempt->alreadyRecorded = true;
            attempt->requestStop();
            ++m_counters.timeouts;
            noteChanged(*moved);
            emit event(u"timeout"_s, id, why);
            timedOut.append(id);
            continue;
        }
        const qint64 rows = attempt->rows, bytes = attempt->bytes;
        const double fraction = attempt->fraction;
        if (rows != attempt->lastRows || bytes != attempt->lastBytes
            || fraction != attempt->lastFraction) {
            attempt->lastRows = rows;
            attempt->lastBytes = bytes;
            attempt->lastFraction = fraction;
            if (m_store->updateProgress(id, rows, bytes, fraction)) {
                JobRecord snapshot = attempt->job;
                snapshot.progressRows = rows;
                snapshot.progressBytes = bytes;
                snapshot.progressFraction = fraction;
                noteChanged(snapshot);
            }
        }
    }
    for (const QString &id : std::as_const(timedOut))
        detach(id);
    for (const auto &attempt : std::as_const(m_draining)) {
        if (!attempt->reportedStuck && attempt->stopRequestedAtMs >= 0
            && attempt->clock.elapsed() - attempt->stopRequestedAtMs > m_limits.cancelGraceMs) {
            attempt->reportedStuck = true;
            emit event(
                u"stuck"_s, attempt->job.id,
                u"job has not stopped %1 ms after it was asked to (cancel_grace_ms); it still holds a worker thread"_s
                    .arg(m_limits.cancelGraceMs));
        }
    }
    schedule(); // retries whose backoff has passed
    if (++m_ticks % 5 == 0) { // every second
        reconcile();
        emit statsPublished(stats());
    }
}

// A row left "running" without an attempt (a store write that failed when
// the attempt ended) goes back to the queue, or fails when out of attempts.
void JobEngine::reconcile()
{
    const auto running = m_store->inState(JobState::Running);
    if (!running)
        return;
    for (const JobRecord &job : *running) {
        if (m_attempts.contains(job.id))
            continue;
        const bool again = job.attempts < job.maxAttempts;
        if (auto moved = m_store->transition(
                job.id, JobState::Running, again ? JobState::Queued : JobState::Failed,
                [&](JobRecord &j) {
                    j.attemptLog.append(
                        logEntry(j, u"lost"_s, u"the outcome could not be recorded"_s));
                    j.lastError = u"the outcome of the last attempt could not be recorded"_s;
                    j.errorReason = u"error"_s;
                    if (again)
                        j.queuedAt = now();
                    else
                        j.finishedAt = now();
                }))
            noteChanged(*moved);
    }
}

void JobEngine::sweepNow()
{
    sweep();
}

// Deletes expired results, then evicts by fair share (planResultSweep()).
void JobEngine::sweep()
{
    if (!m_store)
        return;
    const auto withResults = m_store->withResults();
    if (!withResults)
        return;
    for (const ResultRemoval &r :
         planResultSweep(*withResults, m_limits, now(), exemptKinds(), m_accounts)) {
        // The row first, then the file (start-up removes files nothing refers to).
        const auto moved = m_store->transition(
            r.job.id, JobState::Succeeded, JobState::Expired, [&](JobRecord &j) {
                j.resultPath.clear();
                j.resultSize = -1;
                j.lastError = r.why;
                j.errorReason = r.expired ? u"expired"_s : u"evicted"_s;
            });
        if (!moved)
            continue;
        removeResultFile(r.job);
        ++m_counters.expired;
        noteChanged(*moved);
        emit event(r.expired ? u"expire"_s : u"evict"_s, r.job.id, r.why);
    }
}

// After a result is recorded: evicts at once when its account, or all
// results together, went past their share.
void JobEngine::sweepIfOverShare(const QString &ownerId)
{
    const auto counts = m_store->counts(exemptKinds());
    if (!counts)
        return;
    if (counts->resultBytes >= m_limits.maxResultBytes
        || counts->resultBytesByOwner.value(ownerId)
            > m_limits.accountShare(m_limits.maxResultBytes, m_accounts)
        || counts->resultFilesByOwner.value(ownerId) > m_limits.maxResultsPerAccount)
        sweep();
}

void JobEngine::shutdown()
{
    if (m_shuttingDown)
        return;
    m_shuttingDown = true;
    m_tickTimer.stop();
    m_sweepTimer.stop();
    for (const auto &attempt : std::as_const(m_attempts)) {
        attempt->stopReason = u"shutdown"_s;
        attempt->stopRequestedAtMs = attempt->clock.elapsed();
        attempt->requestStop();
    }
    // Give the workers their grace, handling their outcomes as they come.
    QDeadlineTimer deadline(m_limits.cancelGraceMs);
    // Cancelled attempts still winding down (m_draining) get the same grace:
    // their temp folders are removed when they return.
    while ((!m_attempts.isEmpty() || !m_draining.isEmpty()) && !deadline.hasExpired()) {
        m_pool->waitForDone(50);
        QCoreApplication::sendPostedEvents(this);
    }
    // Those that did not return in time go back to the queue all the same;
    // whatever they produce later is discarded.
    const QStringList late = m_attempts.keys();
    for (const QString &id : late) {
        m_attempts.value(id)->alreadyRecorded = true;
        requeueUnspent(id, u"service shut down before the job stopped"_s);
        detach(id);
    }
    flushChanges();
}

} // namespace sluice::jobs
