#include "http/fileresponse.h"

#include "http/byterange.h"
#include "http/contentdisposition.h"
#include "http/fileproducer.h"
#include "http/responsehead.h"

#include <QDateTime>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <variant>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

struct OpenedFile
{
    std::unique_ptr<QFile> file;
    qint64 size = 0;
    qint64 modifiedMs = 0; // since the epoch
    quint64 inode = 0;
};

// Opens with POSIX so that everything below comes from one descriptor: the
// size, time and inode belong to the file we will read, even if the path is
// replaced meanwhile. O_NONBLOCK keeps a FIFO at that path from blocking the
// server thread in open(); it does nothing for regular files.
std::variant<OpenedFile, HttpError> adoptRegularFile(const Request &request, int fd,
                                                     const QString &pathForLog,
                                                     const QString &shownName)
{
    struct stat st
    {
    };
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        qCWarning(lcHttp).nospace() << request.peer.toString() << " #" << request.id << ' '
                                    << pathForLog << " is not a readable regular file";
        return HttpError(500, u"%1 is not a regular file"_s.arg(shownName));
    }
    OpenedFile opened;
    opened.file = std::make_unique<QFile>();
    if (!opened.file->open(fd, QIODevice::ReadOnly | QIODevice::Unbuffered,
                           QFileDevice::AutoCloseHandle)) {
        ::close(fd);
        return HttpError(500, u"cannot open %1"_s.arg(shownName));
    }
    opened.size = st.st_size;
    opened.modifiedMs = qint64(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
    opened.inode = quint64(st.st_ino);
    return opened;
}

std::variant<OpenedFile, HttpError> openRegularFile(const Request &request, const QString &path,
                                                    const QString &shownName)
{
    const QByteArray native = QFile::encodeName(path);
    int fd;
    do {
        fd = ::open(native.constData(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR)
            return HttpError(404, u"no such file: %1"_s.arg(shownName));
        qCWarning(lcHttp).nospace() << request.peer.toString() << " #" << request.id
                                    << " cannot open " << path << ": " << std::strerror(error);
        return HttpError(500, u"cannot open %1"_s.arg(shownName));
    }
    return adoptRegularFile(request, fd, path, shownName);
}

// entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE; etagc = %x21 / %x23-7E / obs-text
bool isStrongETag(QByteArrayView tag)
{
    if (tag.size() < 2 || tag.front() != '"' || tag.back() != '"')
        return false;
    for (char c : tag.sliced(1, tag.size() - 2)) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x21 || u == 0x22 || u == 0x7f)
            return false;
    }
    return true;
}

QByteArray derivedETag(const OpenedFile &file)
{
    return '"' + QByteArray::number(file.size, 16) + '-' + QByteArray::number(file.modifiedMs, 16)
        + '-' + QByteArray::number(file.inode, 16) + '"';
}

QByteArrayView skipOwsAndCommas(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t' || v.front() == ','))
        v = v.sliced(1);
    return v;
}

} // namespace

bool ifNoneMatchMatches(const Headers &headers, QByteArrayView currentETag)
{
    const QByteArrayView ours = currentETag.startsWith("W/") ? currentETag.sliced(2) : currentETag;
    for (const auto &[name, value] : headers.fields()) {
        if (name.compare("if-none-match", Qt::CaseInsensitive) != 0)
            continue;
        QByteArrayView rest = skipOwsAndCommas(value);
        if (rest.startsWith('*') && skipOwsAndCommas(rest.sliced(1)).isEmpty())
            return true; // any current representation; the file exists
        // Entity tags may hold commas, so the list is scanned tag by tag.
        while (!(rest = skipOwsAndCommas(rest)).isEmpty()) {
            if (rest.startsWith("W/"))
                rest = rest.sliced(2);
            const qsizetype close = rest.startsWith('"') ? rest.indexOf('"', 1) : -1;
            if (close < 0)
                break; // malformed: this field does not match
            if (rest.first(close + 1) == ours)
                return true;
            rest = rest.sliced(close + 1);
        }
    }
    return false;
}

namespace {
Response respondWithFile(const Request &request, std::variant<OpenedFile, HttpError> opened,
                         const QString &downloadName, const FileResponseOptions &options);
} // namespace

Response fileResponse(const Request &request, const QString &path,
                      const FileResponseOptions &options)
{
    const QString downloadName
        = options.downloadName.isEmpty() ? QFileInfo(path).fileName() : options.downloadName;
    // Error messages name the download, never the server's path.
    return respondWithFile(request, openRegularFile(request, path, safeDownloadName(downloadName)),
                           downloadName, options);
}

Response fileResponse(const Request &request, int fd, const FileResponseOptions &options)
{
    const QString downloadName
        = options.downloadName.isEmpty() ? u"download"_s : options.downloadName;
    return respondWithFile(
        request,
        adoptRegularFile(request, fd, u"descriptor %1"_s.arg(fd), safeDownloadName(downloadName)),
        downloadName, options);
}

namespace {
Response respondWithFile(const Request &request, std::variant<OpenedFile, HttpError> opened,
                         const QString &downloadName, const FileResponseOptions &options)
{
    if (auto *error = std::get_if<HttpError>(&opened))
        return Response::error(*error);
    OpenedFile &file = std::get<OpenedFile>(opened);

    QByteArray etag = options.etag;
    if (!isStrongETag(etag)) {
        if (!etag.isEmpty())
            qCWarning(lcHttp) << "not a strong entity tag, deriving one:" << etag.left(64);
        etag = derivedETag(file);
    }
    // Never later than the Date field (RFC 9110 §8.8.2.1).
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const QDateTime modified
        = std::min(QDateTime::fromMSecsSinceEpoch(file.modifiedMs, Qt::UTC), now);

    // RFC 9110 §13.2.2: If-None-Match before Range.
    if ((request.method == "GET" || request.method == "HEAD")
        && ifNoneMatchMatches(request.headers, etag)) {
        Response r;
        r.status = 304;
        r.headers.add("ETag", etag);
        r.headers.add("Cache-Control", "private");
        return r;
    }

    const RangeSelection selection = selectRange(request, file.size, etag);
    if (selection.kind == RangeSelection::Kind::Unsatisfiable) {
        const QByteArray range = request.headers.value("range").left(200);
        Response r = Response::error(
            HttpError(416,
                      u"range %1 is outside %2 (%3 bytes)"_s.arg(QString::fromLatin1(range),
                                                                 safeDownloadName(downloadName),
                                                                 QString::number(file.size)),
                      {}, QJsonValue(QString::fromLatin1(range)), false));
        r.headers.add("Content-Range", unsatisfiedContentRange(file.size));
        r.headers.add("Accept-Ranges", "bytes");
        return r;
    }

    const bool partial = selection.kind == RangeSelection::Kind::Partial;
    const ByteRange range = partial ? selection.range : ByteRange {0, file.size - 1};
    Response r;
    r.status = partial ? 206 : 200;
    r.headers.add("Content-Type",
                  options.mimeType.isEmpty() ? QByteArray("application/octet-stream")
                                             : options.mimeType);
    r.headers.add("Content-Disposition", contentDisposition(downloadName, options.attachment));
    r.headers.add("Accept-Ranges", "bytes");
    r.headers.add("ETag", etag);
    r.headers.add("Last-Modified", formatHttpDate(modified));
    r.headers.add("X-Content-Type-Options", "nosniff");
    r.headers.add("Cache-Control", "private");
    if (partial)
        r.headers.add("Content-Range", contentRange(range, file.size));
    r.producer = std::make_shared<FileProducer>(std::move(file.file), range.first, range.length());
    return r;
}
} // namespace

} // namespace sluice::http
