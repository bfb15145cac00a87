// Every curl example of docs/api.md, run as written against a live sluiced
// with real ids and files: the docs cannot promise what the service does not
// do. Each example gets the state its route needs ($ID of a running job for
// cancel, of an image upload for thumbnail, …) and must answer with a status
// its section documents. A route section with examples that this test does
// not know fails it, so a new example cannot go unchecked.
#include "daemon.h"
#include "testsupport.h"

#include <QDir>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <memory>

using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

struct Example
{
    QString heading; // the "### `METHOD /path`" it belongs to, without the backticks
    QString section; // the section's text, where its statuses are documented
    QString command; // continuation lines joined
};

QList<Example> examplesOf(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        qFatal("cannot read %s", qPrintable(path));
    QList<Example> examples;
    QString heading, section, pending;
    for (const QString &raw : QString::fromUtf8(file.readAll()).split(u'\n')) {
        if (raw.startsWith(u"### "_s) || raw.startsWith(u"## "_s)) {
            heading = raw.startsWith(u"### "_s) ? raw.mid(4).remove(u'`') : QString();
            section.clear();
            continue;
        }
        section += raw + u'\n';
        const QString line = raw.trimmed();
        const bool indented = raw.startsWith(u"    "_s);
        if (pending.isEmpty() && !(indented && line.startsWith(u"curl "_s)))
            continue;
        pending += (pending.isEmpty() ? QString() : u" "_s) + line;
        if (pending.endsWith(u'\\')) {
            pending.chop(1);
            continue;
        }
        examples.append({heading, {}, pending.simplified()});
        pending.clear();
    }
    // Each example sees its whole section, statuses after it included.
    QHash<QString, QString> sections;
    heading.clear();
    file.seek(0);
    for (const QString &raw : QString::fromUtf8(file.readAll()).split(u'\n')) {
        if (raw.startsWith(u"### "_s) || raw.startsWith(u"## "_s))
            heading = raw.startsWith(u"### "_s) ? raw.mid(4).remove(u'`') : QString();
        else
            sections[heading] += raw + u'\n';
    }
    for (Example &e : examples)
        e.section = sections.value(e.heading);
    return examples;
}

QString docsPath()
{
    return QStringLiteral(SLUICE_SOURCE_DIR "/docs/api.md");
}

} // namespace

class tst_ApiDocs : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void everyCurlExampleWorks();

private:
    struct Run
    {
        int status = 0;
        QByteArray body;
    };
    Run curl(const QString &command, const QString &id);
    QJsonObject json(const QByteArray &path);
    QString submitSelftest(const QByteArray &params);
    QString prepare(const Example &e, int index);
    void observe(const Example &e, int index, const Run &run);
    bool waitForJob(const QString &id, const QString &state, int ms = 60'000);

    QTemporaryDir m_dataDir;
    QTemporaryDir m_workDir; // the examples' current directory (orders.csv, photo.png)
    Daemon m_daemon;
    QString m_token;
    QString m_metricsToken; // a metrics-only account's, made by `sluiced token add`
    QString m_runningJob, m_finishedJob, m_exportJob, m_csvUpload, m_imageUpload, m_tusUpload;
    std::unique_ptr<RawClient> m_slowUpload; // in flight for POST /admin/transfers/{id}/abort
};

void tst_ApiDocs::initTestCase()
{
    QVERIFY2(m_daemon.start(m_dataDir.path()), m_daemon.output.constData());
    m_token = m_daemon.token;
    QVERIFY(!m_token.isEmpty());
    const sluice::test::Run scrape = runSluiced({u"--data-dir"_s, m_dataDir.path(), u"token"_s,
                                                 u"add"_s, u"prometheus"_s, u"--metrics-only"_s});
    QCOMPARE(scrape.exitCode, 0);
    m_metricsToken = scrape.out.trimmed().section(u'\n', -1);
    // The running service picks the new account up from the file.
    QVERIFY(QTest::qWaitFor(
        [&] {
            return request(m_daemon.port, get("/metrics", bearer(m_metricsToken))).status == 200;
        },
        10'000));
    QFile csv(m_workDir.filePath(u"orders.csv"_s));
    QVERIFY(csv.open(QIODevice::WriteOnly));
    csv.write("id,customer,total\r\n1,ada,12.50\r\n2,grace,7.25\r\n");
    csv.close();
    QImage image(64, 48, QImage::Format_RGB32);
    image.fill(Qt::darkCyan);
    QVERIFY(image.save(m_workDir.filePath(u"photo.png"_s), "PNG"));
    QTRY_VERIFY_WITH_TIMEOUT(request(m_daemon.port, get("/readyz")).status == 200, 120'000);
}

tst_ApiDocs::Run tst_ApiDocs::curl(const QString &command, const QString &id)
{
    QString line = command;
    line.replace(u"http://127.0.0.1:8080"_s, u"http://127.0.0.1:%1"_s.arg(m_daemon.port));
    // The status last, on a line of its own, whatever the example prints.
    line += u" -w '\\n%{http_code}'"_s;
    QProcess shell;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"TOKEN"_s, m_token);
    env.insert(u"METRICS_TOKEN"_s, m_metricsToken);
    env.insert(u"ID"_s, id);
    shell.setProcessEnvironment(env);
    shell.setWorkingDirectory(m_workDir.path());
    shell.start(u"bash"_s, {u"-c"_s, line});
    if (!shell.waitForFinished(120'000))
        return {};
    const QByteArray out = shell.readAllStandardOutput();
    const qsizetype nl = out.lastIndexOf('\n');
    return {out.mid(nl + 1).trimmed().toInt(), out.left(std::max<qsizetype>(0, nl))};
}

QJsonObject tst_ApiDocs::json(const QByteArray &path)
{
    return QJsonDocument::fromJson(request(m_daemon.port, get(path, bearer(m_token))).body)
        .object();
}

QString tst_ApiDocs::submitSelftest(const QByteArray &params)
{
    const QByteArray body = R"({"kind":"selftest","params":)" + params + "}";
    const Reply r = request(m_daemon.port,
                            "POST /jobs HTTP/1.1\r\nHost: t\r\n" + bearer(m_token)
                                + "Content-Type: application/json\r\nContent-Length: "
                                + QByteArray::number(body.size()) + "\r\n\r\n" + body);
    return QJsonDocument::fromJson(r.body).object().value(u"id"_s).toString();
}

bool tst_ApiDocs::waitForJob(const QString &id, const QString &state, int ms)
{
    return QTest::qWaitFor(
        [&] { return json("/jobs/" + id.toLatin1()).value(u"state"_s).toString() == state; }, ms);
}

// The state each route's examples need, and the $ID they run with.
QString tst_ApiDocs::prepare(const Example &e, int index)
{
    const QString &h = e.heading;
    if (h.startsWith(u"POST /jobs/{id}/cancel"_s)) {
        m_runningJob = submitSelftest(R"({"steps":400,"step_ms":50})");
        if (!waitForJob(m_runningJob, u"running"_s))
            qWarning("the job to cancel never ran");
        return m_runningJob;
    }
    if (h.startsWith(u"POST /jobs/{id}/retry"_s))
        return m_runningJob; // cancelled just before
    if (h.startsWith(u"GET /jobs/{id}/result"_s) || h.startsWith(u"DELETE /jobs/{id}"_s)
        || h.startsWith(u"GET /jobs/{id}"_s)) {
        if (m_finishedJob.isEmpty() || h.startsWith(u"DELETE"_s)) {
            m_finishedJob = submitSelftest(R"({"steps":3,"step_ms":1,"bytes_per_step":500})");
            if (!waitForJob(m_finishedJob, u"succeeded"_s))
                qWarning("the selftest job never succeeded");
        }
        const QString id = m_finishedJob;
        if (h.startsWith(u"DELETE"_s))
            m_finishedJob.clear();
        return id;
    }
    if (h.startsWith(u"GET /uploads/{id}/thumbnail"_s)) {
        if (!QTest::qWaitFor(
                [&] {
                    return json("/uploads/" + m_imageUpload.toLatin1())
                               .value(u"processing"_s)
                               .toObject()
                               .value(u"state"_s)
                               .toString()
                        == u"done"_s;
                },
                60'000))
            qWarning("the image upload was never processed");
        return m_imageUpload;
    }
    if (h.startsWith(u"GET /uploads/{id}"_s) || h.startsWith(u"DELETE /uploads/{id}"_s))
        return m_csvUpload;
    if (h.endsWith(u" /files/{id}"_s))
        return m_tusUpload; // made by the POST /files/ example, 5 of its 11 bytes sent by PATCH
    if (h.startsWith(u"GET /exports/"_s) && index == 0) {
        // The demo dataset is generated a few seconds after the first start;
        // until then export routes answer 503 (documented).
        if (!QTest::qWaitFor(
                [&] {
                    return request(m_daemon.port,
                                   get("/exports/orders.csv?from=2025-01-01&to=2025-01-01&limit=1",
                                       bearer(m_token)))
                               .status
                        != 503;
                },
                120'000))
            qWarning("the demo dataset never appeared");
    }
    if (h == u"POST /exports"_s && index == 2) {
        if (!waitForJob(m_exportJob, u"succeeded"_s, 300'000))
            qWarning("the export job never succeeded");
    }
    if (h == u"POST /exports"_s)
        return m_exportJob;
    if (h.startsWith(u"POST /admin/transfers/{id}/abort"_s)) {
        // An upload left half sent, to abort; its request id from the list.
        m_slowUpload = std::make_unique<RawClient>(m_daemon.port);
        m_slowUpload->send("PUT /uploads/half.csv HTTP/1.1\r\nHost: t\r\n" + bearer(m_token)
                           + "Content-Type: text/csv\r\nContent-Length: 1000000\r\n\r\nid,n\r\n");
        QString id;
        if (!QTest::qWaitFor(
                [&] {
                    const QJsonArray list
                        = json("/admin/transfers").value(u"transfers"_s).toArray();
                    for (const QJsonValue &v : list) {
                        if (v[u"path"_s].toString() == u"/uploads/half.csv"_s)
                            id = v[u"id"_s].toString();
                    }
                    return !id.isEmpty();
                },
                10'000))
            qWarning("the half-sent upload never showed in /admin/transfers");
        return id;
    }
    return {};
}

// Ids the later examples use, from what the earlier ones answered.
void tst_ApiDocs::observe(const Example &e, int index, const Run &run)
{
    const QJsonObject o = QJsonDocument::fromJson(run.body).object();
    if (e.heading.startsWith(u"PUT /uploads/{filename}"_s))
        (index == 0 ? m_csvUpload : m_imageUpload) = o.value(u"id"_s).toString();
    if (e.heading == u"POST /exports"_s && index == 0)
        m_exportJob = o.value(u"id"_s).toString();
    if (e.heading == u"POST /files/"_s) { // curl -i: the id is in Location
        for (const QByteArray &line : run.body.split('\n')) {
            if (line.toLower().startsWith("location:"))
                m_tusUpload = QString::fromLatin1(line.mid(9).trimmed()).section(u'/', -1);
        }
    }
}

void tst_ApiDocs::everyCurlExampleWorks()
{
    // Route -> the status each of its examples must answer, in order.
    const QHash<QString, QList<int>> expected {
        {u"GET /healthz"_s, {200}},
        {u"GET /readyz"_s, {200}},
        {u"GET /api/status"_s, {200}},
        {u"GET /metrics"_s, {200}},
        {u"GET /api/history?since=MS&series=NAME,NAME"_s, {200}},
        {u"GET /jobs"_s, {200}},
        {u"POST /jobs (admins)"_s, {202}},
        {u"GET /jobs/{id}"_s, {200}},
        {u"POST /jobs/{id}/cancel"_s, {200}},
        {u"POST /jobs/{id}/retry"_s, {200}},
        {u"DELETE /jobs/{id}"_s, {204}},
        {u"GET /jobs/{id}/result"_s, {200, 206}},
        {u"PUT /uploads/{filename}"_s, {201, 201}},
        {u"POST /uploads"_s, {201}},
        {u"GET /uploads?limit=N&before=ID&account=NAME"_s, {200, 400}},
        {u"GET /uploads/{id}"_s, {200}},
        {u"GET /uploads/{id}/content"_s, {200}},
        {u"GET /uploads/{id}/thumbnail"_s, {200}},
        {u"DELETE /uploads/{id}"_s, {204}},
        {u"OPTIONS /files/"_s, {204}},
        {u"POST /files/"_s, {201}},
        {u"GET /files/"_s, {200}},
        {u"HEAD /files/{id}"_s, {200}},
        {u"PATCH /files/{id}"_s, {204}},
        {u"DELETE /files/{id}"_s, {204}},
        {u"GET /exports"_s, {200}},
        {u"GET /exports/{dataset}.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&COLUMN=VALUE…][&limit=N]"_s,
         {200, 200, 202}},
        {u"POST /exports"_s, {202, 200, 200}},
        {u"POST /exports/estimate"_s, {200, 400}},
        {u"GET /admin/limits"_s, {200}},
        {u"PATCH /admin/limits"_s, {200, 400}},
        {u"GET /admin/transfers"_s, {200}},
        {u"POST /admin/transfers/{id}/abort"_s, {200}},
        {u"GET /api/stream"_s, {200}},
        {u"GET /admin/events?after=SEQ&limit=N&kind=KIND"_s, {200}},
    };
    const QList<Example> examples = examplesOf(docsPath());
    QVERIFY2(examples.size() >= 20, "docs/api.md lost its curl examples?");
    QHash<QString, int> seen;
    for (const Example &e : examples) {
        QVERIFY2(expected.contains(e.heading),
                 qPrintable(u"no scenario for the examples of '%1'"_s.arg(e.heading)));
        const int index = seen[e.heading]++;
        const QList<int> statuses = expected.value(e.heading);
        QVERIFY2(index < statuses.size(),
                 qPrintable(u"'%1' has more examples than this test knows"_s.arg(e.heading)));
        const int want = statuses.at(index);
        // The status must be one the section documents.
        QVERIFY2(e.section.contains(u"`%1`"_s.arg(want)),
                 qPrintable(u"'%1' does not document %2"_s.arg(e.heading).arg(want)));
        const QString id = prepare(e, index);
        Run run = curl(e.command, id);
        // Documented: 409 while the cancelled attempt is still stopping.
        QDeadlineTimer stopping(30'000);
        while (run.status == 409 && run.body.contains("still stopping") && !stopping.hasExpired()) {
            QTest::qWait(50);
            run = curl(e.command, id);
        }
        QVERIFY2(run.status == want,
                 qPrintable(u"%1\n  answered %2, the docs promise %3:\n%4"_s.arg(e.command)
                                .arg(run.status)
                                .arg(want)
                                .arg(QString::fromUtf8(run.body.left(400)))));
        observe(e, index, run);
    }
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QVERIFY2(seen.value(it.key()) == it.value().size(),
                 qPrintable(u"'%1': %2 examples in the docs, %3 expected"_s.arg(it.key())
                                .arg(seen.value(it.key()))
                                .arg(it.value().size())));
}

QTEST_GUILESS_MAIN(tst_ApiDocs)
#include "tst_apidocs.moc"
