// The QHttpServer peer of the benchmarks (issue 8): what Qt's own HTTP server
// does with the same work, written the straightforward way its 6.4 API allows.
// A route gets the whole request body as one QByteArray and returns one
// response, so an upload is held in memory before it is written, and an
// export is built in memory before it is sent. Not part of Sluice.
//
//   peer_qhttpserver --data-dir DIR [--listen 127.0.0.1:0] [--db orders.sqlite]
//
// Routes (the subset bench_uploads and bench_export use; any bearer token):
//   GET /healthz, PUT /uploads/<name> (temp file, SHA-256, fsync, rename),
//   GET /uploads/<id>, DELETE /uploads/<id>,
//   GET /exports/orders.csv?from=YYYY-MM-DD&to=YYYY-MM-DD
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonObject>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

#include <cstdio>
#include <unistd.h>

namespace {

using Status = QHttpServerResponse::StatusCode;

QHttpServerResponse error(const QString &message, Status status)
{
    return QHttpServerResponse(QJsonObject {{QStringLiteral("error"), message}}, status);
}

bool writeDurably(const QString &path, const QByteArray &data)
{
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::NewOnly))
        return false;
    if (file.write(data) != data.size() || !file.flush() || ::fdatasync(file.handle()) != 0) {
        file.remove();
        return false;
    }
    return true;
}

// RFC 4180 field, as Sluice writes it.
void appendField(QByteArray &out, const QByteArray &value)
{
    if (value.contains(',') || value.contains('"') || value.contains('\r')
        || value.contains('\n')) {
        out += '"';
        out += QByteArray(value).replace("\"", "\"\"");
        out += '"';
    } else {
        out += value;
    }
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    parser.addHelpOption();
    const QCommandLineOption dataDir(QStringLiteral("data-dir"), QStringLiteral("Data folder."),
                                     QStringLiteral("dir"));
    const QCommandLineOption listen(QStringLiteral("listen"), QStringLiteral("127.0.0.1:PORT"),
                                    QStringLiteral("address"), QStringLiteral("127.0.0.1:0"));
    const QCommandLineOption db(QStringLiteral("db"), QStringLiteral("SQLite file for exports."),
                                QStringLiteral("file"));
    parser.addOptions({dataDir, listen, db});
    parser.process(app);
    const QDir data(parser.value(dataDir));
    if (parser.value(dataDir).isEmpty() || !data.mkpath(QStringLiteral("tmp"))
        || !data.mkpath(QStringLiteral("store"))) {
        std::fprintf(stderr, "peer_qhttpserver: --data-dir is needed and must be writable\n");
        return 2;
    }
    const QString tmp = data.filePath(QStringLiteral("tmp"));
    const QString store = data.filePath(QStringLiteral("store"));

    QHttpServer server;
    server.route(QStringLiteral("/healthz"), [] {
        return QHttpServerResponse(QJsonObject {{QStringLiteral("status"), QStringLiteral("ok")}});
    });
    server.route(QStringLiteral("/uploads/<arg>"), QHttpServerRequest::Method::Put,
                 [tmp, store](const QString &name, const QHttpServerRequest &request) {
                     const QByteArray body = request.body();
                     const QString id = QUuid::createUuid().toString(QUuid::WithoutBraces);
                     const QString part = tmp + u"/upload-" + id + u".part";
                     if (!writeDurably(part, body))
                         return error(QStringLiteral("cannot write the upload"),
                                      Status::InternalServerError);
                     const QByteArray sha256
                         = QCryptographicHash::hash(body, QCryptographicHash::Sha256).toHex();
                     if (!QFile::rename(part, store + u'/' + id)) {
                         QFile::remove(part);
                         return error(QStringLiteral("cannot store the upload"),
                                      Status::InternalServerError);
                     }
                     return QHttpServerResponse(
                         QJsonObject {{QStringLiteral("id"), id},
                                      {QStringLiteral("name"), name},
                                      {QStringLiteral("size"), body.size()},
                                      {QStringLiteral("sha256"), QString::fromLatin1(sha256)},
                                      {QStringLiteral("job"), QJsonValue()}},
                         Status::Created);
                 });
    server.route(QStringLiteral("/uploads/<arg>"), QHttpServerRequest::Method::Get,
                 [store](const QString &id) {
                     const QFileInfo info(store + u'/' + id);
                     if (id.contains(u'/') || !info.isFile())
                         return error(QStringLiteral("no such upload"), Status::NotFound);
                     return QHttpServerResponse(QJsonObject {
                         {QStringLiteral("id"), id}, {QStringLiteral("size"), info.size()}});
                 });
    server.route(QStringLiteral("/uploads/<arg>"), QHttpServerRequest::Method::Delete,
                 [store](const QString &id) {
                     if (id.contains(u'/') || !QFile::remove(store + u'/' + id))
                         return error(QStringLiteral("no such upload"), Status::NotFound);
                     return QHttpServerResponse(Status::NoContent);
                 });

    const QString dbPath = parser.value(db);
    server.route(
        QStringLiteral("/exports/orders.csv"), [dbPath](const QHttpServerRequest &request) {
            if (dbPath.isEmpty())
                return error(QStringLiteral("no --db given"), Status::NotFound);
            QSqlDatabase database = QSqlDatabase::database(QStringLiteral("orders"));
            if (!database.isValid()) {
                database = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"),
                                                     QStringLiteral("orders"));
                database.setDatabaseName(dbPath);
                database.setConnectOptions(QStringLiteral("QSQLITE_OPEN_READONLY"));
            }
            if (!database.isOpen() && !database.open())
                return error(database.lastError().text(), Status::InternalServerError);
            const QUrlQuery query = request.query();
            QSqlQuery rows(database);
            rows.setForwardOnly(true);
            rows.prepare(QStringLiteral(
                "SELECT id, created_at, customer, status, amount, currency, note FROM orders "
                "WHERE created_at >= ? AND created_at < date(?, '+1 day') ORDER BY created_at"));
            rows.addBindValue(query.queryItemValue(QStringLiteral("from")));
            rows.addBindValue(query.queryItemValue(QStringLiteral("to")));
            if (!rows.exec())
                return error(rows.lastError().text(), Status::InternalServerError);
            QByteArray csv = "id,created_at,customer,status,amount,currency,note\r\n";
            while (rows.next()) {
                for (int column = 0; column < 7; ++column) {
                    if (column > 0)
                        csv += ',';
                    appendField(csv, rows.value(column).toString().toUtf8());
                }
                csv += "\r\n";
            }
            return QHttpServerResponse(QByteArrayLiteral("text/csv"), std::move(csv));
        });

    const QStringList address = parser.value(listen).split(u':');
    const quint16 port = server.listen(QHostAddress(address.value(0)), address.value(1).toUShort());
    if (port == 0) {
        std::fprintf(stderr, "peer_qhttpserver: cannot listen on %s\n",
                     qPrintable(parser.value(listen)));
        return 1;
    }
    std::printf("peer_qhttpserver listening on http://%s:%u\n", qPrintable(address.value(0)),
                unsigned(port));
    std::fflush(stdout);
    return app.exec();
}
