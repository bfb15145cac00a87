#pragma once

// A child sluiced for the tus tests (tst_tus, tst_tus_faults): any bytes
// allowed (application/octet-stream), an admin and a second account, and
// the protocol's requests on fresh connections.

#include "daemon.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <QTemporaryDir>

#include <functional>

namespace sluice::test::tus {

using namespace Qt::StringLiterals;

inline QByteArray randomBytes(qsizetype size)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator {quint32(size)};
    for (char &c : bytes)
        c = char(generator.bounded(256));
    return bytes;
}

inline QByteArray base64(const QByteArray &raw)
{
    return raw.toBase64();
}

// The last segment of a path: the upload id of /files/{id}.
inline QByteArray idOf(const QByteArray &path)
{
    return path.mid(path.lastIndexOf('/') + 1);
}

inline QByteArray digest(QCryptographicHash::Algorithm algorithm, const QByteArray &data)
{
    return QCryptographicHash::hash(data, algorithm).toBase64();
}

// A sluiced that takes any bytes (application/octet-stream) and the tokens
// of an admin and of a second account.
struct Tus
{
    QTemporaryDir dir;
    Daemon daemon;
    QByteArray token;
    QByteArray other;

    bool start(const std::function<void(config::Limits &)> &tweak = {})
    {
        token = writeDaemonConfig(dir.path(), tweak);
        if (token.isEmpty() || !allowAnyBytes())
            return false;
        const Run added
            = runSluiced({u"--data-dir"_s, dir.path(), u"token"_s, u"add"_s, u"carol"_s});
        other = added.out.trimmed().section(u'\n', -1).toLatin1();
        return !other.isEmpty() && daemon.start(dir.path());
    }
    bool allowAnyBytes()
    {
        QFile file(dir.filePath(u"config.json"_s));
        if (!file.open(QIODevice::ReadOnly))
            return false;
        QJsonObject config = QJsonDocument::fromJson(file.readAll()).object();
        file.close();
        config.insert(u"upload_types"_s, QJsonArray {u"application/octet-stream"_s});
        return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
            && file.write(QJsonDocument(config).toJson()) > 0;
    }

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &headers,
               const QByteArray &body = {}, const QByteArray &bearer = {}) const
    {
        QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
            + (bearer.isEmpty() ? token : bearer) + "\r\n" + headers;
        if (!body.isEmpty() || method == "PATCH" || method == "POST")
            raw += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
        return request(daemon.port, raw + "\r\n" + body, 30'000);
    }
    // POST /files/ with the protocol's header; the new upload's path.
    QByteArray create(qint64 length, const QByteArray &extra = {})
    {
        const Reply r = call("POST", "/files/",
                             "Tus-Resumable: 1.0.0\r\nUpload-Length: " + QByteArray::number(length)
                                 + "\r\n" + extra);
        return r.status == 201 ? r.header("location") : QByteArray();
    }
    Reply patch(const QByteArray &path, qint64 offset, const QByteArray &body,
                const QByteArray &extra = {}) const
    {
        return call("PATCH", path,
                    "Tus-Resumable: 1.0.0\r\nContent-Type: application/offset+octet-stream\r\n"
                    "Upload-Offset: "
                        + QByteArray::number(offset) + "\r\n" + extra,
                    body);
    }
    Reply head(const QByteArray &path, const QByteArray &bearer = {}) const
    {
        QByteArray raw = "HEAD " + path + " HTTP/1.1\r\nHost: t\r\nTus-Resumable: 1.0.0\r\n"
            + "Authorization: Bearer " + (bearer.isEmpty() ? token : bearer) + "\r\n\r\n";
        RawClient client(daemon.port);
        client.send(raw);
        return client.read(10'000, true);
    }
    QByteArray stored(const QByteArray &path) const
    {
        const QByteArray id = idOf(path);
        return call("GET", "/uploads/" + id + "/content", {}).body;
    }
    // Whether the service has read `bytes` of the body of a request for `path`.
    bool hasRead(const QByteArray &path, qint64 bytes) const
    {
        const QJsonArray transfers
            = QJsonDocument::fromJson(call("GET", "/admin/transfers", {}).body)
                  .object()
                  .value(u"transfers"_s)
                  .toArray();
        for (const QJsonValue &t : transfers) {
            if (t[u"path"_s].toString().toLatin1() == path)
                return t[u"bytes_in"_s].toInteger() >= bytes;
        }
        return false;
    }
    // The offset DATA/resumable/ID.json records (what survives a crash), or -1.
    qint64 recordedOffset(const QByteArray &path) const
    {
        QFile file(dir.filePath(u"resumable/"_s + QString::fromLatin1(idOf(path)) + u".json"_s));
        if (!file.open(QIODevice::ReadOnly))
            return -1;
        return QJsonDocument::fromJson(file.readAll()).object().value(u"offset"_s).toInteger(-1);
    }
    QStringList resumableFiles() const
    {
        return QDir(dir.filePath(u"resumable"_s)).entryList(QDir::Files);
    }
};

} // namespace sluice::test::tus
