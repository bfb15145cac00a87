#pragma once

#include "jobs/jobengine.h"
#include "upload/storedbytes.h"
#include "upload/tempfileregistry.h"
#include "upload/uploadlist.h"
#include "upload/uploadrecord.h"
#include "util/expected.h"

#include <QObject>
#include <QSqlDatabase>
#include <QTimer>

#include <atomic>
#include <functional>

namespace sluice::upload {

// A received, flushed and checked upload file, not stored yet.
struct PendingUpload
{
    // Empty: a new one. Set: a resumable upload's id, kept (/files/{id} is
    // /uploads/{id}); storing it again once stored answers the stored record.
    QString id;
    QString tempPath; // handed over by UploadWriter::takeFile(), or a finished resumable upload's
    // Hard-linked into place rather than renamed, and never deleted here: a
    // resumable upload keeps its bytes until it is recorded as stored, so
    // that a failure or crash in between loses nothing.
    bool keepSource = false;
    TempFileRegistry::Lease tempLease; // keeps the sweeper away until it is stored
    QString accountId; // owns it
    QString account; // the name, for people
    QString name;
    qint64 size = 0;
    QByteArray sha256; // lowercase hex
    QString mime;
};

// Why the store could not do what it was asked. The message goes to the
// client and names what failed, never a server path; the detail (paths,
// system and SQLite errors) is for the server log.
struct StoreError
{
    enum class Kind {
        Failed, // 500
        Unavailable, // the store has shut down (the service is stopping): 503
    };
    Kind kind = Kind::Failed;
    QString message;
    QString detail;
};
template<typename T> using StoreResult = Expected<T, StoreError>;

// The stored uploads: files in `uploadsDir`, rows in an SQLite file. Lives on
// a thread of its own, because storing waits for fsync of a directory and of
// the database: never on the HTTP thread. Entry points are thread-safe; the
// reply runs on the thread of `replyTo`, which must outlive the call.
//
// Crash safety: a file is renamed into place and its directory flushed
// before its row is written, so after a crash a file may lack its row (it is
// deleted at start-up), never a row its file.
class UploadStore final : public QObject
{
    Q_OBJECT
public:
    struct Paths
    {
        QString database;
        QString uploadsDir;
        QString tempDir; // where UploadWriter puts upload-XXXXXX.part files
    };

    UploadStore(Paths paths, jobs::JobEngine *engine, qint64 tempFileTtlMs,
                QObject *parent = nullptr);
    ~UploadStore() override;

    // On the store's thread, once: opens the database, deletes every
    // temporary upload file (no request can own one yet) and stored files
    // without a row, and starts the temp-file sweeper.
    Expected<void> start();
    void setTempFileTtl(qint64 ms);
    // On the store's thread, before the job engine goes: closes the database
    // and ignores whatever is still queued.
    void shutdown();

    // Stores the files (all or none), records them, queues one processing
    // job each, and replies with the records. Every call gets a reply, an
    // Unavailable one once the store has shut down.
    void store(QList<PendingUpload> uploads, QObject *replyTo,
               std::function<void(StoreResult<QList<UploadRecord>>)> reply);
    void get(const QString &id, const jobs::Principal &who, QObject *replyTo,
             std::function<void(StoreResult<std::optional<UploadRecord>>)> reply);
    // The newest uploads `who` may see (`query.all` and `ownerId` are set
    // from `who`). `beforeId`, when set, is an upload to list below; one
    // `who` cannot see answers nullopt.
    void list(UploadQuery query, const QString &beforeId, const jobs::Principal &who,
              QObject *replyTo, std::function<void(StoreResult<std::optional<UploadPage>>)> reply);
    // Deletes the row, the file and its thumbnail; cancels a pending job.
    void remove(const QString &id, const jobs::Principal &who, QObject *replyTo,
                std::function<void(StoreResult<bool>)> reply);

    // The temp files live requests own, which the sweeper skips; any thread.
    std::shared_ptr<TempFileRegistry> liveTempFiles() const { return m_liveTempFiles; }
    // Stored bytes per account, kept up to date from start(); any thread.
    std::shared_ptr<const StoredBytes> storedBytes() const { return m_storedBytes; }

    // Tests: the name of the store's database connection (its thread's).
    QString connectionName() const { return m_connection; }

    // Path computation only; any thread.
    QString filePath(const QString &id) const;
    QString thumbnailPath(const QString &id) const;
    const Paths &paths() const { return m_paths; }

    // On the store's thread: deletes upload-*.part files older than the TTL
    // (all of them when olderThanMs is 0) that no live request owns (see
    // liveTempFiles()). Returns how many.
    int sweepTemp(qint64 olderThanMs);

signals:
    void event(const QString &kind, const QString &uploadId, const QString &detail);

private:
    template<typename R>
    void post(QObject *replyTo, std::function<R()> work, std::function<void(R)> reply);
    StoreResult<QList<UploadRecord>> doStore(const QList<PendingUpload> &uploads);
    struct Submission;
    void queueProcessing(QList<UploadRecord> records, QObject *replyTo,
                         std::function<void(StoreResult<QList<UploadRecord>>)> reply);
    void submitNext(const std::shared_ptr<Submission> &submission);
    StoreResult<std::optional<UploadRecord>> visible(const QString &id, const jobs::Principal &who);
    StoreResult<bool> doRemove(const QString &id, const jobs::Principal &who);
    StoreResult<std::optional<UploadPage>> doList(UploadQuery query, const QString &beforeId,
                                                  const jobs::Principal &who);
    static StoreError unavailable();
    void reconcile();
    void queueMissingProcessing();
    void followJobs(const QList<jobs::JobRecord> &changed, const QStringList &removed);
    void followJob(const jobs::JobRecord &job);
    void catchUpWithJobs();
    void requeue(const QString &uploadId, const QString &jobId);

    const Paths m_paths;
    jobs::JobEngine *m_engine;
    std::atomic<qint64> m_tempTtlMs;
    const std::shared_ptr<TempFileRegistry> m_liveTempFiles = std::make_shared<TempFileRegistry>();
    const std::shared_ptr<StoredBytes> m_storedBytes = std::make_shared<StoredBytes>();
    QString m_connection;
    QTimer m_sweepTimer;
    bool m_closed = false;
};

} // namespace sluice::upload
