// The Uploads tab's side of the embedded Service: the list, deletes, saves
// and thumbnails, through the same UploadStore calls as the routes
// (GET /uploads, DELETE /uploads/{id}, .../content, .../thumbnail), and the
// unfinished resumable uploads through ResumableUploads on the HTTP thread
// (GET /files/, DELETE /files/{id}).
#include "service/service.h"

#include "service/serviceruntime.h"
#include "upload/resumable.h"
#include "upload/uploadstore.h"

#include <QFile>
#include <QImageReader>
#include <QLoggingCategory>
#include <QSaveFile>
#include <QThreadPool>

#include <atomic>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcServiceUploads, "sluice.service.uploads", QtInfoMsg)

namespace sluice::service {

namespace {

// The person at the window: sees and deletes every account's uploads.
const jobs::Principal kOperator {QString(), u"operator"_s, true};

constexpr qint64 CopyBlock = 1024 * 1024;
// A thumbnail is at most 256 px a side (upload::ThumbnailProcess); anything
// larger in its place is not one and is not decoded.
constexpr int MaxThumbnailSide = 1024;
constexpr qint64 MaxThumbnailFileBytes = 8 * 1024 * 1024;

} // namespace

// Copies and reads off the service's thread; stops and waits on destruction.
class UploadFileTasks
{
public:
    UploadFileTasks() { m_pool.setMaxThreadCount(2); }
    ~UploadFileTasks()
    {
        m_stopping = true;
        m_pool.waitForDone();
    }
    Q_DISABLE_COPY_MOVE(UploadFileTasks)

    void start(std::function<void()> task) { m_pool.start(std::move(task)); }
    bool stopping() const { return m_stopping; }

private:
    QThreadPool m_pool;
    std::atomic<bool> m_stopping = false;
};

namespace {

// Copies `from` to `to` through a QSaveFile: nothing at `to` unless all of it
// was written. Returns the error, empty on success.
QString copyStored(const QString &from, const QString &to, const QString &name,
                   const UploadFileTasks &tasks)
{
    QFile source(from);
    if (!source.open(QIODevice::ReadOnly))
        return QObject::tr("cannot read the stored file of %1: %2").arg(name, source.errorString());
    QSaveFile target(to);
    if (!target.open(QIODevice::WriteOnly))
        return QObject::tr("cannot write %1: %2").arg(to, target.errorString());
    QByteArray block;
    while (!source.atEnd()) {
        if (tasks.stopping()) {
            target.cancelWriting();
            return QObject::tr("the service stopped before %1 was saved").arg(name);
        }
        block = source.read(CopyBlock);
        if (block.isEmpty() && source.error() != QFileDevice::NoError)
            return QObject::tr("cannot read the stored file of %1: %2")
                .arg(name, source.errorString());
        if (target.write(block) != block.size())
            return QObject::tr("cannot write %1: %2").arg(to, target.errorString());
    }
    if (!target.commit())
        return QObject::tr("cannot write %1: %2").arg(to, target.errorString());
    return {};
}

} // namespace

namespace {

// A bounded decode: the size is read from the header first.
QImage readThumbnail(const QString &path)
{
    QImageReader reader(path, "png");
    const QSize size = reader.size();
    if (QFile(path).size() > MaxThumbnailFileBytes || !size.isValid()
        || size.width() > MaxThumbnailSide || size.height() > MaxThumbnailSide)
        return {};
    return reader.read();
}

} // namespace

void Service::requestUploads(int limit)
{
    upload::UploadQuery query;
    query.limit = std::clamp(limit, 1, upload::UploadQuery::MaxLimit);
    m_uploadStore->list(query, {}, kOperator, this,
                        [this](upload::StoreResult<std::optional<upload::UploadPage>> page) {
                            if (!page || !*page) {
                                // The list shown stays; the reason is in the log.
                                qCWarning(lcServiceUploads).noquote()
                                    << "upload list:" << (page ? u"?"_s : page.error().message)
                                    << (page ? QString() : page.error().detail);
                                return;
                            }
                            emit uploadsReset((*page)->uploads, (*page)->total);
                        });
}

void Service::removeUploads(const QStringList &ids)
{
    for (const QString &id : ids) {
        if (!upload::isValidUploadId(id)) {
            emit uploadCommandFinished({id, false, tr("no upload %1").arg(id.left(64))});
            continue;
        }
        m_uploadStore->remove(id, kOperator, this, [this, id](upload::StoreResult<bool> removed) {
            if (!removed)
                emit uploadCommandFinished({id, false, removed.error().message});
            else if (!*removed)
                emit uploadCommandFinished({id, false, tr("no upload %1").arg(id)});
            else
                emit uploadCommandFinished({id, true, {}});
        });
    }
}

void Service::saveUpload(const QString &id, const QString &path)
{
    if (!upload::isValidUploadId(id)) {
        emit uploadSaveFinished(id, path, false, tr("no upload %1").arg(id.left(64)));
        return;
    }
    if (!m_uploadFiles)
        m_uploadFiles = std::make_shared<UploadFileTasks>();
    const QString stored = m_uploadStore->filePath(id);
    m_uploadStore->get(
        id, kOperator, this,
        [this, id, path, stored](upload::StoreResult<std::optional<upload::UploadRecord>> found) {
            if (!found || !*found) {
                emit uploadSaveFinished(id, path, false,
                                        found ? tr("no upload %1").arg(id) : found.error().message);
                return;
            }
            const QString name = (*found)->name;
            // The pool waits for its tasks before it goes: `tasks` outlives this one.
            UploadFileTasks *tasks = m_uploadFiles.get();
            tasks->start([this, tasks, id, path, stored, name] {
                const QString error = copyStored(stored, path, name, *tasks);
                QMetaObject::invokeMethod(
                    this,
                    [this, id, path, error] {
                        emit uploadSaveFinished(id, path, error.isEmpty(), error);
                    },
                    Qt::QueuedConnection);
            });
        });
}

void Service::requestUploadThumbnail(const QString &id)
{
    if (!upload::isValidUploadId(id)) {
        emit uploadThumbnailReady(id, {});
        return;
    }
    if (!m_uploadFiles)
        m_uploadFiles = std::make_shared<UploadFileTasks>();
    const QString thumbnail = m_uploadStore->thumbnailPath(id);
    m_uploadStore->get(
        id, kOperator, this,
        [this, id, thumbnail](upload::StoreResult<std::optional<upload::UploadRecord>> found) {
            // As GET /uploads/{id}/thumbnail: only once processing is done.
            if (!found || !*found || (*found)->processing != upload::ProcessingState::Done
                || !(*found)->outcome.contains(u"thumbnail"_s)) {
                emit uploadThumbnailReady(id, {});
                return;
            }
            m_uploadFiles->start([this, id, thumbnail] {
                const QImage image = readThumbnail(thumbnail);
                QMetaObject::invokeMethod(
                    this, [this, id, image] { emit uploadThumbnailReady(id, image); },
                    Qt::QueuedConnection);
            });
        });
}

QString Service::localUploadPath(const QString &id) const
{
    return upload::isValidUploadId(id) ? m_uploadStore->filePath(id) : QString();
}

// The registry lives on the HTTP thread and is touched only there: the
// request hops there and the answer hops back, both queued.
void Service::requestResumableUploads()
{
    QMetaObject::invokeMethod(m_runtime, [this, runtime = m_runtime] {
        const QList<upload::ResumableInfo> uploads = runtime->resumable()
            ? runtime->resumable()->unfinished()
            : QList<upload::ResumableInfo>();
        QMetaObject::invokeMethod(
            this, [this, uploads] { emit resumableUploadsReset(uploads); }, Qt::QueuedConnection);
    });
}

void Service::removeResumableUploads(const QStringList &ids)
{
    for (const QString &id : ids) {
        // The wording of DELETE /files/{id}'s 404.
        const QString missing = tr("no resumable upload %1").arg(id.left(64));
        if (!upload::isValidUploadId(id)) {
            emit uploadCommandFinished({id, false, missing});
            continue;
        }
        QMetaObject::invokeMethod(m_runtime, [this, runtime = m_runtime, id, missing] {
            const auto answer = [this, id, missing](bool removed) {
                QMetaObject::invokeMethod(
                    this,
                    [this, id, missing, removed] {
                        emit uploadCommandFinished({id, removed, removed ? QString() : missing});
                    },
                    Qt::QueuedConnection);
            };
            if (upload::ResumableUploads *resumable = runtime->resumable())
                resumable->removeUnfinished(id, answer);
            else
                answer(false);
        });
    }
}

} // namespace sluice::service
