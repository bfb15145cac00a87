#include "upload/resumable.h"

#include "http/exchange.h"
#include "http/responsehead.h"
#include "upload/chunkdigest.h"
#include "upload/filenames.h"
#include "upload/sha256.h"
#include "upload/uploadgate.h"
#include "upload/uploadrecord.h"
#include "upload/uploadsinks.h"
#include "upload/uploadstore.h"
#include "upload/uploadwriter.h"
#include "util/durablefile.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QStringBuilder>
#include <QThreadPool>
#include <QTimeZone>

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcResumable, "sluice.upload.resumable", QtInfoMsg)

namespace sluice::upload {

using http::Exchange;
using http::HttpError;
using http::Response;

namespace {

constexpr qint64 CopyBlock = 1024 * 1024;
// How long a PATCH in flight may go on after a newer request for its upload
// came (supersede()).
constexpr int SupersedeGraceMs = 250;
constexpr qint64 ChunkWriteBehindBytes = 1024 * 1024;
constexpr qint64 SniffBytes = 4096;

bool isDiskFull(const QString &error)
{
    // util/outputfile.h's describe() names the errno; qt_error_string() as a fallback
    return error.contains(u"ENOSPC"_s) || error.contains(u"EDQUOT"_s)
        || error.contains(qt_error_string(ENOSPC)) || error.contains(qt_error_string(EDQUOT));
}

// Every byte arrived, not stored yet (a partial upload is never stored).
bool isWhole(const ResumableInfo &info)
{
    return !info.complete && info.length && info.offset == *info.length;
}

// The first bytes (for sniffing) and, unless the writers' running hash
// covered the file, its SHA-256; empty digest on a read error.
struct FileFacts
{
    QByteArray head;
    QByteArray sha256;
    QString error;
};

FileFacts readFacts(const QString &path, bool hash)
{
    FileFacts facts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        facts.error = file.errorString();
        return facts;
    }
    facts.head = file.read(SniffBytes);
    if (!hash)
        return facts;
    file.seek(0);
    Sha256 sha;
    while (!file.atEnd()) {
        const QByteArray block = file.read(CopyBlock);
        if (block.isEmpty() && file.error() != QFileDevice::NoError) {
            facts.error = file.errorString();
            return facts;
        }
        sha.update(block);
    }
    facts.sha256 = sha.finish();
    return facts;
}

// Appends each part to `target` (created new), hashing on the way, flushed.
FileFacts concatenate(const QString &target, const QStringList &parts)
{
    FileFacts facts;
    QFile out(target);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        facts.error = out.errorString();
        return facts;
    }
    Sha256 sha;
    for (const QString &part : parts) {
        QFile in(part);
        if (!in.open(QIODevice::ReadOnly)) {
            facts.error = in.errorString();
            return facts;
        }
        while (!in.atEnd()) {
            const QByteArray block = in.read(CopyBlock);
            if ((block.isEmpty() && in.error() != QFileDevice::NoError)
                || out.write(block) != block.size()) {
                facts.error
                    = in.error() != QFileDevice::NoError ? in.errorString() : out.errorString();
                return facts;
            }
            if (facts.head.size() < SniffBytes)
                facts.head.append(
                    block.first(std::min(block.size(), SniffBytes - facts.head.size())));
            sha.update(block);
        }
    }
    if (!out.flush() || ::fdatasync(out.handle()) != 0) {
        facts.error = out.errorString();
        return facts;
    }
    facts.sha256 = sha.finish();
    return facts;
}

} // namespace

// What file work on the pool holds of the registry: null once it is gone.
// A QPointer could not tell a pool thread that it is being destroyed now.
struct ResumableUploads::Link
{
    QMutex mutex;
    ResumableUploads *target = nullptr; // guarded by mutex
};

// Runs `work` on the upload I/O pool, then `then` with its result on the
// registry's thread, unless the registry is gone by then.
template<typename Result>
void ResumableUploads::offThread(std::function<Result()> work, std::function<void(Result)> then)
{
    UploadWriter::sharedPool()->start(
        [link = m_link, work = std::move(work), then = std::move(then)] {
            Result result = work();
            QMutexLocker lock(&link->mutex);
            if (link->target)
                QMetaObject::invokeMethod(link->target, [link, then, result = std::move(result)] {
                    if (link->target) // the registry's own thread: it cannot go meanwhile
                        then(result);
                });
        });
}

// One upload's live state; shared with the callbacks of its file work, which
// check `removed` on their return.
struct ResumableUploads::Entry
{
    ResumableInfo info;
    std::unique_ptr<UploadTicket> parked; // its bytes in the gate
    // The SHA-256 of the file's first hashedUpTo bytes, kept across PATCHes
    // (lost on a restart: the whole file is read once more at the end).
    std::shared_ptr<Sha256> hash = std::make_shared<Sha256>();
    qint64 hashedUpTo = 0;

    // Work in progress: a PATCH (writer), a save, a completion. Requests for
    // the upload wait until it is over.
    bool busy = false;
    struct Waiter
    {
        QPointer<Exchange> exchange;
        std::function<void()> run;
        std::function<void()> gone; // instead of a 404 when the upload goes first
    };
    QList<Waiter> waiters;
    bool removed = false;

    // The PATCH in flight.
    quint64 token = 0;
    std::unique_ptr<UploadWriter> writer;
    std::unique_ptr<UploadTicket> slot;
    QPointer<Exchange> exchange;
    QPointer<ResumablePatchSink> sink;
    std::optional<tus::Checksum> checksum;
    QByteArray writerAlgorithm; // the chunk digest the writer computes
    bool checksumInTrailer = false; // Trailer: Upload-Checksum
    QString trailerError;
    bool discard = false; // ended early with a checksum promised: its bytes go
    int storeFailures = 0; // whole, but the store refused it (the sweep retries)
    bool superseding = false; // a newer request waits for this PATCH to end
    qint64 received = 0;
    qint64 maxUploadBytes = 0; // the limit when the PATCH began (not read per piece)
    bool bodyEnded = false;
    bool creation = false; // POST with creation-with-upload: 201 and Location
};

ResumableUploads::ResumableUploads(Context context, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_link(std::make_shared<Link>())
    , m_sweepTimer(this)
{
    m_link->target = this;
    connect(&m_sweepTimer, &QTimer::timeout, this, &ResumableUploads::sweep);
}

ResumableUploads::~ResumableUploads()
{
    {
        QMutexLocker lock(&m_link->mutex);
        m_link->target = nullptr;
    }
    // Writers stop and keep what they flushed; the next run cuts each file
    // back to its acknowledged offset.
    for (const EntryPtr &e : std::as_const(m_entries)) {
        e->removed = true;
        if (e->writer)
            e->writer->abort();
        e->writer.reset(); // its connections hold the entry
    }
}

QString ResumableUploads::binPath(const QString &id) const
{
    return m_context.dir % u'/' % id % u".bin"_s;
}

QString ResumableUploads::infoPath(const QString &id) const
{
    return m_context.dir % u'/' % id % u".json"_s;
}

QDateTime ResumableUploads::newExpiry() const
{
    return QDateTime::currentDateTimeUtc().addMSecs(m_context.limits().resumableUploadTtlMs);
}

void ResumableUploads::addProtocolHeaders(Response &response)
{
    response.headers.set("Tus-Resumable", "1.0.0");
}

Response ResumableUploads::errorResponse(const HttpError &error)
{
    Response response = Response::error(error);
    addProtocolHeaders(response);
    if (error.retryAfterS > 0)
        response.headers.set("Retry-After", QByteArray::number(error.retryAfterS));
    return response;
}

Response ResumableUploads::offsetResponse(const Entry &e, int status) const
{
    Response response = Response::text(status, {});
    addProtocolHeaders(response);
    response.headers.set("Upload-Offset", QByteArray::number(e.info.offset));
    if (!e.info.complete)
        response.headers.set("Upload-Expires", http::formatHttpDate(e.info.expires));
    if (e.creation || status == 201)
        response.headers.set("Location", "/files/" + e.info.id.toLatin1());
    return response;
}

void ResumableUploads::load()
{
    if (auto made = createPrivateDirectories(m_context.dir); !made) {
        qCWarning(lcResumable).noquote() << made.error().message;
        return;
    }
    QDir dir(m_context.dir);
    int dropped = 0;
    for (const QFileInfo &file : dir.entryInfoList({u"*.json"_s}, QDir::Files)) {
        QFile in(file.absoluteFilePath());
        std::optional<ResumableInfo> info;
        if (in.open(QIODevice::ReadOnly))
            info = ResumableInfo::fromJson(QJsonDocument::fromJson(in.readAll()).object());
        const bool stored
            = info && info->complete && info->concat != ResumableInfo::Concat::Partial;
        const QString bin = binPath(info ? info->id : QString());
        // A final upload not yet whole is rebuilt from its parts (below).
        const bool composing
            = info && info->concat == ResumableInfo::Concat::Final && !stored && !isWhole(*info);
        if (!info || info->id != file.completeBaseName()
            || (!stored && !composing && QFileInfo(bin).size() < info->offset)) {
            QFile::remove(file.absoluteFilePath());
            ++dropped;
            continue;
        }
        if (!stored && !composing
            && ::truncate(QFile::encodeName(bin).constData(), info->offset) != 0)
            // Bytes past the acknowledged offset were never acknowledged: a
            // chunk whose checksum was not checked yet, or a flush cut short.
            qCWarning(lcResumable).noquote() << "cannot cut" << bin << "back to" << info->offset
                                             << "-" << qt_error_string(errno);
        auto e = std::make_shared<Entry>();
        e->info = *info;
        if (info->concat == ResumableInfo::Concat::Partial && isWhole(*info))
            e->info.complete = true; // its record was cut short by a crash
        // What it holds of the disk: a composing final upload's bytes are
        // still its parts'.
        if (!stored)
            e->parked = m_context.gate->repark(info->accountId,
                                               composing ? 0 : info->length.value_or(info->offset),
                                               composing ? 0 : info->offset, info->account);
        m_entries.insert(info->id, e);
    }
    // Files without a record, a stored upload's leftover name (uploads/ has
    // its link), and writeFileDurably()'s temporary files (.ID.json.tmp-XXXXXX).
    for (const QFileInfo &file :
         dir.entryInfoList(QDir::Files | QDir::Hidden | QDir::NoDotAndDotDot)) {
        const EntryPtr e = m_entries.value(file.completeBaseName());
        const bool keep = e
            && (file.suffix() == u"json"_s
                || (file.suffix() == u"bin"_s
                    && !(e->info.complete && e->info.concat != ResumableInfo::Concat::Partial)));
        if (!keep) {
            QFile::remove(file.absoluteFilePath());
            ++dropped;
        }
    }
    if (dropped > 0)
        qCInfo(lcResumable) << dropped << "resumable upload files without a record removed";
    resumeInterrupted();
    const qint64 ttl = m_context.limits().resumableUploadTtlMs;
    m_sweepTimer.start(std::chrono::milliseconds(std::clamp<qint64>(ttl / 10, 500, 60'000)));
}

// What a crash interrupted: whole uploads not stored yet are stored, final
// uploads are composed again from their parts (dropped when one is gone).
void ResumableUploads::resumeInterrupted()
{
    const QList<EntryPtr> entries = m_entries.values();
    for (const EntryPtr &e : entries) {
        if (e->removed || e->busy)
            continue;
        if (isWhole(e->info) && e->info.concat != ResumableInfo::Concat::Partial) {
            // A final upload recorded whole has spent its parts (a crash may
            // have come before they went).
            for (const QString &id : std::as_const(e->info.parts)) {
                if (const EntryPtr part = m_entries.value(id); part && !part->busy)
                    remove(part);
            }
            e->busy = true;
            complete(e);
            continue;
        }
        if (e->info.concat != ResumableInfo::Concat::Final || e->info.complete)
            continue;
        QList<EntryPtr> parts;
        for (const QString &id : std::as_const(e->info.parts)) {
            const EntryPtr part = m_entries.value(id);
            if (part && !part->busy && part->info.concat == ResumableInfo::Concat::Partial
                && part->info.complete)
                parts.append(part);
        }
        if (parts.size() != e->info.parts.size()) {
            remove(e);
            continue;
        }
        e->busy = true;
        for (const EntryPtr &part : std::as_const(parts))
            part->busy = true;
        composeFinal(e, parts);
    }
}

QList<ResumableInfo> ResumableUploads::unfinished() const
{
    QList<ResumableInfo> list;
    for (const EntryPtr &e : m_entries) {
        // A finished partial upload still holds its bytes for a final one.
        if (!e->info.complete || e->info.concat == ResumableInfo::Concat::Partial)
            list.append(e->info);
    }
    std::sort(list.begin(), list.end(), [](const ResumableInfo &a, const ResumableInfo &b) {
        return a.expires != b.expires ? a.expires < b.expires : a.id < b.id;
    });
    return list;
}

void ResumableUploads::list(Exchange &ex) const
{
    const http::Request &r = ex.request();
    QJsonArray uploads;
    for (const ResumableInfo &info : unfinished()) {
        if (!r.admin && info.accountId != r.accountId)
            continue;
        uploads.append(info.toApiJson());
    }
    Response response = Response::json(200, QJsonObject {{u"uploads"_s, uploads}});
    addProtocolHeaders(response);
    ex.respond(std::move(response));
}

void ResumableUploads::removeUnfinished(const QString &id, std::function<void(bool)> done)
{
    const EntryPtr e = m_entries.value(id);
    if (!e || (e->info.complete && e->info.concat != ResumableInfo::Concat::Partial)) {
        done(false);
        return;
    }
    supersede(e);
    e->waiters.append({nullptr, [this, e, done] { remove(e, [done] { done(true); }); },
                       [done] {
                           done(true);
                       }}); // removed meanwhile: gone all the same
    if (!e->busy)
        settle(e);
}

// The entry the caller may see, or nullptr once answered (404, or 410 for
// one that expired and is not swept yet).
ResumableUploads::EntryPtr ResumableUploads::lookup(Exchange &ex, const QString &id)
{
    const EntryPtr e = m_entries.value(id);
    const http::Request &r = ex.request();
    if (!e || (!r.admin && e->info.accountId != r.accountId)) {
        ex.respond(errorResponse({404, u"no resumable upload %1"_s.arg(id.left(64))}));
        return nullptr;
    }
    if (e->info.expires < QDateTime::currentDateTimeUtc() && !e->busy) {
        ex.respond(
            errorResponse({410,
                           u"resumable upload %1 expired at %2 (resumable_upload_ttl_ms)"_s.arg(
                               id, e->info.expires.toString(Qt::ISODate))}));
        return nullptr;
    }
    return e;
}

void ResumableUploads::whenSettled(const EntryPtr &e, Exchange &ex, std::function<void()> then)
{
    if (!e->busy) {
        then();
        return;
    }
    e->waiters.append({&ex, std::move(then), {}});
}

void ResumableUploads::settle(const EntryPtr &e)
{
    e->busy = false;
    // One at a time: each may make the upload busy again, and the rest wait
    // on. A PATCH that starts with requests queued behind it is ended at
    // once: they are newer.
    while (!e->busy && !e->waiters.isEmpty()) {
        e->waiters.takeFirst().run();
        if (e->busy && !e->waiters.isEmpty())
            supersede(e);
    }
}

// A newer request wants the upload: the PATCH in flight ends, what it wrote
// so far flushed and kept (discarded when it promised a checksum). Not at
// once: a client that cut its connection and asks again at once (HEAD)
// would otherwise lose what is still unread in the socket's buffer before
// the end of its stream; within the grace the cut PATCH ends by itself.
void ResumableUploads::supersede(const EntryPtr &e)
{
    if (!e->writer || e->bodyEnded || e->superseding)
        return;
    e->superseding = true;
    QTimer::singleShot(SupersedeGraceMs, this, [this, e, token = e->token] {
        if (e->token != token || !e->writer || e->bodyEnded)
            return;
        if (e->exchange)
            e->exchange->respond(errorResponse(
                {409,
                 u"this PATCH of %1 was superseded by a newer request for the upload"_s.arg(
                     e->info.id)}));
        // The connection ends the body (patchEnd) as it answers; if it had
        // already, nothing more is needed.
        patchEnd(e, token, false);
    });
}

void ResumableUploads::create(Exchange &ex, ResumableCreation creation)
{
    const http::Request &r = ex.request();
    const config::Limits limits = m_context.limits();
    auto e = std::make_shared<Entry>();
    ResumableInfo &info = e->info;
    info.id = newUploadId();
    info.accountId = r.accountId;
    info.account = r.account;
    info.metadata = creation.metadata;
    info.name = creation.name.isEmpty() ? info.id : creation.name;
    info.declaredType = creation.declaredType;
    info.expires = newExpiry();
    info.length = creation.length;

    QList<EntryPtr> parts;
    if (creation.concat.kind == tus::Concat::Final) {
        info.concat = ResumableInfo::Concat::Final;
        qint64 total = 0;
        for (const QString &partId : std::as_const(creation.concat.urls)) {
            const EntryPtr part = m_entries.value(partId);
            if (!part || part->removed || (!r.admin && part->info.accountId != r.accountId)) {
                ex.respond(errorResponse(
                    {400, u"Upload-Concat names %1, which is no upload of yours"_s.arg(partId)}));
                return;
            }
            if (part->info.concat != ResumableInfo::Concat::Partial || !part->info.complete
                || part->busy) {
                ex.respond(errorResponse(
                    {400,
                     u"Upload-Concat names %1, which is not a finished partial upload"_s.arg(
                         partId)}));
                return;
            }
            total += part->info.offset;
            parts.append(part);
            info.parts.append(partId);
        }
        info.length = total;
        if (total > limits.maxUploadBytes) {
            ex.respond(errorResponse(HttpError::limitExceeded(
                413,
                u"the partial uploads hold %1 bytes together, more than max_upload_bytes"_s.arg(
                    total),
                u"max_upload_bytes"_s, limits.maxUploadBytes)));
            return;
        }
    } else if (creation.concat.kind == tus::Concat::Partial) {
        info.concat = ResumableInfo::Concat::Partial;
    }

    // A final upload's bytes are its parts', already reserved.
    auto admitted = m_context.gate->park(
        r.accountId, info.concat == ResumableInfo::Concat::Final ? 0 : info.length.value_or(0),
        r.account);
    if (auto *error = std::get_if<HttpError>(&admitted)) {
        ex.respond(errorResponse(*error));
        return;
    }
    e->parked = std::move(std::get<std::unique_ptr<UploadTicket>>(admitted));

    // The file first (cheap, and a crash leaves it without a record, which
    // load() deletes), then the record, durably, before any byte is taken.
    const QByteArray bin = QFile::encodeName(binPath(info.id));
    const int fd
        = ::open(bin.constData(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
    if (fd < 0) {
        logServerFault(ex, u"cannot create a resumable upload"_s,
                       binPath(info.id) % u": "_s % qt_error_string(errno));
        ex.respond(errorResponse({507, u"cannot create a file for the upload"_s}));
        return;
    }
    ::close(fd);
    m_entries.insert(info.id, e);
    e->busy = true;
    e->creation = true;
    // Taken now: no DELETE, expiry or second final upload gets them meanwhile.
    for (const EntryPtr &part : parts)
        part->busy = true;
    QPointer<Exchange> p(&ex);
    save(e, [this, e, p, parts, creation](bool saved, const QString &error) {
        if (!saved || !p) { // failed, or nobody will ever know its id
            if (p) {
                logServerFault(*p, u"cannot record a resumable upload"_s, error);
                p->respond(errorResponse({500, u"cannot record the upload"_s}));
            }
            remove(e);
            for (const EntryPtr &part : parts)
                settle(part);
            return;
        }
        if (!parts.isEmpty()) {
            e->exchange = p;
            composeFinal(e, parts);
            return;
        }
        if (creation.withUpload) {
            e->busy = false; // startPatch takes it again
            startPatch(*p, e, creation.firstChunk, true);
            if (!e->busy) // refused before a byte was read
                settle(e);
            return;
        }
        p->respond(offsetResponse(*e, 201));
        e->creation = false;
        settle(e);
    });
}

void ResumableUploads::head(Exchange &ex, const QString &id)
{
    const EntryPtr e = lookup(ex, id);
    if (!e)
        return;
    supersede(e); // a client that asks for the offset has given up on its PATCH
    QPointer<Exchange> p(&ex);
    whenSettled(e, ex, [this, p, e] {
        if (!p)
            return;
        Response response = offsetResponse(*e, 200);
        response.headers.set("Cache-Control", "no-store");
        if (e->info.length)
            response.headers.set("Upload-Length", QByteArray::number(*e->info.length));
        else
            response.headers.set("Upload-Defer-Length", "1");
        if (!e->info.metadata.isEmpty())
            response.headers.set("Upload-Metadata", e->info.metadata);
        if (e->info.concat == ResumableInfo::Concat::Partial)
            response.headers.set("Upload-Concat", "partial");
        else if (e->info.concat == ResumableInfo::Concat::Final) {
            QByteArray value = "final;";
            for (const QString &part : std::as_const(e->info.parts))
                value += (value.endsWith(';') ? QByteArray() : QByteArray(" ")) + "/files/"
                    + part.toLatin1();
            response.headers.set("Upload-Concat", value);
        }
        p->respond(std::move(response));
    });
}

void ResumableUploads::patch(Exchange &ex, const QString &id, ResumablePatch patch)
{
    const EntryPtr e = lookup(ex, id);
    if (!e)
        return;
    if (e->info.concat == ResumableInfo::Concat::Final) {
        ex.respond(errorResponse(
            {403, u"%1 is a final upload (concatenation): it takes no PATCH"_s.arg(id)}));
        return;
    }
    supersede(e);
    QPointer<Exchange> p(&ex);
    whenSettled(e, ex, [this, p, e, patch] {
        if (p)
            startPatch(*p, e, patch, false);
    });
}

void ResumableUploads::startPatch(Exchange &ex, const EntryPtr &e, ResumablePatch patch,
                                  bool creation)
{
    const http::Request &r = ex.request();
    const config::Limits limits = m_context.limits();
    ResumableInfo &info = e->info;
    if (e->removed) {
        ex.respond(errorResponse({404, u"no resumable upload %1"_s.arg(info.id)}));
        return;
    }
    if (patch.offset != info.offset) {
        ex.respond(
            errorResponse({409,
                           u"Upload-Offset is %1, but upload %2 has %3 bytes (ask HEAD /files/%2)"_s
                               .arg(patch.offset)
                               .arg(info.id)
                               .arg(info.offset)}));
        return;
    }
    if (patch.length) {
        if (info.length && *info.length != *patch.length) {
            ex.respond(
                errorResponse({400,
                               u"Upload-Length %1 differs from the upload's %2"_s.arg(*patch.length)
                                   .arg(*info.length)}));
            return;
        }
        if (*patch.length < info.offset) {
            ex.respond(errorResponse(
                {400,
                 u"Upload-Length %1 is less than the %2 bytes received"_s.arg(*patch.length)
                     .arg(info.offset)}));
            return;
        }
        if (*patch.length > limits.maxUploadBytes) {
            ex.respond(errorResponse(HttpError::limitExceeded(
                413, u"Upload-Length %1 is more than max_upload_bytes"_s.arg(*patch.length),
                u"max_upload_bytes"_s, limits.maxUploadBytes)));
            return;
        }
        if (auto refused = e->parked->growTo(*patch.length)) {
            ex.respond(errorResponse(*refused));
            return;
        }
        info.length = patch.length;
    }
    const qint64 body = qint64(r.contentLength.value_or(0));
    if (info.length && info.offset + body > *info.length) {
        ex.respond(errorResponse(
            {413,
             u"%1 more bytes would take upload %2 past its Upload-Length %3"_s.arg(body)
                 .arg(info.id)
                 .arg(*info.length)}));
        return;
    }
    if (!info.length && info.offset + body > limits.maxUploadBytes) {
        ex.respond(errorResponse(HttpError::limitExceeded(
            413,
            u"%1 more bytes would take upload %2 past max_upload_bytes"_s.arg(body).arg(info.id),
            u"max_upload_bytes"_s, limits.maxUploadBytes)));
        return;
    }
    if (info.complete) { // nothing to add (an empty PATCH at the end)
        ex.respond(offsetResponse(*e, creation ? 201 : 204));
        return;
    }
    auto admitted = m_context.gate->admit(r.accountId, 0, r.account);
    if (auto *error = std::get_if<HttpError>(&admitted)) {
        HttpError refused = *error;
        if (refused.status == 429 || refused.status == 503)
            refused.retryAfterS = 5;
        ex.respond(errorResponse(refused));
        return;
    }

    UploadWriterOptions options;
    options.highWaterBytes = limits.uploadBufferBytes;
    options.lowWaterBytes = limits.uploadBufferBytes / 4;
    options.sniffBytes = 0;
    // Each PATCH ends with an fdatasync the client waits for, idle: small
    // write-behind windows keep the disk busy during the chunk, so that the
    // flush at its end finds a few MiB left rather than the whole chunk.
    options.writeBehindBytes = ChunkWriteBehindBytes;
    options.computeSha256 = e->hashedUpTo == info.offset;
    if (options.computeSha256)
        options.sha256Seed = e->hash;
    // A trailer's algorithm comes after the bytes; sha1 is the one tus
    // requires, so the likeliest (any other is read back from the file).
    options.chunkDigestAlgorithm = patch.checksum ? patch.checksum->algorithm
        : patch.checksumInTrailer                 ? QByteArray("sha1")
                                                  : QByteArray();
    auto writer = std::make_unique<UploadWriter>(m_context.dir, options);
    if (auto opened = writer->openForAppend(binPath(info.id), info.offset); !opened) {
        logServerFault(ex, u"cannot open a resumable upload"_s, opened.error().message);
        ex.respond(errorResponse({500, u"cannot open the file of upload %1"_s.arg(info.id)}));
        return;
    }
    e->busy = true;
    e->slot = std::move(std::get<std::unique_ptr<UploadTicket>>(admitted));
    e->writer = std::move(writer);
    e->exchange = &ex;
    e->checksum = patch.checksum;
    e->writerAlgorithm = options.chunkDigestAlgorithm;
    e->checksumInTrailer = patch.checksumInTrailer;
    e->trailerError.clear();
    e->discard = false;
    e->superseding = false;
    e->received = 0;
    e->maxUploadBytes = limits.maxUploadBytes;
    e->bodyEnded = false;
    e->creation = creation;
    const quint64 token = ++e->token;
    connect(e->writer.get(), &UploadWriter::drained, this, [e, token] {
        if (e->token == token && e->sink)
            emit e->sink->drained();
    });
    connect(e->writer.get(), &UploadWriter::finished, this,
            [this, e, token](qint64 bytes) { onWritten(e, token, bytes); });
    connect(e->writer.get(), &UploadWriter::failed, this,
            [this, e, token](const QString &error, bool diskFull) {
                onWriteFailed(e, token, error, diskFull);
            });
    auto *sink = new ResumablePatchSink(this, e, token);
    e->sink = sink;
    ex.receiveBody(sink);
}

void ResumableUploads::patchWrite(const EntryPtr &e, quint64 token, const QByteArray &piece)
{
    if (e->token != token || e->bodyEnded || !e->writer)
        return;
    e->received += piece.size();
    const qint64 end = e->info.offset + e->received;
    const qint64 limit = e->info.length.value_or(e->maxUploadBytes);
    if (end > limit) {
        const HttpError error = e->info.length
            ? HttpError {413,
                         u"the body takes upload %1 past its Upload-Length %2"_s.arg(e->info.id)
                             .arg(limit)}
            : HttpError::limitExceeded(
                413, u"upload %1 is larger than max_upload_bytes"_s.arg(e->info.id),
                u"max_upload_bytes"_s, limit);
        e->checksum.reset(); // what came before this piece is good
        if (e->exchange)
            e->exchange->respond(errorResponse(error)); // ends the body: patchEnd
        return;
    }
    if (!e->info.length) {
        if (auto refused = e->parked->growTo(end)) {
            if (e->exchange)
                e->exchange->respond(errorResponse(*refused));
            return;
        }
    }
    e->writer->write(piece);
}

bool ResumableUploads::patchFull(const EntryPtr &e, quint64 token) const
{
    return e->token == token && !e->bodyEnded && e->writer && e->writer->isFull();
}

void ResumableUploads::patchTrailers(const EntryPtr &e, quint64 token,
                                     const http::Headers &trailers)
{
    if (e->token != token || e->bodyEnded || !trailers.contains("upload-checksum"))
        return;
    auto checksum = tus::parseChecksum(trailers.value("upload-checksum"));
    if (!checksum) {
        e->trailerError = checksum.error().message;
        return;
    }
    if (e->checksum
        && (e->checksum->algorithm != checksum->algorithm
            || e->checksum->digest != checksum->digest)) {
        e->trailerError = u"the Upload-Checksum header and trailer disagree"_s;
        return;
    }
    e->checksum = *checksum;
}

void ResumableUploads::patchEnd(const EntryPtr &e, quint64 token, bool complete)
{
    if (e->token != token || e->bodyEnded || !e->writer)
        return;
    e->bodyEnded = true;
    // Bytes a checksum was promised for are worth nothing unchecked: they
    // are flushed all the same (the writer closes its file, and its lock,
    // only then) and left past the offset, where the next writer cuts them.
    e->discard = !complete && (e->checksum || e->checksumInTrailer);
    e->writer->finish(); // then onWritten: checked, kept and acknowledged
}

namespace {

// The digest of `size` bytes of `path` from `offset`, in the page cache
// still: for a checksum in a trailer, whose algorithm came after the bytes.
QByteArray digestOfRange(const QString &path, qint64 offset, qint64 size,
                         const QByteArray &algorithm)
{
    QFile file(path);
    ChunkDigest digest(algorithm);
    if (!digest.isValid() || !file.open(QIODevice::ReadOnly) || !file.seek(offset))
        return {};
    while (size > 0) {
        const QByteArray block = file.read(std::min(size, CopyBlock));
        if (block.isEmpty())
            return {};
        digest.update(block);
        size -= block.size();
    }
    return digest.finish();
}

} // namespace

void ResumableUploads::onWritten(const EntryPtr &e, quint64 token, qint64 bytes)
{
    if (e->token != token || !e->writer)
        return;
    if (e->discard) {
        dropWriter(e);
        endPatch(e, std::nullopt);
        return;
    }
    if (!e->trailerError.isEmpty()) {
        dropWriter(e);
        endPatch(e,
                 errorResponse({400,
                                u"Upload-Checksum trailer: "_s % e->trailerError
                                    % u"; the chunk was discarded"_s}));
        return;
    }
    if (e->checksumInTrailer && !e->checksum) {
        dropWriter(e);
        endPatch(e,
                 errorResponse({400,
                                u"the request announced an Upload-Checksum trailer (Trailer) "
                                "but sent none; the chunk was discarded"_s}));
        return;
    }
    if (!e->checksum) {
        accept(e, token, bytes);
        return;
    }
    if (e->checksum->algorithm == e->writerAlgorithm) {
        verified(e, token, bytes, e->writer->chunkDigest());
        return;
    }
    const QString path = binPath(e->info.id);
    const qint64 offset = e->info.offset;
    const QByteArray algorithm = e->checksum->algorithm;
    offThread<QByteArray>(
        [path, offset, bytes, algorithm] { return digestOfRange(path, offset, bytes, algorithm); },
        [this, e, token, bytes](QByteArray digest) { verified(e, token, bytes, digest); });
}

void ResumableUploads::verified(const EntryPtr &e, quint64 token, qint64 bytes,
                                const QByteArray &digest)
{
    if (e->token != token || !e->writer)
        return;
    if (digest != e->checksum->digest) {
        const QString algorithm = QString::fromLatin1(e->checksum->algorithm);
        dropWriter(e);
        endPatch(e,
                 errorResponse({460,
                                u"the %1 of the chunk differs from Upload-Checksum; its "
                                "%2 bytes were discarded"_s.arg(algorithm)
                                    .arg(bytes)}));
        return;
    }
    accept(e, token, bytes);
}

void ResumableUploads::accept(const EntryPtr &e, quint64 token, qint64 bytes)
{
    ResumableInfo next = e->info;
    next.offset += bytes;
    next.expires = newExpiry();
    std::shared_ptr<Sha256> hash;
    if (e->hashedUpTo == e->info.offset)
        hash = e->writer->takeSha256State();
    dropWriter(e);
    e->slot.reset();
    save(e, next, [this, e, token, next, hash](bool saved, const QString &error) {
        if (e->token != token)
            return;
        if (!saved) {
            // The offset stays where the record has it; the bytes past it
            // are cut off by the next writer, and the client sends them again.
            qCWarning(lcResumable).noquote() << "cannot record" << e->info.id << "-" << error;
            endPatch(e,
                     errorResponse(
                         isDiskFull(error)
                             ? HttpError {507,
                                          u"the disk is full: upload %1 stays at "
                                          "offset %2"_s.arg(e->info.id)
                                              .arg(e->info.offset)}
                             : HttpError {
                                 500, u"cannot record the new offset of %1"_s.arg(e->info.id)}));
            return;
        }
        e->info = next;
        if (hash) {
            e->hash = hash;
            e->hashedUpTo = next.offset;
        }
        if (e->parked)
            e->parked->markWritten(next.offset);
        if (isWhole(e->info)) {
            complete(e);
            return;
        }
        endPatch(e, offsetResponse(*e, e->creation ? 201 : 204));
    });
}

// Deleted later: its signal may be what called us.
void ResumableUploads::dropWriter(const EntryPtr &e)
{
    if (!e->writer)
        return;
    e->writer->disconnect(this);
    e->writer.release()->deleteLater();
}

void ResumableUploads::onWriteFailed(const EntryPtr &e, quint64 token, const QString &error,
                                     bool diskFull)
{
    if (e->token != token)
        return;
    dropWriter(e);
    e->bodyEnded = true;
    if (e->exchange)
        logServerFault(*e->exchange, u"cannot write a resumable upload"_s, error);
    endPatch(e,
             errorResponse(diskFull
                               ? HttpError {507,
                                            u"the disk is full: upload %1 stays at offset %2"_s
                                                .arg(e->info.id)
                                                .arg(e->info.offset)}
                               : HttpError {500, u"cannot write upload %1"_s.arg(e->info.id)}));
}

// The PATCH is over: answer it (when it still waits) and let the next one in.
void ResumableUploads::endPatch(const EntryPtr &e, std::optional<Response> answer)
{
    dropWriter(e);
    e->slot.reset();
    const QPointer<Exchange> exchange = e->exchange;
    e->exchange = nullptr;
    e->sink = nullptr;
    const bool creation = std::exchange(e->creation, false);
    if (creation && !exchange && !e->info.complete && !isWhole(e->info)) {
        // creation-with-upload whose client left before the 201: nobody
        // knows this upload's id, so nobody can resume it.
        remove(e);
        return;
    }
    if (answer && exchange) {
        if (creation) // even a refused first chunk leaves an upload to resume
            answer->headers.set("Location", "/files/" + e->info.id.toLatin1());
        exchange->respond(*answer);
    }
    settle(e);
}

// Every byte is there: a partial upload waits for its final one; any other
// is stored as a finished PUT would be (type sniffed, SHA-256, processing).
// Until it is, its record says "every byte, not stored": a crash or a failed
// store leaves it to be stored again (at start-up, or by the sweep).
void ResumableUploads::complete(const EntryPtr &e)
{
    if (e->info.concat == ResumableInfo::Concat::Partial) {
        ResumableInfo next = e->info;
        next.complete = true;
        save(e, next, [this, e, next](bool saved, const QString &) {
            if (saved) // else complete all the same at the next start (load())
                e->info = next;
            endPatch(e, offsetResponse(*e, e->creation ? 201 : 204));
        });
        return;
    }
    const bool hashed = e->hashedUpTo == e->info.offset;
    const QString path = binPath(e->info.id);
    QByteArray digest = hashed ? e->hash->clone().finish() : QByteArray();
    offThread<FileFacts>(
        [path, hashed] { return readFacts(path, !hashed); },
        [this, e, digest](FileFacts facts) {
            if (!facts.error.isEmpty()) {
                qCWarning(lcResumable).noquote()
                    << "cannot read" << e->info.id << "-" << facts.error;
                endPatch(e, errorResponse({500, u"cannot read upload %1"_s.arg(e->info.id)}));
                return;
            }
            storeFinished(e, digest.isEmpty() ? facts.sha256 : digest, facts.head);
        });
}

// The parts were made busy by create(), so no DELETE, expiry or second final
// upload takes them meanwhile.
void ResumableUploads::composeFinal(const EntryPtr &e, QList<EntryPtr> parts)
{
    QStringList paths;
    for (const EntryPtr &part : parts)
        paths.append(binPath(part->info.id));
    const QString target = binPath(e->info.id);
    offThread<FileFacts>(
        [target, paths] { return concatenate(target, paths); },
        [this, e, parts](FileFacts facts) {
            const auto fail = [this, e, parts](const QString &detail) {
                qCWarning(lcResumable).noquote()
                    << "cannot concatenate" << e->info.id << "-" << detail;
                if (e->exchange)
                    e->exchange->respond(
                        errorResponse({500, u"cannot concatenate the partial uploads"_s}));
                e->exchange = nullptr;
                remove(e);
                for (const EntryPtr &part : parts)
                    settle(part);
            };
            if (!facts.error.isEmpty()) {
                fail(facts.error);
                return;
            }
            // Recorded whole before the parts go: after a crash it is
            // stored from its own bytes.
            ResumableInfo next = e->info;
            next.offset = *next.length;
            save(e, next, [this, e, parts, next, facts, fail](bool saved, const QString &error) {
                if (!saved) {
                    fail(error);
                    return;
                }
                e->info = next;
                if (e->parked)
                    e->parked->markWritten(next.offset);
                // The parts are spent: their bytes are the final upload's now.
                for (const EntryPtr &part : parts)
                    remove(part);
                storeFinished(e, facts.sha256, facts.head);
            });
        });
}

void ResumableUploads::storeFinished(const EntryPtr &e, QByteArray sha256, QByteArray head)
{
    if (e->removed)
        return;
    ResumableInfo &info = e->info;
    auto type = m_context.policy().checkContent(info.name, info.declaredType, head);
    if (!type) {
        const HttpError refused {415, info.name % u": "_s % type.error().message};
        QPointer<Exchange> exchange = e->exchange;
        e->exchange = nullptr;
        if (exchange)
            exchange->respond(errorResponse(refused));
        remove(e);
        return;
    }
    PendingUpload pending;
    pending.id = info.id;
    pending.tempPath = binPath(info.id);
    pending.keepSource = true; // ours until the record says it is stored
    pending.accountId = info.accountId;
    pending.account = info.account;
    pending.name = info.name;
    pending.size = info.offset;
    pending.sha256 = Sha256::toHex(sha256).toLatin1();
    pending.mime = *type;
    m_context.store->store({pending}, this, [this, e](StoreResult<QList<UploadRecord>> stored) {
        if (e->removed)
            return;
        if (!stored) {
            // Every byte is still here: the sweep tries again.
            e->storeFailures++;
            QPointer<Exchange> exchange = e->exchange;
            e->exchange = nullptr;
            if (exchange)
                respondStoreError(*exchange, stored.error());
            endPatch(e, std::nullopt);
            return;
        }
        e->parked.reset(); // its bytes count as stored now
        ResumableInfo next = e->info;
        next.complete = true;
        save(e, next, [this, e, next](bool saved, const QString &) {
            if (saved) {
                e->info = next;
                // uploads/ID is a hard link to it: this name alone goes.
                const QString bin = binPath(e->info.id);
                offThread<bool>([bin] { return QFile::remove(bin); }, [](bool) {});
            } // else stored; the sweep (or the next start) records it again
            Response answer = offsetResponse(*e, e->creation ? 201 : 204);
            answer.headers.set("Content-Location", "/uploads/" + e->info.id.toLatin1());
            endPatch(e, answer);
        });
    });
}

void ResumableUploads::terminate(Exchange &ex, const QString &id)
{
    const EntryPtr e = lookup(ex, id);
    if (!e)
        return;
    supersede(e);
    QPointer<Exchange> p(&ex);
    whenSettled(e, ex, [this, p, e] {
        remove(e, [p] {
            if (!p)
                return;
            Response response = Response::text(204, {});
            addProtocolHeaders(response);
            p->respond(std::move(response));
        });
    });
}

void ResumableUploads::save(const EntryPtr &e, std::function<void(bool, QString)> then)
{
    save(e, e->info, std::move(then));
}

// Writes `info` as the upload's record; the caller applies it to the entry
// once it is on disk (so that nothing answers from a record a crash would
// take back).
void ResumableUploads::save(const EntryPtr &e, const ResumableInfo &info,
                            std::function<void(bool, QString)> then)
{
    const QString path = infoPath(info.id);
    const QByteArray json = QJsonDocument(info.toJson()).toJson(QJsonDocument::Compact);
    offThread<QString>(
        [path, json] {
            auto written = writeFileDurably(path, json);
            return written ? QString() : written.error().message;
        },
        [e, then](const QString &error) {
            if (e->removed)
                return;
            then(error.isEmpty(), error);
        });
}

void ResumableUploads::remove(const EntryPtr &e, std::function<void()> then)
{
    e->removed = true;
    e->busy = true; // for ever: waiters answer 404 when they look again
    if (e->writer)
        e->writer->abort();
    dropWriter(e);
    e->slot.reset();
    e->parked.reset();
    m_entries.remove(e->info.id);
    const QString bin = binPath(e->info.id);
    const QString info = infoPath(e->info.id);
    const QString dir = m_context.dir;
    // A stored upload's bytes are a hard link in uploads/ by now: its .bin
    // here is only a name (or a crash's leftover).
    offThread<bool>(
        [bin, info, dir] {
            QFile::remove(info);
            QFile::remove(bin);
            (void)fsyncDirectory(dir);
            return true;
        },
        [then](bool) {
            if (then)
                then();
        });
    // Whoever waited learns it is gone.
    for (const Entry::Waiter &waiter : std::exchange(e->waiters, {})) {
        if (waiter.gone)
            waiter.gone();
        else if (waiter.exchange)
            waiter.exchange->respond(
                errorResponse({404, u"resumable upload %1 was removed"_s.arg(e->info.id)}));
    }
}

void ResumableUploads::sweep()
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    QList<EntryPtr> expired;
    for (const EntryPtr &e : std::as_const(m_entries)) {
        if (!e->busy && e->info.expires < now)
            expired.append(e);
    }
    for (const EntryPtr &e : expired) {
        if (isWhole(e->info) && e->info.concat != ResumableInfo::Concat::Partial)
            continue; // every byte arrived: it is stored, not dropped
        if (!e->info.complete)
            qCInfo(lcResumable).noquote()
                << "resumable upload" << e->info.id << "of" << e->info.account
                << "expired at offset" << e->info.offset;
        remove(e);
    }
    // Whole uploads the store refused for a moment (or whose stored state
    // was not recorded) are tried again.
    resumeInterrupted();
}

// ResumablePatchSink

ResumablePatchSink::ResumablePatchSink(ResumableUploads *uploads,
                                       std::shared_ptr<ResumableUploads::Entry> entry,
                                       quint64 token)
    : m_uploads(uploads)
    , m_entry(std::move(entry))
    , m_token(token)
{ }

void ResumablePatchSink::write(const QByteArray &piece)
{
    if (m_uploads)
        m_uploads->patchWrite(m_entry, m_token, piece);
}

bool ResumablePatchSink::isFull() const
{
    return m_uploads && m_uploads->patchFull(m_entry, m_token);
}

void ResumablePatchSink::finish()
{
    if (m_uploads)
        m_uploads->patchEnd(m_entry, m_token, true);
}

void ResumablePatchSink::abort(const QString &)
{
    if (m_uploads)
        m_uploads->patchEnd(m_entry, m_token, false);
}

void ResumablePatchSink::trailers(const http::Headers &trailers)
{
    if (m_uploads)
        m_uploads->patchTrailers(m_entry, m_token, trailers);
}

} // namespace sluice::upload
