#include "jobs/attempt_p.h"

#include "jobs/jobengine.h"
#include "metrics/processinfo.h"
#include "util/threadpriority.h"

#include <QDir>
#include <QLoggingCategory>
#include <QTemporaryFile>
#include <QThread>
#include <QUuid>

#include <exception>
#include <malloc.h>

using namespace Qt::StringLiterals;

namespace sluice::jobs {

JobContext::~JobContext() = default;
JobKind::~JobKind() = default;

namespace {

class AttemptContext final : public JobContext
{
public:
    explicit AttemptContext(Attempt &attempt)
        : m_attempt(attempt)
    { }
    ~AttemptContext() override
    {
        m_attempt.setStopHandler({}); // it may refer to what run() has destroyed
        for (const QString &name : std::as_const(m_connections)) {
            QSqlDatabase::database(name, false).close();
            QSqlDatabase::removeDatabase(name);
        }
    }

    const JobRecord &job() const override { return m_attempt.job; }
    bool isStopRequested() const override { return m_attempt.stopRequested.load(); }
    void setStopHandler(std::function<void()> handler) override
    {
        m_attempt.setStopHandler(std::move(handler));
    }
    void reportProgress(qint64 rows, qint64 bytes, double fraction) override
    {
        m_attempt.rows = rows;
        m_attempt.bytes = bytes;
        m_attempt.fraction = fraction;
    }
    Expected<void> checkFreeDisk() const override
    {
        if (auto problem = diskFloorProblem(m_attempt.dataDir, m_attempt.minFreeDiskBytes))
            return Error {*problem};
        return {};
    }
    Expected<QString> createTempFile(const QString &suffix) override
    {
        QTemporaryFile file(m_attempt.tempDir + u"/part-XXXXXX"_s + suffix);
        file.setAutoRemove(false);
        if (!file.open())
            return Error {u"cannot create a temp file in %1: %2"_s.arg(m_attempt.tempDir,
                                                                       file.errorString())};
        return file.fileName();
    }
    QSqlDatabase database(const QString &driver, const QString &databaseName,
                          const QString &options) override
    {
        const QString name
            = u"job-%1-%2"_s.arg(m_attempt.job.id, QString::number(m_connections.size()));
        QSqlDatabase db = QSqlDatabase::addDatabase(driver, name);
        db.setDatabaseName(databaseName);
        db.setConnectOptions(options);
        m_connections.append(name);
        return db;
    }

private:
    Attempt &m_attempt;
    QStringList m_connections;
};

} // namespace

std::optional<QString> diskFloorProblem(const QString &dataDir, qint64 minFree)
{
    if (dataDir.isEmpty() || minFree <= 0) // no floor: no statvfs either
        return std::nullopt;
    return metrics::diskFloorProblem(metrics::ProcessInfo::freeDiskBytes(dataDir), minFree);
}

void Attempt::requestStop()
{
    stopRequested = true;
    std::function<void()> handler;
    {
        QMutexLocker lock(&m_stopMutex);
        handler = m_stopHandler;
    }
    // Outside the lock: the handler is the job's code; a copy keeps what it
    // captured alive even if the attempt drops it meanwhile.
    if (handler)
        handler();
}

void Attempt::setStopHandler(std::function<void()> handler)
{
    {
        QMutexLocker lock(&m_stopMutex);
        m_stopHandler = handler;
    }
    if (handler && stopRequested.load())
        handler();
}

void runAttempt(const std::shared_ptr<Attempt> &attempt, const std::shared_ptr<EngineLink> &link)
{
    runAsBulkWork();
    JobOutcome outcome;
    {
        AttemptContext context(*attempt);
        try {
            outcome = attempt->kind->run(context);
        } catch (const std::exception &e) {
            outcome
                = JobOutcome::failure(u"job crashed: %1"_s.arg(QString::fromLocal8Bit(e.what())));
        } catch (...) {
            outcome = JobOutcome::failure(u"job crashed"_s);
        }
    }
    // An attempt's buffers (SQLite's page cache, zlib, CSV batches) were
    // allocated on this pool thread, so glibc keeps them in this thread's
    // arena after they are freed, and RSS would stay up after a large export
    // ends or is cancelled. Hand the free pages back: measured by
    // tests/bench/run-drain.sh, 9.3 MiB kept after two cancelled exports
    // without this, 3.0 MiB with it. Costs a walk of the arenas, once per
    // attempt, on this (low-priority) thread.
    ::malloc_trim(0);
    QMutexLocker lock(&link->mutex);
    if (JobEngine *engine = link->engine) {
        QMetaObject::invokeMethod(
            engine, [engine, attempt, outcome] { engine->onAttemptFinished(attempt, outcome); },
            Qt::QueuedConnection);
    }
}

} // namespace sluice::jobs
