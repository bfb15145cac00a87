// GET /admin/transfers and POST /admin/transfers/{id}/abort (issue 20)
// against a real sluiced: an upload in flight is listed as the Transfers tab
// shows it, and aborting it by request id closes its connection and removes
// its temp file; a request that is not in flight is 404, one on the asking
// connection 409, and only admins may ask.
#include "daemon.h"
#include "testsupport.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

QJsonArray transfersOf(quint16 port, const QString &token)
{
    const Reply r = request(port, get("/admin/transfers", bearer(token)));
    return QJsonDocument::fromJson(r.body).object().value(u"transfers"_s).toArray();
}

QByteArray post(const QByteArray &path, const QString &token)
{
    return "POST " + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(token)
        + "Content-Length: 0\r\n\r\n";
}

} // namespace

class tst_AdminTransfers : public QObject
{
    Q_OBJECT
private slots:
    void listsAndAbortsAnUpload();
    void onlyAdmins();
};

void tst_AdminTransfers::listsAndAbortsAnUpload()
{
    QTemporaryDir dir;
    const QString token = QString::fromLatin1(writeDaemonConfig(dir.path()));
    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());

    RawClient upload(d.port);
    upload.send("PUT /uploads/slow.csv HTTP/1.1\r\nHost: t\r\n" + bearer(token)
                + "Content-Type: text/csv\r\nContent-Length: 10000000\r\n\r\n");
    upload.send(QByteArray(300'000, 'a'));
    QJsonObject row;
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            for (const QJsonValue &v : transfersOf(d.port, token)) {
                if (v[u"path"_s].toString() == u"/uploads/slow.csv"_s
                    && v[u"bytes_in"_s].toInteger() == 300'000) {
                    row = v.toObject();
                    return true;
                }
            }
            return false;
        }(),
        10'000);
    QCOMPARE(row.value(u"method"_s).toString(), u"PUT"_s);
    QCOMPARE(row.value(u"route"_s).toString(), u"/uploads/{filename}"_s);
    QCOMPARE(row.value(u"phase"_s).toString(), u"receiving"_s);
    QCOMPARE(row.value(u"total_in"_s).toInteger(), 10'000'000);
    QCOMPARE(row.value(u"account"_s).toString(), u"operator"_s);
    QVERIFY(row.value(u"started"_s).toString().endsWith(u'Z'));
    const QDir tmp(dir.filePath(u"tmp"_s));
    QVERIFY(!tmp.entryList(QDir::Files | QDir::Hidden).isEmpty());

    const QByteArray id = row.value(u"id"_s).toString().toLatin1();
    QCOMPARE(request(d.port, post("/admin/transfers/" + id + "/abort", token)).status, 200);
    QVERIFY(upload.waitForClose(5'000));
    QTRY_VERIFY(tmp.entryList(QDir::Files | QDir::Hidden).isEmpty());
    for (const QJsonValue &v : transfersOf(d.port, token))
        QVERIFY(v[u"id"_s].toString() != QString::fromLatin1(id));
    // Gone now; and ids that never were.
    QCOMPARE(request(d.port, post("/admin/transfers/" + id + "/abort", token)).status, 404);
    QCOMPARE(request(d.port, post("/admin/transfers/nonsense/abort", token)).status, 404);

    // The asking connection's own requests are not for aborting from it: the
    // request listed first on a connection is this one.
    RawClient self(d.port);
    self.send(get("/admin/transfers", bearer(token)));
    const Reply mine = self.read();
    QCOMPARE(mine.status, 200);
    QString ownId;
    for (const QJsonValue &v :
         QJsonDocument::fromJson(mine.body).object()[u"transfers"_s].toArray()) {
        if (v[u"path"_s].toString() == u"/admin/transfers"_s)
            ownId = v[u"id"_s].toString();
    }
    QVERIFY(!ownId.isEmpty());
    // The next request on this connection has the next id.
    const QByteArray next = QByteArray::number(ownId.toULongLong() + 1);
    self.send(post("/admin/transfers/" + next + "/abort", token));
    QCOMPARE(self.read().status, 409);
}

void tst_AdminTransfers::onlyAdmins()
{
    QTemporaryDir dir;
    writeDaemonConfig(dir.path());
    const Run add = runSluiced({u"--data-dir"_s, dir.path(), u"token"_s, u"add"_s, u"bob"_s});
    QCOMPARE(add.exitCode, 0);
    const QString bob = add.out.trimmed().section(u'\n', -1);
    Daemon d;
    QVERIFY2(d.start(dir.path()), d.output.constData());
    QCOMPARE(request(d.port, get("/admin/transfers", bearer(bob))).status, 403);
    QCOMPARE(request(d.port, post("/admin/transfers/1/abort", bob)).status, 403);
    QCOMPARE(request(d.port, get("/admin/transfers")).status, 401);
}

QTEST_GUILESS_MAIN(tst_AdminTransfers)
#include "tst_admintransfers.moc"
