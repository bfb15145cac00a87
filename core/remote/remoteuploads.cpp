// The Uploads tab's side of RemoteServiceFacade: GET /uploads, DELETE
// /uploads/{id}, GET /uploads/{id}/content (streamed to a file) and GET
// /uploads/{id}/thumbnail, and for unfinished resumable uploads GET /files/
// and DELETE /files/{id}; each a single request with a bounded answer.
#include "remote/remoteservicefacade.h"

#include "remote/remotejson.h"

#include <QBuffer>
#include <QImageReader>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>
#include <QSaveFile>

#include <memory>

using namespace Qt::StringLiterals;

namespace sluice::remote {

namespace {

constexpr int UploadsPage = 1'000; // GET /uploads answers at most this many
constexpr int TimeoutMs = 30'000; // without a byte
constexpr qint64 MaxThumbnailBytes = 4 * 1024 * 1024;
constexpr int MaxThumbnailSide = 1024; // the service makes them 256 px at most
constexpr qint64 MaxErrorBytes = 64 * 1024;
constexpr qint64 ReadBufferBytes = 256 * 1024; // what a save holds in memory, at most

QString uploadPath(const QString &id)
{
    return u"/uploads/"_s + QString::fromLatin1(QUrl::toPercentEncoding(id));
}

QString resumablePath(const QString &id)
{
    return u"/files/"_s + QString::fromLatin1(QUrl::toPercentEncoding(id));
}

// Every request under /files/ but OPTIONS names the protocol (412 otherwise).
const QList<std::pair<QByteArray, QByteArray>> TusHeaders {{"Tus-Resumable", "1.0.0"}};

int statusOf(QNetworkReply *reply)
{
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

// The service's {"error": ...}, or what went wrong on the way.
QString failure(QNetworkReply *reply, const QByteArray &body)
{
    const int status = statusOf(reply);
    if (status == 0)
        return reply->errorString();
    const QString error = QJsonDocument::fromJson(body).object().value(u"error"_s).toString();
    if (!error.isEmpty())
        return error;
    return u"HTTP %1 %2"_s.arg(status).arg(
        reply->attribute(QNetworkRequest::HttpReasonPhraseAttribute).toString());
}

} // namespace

void RemoteServiceFacade::requestUploads(int limit)
{
    m_uploadsLimit = std::clamp(limit, 1, UploadsPage);
    const quint64 generation = ++m_uploadsGeneration;
    send("GET", u"/uploads?limit=%1"_s.arg(m_uploadsLimit), {},
         [this, generation](int status, const QJsonObject &body, const QString &) {
             if (generation != m_uploadsGeneration || status != 200)
                 return; // a newer request is on its way, or the list shown stays
             QList<upload::UploadRecord> uploads;
             for (const QJsonValue &v : body.value(u"uploads"_s).toArray()) {
                 if (auto u = uploadFromJson(v.toObject()))
                     uploads.append(*u);
             }
             emit uploadsReset(uploads, body.value(u"total"_s).toInt());
         });
}

void RemoteServiceFacade::removeUploads(const QStringList &ids)
{
    for (const QString &id : ids) {
        send("DELETE", uploadPath(id), {},
             [this, id](int status, const QJsonObject &, const QString &error) {
                 emit uploadCommandFinished({id, status >= 200 && status < 300, error});
             });
    }
}

void RemoteServiceFacade::requestResumableUploads()
{
    m_resumableAsked = true;
    const quint64 generation = ++m_resumableGeneration;
    send(
        "GET", u"/files/"_s, {},
        [this, generation](int status, const QJsonObject &body, const QString &) {
            if (generation != m_resumableGeneration || status != 200)
                return; // a newer request is on its way, or the list shown stays
            QList<upload::ResumableInfo> uploads;
            for (const QJsonValue &v : body.value(u"uploads"_s).toArray()) {
                if (auto u = resumableUploadFromJson(v.toObject()))
                    uploads.append(*u);
            }
            emit resumableUploadsReset(uploads);
        },
        TusHeaders);
}

void RemoteServiceFacade::removeResumableUploads(const QStringList &ids)
{
    for (const QString &id : ids) {
        send(
            "DELETE", resumablePath(id), {},
            [this, id](int status, const QJsonObject &, const QString &error) {
                emit uploadCommandFinished({id, status >= 200 && status < 300, error});
            },
            TusHeaders);
    }
}

void RemoteServiceFacade::saveUpload(const QString &id, const QString &path)
{
    // Written as it arrives, renamed into place once all of it has: a
    // failed or abandoned save leaves nothing at `path`.
    auto file = std::make_shared<QSaveFile>(path);
    if (!file->open(QIODevice::WriteOnly)) {
        emit uploadSaveFinished(id, path, false,
                                tr("cannot write %1: %2").arg(path, file->errorString()));
        return;
    }
    QNetworkRequest req = request(uploadPath(id) + u"/content"_s);
    req.setRawHeader("Accept", "*/*");
    req.setTransferTimeout(TimeoutMs);
    QNetworkReply *reply = m_network.get(req);
    // The socket is read only as fast as the file takes it.
    reply->setReadBufferSize(ReadBufferBytes);
    connect(reply, &QNetworkReply::encrypted, this, [this, reply] { checkPin(reply); });
    auto error = std::make_shared<QString>();
    auto errorBody = std::make_shared<QByteArray>();
    connect(reply, &QNetworkReply::readyRead, this, [reply, file, error, errorBody, path] {
        if (statusOf(reply) != 200) {
            errorBody->append(reply->read(MaxErrorBytes - errorBody->size()));
            if (errorBody->size() >= MaxErrorBytes)
                reply->abort();
            return;
        }
        const QByteArray chunk = reply->readAll();
        if (error->isEmpty() && file->write(chunk) != chunk.size()) {
            *error = tr("cannot write %1: %2").arg(path, file->errorString());
            reply->abort();
        }
    });
    connect(reply, &QNetworkReply::finished, this, [this, reply, file, error, errorBody, id, path] {
        reply->deleteLater();
        const int status = statusOf(reply);
        if (error->isEmpty() && (status != 200 || reply->error() != QNetworkReply::NoError)) {
            *error = tr("cannot download upload %1: %2").arg(id, failure(reply, *errorBody));
            if (status == 401)
                stopWith(service::ConnectionState::Unauthorized,
                         tr("the server refused the token: %1").arg(failure(reply, *errorBody)));
        }
        if (error->isEmpty() && !file->commit())
            *error = tr("cannot write %1: %2").arg(path, file->errorString());
        if (!error->isEmpty())
            file->cancelWriting();
        emit uploadSaveFinished(id, path, error->isEmpty(), *error);
    });
}

void RemoteServiceFacade::requestUploadThumbnail(const QString &id)
{
    fetchBytes(uploadPath(id) + u"/thumbnail"_s, MaxThumbnailBytes,
               [this, id](int status, const QByteArray &body, const QString &) {
                   QImage image;
                   if (status == 200) {
                       QBuffer buffer;
                       buffer.setData(body);
                       buffer.open(QIODevice::ReadOnly);
                       QImageReader reader(&buffer, "png");
                       const QSize size = reader.size();
                       // Decoded only when it is the size of a thumbnail.
                       if (size.isValid() && size.width() <= MaxThumbnailSide
                           && size.height() <= MaxThumbnailSide)
                           image = reader.read();
                   }
                   emit uploadThumbnailReady(id, image);
               });
}

void RemoteServiceFacade::fetchBytes(const QString &pathAndQuery, qint64 maxBytes,
                                     BytesHandler handler)
{
    QNetworkRequest req = request(pathAndQuery);
    req.setRawHeader("Accept", "*/*");
    req.setTransferTimeout(TimeoutMs);
    QNetworkReply *reply = m_network.get(req);
    connect(reply, &QNetworkReply::encrypted, this, [this, reply] { checkPin(reply); });
    connect(reply, &QNetworkReply::downloadProgress, this,
            [reply, maxBytes](qint64 received, qint64) {
                if (received > maxBytes && !reply->property("tooLarge").toBool()) {
                    reply->setProperty("tooLarge", true);
                    reply->abort();
                }
            });
    connect(
        reply, &QNetworkReply::finished, this,
        [this, reply, pathAndQuery, maxBytes, handler = std::move(handler)] {
            reply->deleteLater();
            if (reply->property("tooLarge").toBool()) {
                handler(
                    0, {},
                    tr("the answer to %1 was over %2 KiB").arg(pathAndQuery).arg(maxBytes / 1024));
                return;
            }
            const int status = statusOf(reply);
            const QByteArray body = reply->readAll();
            const QString error = status == 200 ? QString() : failure(reply, body);
            if (status == 401)
                stopWith(service::ConnectionState::Unauthorized,
                         tr("the server refused the token: %1").arg(error));
            handler(status, body, error);
        });
}

} // namespace sluice::remote
