// tus 1.0 resumable uploads (tus.io) with the official clients against a
// child sluiced: tus-js-client 4.3.1 under Node (tus/jsclient.mjs; the ctest
// fixture tus_node_modules installs it with `npm ci`) and Debian's
// python3-tuspy (tus/pyclient.py). Each client prints JSON lines of its
// requests and offsets; the upload it finishes must be stored like
// PUT /uploads/{name}: GET /uploads/{id} names its size and SHA-256, and
// GET /uploads/{id}/content gives the local file back byte for byte.
// A missing node, tus-js-client or tuspy skips its cases, except under CI,
// where it fails them.
#include "cuttingproxy.h"
#include "daemon.h"
#include "testsupport.h"

#include "config/config.h"

#include <QCryptographicHash>
#include <QDir>
#include <QEventLoop>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRandomGenerator>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

constexpr qint64 MiB = 1024 * 1024;
const QString clientsDir = QStringLiteral(SLUICE_TUS_CLIENTS_DIR);

bool underCi()
{
    const QByteArray ci = qgetenv("CI");
    return !ci.isEmpty() && ci != "false" && ci != "0";
}

struct LocalFile
{
    QString path;
    qint64 size = 0;
    QByteArray sha256; // hex
};

LocalFile randomFile(const QString &dir, const QString &name, qint64 size)
{
    LocalFile file {dir + u'/' + name, size, {}};
    QFile out(file.path);
    if (!out.open(QIODevice::WriteOnly))
        return {};
    QCryptographicHash hash(QCryptographicHash::Sha256);
    QList<quint32> block(MiB / 4);
    for (qint64 left = size; left > 0;) {
        QRandomGenerator::global()->fillRange(block.data(), block.size());
        const qint64 n = qMin(left, MiB);
        const auto bytes = QByteArrayView(reinterpret_cast<const char *>(block.constData()), n);
        if (out.write(bytes.data(), n) != n)
            return {};
        hash.addData(bytes);
        left -= n;
    }
    file.sha256 = hash.result().toHex();
    return file;
}

// What one client run printed.
struct ClientRun
{
    int exitCode = -1;
    QList<QJsonObject> events;
    QByteArray output; // stdout and stderr, for failure messages

    QList<QJsonObject> all(QStringView event, QStringView method = {}) const
    {
        QList<QJsonObject> found;
        for (const QJsonObject &e : events)
            if (e.value(u"event"_s).toString() == event
                && (method.isEmpty() || e.value(u"method"_s).toString() == method))
                found.append(e);
        return found;
    }
    QJsonObject last(QStringView event) const
    {
        const QList<QJsonObject> found = all(event);
        return found.isEmpty() ? QJsonObject() : found.last();
    }
    // The upload's id: the last segment of its URL (GET /uploads/{id}).
    QByteArray id() const
    {
        return last(u"success").value(u"url"_s).toString().section(u'/', -1).toLatin1();
    }
};

// An event loop while the client runs, not waitForFinished(): a
// CuttingProxy between the client and sluiced lives on this thread.
ClientRun runClient(const QString &program, const QStringList &args, const QString &token,
                    int timeoutMs)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(u"SLUICE_TOKEN"_s, token);
    process.setProcessEnvironment(env);
    process.setWorkingDirectory(clientsDir);
    QEventLoop loop;
    QObject::connect(&process, &QProcess::finished, &loop, &QEventLoop::quit);
    QObject::connect(&process, &QProcess::errorOccurred, &loop, [&](QProcess::ProcessError e) {
        if (e == QProcess::FailedToStart)
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    process.start(program, args);
    loop.exec();
    ClientRun run;
    if (process.error() == QProcess::FailedToStart) {
        run.output = "cannot start " + program.toLocal8Bit() + '\n';
        return run;
    }
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
        run.output = "(killed after " + QByteArray::number(timeoutMs) + " ms)\n";
    } else if (process.exitStatus() == QProcess::NormalExit) {
        run.exitCode = process.exitCode();
    }
    const QByteArray out = process.readAllStandardOutput();
    run.output += out + process.readAllStandardError();
    for (const QByteArray &line : out.split('\n'))
        if (const QJsonDocument doc = QJsonDocument::fromJson(line); doc.isObject())
            run.events.append(doc.object());
    return run;
}

qint64 offsetOf(const QJsonObject &event)
{
    const QJsonValue v = event.value(u"offset"_s);
    return v.isString() ? v.toString().toLongLong() : -1;
}

} // namespace

// QSKIP and QFAIL leave the test function, so this is a macro.
#define REQUIRE_TOOL(found, what)                                                                  \
    do {                                                                                           \
        if (!(found)) {                                                                            \
            if (underCi())                                                                         \
                QFAIL(what " is missing and CI is set (packaging/install-deps.sh; the ctest "      \
                           "test tus_npm_ci installs tus-js-client)");                             \
            QSKIP(what " is missing");                                                             \
        }                                                                                          \
    } while (false)

class tst_TusClients : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void jsClient_data();
    void jsClient();
    void jsClientResumesAfterACut_data();
    void jsClientResumesAfterACut();
    void jsClientParallelPartsConcatenate();
    void jsClientTerminates();
    void tuspy_data();
    void tuspy();
    void tuspyWrongChecksumIsRefused();

private:
    // A request without a body, as raw bytes.
    QByteArray call(const QByteArray &method, const QByteArray &path) const;
    void verifyStored(const QByteArray &id, const LocalFile &file, const QString &name) const;
    QString endpoint(quint16 port) const { return u"http://127.0.0.1:%1/files/"_s.arg(port); }

    QTemporaryDir m_dataDir;
    QTemporaryDir m_files;
    Daemon m_daemon;
    QString m_token;
    QString m_node; // empty: no node, or no tus-js-client under tus/node_modules
    QString m_python; // a python3 that imports tusclient, or empty
};

void tst_TusClients::initTestCase()
{
    QVERIFY(m_dataDir.isValid() && m_files.isValid());
    m_token = QString::fromLatin1(writeDaemonConfig(m_dataDir.path()));
    QVERIFY(!m_token.isEmpty());
    // The clients send random bytes, which sniff as application/octet-stream.
    const QString configPath = m_dataDir.filePath(u"config.json"_s);
    auto loaded = config::loadOrCreate(configPath);
    QVERIFY(loaded.hasValue());
    loaded->config.uploadTypes.append(u"application/octet-stream"_s);
    QVERIFY(loaded->config.save(configPath));
    QVERIFY2(m_daemon.start(m_dataDir.path()), m_daemon.output.constData());

    const QString node = QStandardPaths::findExecutable(u"node"_s);
    if (!node.isEmpty()
        && QFile::exists(clientsDir + u"/node_modules/tus-js-client/package.json"_s))
        m_node = node;
    // Debian's python3-tuspy lives in /usr/lib/python3/dist-packages, which a
    // python3 earlier on PATH (pyenv, a venv) does not see.
    for (const QString &python :
         {u"/usr/bin/python3"_s, QStandardPaths::findExecutable(u"python3"_s)}) {
        if (python.isEmpty() || !QFile::exists(python))
            continue;
        QProcess probe;
        probe.start(python, {u"-c"_s, u"import tusclient"_s});
        if (probe.waitForFinished(20'000) && probe.exitStatus() == QProcess::NormalExit
            && probe.exitCode() == 0) {
            m_python = python;
            break;
        }
    }
}

QByteArray tst_TusClients::call(const QByteArray &method, const QByteArray &path) const
{
    return method + ' ' + path + " HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
        + m_token.toLatin1() + "\r\nTus-Resumable: 1.0.0\r\n\r\n";
}

// GET /uploads/{id} and its content against the local file.
void tst_TusClients::verifyStored(const QByteArray &id, const LocalFile &file,
                                  const QString &name) const
{
    QVERIFY(!id.isEmpty());
    const Reply row = request(m_daemon.port, call("GET", "/uploads/" + id), 10'000);
    const QByteArray said
        = "GET /uploads/" + id + ": " + QByteArray::number(row.status) + ' ' + row.body;
    QVERIFY2(row.status == 200, said.constData());
    const QJsonObject json = QJsonDocument::fromJson(row.body).object();
    QCOMPARE(json.value(u"size"_s).toInteger(), file.size);
    QCOMPARE(json.value(u"sha256"_s).toString().toLatin1(), file.sha256);
    QCOMPARE(json.value(u"name"_s).toString(), name);
    const Reply content
        = request(m_daemon.port, call("GET", "/uploads/" + id + "/content"), 60'000);
    QCOMPARE(content.status, 200);
    QCOMPARE(content.body.size(), file.size);
    QCOMPARE(QCryptographicHash::hash(content.body, QCryptographicHash::Sha256).toHex(),
             file.sha256);
}

void tst_TusClients::jsClient_data()
{
    QTest::addColumn<qint64>("size");
    QTest::addColumn<qint64>("chunk");
    QTest::addColumn<QStringList>("options");
    // A fs.ReadStream, which the client re-opens at each chunk's offset.
    QTest::addRow("64 MiB in 8 MiB chunks")
        << 64 * MiB << 8 * MiB << QStringList {u"--source=path"_s};
    // A stream of unknown length: Upload-Defer-Length: 1 on POST, the
    // Upload-Length with the last PATCH. Not a multiple of the chunk.
    QTest::addRow("deferred length")
        << 5 * MiB + 777 << 2 * MiB << QStringList {u"--deferred"_s, u"--source=stream"_s};
    // creation-with-upload: the POST carries the first chunk.
    QTest::addRow("data during creation")
        << 3 * MiB + 5 << MiB << QStringList {u"--data-during-creation"_s, u"--source=buffer"_s};
}

void tst_TusClients::jsClient()
{
    REQUIRE_TOOL(!m_node.isEmpty(), "node with tus-js-client (tests/integration/tus/node_modules)");
    QFETCH(qint64, size);
    QFETCH(qint64, chunk);
    QFETCH(QStringList, options);
    const bool deferred = options.contains(u"--deferred"_s);
    const bool withCreation = options.contains(u"--data-during-creation"_s);
    const QString name
        = u"tusjs-%1.bin"_s.arg(QLatin1StringView(QTest::currentDataTag())).replace(u' ', u'-');
    const LocalFile file = randomFile(m_files.path(), name, size);
    QCOMPARE(file.size, size);

    const ClientRun run
        = runClient(m_node,
                    QStringList {u"jsclient.mjs"_s, u"--endpoint"_s, endpoint(m_daemon.port),
                                 u"--file"_s, file.path, u"--chunk-size"_s, QString::number(chunk)}
                        + options,
                    m_token, 60'000);
    QVERIFY2(run.exitCode == 0 && !run.last(u"success").isEmpty(), run.output.constData());

    // POST: the length, or that it comes later.
    const QList<QJsonObject> posts = run.all(u"request", u"POST");
    QCOMPARE(posts.size(), 1);
    QCOMPARE(posts.first().value(u"length"_s).toString(),
             deferred ? QString() : QString::number(size));
    QCOMPARE(posts.first().value(u"deferLength"_s).toString(), deferred ? u"1"_s : QString());
    const QJsonObject created = run.all(u"response", u"POST").value(0);
    QVERIFY2(created.value(u"status"_s).toInt() == 201, run.output.constData());
    qint64 offset = withCreation ? offsetOf(created) : 0;
    if (withCreation)
        QCOMPARE(offset, qMin(chunk, size));

    // Each PATCH takes one chunk from where the last one ended, and the
    // server's Upload-Offset says it has all of it.
    const QList<QJsonObject> sent = run.all(u"request", u"PATCH");
    const QList<QJsonObject> answered = run.all(u"response", u"PATCH");
    QCOMPARE(sent.size(), answered.size());
    QCOMPARE(sent.size(), (size - offset + chunk - 1) / chunk);
    for (qsizetype i = 0; i < sent.size(); ++i) {
        QCOMPARE(offsetOf(sent[i]), offset);
        QCOMPARE(answered[i].value(u"status"_s).toInt(), 204);
        offset = qMin(offset + chunk, size);
        QCOMPARE(offsetOf(answered[i]), offset);
        // With a deferred length, the last PATCH names it.
        const bool names = deferred && i == sent.size() - 1;
        QCOMPARE(sent[i].value(u"length"_s).toString(), names ? QString::number(size) : QString());
    }
    QVERIFY(run.all(u"retry").isEmpty());
    verifyStored(run.id(), file, name);
}

void tst_TusClients::jsClientResumesAfterACut_data()
{
    QTest::addColumn<QString>("retryDelays");
    QTest::addColumn<QString>("name");
    QTest::addRow("HEAD after 200 ms") << u"200,500,1000,2000,4000"_s << u"tusjs-cut.bin"_s;
    // HEAD while the server may still be reading the cut PATCH's bytes: the
    // newer request ends the older one (decision 0032), and the offset it
    // reports is what the server has, whatever that is by then.
    QTest::addRow("HEAD at once") << u"0,0,100,500,2000"_s << u"tusjs-cut-at-once.bin"_s;
}

// The link drops 3 MiB into the first PATCH: tus-js-client asks HEAD where
// the upload stands and sends only the rest.
void tst_TusClients::jsClientResumesAfterACut()
{
    REQUIRE_TOOL(!m_node.isEmpty(), "node with tus-js-client (tests/integration/tus/node_modules)");
    const qint64 size = 24 * MiB + 4321;
    const qint64 chunk = 8 * MiB;
    const qint64 cutAfter = 3 * MiB + 17;
    QFETCH(QString, retryDelays);
    QFETCH(QString, name);
    const LocalFile file = randomFile(m_files.path(), name, size);
    QCOMPARE(file.size, size);
    CuttingProxy proxy(m_daemon.port, cutAfter);
    QVERIFY(proxy.port() != 0);

    const ClientRun run
        = runClient(m_node,
                    {u"jsclient.mjs"_s, u"--endpoint"_s, endpoint(proxy.port()), u"--file"_s,
                     file.path, u"--chunk-size"_s, QString::number(chunk), u"--retry-delays"_s,
                     retryDelays, u"--name"_s, name},
                    m_token, 60'000);
    QVERIFY2(proxy.framingProblem().isEmpty(), qPrintable(proxy.framingProblem()));
    QVERIFY2(proxy.hasCut(), run.output.constData());
    QVERIFY2(run.exitCode == 0 && !run.last(u"success").isEmpty(), run.output.constData());
    QVERIFY2(!run.all(u"retry").isEmpty(), run.output.constData());

    // After the cut: HEAD, then the next PATCH from the offset it named.
    const QList<QJsonObject> heads = run.all(u"response", u"HEAD");
    QVERIFY2(!heads.isEmpty(), run.output.constData());
    const QList<QJsonObject> patches = run.all(u"request", u"PATCH");
    QVERIFY2(patches.size() >= 2, run.output.constData());
    QCOMPARE(offsetOf(patches[0]), 0);
    const qint64 resumedAt = offsetOf(patches[1]);
    QCOMPARE(offsetOf(heads.last()), resumedAt);
    qInfo("the server had %lld of the %lld bytes sent before the cut", resumedAt, cutAfter);
    // tus 1.0, PATCH: the server SHOULD store as much of the received data
    // as possible. Resuming from 0 would be sending the file again.
    QVERIFY2(resumedAt > 0, run.output.constData());
    QVERIFY(resumedAt <= cutAfter);

    // The proxy saw the cut bytes once, then only what the server lacked.
    QCOMPARE(proxy.patchBodyBytes(), cutAfter + (size - resumedAt));
    QVERIFY(proxy.patchBodyBytes() < 2 * size);
    verifyStored(run.id(), file, name);
}

// parallelUploads: 3 partial uploads side by side (Upload-Concat: partial),
// then one final upload that concatenates them (the concatenation
// extension); tus-js-client lists the parts as absolute URLs.
void tst_TusClients::jsClientParallelPartsConcatenate()
{
    REQUIRE_TOOL(!m_node.isEmpty(), "node with tus-js-client (tests/integration/tus/node_modules)");
    const qint64 size = 9 * MiB + 333;
    const qint64 chunk = 2 * MiB;
    const QString name = u"tusjs-parallel.bin"_s;
    const LocalFile file = randomFile(m_files.path(), name, size);
    QCOMPARE(file.size, size);
    const ClientRun run
        = runClient(m_node,
                    {u"jsclient.mjs"_s, u"--endpoint"_s, endpoint(m_daemon.port), u"--file"_s,
                     file.path, u"--chunk-size"_s, QString::number(chunk), u"--parallel"_s, u"3"_s,
                     u"--source=buffer"_s, u"--name"_s, name},
                    m_token, 60'000);
    QVERIFY2(run.exitCode == 0 && !run.last(u"success").isEmpty(), run.output.constData());

    const QList<QJsonObject> posts = run.all(u"request", u"POST");
    QCOMPARE(posts.size(), 4);
    QStringList parts;
    for (const QJsonObject &created : run.all(u"response", u"POST")) {
        QVERIFY2(created.value(u"status"_s).toInt() == 201, run.output.constData());
        parts.append(u"http://127.0.0.1:%1"_s.arg(m_daemon.port)
                     + created.value(u"location"_s).toString());
    }
    const QString final = parts.takeLast();
    QCOMPARE(run.last(u"success").value(u"url"_s).toString(), final);
    for (qsizetype i = 0; i < 3; ++i)
        QCOMPARE(posts[i].value(u"concat"_s).toString(), u"partial"_s);
    const QString concat = posts[3].value(u"concat"_s).toString();
    QVERIFY2(concat.startsWith(u"final;"_s), qPrintable(concat));
    QStringList listed = concat.mid(6).split(u' ');
    listed.sort();
    parts.sort();
    QCOMPARE(listed, parts);

    // Each part: PATCHes from 0 to its end without a gap, all 204.
    qint64 sum = 0;
    for (const QString &part : std::as_const(parts)) {
        qint64 offset = 0;
        for (const QJsonObject &answer : run.all(u"response", u"PATCH")) {
            if (answer.value(u"url"_s).toString() != part)
                continue;
            QCOMPARE(answer.value(u"status"_s).toInt(), 204);
            QVERIFY(offsetOf(answer) > offset);
            offset = offsetOf(answer);
        }
        sum += offset;
        // A part is not an upload of its own.
        const QByteArray id = part.section(u'/', -1).toLatin1();
        QCOMPARE(request(m_daemon.port, call("GET", "/uploads/" + id)).status, 404);
    }
    QCOMPARE(sum, size);
    verifyStored(run.id(), file, name);
}

// upload.abort(true) after two chunks: DELETE (termination), then nothing of
// it is left, neither under /files/ nor as bytes in DATA/resumable.
void tst_TusClients::jsClientTerminates()
{
    REQUIRE_TOOL(!m_node.isEmpty(), "node with tus-js-client (tests/integration/tus/node_modules)");
    const LocalFile file = randomFile(m_files.path(), u"tusjs-terminated.bin"_s, 5 * MiB);
    QCOMPARE(file.size, 5 * MiB);
    const ClientRun run = runClient(m_node,
                                    {u"jsclient.mjs"_s, u"--endpoint"_s, endpoint(m_daemon.port),
                                     u"--file"_s, file.path, u"--chunk-size"_s,
                                     QString::number(MiB), u"--terminate-after"_s, u"2"_s},
                                    m_token, 30'000);
    QVERIFY2(run.exitCode == 0 && !run.last(u"terminated").isEmpty(), run.output.constData());
    QCOMPARE(run.all(u"request", u"PATCH").size(), 2);
    const QJsonObject deleted = run.last(u"response");
    QCOMPARE(deleted.value(u"method"_s).toString(), u"DELETE"_s);
    QCOMPARE(deleted.value(u"status"_s).toInt(), 204);

    const QByteArray id
        = run.last(u"terminated").value(u"url"_s).toString().section(u'/', -1).toLatin1();
    RawClient head(m_daemon.port);
    head.send(call("HEAD", "/files/" + id));
    const int status = head.read(5000, true).status;
    // tus 1.0, termination: later requests get 404 or 410.
    QVERIFY2(status == 404 || status == 410, QByteArray::number(status).constData());
    QCOMPARE(request(m_daemon.port, call("GET", "/uploads/" + id)).status, 404);
    const QDir resumable(m_dataDir.filePath(u"resumable"_s));
    QVERIFY(resumable.exists());
    const QStringList left = resumable.entryList({QString::fromLatin1(id) + u".*"_s}, QDir::Files);
    QVERIFY2(left.isEmpty(), qPrintable(left.join(u", "_s)));
}

void tst_TusClients::tuspy_data()
{
    QTest::addColumn<bool>("checksum");
    QTest::addRow("plain") << false;
    // Upload-Checksum: sha1 <base64> with every PATCH (the checksum extension).
    QTest::addRow("sha1 checksum") << true;
}

void tst_TusClients::tuspy()
{
    REQUIRE_TOOL(!m_python.isEmpty(), "python3-tuspy");
    QFETCH(bool, checksum);
    const qint64 size = 6 * MiB + 99;
    const qint64 chunk = 2 * MiB;
    const QString name = checksum ? u"tuspy-sha1.bin"_s : u"tuspy-plain.bin"_s;
    const LocalFile file = randomFile(m_files.path(), name, size);
    QCOMPARE(file.size, size);
    QStringList args {clientsDir + u"/pyclient.py"_s,
                      u"--endpoint"_s,
                      endpoint(m_daemon.port),
                      u"--file"_s,
                      file.path,
                      u"--chunk-size"_s,
                      QString::number(chunk)};
    if (checksum)
        args << u"--checksum"_s;
    const ClientRun run = runClient(m_python, args, m_token, 60'000);
    QVERIFY2(run.exitCode == 0 && !run.last(u"success").isEmpty(), run.output.constData());
    const QList<QJsonObject> chunks = run.all(u"chunk");
    QCOMPARE(chunks.size(), (size + chunk - 1) / chunk);
    qint64 offset = 0;
    for (const QJsonObject &c : chunks) {
        QCOMPARE(c.value(u"start"_s).toInteger(), offset);
        offset = qMin(offset + chunk, size);
        QCOMPARE(c.value(u"offset"_s).toInteger(), offset);
    }
    verifyStored(run.id(), file, name);
}

// A sha1 that does not match the PATCH's body: 460, and nothing appended.
void tst_TusClients::tuspyWrongChecksumIsRefused()
{
    REQUIRE_TOOL(!m_python.isEmpty(), "python3-tuspy");
    const LocalFile file = randomFile(m_files.path(), u"tuspy-wrong.bin"_s, MiB + 3);
    QCOMPARE(file.size, MiB + 3);
    const ClientRun run
        = runClient(m_python,
                    {clientsDir + u"/pyclient.py"_s, u"--endpoint"_s, endpoint(m_daemon.port),
                     u"--file"_s, file.path, u"--wrong-checksum"_s},
                    m_token, 30'000);
    QCOMPARE(run.exitCode, 1);
    const QJsonObject error = run.last(u"error");
    QVERIFY2(error.value(u"status"_s).toInt() == 460, run.output.constData());
    const QString url = run.last(u"url").value(u"url"_s).toString();
    QVERIFY2(!url.isEmpty(), run.output.constData());
    RawClient head(m_daemon.port);
    head.send(call("HEAD", "/files/" + url.section(u'/', -1).toLatin1()));
    const Reply r = head.read(5000, true);
    QCOMPARE(r.status, 200);
    QCOMPARE(r.header("Upload-Offset"), QByteArray("0"));
}

QTEST_GUILESS_MAIN(tst_TusClients)
#include "tst_tusclients.moc"
