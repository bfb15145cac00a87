#include "upload/uploadstore.h"

#include "upload/uploadprocessjob.h"
#include "util/durablefile.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlDatabase>
#include <QSqlError>
#include <QStringBuilder>

#include <cerrno>
#include <cstring>
#include <stdio.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcUploadStore, "sluice.uploads", QtInfoMsg)

namespace sluice::upload {

UploadStore::UploadStore(Paths paths, jobs::JobEngine *engine, qint64 tempFileTtlMs,
                         QObject *parent)
    : QObject(parent)
    , m_paths(std::move(paths))
    , m_engine(engine)
    , m_tempTtlMs(tempFileTtlMs)
    , m_connection(u"uploads-%1"_s.arg(quintptr(this), 0, 16))
    , m_sweepTimer(this)
{
    QObject::connect(&m_sweepTimer, &QTimer::timeout, this, [this] {
        if (const int n = sweepTemp(m_tempTtlMs.load()); n > 0)
            emit event(u"temp_swept"_s, {}, u"%1 orphaned upload temp files removed"_s.arg(n));
    });
}

UploadStore::~UploadStore()
{
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

Expected<void> UploadStore::start()
{
    for (const QString &dir : {m_paths.uploadsDir, m_paths.tempDir}) {
        if (auto made = createPrivateDirectories(dir); !made)
            return made.error();
    }
    // Owner-only, like every data file (its -wal and -shm copy this mode).
    if (!QFileInfo::exists(m_paths.database)) {
        QFile file(m_paths.database);
        if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly,
                       QFileDevice::ReadOwner | QFileDevice::WriteOwner))
            return Error {u"cannot create "_s % m_paths.database % u": "_s % file.errorString()};
    }
    QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, m_connection);
    db.setDatabaseName(m_paths.database);
    if (auto opened = uploaddb::open(db); !opened)
        return opened.error();
    const int swept = sweepTemp(0);
    if (swept > 0)
        emit event(u"temp_swept"_s, {},
                   u"%1 upload temp files from an earlier run removed"_s.arg(swept));
    reconcile();
    if (auto bytes = uploaddb::bytesByAccount(db); bytes)
        m_storedBytes->reset(*bytes);
    else
        return bytes.error();
    queueMissingProcessing();
    // Queued: the engine's batches arrive on this thread, in order.
    connect(m_engine, &jobs::JobEngine::jobsChanged, this, &UploadStore::followJobs,
            Qt::UniqueConnection);
    catchUpWithJobs();
    // A tenth of the TTL: a file is gone at most 10 % after its time.
    m_sweepTimer.start(std::chrono::milliseconds(std::max<qint64>(1000, m_tempTtlMs / 10)));
    return {};
}

void UploadStore::shutdown()
{
    m_closed = true;
    m_sweepTimer.stop();
    if (QSqlDatabase::contains(m_connection)) {
        QSqlDatabase::database(m_connection, false).close();
        QSqlDatabase::removeDatabase(m_connection);
    }
}

void UploadStore::setTempFileTtl(qint64 ms)
{
    m_tempTtlMs = ms;
    QMetaObject::invokeMethod(this, [this, ms] {
        // Only once start() has succeeded: a store that never started (its data
        // dir belongs to another process) sweeps nothing.
        if (m_sweepTimer.isActive())
            m_sweepTimer.start(std::chrono::milliseconds(std::max<qint64>(1000, ms / 10)));
    });
}

int UploadStore::sweepTemp(qint64 olderThanMs)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    int removed = 0;
    const QFileInfoList files
        = QDir(m_paths.tempDir).entryInfoList({u"upload-*.part"_s}, QDir::Files | QDir::Hidden);
    for (const QFileInfo &file : files) {
        // Age alone does not tell: a finished file part is not written again
        // while the rest of its form arrives, for as long as that takes.
        if (m_liveTempFiles->isLive(file.absoluteFilePath()))
            continue;
        // The TTL covers a file just created and not registered yet.
        if (olderThanMs > 0 && file.lastModified().msecsTo(now) < olderThanMs)
            continue;
        if (QFile::remove(file.absoluteFilePath()))
            ++removed;
    }
    return removed;
}

void UploadStore::reconcile()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto ids = uploaddb::allIds(db);
    if (!ids) {
        qCWarning(lcUploadStore).noquote() << ids.error().message;
        return;
    }
    const QSet<QString> known(ids->begin(), ids->end());
    int orphans = 0;
    for (const QFileInfo &file :
         QDir(m_paths.uploadsDir).entryInfoList(QDir::Files | QDir::Hidden)) {
        const QString id = file.fileName().section(u'.', 0, 0);
        if (!known.contains(id) && QFile::remove(file.absoluteFilePath()))
            ++orphans;
    }
    int missing = 0;
    for (const QString &id : *ids) {
        if (!QFileInfo::exists(filePath(id))) {
            (void)uploaddb::remove(db, id);
            ++missing;
        }
    }
    if (orphans > 0)
        emit event(
            u"upload_orphans_removed"_s, {},
            u"%1 stored files without a record removed (interrupted uploads)"_s.arg(orphans));
    if (missing > 0)
        emit event(u"upload_records_dropped"_s, {},
                   u"%1 upload records whose file was gone dropped"_s.arg(missing));
}

// The row is committed before its processing job is submitted and recorded
// on it; a crash in between leaves the upload pending for ever. Its job is
// queued now, as storing would have done.
void UploadStore::queueMissingProcessing()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto ids = uploaddb::pendingWithoutJob(db);
    if (!ids) {
        qCWarning(lcUploadStore).noquote() << ids.error().message;
        return;
    }
    QList<UploadRecord> records;
    for (const QString &id : *ids) {
        if (auto found = uploaddb::find(db, id); found && *found)
            records.append(**found);
    }
    if (records.isEmpty())
        return;
    emit event(
        u"processing_requeued"_s, {},
        u"%1 uploads stored without a processing job (interrupted): queued"_s.arg(records.size()));
    queueProcessing(std::move(records), this, [](StoreResult<QList<UploadRecord>>) {});
}

namespace {

// What an upload's processing state becomes when its job is in `job`'s
// state; nothing for a job whose result merely expired.
std::optional<ProcessingState> processingFor(const jobs::JobRecord &job)
{
    switch (job.state) {
    case jobs::JobState::Queued:
    case jobs::JobState::Running:
        return ProcessingState::Pending; // also after a retry of a failed one
    case jobs::JobState::Succeeded:
    case jobs::JobState::Expired: // only ever after Succeeded: its result went, not the upload
        return ProcessingState::Done;
    case jobs::JobState::Failed:
    case jobs::JobState::Cancelled:
        return ProcessingState::Failed;
    }
    return std::nullopt;
}

} // namespace

void UploadStore::followJobs(const QList<jobs::JobRecord> &changed, const QStringList &removed)
{
    if (m_closed)
        return;
    for (const jobs::JobRecord &job : changed) {
        if (job.kind == UploadProcessJob::kindName())
            followJob(job);
    }
    // A job deleted in the same batch as its verdict: the upload (if it still
    // waits for that job) is processed again rather than left pending.
    if (removed.isEmpty())
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto waiting = uploaddb::pendingWithJob(db);
    if (!waiting)
        return;
    for (const auto &[uploadId, jobId] : *waiting) {
        if (removed.contains(jobId))
            requeue(uploadId, jobId);
    }
}

// The upload's processing state follows its job, and only its own job.
void UploadStore::followJob(const jobs::JobRecord &job)
{
    const QString id = job.params.value(u"upload"_s).toString();
    const auto state = processingFor(job);
    if (!state)
        return;
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto found = uploaddb::find(db, id);
    if (!found || !*found)
        return; // deleted
    const UploadRecord &r = **found;
    if ((!r.jobId.isEmpty() && r.jobId != job.id) || r.processing == ProcessingState::NotQueued)
        return;
    if (*state == ProcessingState::Pending) {
        if (r.processing == ProcessingState::Pending)
            return;
        // Retried: what the settled attempts found goes, not what a newer one found.
        if (auto set = uploaddb::reopen(db, id, job.id); !set)
            qCWarning(lcUploadStore).noquote() << set.error().message;
        return;
    }
    if (r.processing == *state && r.settledAttempt == job.attempts)
        return;
    std::optional<QJsonObject> outcome; // the findings of this attempt stay
    const bool ownFindings = r.findingsAttempt == job.attempts;
    if (*state == ProcessingState::Failed && !(ownFindings && r.outcome.contains(u"error"_s)))
        outcome = QJsonObject {{u"error"_s,
                                job.state == jobs::JobState::Cancelled
                                    ? u"processing job %1 was cancelled"_s.arg(job.id)
                                    : job.lastError}};
    if (auto set = uploaddb::settle(db, id, job.id, *state, job.attempts, outcome); !set)
        qCWarning(lcUploadStore).noquote() << set.error().message;
}

// At start-up: a verdict recorded just before a crash may not have reached
// the upload. Each upload still pending asks for its job.
void UploadStore::catchUpWithJobs()
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto waiting = uploaddb::pendingWithJob(db);
    if (!waiting) {
        qCWarning(lcUploadStore).noquote() << waiting.error().message;
        return;
    }
    for (const auto &[uploadId, jobId] : *waiting) {
        m_engine->get(jobId, {{}, {}, true}, this,
                      [this, uploadId, jobId](std::optional<jobs::JobRecord> job) {
                          if (m_closed)
                              return;
                          if (job)
                              followJob(*job);
                          else
                              requeue(uploadId, jobId);
                      });
    }
}

void UploadStore::requeue(const QString &uploadId, const QString &jobId)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    const auto cleared = uploaddb::clearJob(db, uploadId, jobId);
    if (!cleared || !*cleared)
        return;
    const auto found = uploaddb::find(db, uploadId);
    if (!found || !*found)
        return;
    emit event(
        u"processing_requeued"_s, uploadId,
        u"processing job %1 is gone before its verdict reached the upload: queued again"_s.arg(
            jobId));
    queueProcessing({**found}, this, [](StoreResult<QList<UploadRecord>>) {});
}

QString UploadStore::filePath(const QString &id) const
{
    return m_paths.uploadsDir % u'/' % id;
}

QString UploadStore::thumbnailPath(const QString &id) const
{
    return m_paths.uploadsDir % u'/' % id % u".thumb.png"_s;
}

StoreError UploadStore::unavailable()
{
    return {StoreError::Kind::Unavailable,
            u"the upload store has shut down: the service is stopping"_s,
            {}};
}

template<typename R>
void UploadStore::post(QObject *replyTo, std::function<R()> work, std::function<void(R)> reply)
{
    QMetaObject::invokeMethod(
        this, [this, replyTo, work = std::move(work), reply = std::move(reply)] {
            R result = m_closed ? R(unavailable()) : work();
            QMetaObject::invokeMethod(replyTo,
                                      [reply, result = std::move(result)] { reply(result); });
        });
}

void UploadStore::store(QList<PendingUpload> uploads, QObject *replyTo,
                        std::function<void(StoreResult<QList<UploadRecord>>)> reply)
{
    QMetaObject::invokeMethod(this, [=, this] {
        if (m_closed) {
            for (const PendingUpload &u : uploads) {
                if (!u.keepSource)
                    QFile::remove(u.tempPath);
            }
            QMetaObject::invokeMethod(replyTo, [reply] { reply(unavailable()); });
            return;
        }
        // A resumable upload stored before a crash cut its bookkeeping short.
        if (uploads.size() == 1 && !uploads.first().id.isEmpty()) {
            QSqlDatabase db = QSqlDatabase::database(m_connection);
            if (auto found = uploaddb::find(db, uploads.first().id); found && *found) {
                QMetaObject::invokeMethod(
                    replyTo, [reply, record = **found] { reply(QList<UploadRecord> {record}); });
                return;
            }
        }
        auto stored = doStore(uploads);
        if (!stored) {
            QMetaObject::invokeMethod(replyTo, [reply, stored] { reply(stored); });
            return;
        }
        queueProcessing(*stored, replyTo, reply);
    });
}

StoreResult<QList<UploadRecord>> UploadStore::doStore(const QList<PendingUpload> &uploads)
{
    QList<UploadRecord> records;
    QStringList placed;
    const auto undo = [&] {
        for (const QString &path : std::as_const(placed))
            QFile::remove(path);
        for (const PendingUpload &u : uploads) {
            if (!u.keepSource)
                QFile::remove(u.tempPath);
        }
    };
    for (const PendingUpload &u : uploads) {
        UploadRecord r;
        r.id = u.id.isEmpty() ? newUploadId() : u.id;
        r.accountId = u.accountId;
        r.account = u.account;
        r.name = u.name;
        r.size = u.size;
        r.sha256 = u.sha256;
        r.mime = u.mime;
        r.createdAt = QDateTime::currentDateTimeUtc();
        const QString target = filePath(r.id);
        const QByteArray from = QFile::encodeName(u.tempPath);
        const QByteArray to = QFile::encodeName(target);
        // A file at the target has no row (checked above): a crash's leftover.
        if (u.keepSource)
            ::unlink(to.constData());
        if ((u.keepSource ? ::link(from.constData(), to.constData())
                          : ::rename(from.constData(), to.constData()))
            != 0) {
            const int error = errno;
            undo();
            const QString why = QString::fromLocal8Bit(std::strerror(error));
            return StoreError {StoreError::Kind::Failed,
                               u"cannot move %1 into the uploads folder: %2"_s.arg(u.name, why),
                               u"cannot rename %1 to %2: %3"_s.arg(u.tempPath, target, why)};
        }
        placed.append(target);
        records.append(r);
    }
    // Both directory entries (gone from tmp/, new in uploads/) must be durable
    // before the rows say the files exist.
    QSet<QString> sources {QDir(m_paths.tempDir).absolutePath()};
    for (const PendingUpload &u : uploads)
        sources.insert(QFileInfo(u.tempPath).absolutePath());
    auto synced = fsyncDirectory(m_paths.uploadsDir);
    for (auto source = sources.cbegin(); synced && source != sources.cend(); ++source)
        synced = fsyncDirectory(*source);
    if (!synced) {
        undo();
        return StoreError {StoreError::Kind::Failed, u"cannot flush the uploads folder"_s,
                           synced.error().message};
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    // Without a transaction each insert would commit on its own, and a
    // failure halfway would leave rows whose files undo() deletes.
    if (!db.transaction()) {
        undo();
        return StoreError {
            StoreError::Kind::Failed, u"uploads database: cannot begin a transaction"_s,
            u"uploads database: cannot begin a transaction: "_s % db.lastError().text()};
    }
    for (const UploadRecord &r : std::as_const(records)) {
        if (auto inserted = uploaddb::insert(db, r); !inserted) {
            db.rollback();
            undo();
            return StoreError {StoreError::Kind::Failed,
                               u"uploads database: cannot record %1"_s.arg(r.name),
                               inserted.error().message};
        }
    }
    if (!db.commit()) {
        const QString why = db.lastError().text();
        db.rollback();
        undo();
        return StoreError {StoreError::Kind::Failed, u"uploads database: cannot commit"_s,
                           u"uploads database: cannot commit: "_s % why};
    }
    for (const UploadRecord &r : std::as_const(records))
        m_storedBytes->add(r.accountId, r.size);
    for (const UploadRecord &r : std::as_const(records))
        emit event(
            u"upload_stored"_s, r.id,
            u"%1 (%2 bytes, %3) for %4"_s.arg(r.name, QString::number(r.size), r.mime, r.account));
    return records;
}

// One job per file, submitted one after the other; each answer comes back to
// this thread, which records the job on its upload.
struct UploadStore::Submission
{
    QList<UploadRecord> records;
    qsizetype next = 0;
    QObject *replyTo = nullptr;
    std::function<void(StoreResult<QList<UploadRecord>>)> reply;
};

void UploadStore::queueProcessing(QList<UploadRecord> records, QObject *replyTo,
                                  std::function<void(StoreResult<QList<UploadRecord>>)> reply)
{
    submitNext(std::make_shared<Submission>(
        Submission {std::move(records), 0, replyTo, std::move(reply)}));
}

void UploadStore::submitNext(const std::shared_ptr<Submission> &s)
{
    // Closed: the files and rows are in place and their jobs are queued at
    // the next start (queueMissingProcessing()), so the upload is stored.
    if (m_closed || s->next == s->records.size()) {
        QMetaObject::invokeMethod(s->replyTo,
                                  [reply = s->reply, records = s->records] { reply(records); });
        return;
    }
    const UploadRecord &r = s->records[s->next];
    m_engine->submit(
        UploadProcessJob::kindName(), QJsonObject {{u"upload"_s, r.id}},
        {r.accountId, r.account, false}, this, [this, s](jobs::SubmitResult result) {
            if (m_closed) {
                submitNext(s); // replies
                return;
            }
            UploadRecord &r = s->records[s->next++];
            QSqlDatabase db = QSqlDatabase::database(m_connection);
            if (result.job) {
                // Only the job: its verdict may have been followed already.
                r.jobId = result.job->id;
                if (auto set = uploaddb::setJob(db, r.id, r.jobId); !set)
                    qCWarning(lcUploadStore).noquote() << set.error().message;
            } else {
                r.processing = ProcessingState::NotQueued;
                r.outcome = QJsonObject {
                    {u"error"_s,
                     QString(u"processing was not queued: "_s
                             % (result.refusal ? result.refusal->message : QString()))}};
                if (auto set = uploaddb::settle(db, r.id, {}, r.processing, 0, r.outcome); !set)
                    qCWarning(lcUploadStore).noquote() << set.error().message;
            }
            submitNext(s);
        });
}

void UploadStore::get(const QString &id, const jobs::Principal &who, QObject *replyTo,
                      std::function<void(StoreResult<std::optional<UploadRecord>>)> reply)
{
    post<StoreResult<std::optional<UploadRecord>>>(
        replyTo, [=, this] { return visible(id, who); }, std::move(reply));
}

StoreResult<std::optional<UploadRecord>> UploadStore::visible(const QString &id,
                                                              const jobs::Principal &who)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    auto found = uploaddb::find(db, id);
    if (!found)
        return StoreError {StoreError::Kind::Failed,
                           u"uploads database: cannot read upload %1"_s.arg(id),
                           found.error().message};
    // Another account's upload answers like an unknown one.
    if (*found && !who.admin && (who.accountId.isEmpty() || (*found)->accountId != who.accountId))
        return std::optional<UploadRecord>();
    return *found;
}

void UploadStore::list(UploadQuery query, const QString &beforeId, const jobs::Principal &who,
                       QObject *replyTo,
                       std::function<void(StoreResult<std::optional<UploadPage>>)> reply)
{
    post<StoreResult<std::optional<UploadPage>>>(
        replyTo, [=, this] { return doList(query, beforeId, who); }, std::move(reply));
}

StoreResult<std::optional<UploadPage>>
UploadStore::doList(UploadQuery query, const QString &beforeId, const jobs::Principal &who)
{
    query.all = who.admin;
    query.ownerId = who.accountId;
    if (!beforeId.isEmpty()) {
        auto below = visible(beforeId, who);
        if (!below)
            return below.error();
        if (!*below)
            return std::optional<UploadPage>();
        query.before = UploadCursor {(*below)->createdAt.toMSecsSinceEpoch(), (*below)->id};
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    auto page = uploaddb::list(db, query);
    if (!page)
        return StoreError {StoreError::Kind::Failed, u"uploads database: cannot list uploads"_s,
                           page.error().message};
    return std::optional<UploadPage>(std::move(*page));
}

void UploadStore::remove(const QString &id, const jobs::Principal &who, QObject *replyTo,
                         std::function<void(StoreResult<bool>)> reply)
{
    post<StoreResult<bool>>(
        replyTo, [=, this] { return doRemove(id, who); }, std::move(reply));
}

StoreResult<bool> UploadStore::doRemove(const QString &id, const jobs::Principal &who)
{
    auto found = visible(id, who);
    if (!found)
        return found.error();
    if (!*found)
        return false;
    const UploadRecord &r = **found;
    QSqlDatabase db = QSqlDatabase::database(m_connection);
    // Row first: a crash after it leaves an orphan file, removed at start-up.
    auto removed = uploaddb::remove(db, id);
    if (!removed)
        return StoreError {StoreError::Kind::Failed,
                           u"uploads database: cannot delete upload %1"_s.arg(id),
                           removed.error().message};
    m_storedBytes->add(r.accountId, -r.size);
    QFile::remove(filePath(id));
    QFile::remove(thumbnailPath(id));
    if (!r.jobId.isEmpty() && r.processing == ProcessingState::Pending)
        m_engine->cancel(r.jobId, who, this, [](jobs::ControlResult) {});
    emit event(u"upload_deleted"_s, id, r.name);
    return true;
}

} // namespace sluice::upload
