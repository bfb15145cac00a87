#pragma once

#include "config/limits.h"
#include "http/bodysink.h"
#include "http/httptypes.h"
#include "upload/contentpolicy.h"
#include "upload/resumableinfo.h"
#include "upload/tusprotocol.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace sluice::http {
class Exchange;
}

namespace sluice::upload {

class UploadGate;
class UploadStore;
class UploadTicket;
class UploadWriter;
class Sha256;
class ResumablePatchSink;

// What PATCH /files/{id} asks for, parsed.
struct ResumablePatch
{
    qint64 offset = 0;
    std::optional<qint64> length; // Upload-Length on a deferred upload
    std::optional<tus::Checksum> checksum;
    bool checksumInTrailer = false; // Trailer: Upload-Checksum (checksum-trailer)
};

// What POST /files/ asks for, parsed.
struct ResumableCreation
{
    std::optional<qint64> length;
    QByteArray metadata;
    QString name;
    QString declaredType;
    tus::Concat concat;
    // creation-with-upload: the body is the first chunk
    bool withUpload = false;
    ResumablePatch firstChunk;
};

// The unfinished resumable uploads (tus 1.0, docs/decisions/0032), on the
// HTTP thread. One writer per upload at a time: a request for an upload that
// is busy waits until it settles, and a PATCH that arrives while another one
// feeds the upload takes over (the earlier one ends, its bytes so far kept
// unless a checksum was promised for them). Acknowledged offsets survive a
// crash: the bytes are flushed and the offset written durably before a 204.
// Unfinished uploads hold their bytes in the upload gate (parked tickets).
class ResumableUploads final : public QObject
{
    Q_OBJECT
public:
    struct Context
    {
        UploadGate *gate = nullptr; // on this thread
        UploadStore *store = nullptr; // on its own thread
        QString dir; // on the uploads folder's file system
        std::function<config::Limits()> limits;
        std::function<ContentPolicy()> policy;
    };

    explicit ResumableUploads(Context context, QObject *parent = nullptr);
    ~ResumableUploads() override;

    // At start-up, on this thread: reads what an earlier run left, cuts every
    // file back to its acknowledged offset, deletes files without a record.
    void load();

    void create(http::Exchange &ex, ResumableCreation creation);
    void head(http::Exchange &ex, const QString &id);
    void patch(http::Exchange &ex, const QString &id, ResumablePatch patch);
    void terminate(http::Exchange &ex, const QString &id);

    // GET /files/: the caller's unfinished uploads (an admin's: all), the
    // longest-idle first.
    void list(http::Exchange &ex) const;
    // The window's list: unfinished uploads, any account, the same order.
    QList<ResumableInfo> unfinished() const;
    // The window's Delete: as DELETE /files/{id} by an admin; `done` gets
    // false for an unknown id. `done` runs on this thread.
    void removeUnfinished(const QString &id, std::function<void(bool removed)> done);
    int count() const { return int(m_entries.size()); }

    // Every response of the protocol carries these.
    static void addProtocolHeaders(http::Response &response);
    static http::Response errorResponse(const http::HttpError &error);

private:
    friend class ResumablePatchSink;
    struct Entry;
    struct Link;
    using EntryPtr = std::shared_ptr<Entry>;

    EntryPtr lookup(http::Exchange &ex, const QString &id);
    void whenSettled(const EntryPtr &e, http::Exchange &ex, std::function<void()> then);
    void settle(const EntryPtr &e);
    void supersede(const EntryPtr &e);
    void startPatch(http::Exchange &ex, const EntryPtr &e, ResumablePatch patch, bool creation);

    // From the PATCH's sink.
    void patchWrite(const EntryPtr &e, quint64 token, const QByteArray &piece);
    bool patchFull(const EntryPtr &e, quint64 token) const;
    void patchEnd(const EntryPtr &e, quint64 token, bool complete);
    void patchTrailers(const EntryPtr &e, quint64 token, const http::Headers &trailers);

    void onWritten(const EntryPtr &e, quint64 token, qint64 bytes);
    void verified(const EntryPtr &e, quint64 token, qint64 bytes, const QByteArray &digest);
    void accept(const EntryPtr &e, quint64 token, qint64 bytes);
    void dropWriter(const EntryPtr &e);
    void onWriteFailed(const EntryPtr &e, quint64 token, const QString &error, bool diskFull);
    void endPatch(const EntryPtr &e, std::optional<http::Response> answer);
    void complete(const EntryPtr &e);
    void composeFinal(const EntryPtr &e, QList<EntryPtr> parts);
    void storeFinished(const EntryPtr &e, QByteArray sha256, QByteArray head);
    void save(const EntryPtr &e, std::function<void(bool saved, QString error)> then);
    void save(const EntryPtr &e, const ResumableInfo &info,
              std::function<void(bool saved, QString error)> then);
    void remove(const EntryPtr &e, std::function<void()> then = {});
    void sweep();
    void resumeInterrupted();

    http::Response offsetResponse(const Entry &e, int status) const;
    QString binPath(const QString &id) const;
    QString infoPath(const QString &id) const;
    QDateTime newExpiry() const;

    template<typename Result>
    void offThread(std::function<Result()> work, std::function<void(Result)> then);

    Context m_context;
    std::shared_ptr<Link> m_link;
    QHash<QString, EntryPtr> m_entries;
    QTimer m_sweepTimer;
};

// The body of a PATCH (or of a POST with creation-with-upload): the bytes
// go to the upload's writer, which the registry owns, so that a client that
// leaves mid-chunk still has its bytes so far flushed and acknowledged.
class ResumablePatchSink final : public http::BodySink
{
    Q_OBJECT
public:
    ResumablePatchSink(ResumableUploads *uploads, std::shared_ptr<ResumableUploads::Entry> entry,
                       quint64 token);

    void write(const QByteArray &piece) override;
    bool isFull() const override;
    void finish() override;
    void abort(const QString &reason) override;
    void trailers(const http::Headers &trailers) override;

private:
    QPointer<ResumableUploads> m_uploads;
    std::shared_ptr<ResumableUploads::Entry> m_entry;
    quint64 m_token;
};

} // namespace sluice::upload
