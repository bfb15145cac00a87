#pragma once

// Helpers for the upload integration tests (tests/integration/tst_uploads*.cpp):
// a service with three accounts, sample bodies, a form builder, and a way to
// stall the upload writers' disk.

#include "multiparttesting.h"
#include "testsupport.h"
#include "uploadwritertesting.h"

#include "config/config.h"
#include "service/service.h"
#include "upload/sha256.h"
#include "upload/uploadwriter.h"

#include <QBuffer>
#include <QDir>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSemaphore>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>
#include <QThreadPool>

#include <memory>
#include <utility>

namespace sluice::test {

using namespace Qt::StringLiterals;

inline const QByteArray Csv = "id,name,note\r\n1,alpha,\"a, b\"\r\n2,beta,\"say \"\"hi\"\"\"\r\n"
                              "3,gamma,\"two\r\nlines\"\r\n";

inline QByteArray pngBytes(int w, int h)
{
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QByteArray bytes;
    QBuffer buffer(&bytes);
    buffer.open(QIODevice::WriteOnly);
    image.save(&buffer, "PNG");
    return bytes;
}

inline QString hexSha256(const QByteArray &data)
{
    return upload::Sha256::toHex(upload::Sha256::digest(data));
}

// The real service on port 0 in a temporary data dir, with accounts alice and
// bob beside the admin, and the requests and checks the upload tests share.
struct UploadFixture
{
    QTemporaryDir dir;
    QString dataDir;
    std::unique_ptr<service::Service> service;
    quint16 port = 0;
    QString admin;
    QString alice;
    QString bob;

    explicit UploadFixture(config::Limits limits = defaultLimits(), QString dataDirOverride = {})
    {
        dataDir = dataDirOverride.isEmpty() ? dir.path() : dataDirOverride;
        const QString path = dataDir + u"/config.json"_s;
        auto loaded = config::loadOrCreate(path);
        loaded->config.datasets.clear(); // no demo database to generate here
        loaded->config.limits = limits;
        admin = *loaded->firstRunToken;
        alice = *loaded->config.addToken(u"alice"_s, false);
        bob = *loaded->config.addToken(u"bob"_s, false);
        // On disk too: the service reloads the file when its folder changes.
        (void)loaded->config.save(path);
        service = std::make_unique<service::Service>(
            service::Service::Options {dataDir,
                                       path,
                                       service::ListenAddress {QHostAddress::LocalHost, 0},
                                       {},
                                       {},
                                       // sluice-thumbnail is in the build tree's app/
                                       qEnvironmentVariable("SLUICE_BIN_DIR")},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
        // The gate's free-disk reading comes with the engine's stats.
        QTRY_VERIFY(service->latestSample().diskFreeBytes > 0);
    }

    static config::Limits defaultLimits()
    {
        config::Limits l;
        l.minFreeDiskBytes = 0;
        return l;
    }

    QByteArray head(const QByteArray &method, const QByteArray &path, const QString &token,
                    const QByteArray &extra)
    {
        return method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n"
            + (token.isEmpty() ? QByteArray() : bearer(token)) + extra + "\r\n";
    }
    Reply put(const QByteArray &name, const QByteArray &body, const QString &token,
              const QByteArray &extra = {})
    {
        return request(port,
                       head("PUT", "/uploads/" + name, token,
                            "Content-Length: " + QByteArray::number(body.size()) + "\r\n" + extra)
                           + body,
                       15'000);
    }
    Reply call(const QByteArray &method, const QByteArray &path, const QString &token,
               const QByteArray &extra = {})
    {
        return request(port, head(method, path, token, extra));
    }
    QJsonObject json(const Reply &r) { return QJsonDocument::fromJson(r.body).object(); }
    QJsonObject upload(const QString &id, const QString &token)
    {
        return json(call("GET", "/uploads/" + id.toLatin1(), token));
    }
    QString processing(const QString &id)
    {
        return upload(id, admin).value(u"processing"_s).toObject().value(u"state"_s).toString();
    }

    // Files a request could have left behind.
    QStringList tempFiles() const
    {
        return QDir(dataDir + u"/tmp"_s).entryList({u"upload-*"_s}, QDir::Files | QDir::Hidden);
    }
    QStringList storedFiles() const // thumbnails made by processing jobs aside
    {
        QStringList files = QDir(dataDir + u"/uploads"_s).entryList(QDir::Files | QDir::Hidden);
        files.removeIf([](const QString &name) { return name.endsWith(u".thumb.png"_s); });
        return files;
    }
    int inFlight() const { return service->latestSample().uploadsInFlight; }
    // Times a full body sink stopped socket reads (live, from /metrics).
    int readPauses()
    {
        const QByteArray text = call("GET", "/metrics", admin).body;
        const QByteArray key = "sluice_backpressure_pauses_total{direction=\"read\"} ";
        const qsizetype at = text.indexOf(key);
        return at < 0 ? -1 : text.mid(at + key.size()).split('\n').first().toInt();
    }
};

// Holds the thread `object` lives on (the job engine's, the upload store's)
// in a call of its own until release(), so that whatever that thread would
// do next waits.
class ThreadHold
{
public:
    explicit ThreadHold(QObject *object)
    {
        QMetaObject::invokeMethod(object, [this] {
            m_entered.release();
            m_released.acquire();
        });
        m_entered.acquire();
    }
    ~ThreadHold() { release(); }
    void release()
    {
        if (!std::exchange(m_done, true))
            m_released.release();
    }

private:
    QSemaphore m_entered;
    QSemaphore m_released;
    bool m_done = false;
};

// A valid CSV of at least `atLeast` bytes, whose processing takes a while.
inline QByteArray bigCsv(qsizetype atLeast)
{
    QByteArray csv = "n,text\r\n";
    for (int i = 0; csv.size() < atLeast; ++i)
        csv += QByteArray::number(i) + ",some words of text in a field\r\n";
    return csv;
}

// One upload's row read beside the service (WAL), not through its threads.
inline QJsonObject uploadRow(const QString &dataDir, const QString &id)
{
    QJsonObject row;
    const QString connection = u"row-%1"_s.arg(quintptr(&row));
    {
        QSqlDatabase db = QSqlDatabase::addDatabase(u"QSQLITE"_s, connection);
        db.setDatabaseName(dataDir + u"/uploads.db"_s);
        db.setConnectOptions(u"QSQLITE_OPEN_READONLY;QSQLITE_BUSY_TIMEOUT=2000"_s);
        if (db.open()) {
            QSqlQuery q(db);
            q.prepare(u"SELECT job_id, processing, outcome FROM uploads WHERE id = ?"_s);
            q.addBindValue(id);
            if (q.exec() && q.next())
                row = {{u"job"_s, q.value(0).toString()},
                       {u"processing"_s, q.value(1).toString()},
                       {u"outcome"_s,
                        QJsonDocument::fromJson(q.value(2).toString().toUtf8()).object()}};
        }
    }
    QSqlDatabase::removeDatabase(connection);
    return row;
}

// Holds every thread of the upload writers' pool, so that no queued byte
// reaches the disk until the test opens the gate.
struct StalledUploadDisk
{
    std::shared_ptr<Gate> gate = std::make_shared<Gate>();
    GateOpener opener {gate};

    StalledUploadDisk()
    {
        QThreadPool *io = upload::UploadWriter::sharedPool();
        for (int i = 0; i < io->maxThreadCount(); ++i)
            io->start([gate = gate] { gate->pass(); });
    }
    bool isStalled() const
    {
        return gate->entered() == upload::UploadWriter::sharedPool()->maxThreadCount();
    }
};

// A form in the shape curl -F sends.
class MultipartBuilder
{
public:
    void field(const QByteArray &name, const QByteArray &value)
    {
        m_parts.append({name, std::nullopt, {}, value, {}});
    }
    void file(const QByteArray &name, const QByteArray &fileName, const QByteArray &type,
              const QByteArray &content)
    {
        m_parts.append({name, fileName, type, content, {}});
    }
    QByteArray boundary() const { return "------------------------sluice0123456789"; }
    QByteArray contentType() const { return "multipart/form-data; boundary=" + boundary(); }
    QByteArray body() const { return multipartBody(boundary(), m_parts); }

private:
    QList<BodyPart> m_parts;
};

inline QByteArray chunked(const QByteArray &body, qsizetype piece)
{
    QByteArray out;
    for (qsizetype at = 0; at < body.size(); at += piece) {
        const QByteArray part = body.mid(at, piece);
        out += QByteArray::number(part.size(), 16) + "\r\n" + part + "\r\n";
    }
    return out + "0\r\n\r\n";
}

} // namespace sluice::test
