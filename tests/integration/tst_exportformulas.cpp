// Formula neutralisation end to end (issue 18, finding 7): text values that
// hide a formula behind white space, invisible characters or full-width signs
// leave the real service, live and as a job result, with the apostrophe a
// plain "=" gets; numbers and ordinary text stay as they were.
#include "exporttesting.h"
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

struct Note
{
    QString text;
    bool formula;
};

// The bypasses the security review found, and values that must stay as they are.
const QList<Note> &notes()
{
    static const QList<Note> list {
        {u"=1+1"_s, true},          {u" =1+1"_s, true},
        {u"\n=1+1"_s, true},        {u"\u00a0=1+1"_s, true},
        {u"\u3000=1+1"_s, true},    {u"\ufeff=1+1"_s, true},
        {u"\u200b=1+1"_s, true},    {u"\uff1dHYPERLINK(\"http://x\",\"y\")"_s, true},
        {u"\uff0b1"_s, true},       {u"\uff0d1"_s, true},
        {u"\uff20SUM(A1)"_s, true}, {u"\t=1"_s, true},
        {u" plain, text"_s, false}, {u"M\u00fcller"_s, false},
        {u"a=b"_s, false},
    };
    return list;
}

struct Fixture
{
    QTemporaryDir dir;
    std::unique_ptr<service::Service> service;
    quint16 port = 0;
    QString alice;

    Fixture()
    {
        QStringList sql {u"CREATE TABLE notes (id INTEGER, at TEXT, note TEXT, amount REAL)"_s};
        for (qsizetype i = 0; i < notes().size(); ++i) {
            QString literal = notes().at(i).text;
            literal.replace(u'\'', u"''"_s);
            sql << u"INSERT INTO notes VALUES (%1, '2025-01-01 10:00:%2', '%3', -5)"_s.arg(i)
                       .arg(i, 2, 10, QLatin1Char('0'))
                       .arg(literal);
        }
        const QString error = createSqliteDatabase(dir.filePath(u"notes.sqlite"_s), sql);
        QVERIFY2(error.isEmpty(), qPrintable(error));

        const QString path = dir.filePath(u"config.json"_s);
        auto loaded = config::loadOrCreate(path);
        alice = *loaded->config.addToken(u"alice"_s, false);
        config::Dataset d;
        d.name = u"notes"_s;
        d.database = u"notes.sqlite"_s;
        d.table = u"notes"_s;
        d.timeColumn = u"at"_s;
        d.columns = {u"id"_s, u"at"_s, u"note"_s, u"amount"_s};
        loaded->config.datasets = {d};
        QVERIFY(loaded->config.save(path));
        service = std::make_unique<service::Service>(
            service::Service::Options {dir.path(), path,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        service->start();
        QTRY_VERIFY(service->status().state == service::ServiceState::Running);
        port = quint16(service->status().listenAddress.section(u':', -1).toUInt());
    }

    Reply call(const QByteArray &method, const QByteArray &path, const QByteArray &body = {})
    {
        QByteArray raw = method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + bearer(alice);
        if (method == "POST")
            raw += "Content-Type: application/json\r\nContent-Length: "
                + QByteArray::number(body.size()) + "\r\n";
        return request(port, raw + "\r\n" + body, 30'000);
    }
};

// Every note as the spreadsheet will read it: the hidden formulas prefixed.
void checkNeutralised(const QByteArray &csv)
{
    const auto rows = parseCsv(csv);
    QVERIFY(rows);
    QCOMPARE(rows->size(), notes().size() + 1);
    QCOMPARE(rows->first(), (QStringList {u"id"_s, u"at"_s, u"note"_s, u"amount"_s}));
    for (qsizetype i = 0; i < notes().size(); ++i) {
        const Note &n = notes().at(i);
        const QStringList &row = rows->at(i + 1);
        QCOMPARE(row.at(0).toLongLong(), i);
        QCOMPARE(row.at(2), n.formula ? u"'"_s + n.text : n.text);
        QCOMPARE(row.at(3), u"-5.0"_s); // a number: never altered
    }
}

} // namespace

class tst_ExportFormulas : public QObject
{
    Q_OBJECT
private slots:
    void liveAndJobExportsNeutraliseHiddenFormulas();
};

void tst_ExportFormulas::liveAndJobExportsNeutraliseHiddenFormulas()
{
    Fixture f;
    const Reply live = f.call("GET", "/exports/notes.csv?from=2025-01-01&to=2025-01-01");
    QCOMPARE(live.status, 200);
    checkNeutralised(live.body);
    if (QTest::currentTestFailed())
        return;

    const QJsonObject body {
        {u"dataset"_s, u"notes"_s}, {u"from"_s, u"2025-01-01"_s}, {u"to"_s, u"2025-01-01"_s}};
    const Reply submitted = f.call("POST", "/exports", QJsonDocument(body).toJson());
    QCOMPARE(submitted.status, 202);
    const QByteArray id
        = QJsonDocument::fromJson(submitted.body).object().value(u"id"_s).toString().toLatin1();
    QString state;
    QVERIFY(QTest::qWaitFor(
        [&] {
            state = QJsonDocument::fromJson(f.call("GET", "/jobs/" + id).body)
                        .object()
                        .value(u"state"_s)
                        .toString();
            return state == u"succeeded"_s || state == u"failed"_s;
        },
        30'000));
    QCOMPARE(state, u"succeeded"_s);
    const Reply result = f.call("GET", "/jobs/" + id + "/result");
    QCOMPARE(result.status, 200);
    QCOMPARE(result.body, live.body);
    checkNeutralised(result.body);
}

QTEST_GUILESS_MAIN(tst_ExportFormulas)
#include "tst_exportformulas.moc"
