#include "jobs/jobengine.h"

#include "jobs/attempt_p.h"
#include "jobs/sqlitejobstore.h"
#include "util/durablefile.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QSet>

#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcJobs, "sluice.jobs", QtInfoMsg)

namespace sluice::jobs {

JobEngine::JobEngine(Paths paths, config::Limits limits, QObject *parent)
    : QObject(parent)
    , m_paths(std::move(paths))
    , m_limits(limits)
    , m_pool(new QThreadPool)
    , m_link(std::make_shared<EngineLink>())
    , m_tickTimer(this)
    , m_sweepTimer(this)
    , m_flushTimer(this)
{
    // Workers resolve paths on other threads, and the working directory is
    // process-wide: make them absolute once, here.
    m_paths.database = QDir(m_paths.database).absolutePath();
    m_paths.tempDir = QDir(m_paths.tempDir).absolutePath();
    m_paths.resultsDir = QDir(m_paths.resultsDir).absolutePath();
    if (!m_paths.dataDir.isEmpty())
        m_paths.dataDir = QDir(m_paths.dataDir).absolutePath();
    qRegisterMetaType<JobRecord>();
    qRegisterMetaType<QList<JobRecord>>();
    qRegisterMetaType<EngineStats>();
    m_link->engine = this;
    // The engine decides how many attempts run (max_active_jobs); the pool
    // only needs room for them and for stuck ones.
    m_pool->setMaxThreadCount(128);
    m_pool->setObjectName(u"sluice-job-workers"_s);
    m_tickTimer.setInterval(std::chrono::milliseconds(200));
    connect(&m_tickTimer, &QTimer::timeout, this, &JobEngine::tick);
    connect(&m_sweepTimer, &QTimer::timeout, this, &JobEngine::sweep);
    m_flushTimer.setSingleShot(true);
    m_flushTimer.setInterval(std::chrono::milliseconds(250));
    connect(&m_flushTimer, &QTimer::timeout, this, &JobEngine::flushChanges);
}

JobEngine::~JobEngine()
{
    {
        QMutexLocker lock(&m_link->mutex);
        m_link->engine = nullptr;
    }
    for (const auto &attempt : std::as_const(m_attempts))
        attempt->requestStop();
    // After shutdown() the workers have had their grace already.
    if (m_pool->waitForDone(m_shuttingDown ? 0 : int(m_limits.cancelGraceMs)))
        delete m_pool;
    else
        qCWarning(lcJobs) << "a job did not stop; leaving its worker thread behind";
}

void JobEngine::registerKind(std::unique_ptr<JobKind> kind)
{
    const QString name = kind->name();
    m_kinds.insert(name, std::shared_ptr<const JobKind>(std::move(kind)));
}

Expected<void> JobEngine::start()
{
    for (const QString &dir : {m_paths.tempDir, m_paths.resultsDir}) {
        if (!QDir().mkpath(dir))
            return Error {u"cannot create %1"_s.arg(dir)};
    }
    auto store = SqliteJobStore::open(m_paths.database);
    if (!store)
        return store.error();
    m_store = std::move(*store);
    recover();
    m_started = true;
    m_tickTimer.start();
    m_sweepTimer.start(std::chrono::milliseconds(m_limits.expirySweepIntervalMs));
    sweep();
    schedule();
    emit statsPublished(stats());
    return {};
}

// After a crash nothing can be in use: every attempt folder goes, jobs that
// were running go back to the queue (the attempt counts) or fail, and result
// files no job refers to (published but never recorded) are removed.
void JobEngine::recover()
{
    QDir temp(m_paths.tempDir);
    for (const QString &entry :
         temp.entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden)) {
        QFileInfo info(temp.filePath(entry));
        const bool removed = info.isDir() ? QDir(info.filePath()).removeRecursively()
                                          : QFile::remove(info.filePath());
        m_counters.cleanups += removed ? 1 : 0;
        if (removed)
            emit event(u"cleanup"_s, entry.left(entry.lastIndexOf(u'-')),
                       u"removed orphan temp %1"_s.arg(entry));
    }
    const auto running = m_store->inState(JobState::Running);
    for (const JobRecord &job : running ? *running : QList<JobRecord> {}) {
        ++m_counters.recovered;
        const bool again = job.attempts < job.maxAttempts;
        const auto moved = m_store->transition(
            job.id, JobState::Running, again ? JobState::Queued : JobState::Failed,
            [&](JobRecord &j) {
                j.attemptLog.append(
                    logEntry(j, u"interrupted"_s, u"service stopped while the job ran"_s));
                j.lastError = u"the service stopped while the job ran"_s;
                j.errorReason = u"crash"_s;
                if (again) {
                    j.queuedAt = now();
                    j.notBefore = {};
                } else {
                    j.finishedAt = now();
                }
            });
        if (moved)
            emit event(again ? u"requeued"_s : u"failed"_s, job.id, u"interrupted by a restart"_s);
    }
    QSet<QString> referenced;
    if (const auto withResults = m_store->withResults()) {
        for (const JobRecord &job : *withResults)
            referenced.insert(QFileInfo(job.resultPath).fileName());
    }
    QDir results(m_paths.resultsDir);
    for (const QString &entry : results.entryList(QDir::Files | QDir::Hidden)) {
        if (!referenced.contains(entry) && results.remove(entry) && ++m_counters.cleanups)
            emit event(u"cleanup"_s, entry.section(u'.', 0, 0),
                       u"removed unreferenced result %1"_s.arg(entry));
    }
}

template<typename R>
void JobEngine::post(QObject *replyTo, std::function<R()> work, std::function<void(R)> reply)
{
    QMetaObject::invokeMethod(this, [replyTo, work = std::move(work), reply = std::move(reply)] {
        R result = work();
        QMetaObject::invokeMethod(replyTo, [reply, result = std::move(result)] { reply(result); });
    });
}

void JobEngine::submit(const QString &kind, const QJsonObject &params, const Principal &owner,
                       QObject *replyTo, std::function<void(SubmitResult)> reply)
{
    post<SubmitResult>(
        replyTo, [=, this] { return doSubmit(kind, params, owner); }, std::move(reply));
}

void JobEngine::get(const QString &id, const Principal &who, QObject *replyTo,
                    std::function<void(std::optional<JobRecord>)> reply)
{
    post<std::optional<JobRecord>>(
        replyTo, [=, this] { return visible(id, who); }, std::move(reply));
}

void JobEngine::openResult(const QString &id, const Principal &who, QObject *replyTo,
                           std::function<void(ResultLookup)> reply)
{
    post<ResultLookup>(
        replyTo, [=, this] { return doOpenResult(id, who); }, std::move(reply));
}

ResultLookup JobEngine::doOpenResult(const QString &id, const Principal &who)
{
    ResultLookup lookup;
    lookup.job = visible(id, who);
    if (!lookup.job || lookup.job->state != JobState::Succeeded || lookup.job->resultPath.isEmpty())
        return lookup;
    // O_NONBLOCK: nothing but a regular file belongs here, and a FIFO must not
    // block the engine in open().
    const int fd = ::open(QFile::encodeName(lookup.job->resultPath).constData(),
                          O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0) {
        lookup.file = std::make_shared<FileDescriptor>(fd);
    } else {
        const int error = errno;
        qCWarning(lcJobs).noquote() << "cannot open the result of job" << id << "at"
                                    << lookup.job->resultPath << ":" << strerror(error);
        lookup.openError = u"the result file of job %1 cannot be opened (%2)"_s.arg(
            id, QString::fromLocal8Bit(strerror(error)));
    }
    return lookup;
}

void JobEngine::list(JobQuery query, const Principal &who, QObject *replyTo,
                     std::function<void(Expected<JobPage>)> reply)
{
    if (!who.admin)
        query.ownerId = who.accountId.isEmpty() ? u"-"_s : who.accountId; // only your own
    post<Expected<JobPage>>(
        replyTo,
        [=, this]() -> Expected<JobPage> {
            if (!m_store)
                return Error {u"the job store is not open"_s};
            return m_store->list(query);
        },
        std::move(reply));
}

void JobEngine::cancel(const QString &id, const Principal &who, QObject *replyTo,
                       std::function<void(ControlResult)> reply)
{
    post<ControlResult>(
        replyTo, [=, this] { return doCancel(id, who); }, std::move(reply));
}

void JobEngine::retry(const QString &id, const Principal &who, QObject *replyTo,
                      std::function<void(ControlResult)> reply)
{
    post<ControlResult>(
        replyTo, [=, this] { return doRetry(id, who); }, std::move(reply));
}

void JobEngine::remove(const QString &id, const Principal &who, QObject *replyTo,
                       std::function<void(ControlResult)> reply)
{
    post<ControlResult>(
        replyTo, [=, this] { return doRemove(id, who); }, std::move(reply));
}

void JobEngine::setLimits(const config::Limits &limits)
{
    QMetaObject::invokeMethod(this, [this, limits] {
        m_limits = limits;
        if (m_started && !m_shuttingDown) {
            m_sweepTimer.start(std::chrono::milliseconds(m_limits.expirySweepIntervalMs));
            sweep(); // a lower result cap or TTL applies now
            schedule(); // a higher max_active_jobs applies now
        }
    });
}

void JobEngine::setAccounts(int accounts)
{
    QMetaObject::invokeMethod(this, [this, accounts] {
        const bool smallerParts = accounts > m_accounts && m_accounts > 0;
        m_accounts = accounts;
        if (smallerParts && m_started && !m_shuttingDown)
            sweep();
    });
}

SubmitResult JobEngine::doSubmit(const QString &kindName, const QJsonObject &params,
                                 const Principal &owner)
{
    SubmitResult result;
    const auto refuse
        = [&](Refusal::Reason reason, QString message, QString limit = {}, qint64 value = 0) {
              result.refusal = Refusal {reason, std::move(message), std::move(limit), value};
              return result;
          };
    if (!m_started || m_shuttingDown)
        return refuse(Refusal::Reason::Unavailable, u"the job engine is not running"_s);
    const auto kind = m_kinds.value(kindName);
    if (!kind)
        return refuse(Refusal::Reason::BadRequest, u"unknown job kind '%1'"_s.arg(kindName));
    if (const QString problem = kind->validate(params); !problem.isEmpty())
        return refuse(Refusal::Reason::BadRequest, problem);
    if (!owner.admin && owner.accountId.isEmpty())
        return refuse(Refusal::Reason::BadRequest, u"jobs need an account to own them"_s);
    if (auto refusal = admissionRefusal(owner.accountId, owner.account, kindName)) {
        result.refusal = refusal;
        return result;
    }
    if (auto refusal = kindRefusal(kindName, owner.accountId, owner.account)) {
        result.refusal = refusal;
        return result;
    }
    JobRecord job;
    job.id = newJobId();
    job.kind = kindName;
    job.owner = owner.account;
    job.ownerId = owner.accountId;
    job.params = params;
    job.state = JobState::Queued;
    job.maxAttempts = int(m_limits.maxAttempts);
    job.createdAt = job.queuedAt = now();
    if (const auto inserted = m_store->insert(job); !inserted)
        return refuse(Refusal::Reason::Unavailable, inserted.error().message);
    noteChanged(job);
    QMetaObject::invokeMethod(this, &JobEngine::schedule, Qt::QueuedConnection);
    result.job = job;
    return result;
}

// "Not found" and "not yours" are the same answer.
std::optional<JobRecord> JobEngine::visible(const QString &id, const Principal &who)
{
    if (!m_store || !isValidJobId(id))
        return std::nullopt;
    const auto found = m_store->find(id);
    if (!found || !found->has_value())
        return std::nullopt;
    const JobRecord &job = **found;
    if (!who.admin && (who.accountId.isEmpty() || job.ownerId != who.accountId))
        return std::nullopt;
    return job;
}

ControlResult JobEngine::doCancel(const QString &id, const Principal &who)
{
    const auto job = visible(id, who);
    if (!job)
        return {ControlResult::Status::NotFound, u"no job %1"_s.arg(id), {}};
    if (job->state != JobState::Queued && job->state != JobState::Running)
        return {ControlResult::Status::Conflict,
                u"job %1 is %2; only queued or running jobs can be cancelled"_s.arg(
                    id, toString(job->state)),
                job};
    const auto moved = m_store->transition(id, job->state, JobState::Cancelled, [&](JobRecord &j) {
        j.finishedAt = now();
        j.errorReason = u"cancelled"_s;
        j.lastError = u"cancelled by %1"_s.arg(who.account);
        if (job->state == JobState::Running)
            j.attemptLog.append(logEntry(j, u"cancelled"_s, j.lastError));
    });
    if (!moved)
        return {ControlResult::Status::Conflict, moved.error().message, job};
    if (const auto attempt = m_attempts.value(id)) {
        attempt->stopReason = u"cancelled"_s;
        attempt->stopRequestedAtMs = attempt->clock.elapsed();
        attempt->alreadyRecorded = true;
        attempt->requestStop();
        detach(id);
    }
    noteChanged(*moved);
    emit event(u"cancel"_s, id, u"by %1"_s.arg(who.account));
    return {ControlResult::Status::Ok, {}, *moved};
}

ControlResult JobEngine::doRetry(const QString &id, const Principal &who)
{
    const auto job = visible(id, who);
    if (!job)
        return {ControlResult::Status::NotFound, u"no job %1"_s.arg(id), {}};
    if (job->state != JobState::Failed && job->state != JobState::Cancelled
        && job->state != JobState::Expired)
        return {ControlResult::Status::Conflict,
                u"job %1 is %2; only failed, cancelled or expired jobs can be retried"_s.arg(
                    id, toString(job->state)),
                job};
    if (m_attempts.contains(id) || isStopping(id))
        return {ControlResult::Status::Conflict,
                u"job %1 is still stopping (its last attempt has not returned); retry in a moment"_s
                    .arg(id),
                job};
    if (auto refusal = admissionRefusal(job->ownerId, job->owner, job->kind))
        return {ControlResult::Status::Refused, refusal->message, job, refusal};
    if (auto refusal = kindRefusal(job->kind, job->ownerId, job->owner))
        return {ControlResult::Status::Refused, refusal->message, job, refusal};
    const auto moved = m_store->transition(id, job->state, JobState::Queued, [&](JobRecord &j) {
        // A fresh series of attempts on top of those spent; the log keeps the history.
        j.maxAttempts = j.attempts + int(m_limits.maxAttempts);
        j.queuedAt = now();
        j.notBefore = {};
        j.finishedAt = {};
        j.lastError.clear();
        j.errorReason.clear();
        j.progressRows = j.progressBytes = 0;
        j.progressFraction = -1;
    });
    if (!moved)
        return {ControlResult::Status::Conflict, moved.error().message, job};
    noteChanged(*moved);
    emit event(u"retry"_s, id, u"manual, by %1"_s.arg(who.account));
    schedule();
    return {ControlResult::Status::Ok, {}, *moved};
}

ControlResult JobEngine::doRemove(const QString &id, const Principal &who)
{
    const auto job = visible(id, who);
    if (!job)
        return {ControlResult::Status::NotFound, u"no job %1"_s.arg(id), {}};
    if (!isTerminal(job->state) || m_attempts.contains(id))
        return {ControlResult::Status::Conflict,
                u"job %1 is %2; cancel it first"_s.arg(id, toString(job->state)), job};
    if (isStopping(id))
        return {
            ControlResult::Status::Conflict,
            u"job %1 is still stopping (its last attempt has not returned); delete it in a moment"_s
                .arg(id),
            job};
    // The row first: a crash in between leaves an unreferenced file, which
    // start-up removes, never a row pointing at nothing.
    if (const auto removed = m_store->remove(id); !removed)
        return {ControlResult::Status::Failed, removed.error().message, job};
    removeResultFile(*job);
    noteRemoved(id, job->ownerId);
    emit event(u"delete"_s, id, u"by %1"_s.arg(who.account));
    return {ControlResult::Status::Ok, {}, job};
}

void JobEngine::removeResultFile(const JobRecord &job)
{
    if (!job.resultPath.isEmpty() && QFile::exists(job.resultPath)
        && !QFile::remove(job.resultPath))
        qCWarning(lcJobs) << "cannot remove result" << job.resultPath;
}

qint64 JobEngine::backoffMs(int attempt) const
{
    // base * 2^(attempt-1), capped, then "equal jitter": half fixed, half random.
    const double exp = double(m_limits.retryBaseDelayMs) * std::pow(2.0, std::max(0, attempt - 1));
    const qint64 capped = qint64(std::min(exp, double(m_limits.retryMaxDelayMs)));
    const qint64 half = capped / 2;
    return half + (half > 0 ? qint64(QRandomGenerator::global()->bounded(half + 1)) : 0);
}

namespace {

double percentile(QList<qint64> values, double p)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    const qsizetype index = std::min<qsizetype>(
        values.size() - 1, qsizetype(std::ceil(p * double(values.size()))) - 1);
    return double(values.at(std::max<qsizetype>(0, index)));
}

} // namespace

EngineStats JobEngine::stats() const
{
    EngineStats s = m_counters;
    if (m_store) {
        if (const auto counts = m_store->counts()) {
            for (auto it = counts->byState.cbegin(); it != counts->byState.cend(); ++it)
                s.byState.insert(toString(it.key()), it.value());
            s.queued = counts->byState.value(JobState::Queued);
            s.resultBytes = counts->resultBytes;
            s.resultFiles = counts->resultFiles;
        }
        if (const auto oldest = m_store->oldest()) {
            const QDateTime t = QDateTime::currentDateTimeUtc();
            if (oldest->first)
                s.oldestQueuedAgeMs = std::max<qint64>(0, oldest->first->msecsTo(t));
            if (oldest->second)
                s.longestRunningMs = std::max<qint64>(0, oldest->second->msecsTo(t));
        }
    }
    if (!m_paths.dataDir.isEmpty())
        s.disk = metrics::readDisk(m_paths.dataDir);
    s.running = int(m_attempts.size() + m_draining.size());
    s.stuck = 0;
    for (const auto &a : m_draining)
        s.stuck += a->reportedStuck ? 1 : 0;
    s.waitP50Ms = percentile(m_recentWaitMs, 0.50);
    s.waitP90Ms = percentile(m_recentWaitMs, 0.90);
    s.waitP99Ms = percentile(m_recentWaitMs, 0.99);
    s.runP50Ms = percentile(m_recentRunMs, 0.50);
    s.runP90Ms = percentile(m_recentRunMs, 0.90);
    s.runP99Ms = percentile(m_recentRunMs, 0.99);
    return s;
}

void JobEngine::noteDurations(qint64 waitMs, qint64 runMs)
{
    constexpr qsizetype keep = 512;
    if (waitMs >= 0) {
        m_recentWaitMs.append(waitMs);
        if (m_recentWaitMs.size() > keep)
            m_recentWaitMs.removeFirst();
    }
    if (runMs >= 0) {
        m_recentRunMs.append(runMs);
        if (m_recentRunMs.size() > keep)
            m_recentRunMs.removeFirst();
    }
}

void JobEngine::noteChanged(const JobRecord &job)
{
    if (const qsizetype i = m_pendingRemoved.indexOf(job.id); i >= 0) {
        m_pendingRemoved.removeAt(i);
        m_pendingRemovedOwners.removeAt(i);
    }
    m_pendingChanged.insert(job.id, job);
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void JobEngine::noteRemoved(const QString &id, const QString &ownerId)
{
    // A last state not sent yet stays in the batch (jobsChanged()).
    if (!m_pendingRemoved.contains(id)) {
        m_pendingRemoved.append(id);
        m_pendingRemovedOwners.append(ownerId);
    }
    if (!m_flushTimer.isActive())
        m_flushTimer.start();
}

void JobEngine::flushChanges()
{
    if (m_pendingChanged.isEmpty() && m_pendingRemoved.isEmpty())
        return;
    emit jobsChanged(m_pendingChanged.values(), m_pendingRemoved, m_pendingRemovedOwners);
    m_pendingChanged.clear();
    m_pendingRemoved.clear();
    m_pendingRemovedOwners.clear();
}

} // namespace sluice::jobs
