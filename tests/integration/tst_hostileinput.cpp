// The hostile input catalogue: raw bytes over a socket against the real
// service, one row per attack, each named after the RFC section it exercises.
// After every row the service still answers /healthz, holds no temp file, and
// a rejected request has created no upload and no job. Rows whose request is
// legal (a hostile file name is made safe, not refused) check the stored name
// and delete the upload again, so that every row starts from the same state.
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

namespace {

// What the connection must look like once the expected responses are read.
enum class After {
    Usable, // still in sync: a further request on it is answered
    Closed, // the server closes it (and sends nothing more)
    Either, // an unread body is left: the server may drain it or close
};

} // namespace

Q_DECLARE_METATYPE(After)

namespace {

// Placeholders in a row's bytes, replaced when the row runs (the ids exist
// only once the service does): {alice} {bob} {admin} are tokens,
// {alice-upload} and {alice-job} are ids owned by alice. A row ending in
// {shut} half-closes the client side after sending.
constexpr QByteArrayView Shut = "{shut}";

// Keeps embedded NULs, which a plain QByteArray(const char *) would cut.
template<qsizetype N> QByteArray bytes(const char (&s)[N])
{
    return QByteArray(s, N - 1);
}

QByteArray auth(const QByteArray &who)
{
    return "Authorization: Bearer {" + who + "}\r\n";
}

QByteArray getAs(const QByteArray &who, const QByteArray &path)
{
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n" + auth(who) + "\r\n";
}

QByteArray withBody(const QByteArray &head, const QByteArray &body)
{
    return head + "Content-Length: " + QByteArray::number(body.size()) + "\r\n\r\n" + body;
}

QByteArray putHead(const QByteArray &target)
{
    return "PUT /uploads/" + target + " HTTP/1.1\r\nHost: t\r\n" + auth("alice");
}

QByteArray put(const QByteArray &target, const QByteArray &body = "hello world\n")
{
    return withBody(putHead(target), body);
}

QByteArray chunkedPut(const QByteArray &chunks)
{
    return putHead("c.txt") + "Transfer-Encoding: chunked\r\n\r\n" + chunks;
}

QByteArray chunkedJob(const QByteArray &chunks)
{
    return "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin")
        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
}

const QByteArray Boundary = "sluiceBoundary7MA4YWxk";

QByteArray formRequest(const QByteArray &contentType, const QByteArray &body,
                       const QByteArray &who = "alice")
{
    return withBody("POST /uploads HTTP/1.1\r\nHost: t\r\n" + (who.isEmpty() ? "" : auth(who))
                        + "Content-Type: " + contentType + "\r\n",
                    body);
}

QByteArray filePart(const QByteArray &disposition, const QByteArray &content = "some text\n",
                    const QByteArray &extraHeaders = {})
{
    return "Content-Disposition: form-data; name=\"f\"; " + disposition
        + "\r\nContent-Type: text/plain\r\n" + extraHeaders + "\r\n" + content;
}

QByteArray form(const QList<QByteArray> &parts, bool closed = true)
{
    QByteArray body;
    for (const QByteArray &part : parts)
        body += "--" + Boundary + "\r\n" + part + "\r\n";
    if (closed)
        body += "--" + Boundary + "--\r\n";
    return body;
}

QByteArray formType()
{
    return "multipart/form-data; boundary=" + Boundary;
}

// A stored name that can do no harm: one path component, not hidden, no
// control characters, within NAME_MAX.
bool isSafeName(const QString &name)
{
    const bool controls = std::any_of(name.begin(), name.end(),
                                      [](QChar c) { return c.unicode() < 0x20 || c == u'\x7f'; });
    return !name.isEmpty() && !name.contains(u'/') && !name.contains(u'\\')
        && !name.startsWith(u'.') && !controls && name.toUtf8().size() <= 255;
}

// One service for the whole catalogue, with short timeouts so that rows that
// end in a timeout stay fast.
class CatalogueService
{
public:
    CatalogueService()
    {
        const QString path = m_dir.filePath(u"config.json"_s);
        auto loaded = config::loadOrCreate(path);
        QVERIFY(loaded);
        loaded->config.datasets.clear(); // no demo database to generate here
        config::Limits &l = loaded->config.limits;
        l.minFreeDiskBytes = 0;
        l.headerDeadlineMs = 1000;
        l.bodyIdleTimeoutMs = 1000;
        l.keepAliveIdleTimeoutMs = 800;
        l.maxUploadBytes = 1024 * 1024;
        l.maxMultipartParts = 8;
        l.maxMultipartFileParts = 4;
        l.maxMultipartPartHeaderBytes = 1024;
        m_values.insert("{admin}", loaded->firstRunToken->toLatin1());
        m_values.insert("{alice}", loaded->config.addToken(u"alice"_s, false)->toLatin1());
        m_values.insert("{bob}", loaded->config.addToken(u"bob"_s, false)->toLatin1());
        QVERIFY(loaded->config.save(path));
        m_service = std::make_unique<service::Service>(
            service::Service::Options {m_dir.path(), path,
                                       service::ListenAddress {QHostAddress::LocalHost, 0}},
            *loaded);
        m_service->start();
        QTRY_VERIFY(m_service->status().state == service::ServiceState::Running);
        port = quint16(m_service->status().listenAddress.section(u':', -1).toUInt());
        QTRY_VERIFY(m_service->latestSample().diskFreeBytes > 0);

        // Something of alice's for bob to reach for.
        const Reply seeded = request(port, expand(put("seed.csv", "a,b\r\n1,2\r\n")));
        QCOMPARE(seeded.status, 201);
        const QJsonObject json = QJsonDocument::fromJson(seeded.body).object();
        m_values.insert("{alice-upload}", json.value(u"id"_s).toString().toLatin1());
        m_values.insert("{alice-job}", json.value(u"job"_s).toString().toLatin1());
        QTRY_COMPARE(jobState(m_values.value("{alice-job}")), u"succeeded"_s);
        ready = true;
    }

    bool ready = false;
    quint16 port = 0;

    QByteArray expand(QByteArray raw) const
    {
        for (auto it = m_values.begin(); it != m_values.end(); ++it)
            raw.replace(it.key(), it.value());
        return raw;
    }
    QByteArray token(const QByteArray &who) const { return m_values.value('{' + who + '}'); }

    QStringList tempFiles() const
    {
        return QDir(m_dir.filePath(u"tmp"_s))
            .entryList({u"upload-*"_s}, QDir::Files | QDir::Hidden);
    }
    QStringList storedFiles() const
    {
        return QDir(m_dir.filePath(u"uploads"_s)).entryList(QDir::Files | QDir::Hidden);
    }
    int uploadsInFlight() const { return m_service->latestSample().uploadsInFlight; }
    qint64 jobTotal() const
    {
        const Reply r = request(port, expand(getAs("admin", "/jobs?limit=1")));
        return r.status == 200
            ? QJsonDocument::fromJson(r.body).object().value(u"total"_s).toInteger(-1)
            : -1;
    }
    QString jobState(const QByteArray &id) const
    {
        const Reply r = request(port, expand(getAs("admin", "/jobs/" + id)));
        return QJsonDocument::fromJson(r.body).object().value(u"state"_s).toString();
    }

private:
    QTemporaryDir m_dir;
    QHash<QByteArray, QByteArray> m_values;
    std::unique_ptr<service::Service> m_service;
};

} // namespace

class tst_HostileInput : public QObject
{
    Q_OBJECT
private slots:
    void catalogue_data();
    void catalogue();
    void cleanupTestCase() { m_service.reset(); }

private:
    void addFraming();
    void addChunked();
    void addLimitsMethodsVersions();
    void addHost();
    void addPaths();
    void addExpect();
    void addPipelining();
    void addMultipart();
    void addAuth();
    void addConnection();

    std::unique_ptr<CatalogueService> m_service;
};

namespace {

void row(const char *name, const QByteArray &raw, QList<int> statuses, After after,
         int uploadsCreated = 0)
{
    QTest::newRow(name) << raw << statuses << after << uploadsCreated;
}

} // namespace

void tst_HostileInput::catalogue_data()
{
    QTest::addColumn<QByteArray>("raw");
    QTest::addColumn<QList<int>>("statuses"); // empty: closed without a response
    QTest::addColumn<After>("after");
    QTest::addColumn<int>("uploadsCreated");
    addFraming();
    addChunked();
    addLimitsMethodsVersions();
    addHost();
    addPaths();
    addExpect();
    addPipelining();
    addMultipart();
    addAuth();
    addConnection();
}

void tst_HostileInput::addFraming()
{
    const auto job = [](const QByteArray &fields, const QByteArray &body = "{}") -> QByteArray {
        return "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin") + fields + "\r\n" + body;
    };
    const After closed = After::Closed;
    row("RFC9112 6.1 CL and TE together",
        job("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE and CL together",
        job("Transfer-Encoding: chunked\r\nContent-Length: 2\r\n"), {400}, closed);
    row("RFC9112 6.3 duplicate CL, same value", job("Content-Length: 2\r\nContent-Length: 2\r\n"),
        {400}, closed);
    row("RFC9112 6.3 duplicate CL, different values",
        job("Content-Length: 2\r\nContent-Length: 20\r\n"), {400}, closed);
    row("RFC9112 6.3 CL as a list", job("Content-Length: 2, 2\r\n"), {400}, closed);
    row("RFC9112 6.3 signed CL", job("Content-Length: +2\r\n"), {400}, closed);
    row("RFC9112 6.3 negative CL", job("Content-Length: -1\r\n"), {400}, closed);
    row("RFC9112 6.3 hex CL", job("Content-Length: 0x2\r\n"), {400}, closed);
    row("RFC9112 6.3 huge CL (20 digits)", job("Content-Length: 18446744073709551617\r\n"), {400},
        closed);
    row("RFC9112 6.3 CL with an inner space", job("Content-Length: 1 0\r\n"), {400}, closed);
    row("RFC9112 6.3 CL of 18 digits is syntax, refused by max_upload_bytes",
        putHead("big.txt") + "Content-Length: 999999999999999999\r\n\r\n", {413}, After::Either);
    // No CL and no TE: an empty body (curl -X POST), answered by the route;
    // an upload says it needs a length.
    row("RFC9112 6.3 POST without a length is an empty body", job({}, {}), {400}, After::Usable);
    row("RFC9112 6.3 PUT /uploads without a length", putHead("empty.txt") + "\r\n", {411},
        After::Usable);
    row("RFC9112 6.1 TE gzip alone", job("Transfer-Encoding: gzip\r\n"), {400}, closed);
    row("RFC9112 6.1 TE chunked twice", job("Transfer-Encoding: chunked, chunked\r\n"), {400},
        closed);
    row("RFC9112 6.1 TE gzip before chunked", job("Transfer-Encoding: gzip, chunked\r\n"), {501},
        closed);
    row("RFC9112 6.1 TE chunked not last", job("Transfer-Encoding: chunked, gzip\r\n"), {400},
        closed);
    row("RFC9112 6.1 TE in two fields",
        job("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE lookalike xchunked", job("Transfer-Encoding: xchunked\r\n"), {400}, closed);
    row("RFC9112 6.1 TE on HTTP/1.0",
        "POST /jobs HTTP/1.0\r\n" + auth("admin")
            + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
        {400}, closed);
    row("RFC9112 5.2 obs-fold", "GET /healthz HTTP/1.1\r\nHost: t\r\nX-A: a\r\n b\r\n\r\n", {400},
        closed);
    row("RFC9112 5.2 obs-fold hiding TE", job("Transfer-Encoding: gzip\r\n chunked\r\n"), {400},
        closed);
    row("RFC9112 2.2 bare LF line ends", "GET /healthz HTTP/1.1\nHost: t\n\n", {400}, closed);
    row("RFC9112 2.2 bare CR in a field value",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", {400}, closed);
    row("RFC9112 2.2 bare CR ending the head", "GET /healthz HTTP/1.1\r\nHost: t\r\n\rX\r\n\r\n",
        {400}, closed);
    row("RFC9112 5.1 space before colon", job("Content-Length : 2\r\n"), {400}, closed);
    row("RFC9112 5.1 tab before colon", job("Transfer-Encoding\t: chunked\r\n"), {400}, closed);
    row("RFC9112 5 field line without colon", "GET /healthz HTTP/1.1\r\nHost: t\r\nNoColon\r\n\r\n",
        {400}, closed);
    row("RFC9112 5 field line with empty name", "GET /healthz HTTP/1.1\r\nHost: t\r\n: x\r\n\r\n",
        {400}, closed);
    row("RFC9110 5.5 NUL in a field value",
        bytes("GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n"), {400}, closed);
    row("RFC9110 5.5 control character 0x01 in a field value",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX: a\x01z\r\n\r\n", {400}, closed);
    row("RFC9110 5.1 DEL in a field name", "GET /healthz HTTP/1.1\r\nHost: t\r\nX\x7fY: a\r\n\r\n",
        {400}, closed);
    row("RFC9110 5.1 non-token character in a field name",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX(Y): a\r\n\r\n", {400}, closed);
    row("RFC9112 3 NUL in the request target", bytes("GET /heal\0thz HTTP/1.1\r\nHost: t\r\n\r\n"),
        {400}, closed);
    row("RFC9112 3 two spaces in the request line", "GET  /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 3 tab as separator in the request line",
        "GET\t/healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400}, closed);
}

void tst_HostileInput::addChunked()
{
    const After closed = After::Closed;
    row("RFC9112 7.1 chunk size not hex", chunkedPut("5\r\nhello\r\nzz\r\nabc\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size overflow (17 hex digits)",
        chunkedPut("5\r\nhello\r\n1ffffffffffffffff\r\nabc\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk size overflow in a JSON body",
        chunkedJob("100000000000000002\r\n{}\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 negative chunk size", chunkedPut("-5\r\nhello\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk size with 0x prefix", chunkedPut("0x5\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size with leading space", chunkedPut(" 5\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 chunk size with trailing space", chunkedPut("5 \r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 empty chunk size line", chunkedPut("\r\nhello\r\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.1 chunk extension ended by bare LF", chunkedPut("5;a=b\nhello\r\n0\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.1 chunk line ended by bare LF", chunkedPut("5\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1.1 oversized chunk extension",
        chunkedPut("5;x=" + QByteArray(17 * 1024, 'e') + "\r\nhello\r\n0\r\n\r\n"), {413}, closed);
    row("RFC9112 7.1 missing CRLF after chunk data", chunkedPut("5\r\nhelloXX0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 bare LF after chunk data", chunkedPut("5\r\nhello\n0\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1 chunk data longer than its size", chunkedPut("3\r\nhello\r\n0\r\n\r\n"), {400},
        closed);
    row("RFC9112 7.1 bad chunk in a JSON body creates no job", chunkedJob("2\r\n{}XX0\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.2 trailer with Content-Length",
        chunkedPut("5\r\nhello\r\n0\r\nContent-Length: 5\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.2 trailer with Transfer-Encoding",
        chunkedPut("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"), {400}, closed);
    row("RFC9112 7.1.2 trailer with Host", chunkedPut("5\r\nhello\r\n0\r\nHost: evil\r\n\r\n"),
        {400}, closed);
    row("RFC9112 7.1.2 trailer with Authorization",
        chunkedPut("5\r\nhello\r\n0\r\nAuthorization: Bearer x\r\n\r\n"), {400}, closed);
    // RFC 9112 §5.2 lets a server replace an obs-fold with SP instead of
    // rejecting it; Beast does that, and trailer fields are not used anyway
    // (those whose names matter are refused above). The fold cannot start a
    // field of its own:
    row("RFC9112 5.2 obs-fold in a trailer is unfolded, not a new field",
        chunkedPut("5\r\nhello\r\n0\r\nX-A: a\r\n Content-Length: 5\r\n\r\n"), {201}, After::Usable,
        1);
    row("RFC9112 5.1 trailer with space before colon",
        chunkedPut("5\r\nhello\r\n0\r\nX-A : a\r\n\r\n"), {400}, closed);
    row("RFC9112 2.2 trailer with bare LF", chunkedPut("5\r\nhello\r\n0\r\nX-A: a\n\r\n"), {400},
        closed);
    row("RFC9110 5.5 trailer with NUL", chunkedPut(bytes("5\r\nhello\r\n0\r\nX-A: a\0b\r\n\r\n")),
        {400}, closed);
    row("RFC9112 7.1.2 harmless trailer is ignored",
        chunkedPut("5\r\nhello\r\n0\r\nX-Note: fine\r\n\r\n"), {201}, After::Usable, 1);
}

void tst_HostileInput::addLimitsMethodsVersions()
{
    const After closed = After::Closed;
    row("RFC9112 3 request line over max_request_line_bytes: 414",
        getAs("alice", "/jobs/" + QByteArray(9000, 'a')), {414}, closed);
    row("RFC9112 3 upload file name over max_request_line_bytes: 414",
        put(QByteArray(9000, 'n') + ".txt"), {414}, closed);
    row("RFC6585 5 field section over max_header_bytes: 431",
        "GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: " + QByteArray(17 * 1024, 'b') + "\r\n\r\n",
        {431}, closed);
    QByteArray many;
    for (int i = 0; i < 101; ++i)
        many += "X-F" + QByteArray::number(i) + ": v\r\n";
    row("RFC6585 5 more than max_header_fields: 431",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n" + many + "\r\n", {431}, closed);

    row("RFC9110 9.1 unknown method: 501", "FOO /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {501},
        closed);
    row("RFC9110 9.1 methods are case-sensitive: 501", "get /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {501}, closed);
    row("RFC9110 9.3.8 TRACE: 501", "TRACE /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {501}, closed);
    row("RFC9110 9.3.6 CONNECT: 501", "CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n", {501},
        closed);
    row("RFC9110 9.1 method with a non-token character",
        "GE(T /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400}, closed);
    row("RFC9110 15.5.6 DELETE /healthz: 405", "DELETE /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {405},
        After::Usable);
    row("RFC9110 15.5.6 PUT /jobs: 405", withBody("PUT /jobs HTTP/1.1\r\nHost: t\r\n", "{}"), {405},
        After::Either);
    row("RFC9110 15.5.6 POST /uploads/{id}: 405",
        withBody("POST /uploads/{alice-upload} HTTP/1.1\r\nHost: t\r\n" + auth("alice"), "x"),
        {405}, After::Either);
    row("RFC9110 15.5.6 PATCH /jobs/{id}: 405",
        withBody("PATCH /jobs/{alice-job} HTTP/1.1\r\nHost: t\r\n" + auth("alice"), "{}"), {405},
        After::Either);
    row("RFC9112 2.3 HTTP/2.0: 505", "GET /healthz HTTP/2.0\r\nHost: t\r\n\r\n", {505}, closed);
    row("RFC9112 2.3 HTTP/1.2: 505", "GET /healthz HTTP/1.2\r\nHost: t\r\n\r\n", {505}, closed);
    row("RFC9113 3.4 HTTP/2 connection preface: 505", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", {505},
        closed);
    row("RFC9112 2.3 version is case-sensitive", "GET /healthz http/1.1\r\nHost: t\r\n\r\n", {400},
        closed);
    row("RFC9112 2.3 malformed version HTTP/1.1x", "GET /healthz HTTP/1.1x\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 2.3 malformed version HTTP/01.1", "GET /healthz HTTP/01.1\r\nHost: t\r\n\r\n",
        {400}, closed);
    row("RFC9112 2.3 HTTP/0.9 simple request", "GET /healthz\r\n\r\n", {400}, closed);
    row("RFC9112 2.3 HTTP/1.0 without Host is served", "GET /healthz HTTP/1.0\r\n\r\n", {200},
        closed);
}

void tst_HostileInput::addHost()
{
    const After closed = After::Closed;
    row("RFC9112 3.2 missing Host", "GET /healthz HTTP/1.1\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 two Host fields", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 two Host fields on HTTP/1.0",
        "GET /healthz HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 Host as a list", "GET /healthz HTTP/1.1\r\nHost: a, b\r\n\r\n", {400}, closed);
    row("RFC9112 3.2 Host with a space", "GET /healthz HTTP/1.1\r\nHost: exa mple\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with userinfo", "GET /healthz HTTP/1.1\r\nHost: user@evil\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with a path", "GET /healthz HTTP/1.1\r\nHost: t/evil\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with a bad port", "GET /healthz HTTP/1.1\r\nHost: t:80x\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2 Host with IPv6 literal and port",
        "GET /healthz HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n", {200}, After::Usable);
    row("RFC9112 3.2 empty Host is allowed", "GET /healthz HTTP/1.1\r\nHost:\r\n\r\n", {200},
        After::Usable);
    row("RFC9112 3.2.2 absolute-form: its authority wins",
        "GET http://other.example/healthz HTTP/1.1\r\nHost: t\r\n\r\n", {200}, After::Usable);
    row("RFC9112 3.2.4 asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\nHost: t\r\n\r\n", {400},
        closed);
    row("RFC9112 3.2.3 authority-form outside CONNECT", "GET t:80 HTTP/1.1\r\nHost: t\r\n\r\n",
        {400}, closed);
}

void tst_HostileInput::addPaths()
{
    struct Attack
    {
        const char *name;
        QByteArray id;
        int status;
    };
    // The path is percent-decoded before it is split, so an encoded slash
    // makes more segments (no route: 404), and never reaches a file name.
    const Attack attacks[] = {
        {"RFC3986 5.2.4 dot segments ../", "../../../etc/passwd", 404},
        {"RFC3986 2.1 encoded dot segments %2e%2e", "%2e%2e", 404},
        {"RFC3986 2.1 encoded traversal ..%2f", "..%2f..%2fetc%2fpasswd", 404},
        {"RFC3986 2.4 double encoding %252e%252e%252f", "%252e%252e%252fetc", 404},
        {"RFC3986 2.1 encoded NUL %00", "j%00", 400},
        {"RFC3629 3 overlong UTF-8 %c0%af", "%c0%af..%c0%afetc", 400},
    };
    const char *routes[] = {"/jobs/%1", "/jobs/%1/result", "/uploads/%1", "/uploads/%1/content",
                            "/uploads/%1/thumbnail"};
    for (const char *route : routes) {
        for (const Attack &a : attacks) {
            const QByteArray path = QByteArray(route).replace("%1", a.id);
            const QByteArray name
                = QByteArray(QByteArray(a.name) + " on GET " + route).replace("%1", "{id}");
            row(name.constData(), getAs("alice", path), {a.status},
                a.status == 400 ? After::Closed : After::Usable);
        }
    }
    for (const Attack &a : attacks) {
        const QByteArray name = QByteArray(a.name) + " on DELETE /uploads/{id}";
        row(name.constData(),
            "DELETE /uploads/" + a.id + " HTTP/1.1\r\nHost: t\r\n" + auth("alice") + "\r\n",
            {a.status}, a.status == 400 ? After::Closed : After::Usable);
    }

    // PUT /uploads/{filename}: a name is made safe, never refused for its
    // shape (decision 0006); what no segment can hold never matches the route.
    row("RFC3986 5.2.4 dot segments ../ on PUT /uploads/{filename}", put("../../etc/passwd"), {404},
        After::Either);
    row("RFC3986 2.1 encoded traversal ..%2f on PUT /uploads/{filename}",
        put("..%2f..%2fetc%2fpasswd"), {404}, After::Either);
    row("RFC3986 2.1 encoded dot segments %2e%2e on PUT /uploads/{filename}", put("%2e%2e"), {201},
        After::Usable, 1);
    row("RFC3986 2.4 double encoding %252e%252e%252f on PUT /uploads/{filename}",
        put("%252e%252e%252fpasswd"), {201}, After::Usable, 1);
    row("RFC3986 2.1 encoded backslashes on PUT /uploads/{filename}", put("..%5c..%5cwin.ini"),
        {201}, After::Usable, 1);
    row("RFC3986 2.1 hidden file %2ebashrc on PUT /uploads/{filename}", put("%2ebashrc"), {201},
        After::Usable, 1);
    row("RFC3986 2.1 encoded CR LF on PUT /uploads/{filename}", put("a%0d%0aSet-Cookie:%20x=1.txt"),
        {201}, After::Usable, 1);
    row("RFC3986 2.1 encoded NUL %00 on PUT /uploads/{filename}", put("evil%00.txt"), {400},
        After::Closed);
    row("RFC3629 3 overlong UTF-8 %c0%af on PUT /uploads/{filename}", put("..%c0%af..%c0%afx"),
        {400}, After::Closed);
    row("RFC3986 3.3 300-character name on PUT /uploads/{filename}",
        put(QByteArray(300, 'n') + ".txt"), {201}, After::Usable, 1);
}

void tst_HostileInput::addExpect()
{
    // Only the head is sent: each answer must come without the body, and
    // never as 100 Continue.
    const QByteArray expect = "Expect: 100-continue\r\n";
    row("RFC9110 10.1.1 Expect, over max_upload_bytes: 413 before the body",
        putHead("big.txt") + expect + "Content-Length: 2000000\r\n\r\n", {413}, After::Either);
    row("RFC9110 10.1.1 Expect, no token: 401 before the body",
        "PUT /uploads/a.txt HTTP/1.1\r\nHost: t\r\n" + expect + "Content-Length: 1000\r\n\r\n",
        {401}, After::Either);
    row("RFC9110 10.1.1 Expect, wrong token: 401 before the body",
        "PUT /uploads/a.txt HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer nope\r\n" + expect
            + "Content-Length: 1000\r\n\r\n",
        {401}, After::Either);
    row("RFC9110 10.1.1 Expect, not an admin: 403 before the body",
        "POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("bob") + expect + "Content-Length: 100\r\n\r\n",
        {403}, After::Either);
    row("RFC9110 10.1.1 Expect, type not allowed: 415 before the body",
        putHead("a.so") + expect
            + "Content-Type: application/x-sharedlib\r\nContent-Length: 1000\r\n\r\n",
        {415}, After::Either);
    row("RFC9110 10.1.1 Expect, no route: 404 before the body",
        "PUT /nowhere HTTP/1.1\r\nHost: t\r\n" + expect + "Content-Length: 1000\r\n\r\n", {404},
        After::Either);
    row("RFC9110 10.1.1 unknown expectation: 417",
        putHead("a.txt") + "Expect: 200-ok\r\nContent-Length: 1000\r\n\r\n", {417}, After::Closed);
    row("RFC9110 10.1.1 Expect with a list: 417",
        putHead("a.txt") + "Expect: 100-continue, x\r\nContent-Length: 1000\r\n\r\n", {417},
        After::Closed);
    row("RFC9110 10.1.1 Expect on HTTP/1.0 is ignored",
        "GET /healthz HTTP/1.0\r\nExpect: 200-ok\r\n\r\n", {200}, After::Closed);
    row("RFC9110 10.1.1 body sent without waiting for 100 Continue",
        withBody(putHead("eager.txt") + expect, "eager body\n"), {100, 201}, After::Usable, 1);
}

void tst_HostileInput::addPipelining()
{
    row("RFC9112 9.3 pipelined requests are answered in order",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n" + getAs("alice", "/jobs/nope")
            + "GET /api/status HTTP/1.1\r\nHost: t\r\n\r\n",
        {200, 404, 401}, After::Usable);
    row("RFC9112 9.3 a bad request after a good one",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nGET /healthz HTTP/1.1\r\n\r\n"
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {200, 400}, After::Closed);
    row("RFC9112 9.3 a smuggling attempt after a good one",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"
            + withBody("POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("admin")
                           + "Transfer-Encoding: chunked\r\n",
                       "0\r\n\r\n"),
        {200, 400}, After::Closed);
    row("RFC9112 6.3 a request inside a GET body is not served",
        withBody("GET /healthz HTTP/1.1\r\nHost: t\r\n",
                 "GET /api/status HTTP/1.1\r\nHost: t\r\n\r\n"),
        {200}, After::Either);
    row("RFC9112 6.3 bytes after the body are the next request",
        put("next.txt", "hello") + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {201, 200},
        After::Usable, 1);
    row("RFC9112 9.3 a pipelined request after a refused upload is not served",
        putHead("big.txt") + "Content-Length: 2000000\r\n\r\n"
            + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n",
        {413}, After::Either);
}

void tst_HostileInput::addMultipart()
{
    const QByteArray ok = form({filePart("filename=\"a.txt\"")});
    row("RFC7578 4.1 no boundary parameter", formRequest("multipart/form-data", ok), {400},
        After::Either);
    row("RFC2046 5.1.1 empty boundary", formRequest("multipart/form-data; boundary=", ok), {400},
        After::Either);
    row("RFC2046 5.1.1 boundary over 70 characters",
        formRequest("multipart/form-data; boundary=" + QByteArray(71, 'b'), ok), {400},
        After::Either);
    row("RFC2046 5.1.1 boundary with a character outside bchars",
        formRequest("multipart/form-data; boundary=a{b", ok), {400}, After::Either);
    row("RFC2046 5.1.1 boundary that does not occur", formRequest(formType().chopped(2), ok), {400},
        After::Either);
    row("RFC2046 5.1.1 unterminated: no close delimiter",
        formRequest(formType(), form({filePart("filename=\"a.txt\"")}, false)), {400},
        After::Either);
    row("RFC2046 5.1.1 unterminated: body ends inside a part",
        formRequest(formType(), "--" + Boundary + "\r\n" + filePart("filename=\"a.txt\"")), {400},
        After::Either);
    row("RFC2046 5.1.1 unterminated: body ends inside part headers",
        formRequest(formType(), "--" + Boundary + "\r\nContent-Disposition: form-data; name=\"f\""),
        {400}, After::Either);
    row("RFC7578 4.3 nested multipart/mixed",
        formRequest(formType(),
                    form({"Content-Disposition: form-data; name=\"f\"; filename=\"n.txt\"\r\n"
                          "Content-Type: multipart/mixed; boundary=inner\r\n\r\n"
                          "--inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--inner--"})),
        {415}, After::Either);
    QList<QByteArray> parts;
    for (int i = 0; i < 9; ++i)
        parts.append("Content-Disposition: form-data; name=\"f" + QByteArray::number(i)
                     + "\"\r\n\r\nvalue");
    row("RFC7578 7 more parts than max_multipart_parts", formRequest(formType(), form(parts)),
        {413}, After::Either);
    row("RFC7578 4.8 part header over max_multipart_part_header_bytes",
        formRequest(formType(),
                    form({filePart("filename=\"a.txt\"", "x",
                                   "X-Pad: " + QByteArray(2000, 'p') + "\r\n")})),
        {413}, After::Either);
    row("RFC7578 4.7 Content-Transfer-Encoding",
        formRequest(formType(),
                    form({filePart("filename=\"a.txt\"",
                                   "aGk=", "Content-Transfer-Encoding: base64\r\n")})),
        {415}, After::Either);
    row("RFC7578 4.2 part without Content-Disposition",
        formRequest(formType(), form({"Content-Type: text/plain\r\n\r\nx"})), {400}, After::Either);
    row("RFC7578 4.2 part header without colon",
        formRequest(formType(), form({"Content-Disposition form-data\r\n\r\nx"})), {400},
        After::Either);
    row("RFC7578 4.2 NUL in a part header",
        formRequest(formType(), form({filePart(bytes("filename=\"a\0.txt\""))})), {400},
        After::Either);
    row("RFC7578 4 request that is not multipart/form-data", formRequest("text/plain", ok), {415},
        After::Either);
    row("RFC9110 11.6.2 multipart without a token", formRequest(formType(), ok, {}), {401},
        After::Either);
    row("RFC7578 4.2 filename ../../etc/passwd",
        formRequest(formType(), form({filePart("filename=\"../../etc/passwd\"")})), {201},
        After::Usable, 1);
    row("RFC7578 4.2 filename with encoded CR LF",
        formRequest(formType(), form({filePart("filename=\"a%0D%0ASet-Cookie: x.txt\"")})), {201},
        After::Usable, 1);
    row("RFC7578 4.2 filename with a raw CR",
        formRequest(formType(), form({filePart("filename=\"a\rb.txt\"")})), {400}, After::Either);
    row("RFC7578 4.2 filename of 300 characters",
        formRequest(formType(), form({filePart("filename=\"" + QByteArray(300, 'f') + ".txt\"")})),
        {201}, After::Usable, 1);
    row("RFC8187 3.2 filename* with encoded traversal",
        formRequest(formType(),
                    form({filePart("filename*=UTF-8''..%2F..%2F.ssh%2Fauthorized_keys")})),
        {201}, After::Usable, 1);
    row("RFC7578 4.2 windows device name",
        formRequest(formType(), form({filePart("filename=\"CON.txt\"")})), {201}, After::Usable, 1);
}

void tst_HostileInput::addAuth()
{
    const After usable = After::Usable;
    row("RFC9110 11.6.2 no Authorization", "GET /jobs HTTP/1.1\r\nHost: t\r\n\r\n", {401}, usable);
    row("RFC6750 2.1 unknown bearer token",
        "GET /jobs HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer sluice_nope\r\n\r\n", {401},
        usable);
    row("RFC6750 2.1 token with extra characters",
        "GET /jobs HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {alice}x\r\n\r\n", {401}, usable);
    row("RFC6750 2.1 empty bearer",
        "GET /jobs HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer\r\n\r\n", {401}, usable);
    row("RFC7617 2 Basic scheme",
        "GET /jobs HTTP/1.1\r\nHost: t\r\nAuthorization: Basic YWxpY2U6eA==\r\n\r\n", {401},
        usable);
    row("RFC9110 5.3 two Authorization fields",
        "GET /jobs HTTP/1.1\r\nHost: t\r\n" + auth("alice") + auth("bob") + "\r\n", {400},
        After::Closed);
    row("RFC9110 5.3 two Content-Type fields",
        formRequest(formType() + "\r\nContent-Type: text/plain",
                    form({filePart("filename=\"a.txt\"")})),
        {400}, After::Closed);
    row("RFC9110 15.5.4 not an admin submits a job",
        withBody("POST /jobs HTTP/1.1\r\nHost: t\r\n" + auth("bob")
                     + "Content-Type: application/json\r\n",
                 R"({"kind":"selftest"})"),
        {403}, After::Either);

    // Another account's ids answer exactly like ids that do not exist.
    const QByteArray unknownUpload = "u0123456789abcdef0123456789abcdef";
    const QByteArray unknownJob = "AAAAAAAAAAAAAAAAAAAAAA";
    struct Probe
    {
        const char *method;
        const char *path;
    };
    const Probe probes[] = {{"GET", "/uploads/%1"},
                            {"GET", "/uploads/%1/content"},
                            {"GET", "/uploads/%1/thumbnail"},
                            {"DELETE", "/uploads/%1"},
                            {"GET", "/jobs/%2"},
                            {"GET", "/jobs/%2/result"},
                            {"POST", "/jobs/%2/cancel"},
                            {"POST", "/jobs/%2/retry"},
                            {"DELETE", "/jobs/%2"}};
    for (const Probe &p : probes) {
        const QByteArray method = p.method;
        const auto make = [&](const QByteArray &upload, const QByteArray &job) -> QByteArray {
            const QByteArray path = QByteArray(p.path).replace("%1", upload).replace("%2", job);
            return method + ' ' + path + " HTTP/1.1\r\nHost: t\r\n" + auth("bob")
                + (method == "POST" ? "Content-Length: 0\r\n" : "") + "\r\n";
        };
        const QByteArray route
            = method + ' ' + QByteArray(p.path).replace("%1", "{id}").replace("%2", "{id}");
        row(QByteArray("RFC9110 15.5.5 other account's id on " + route).constData(),
            make("{alice-upload}", "{alice-job}"), {404}, usable);
        row(QByteArray("RFC9110 15.5.5 unknown id on " + route).constData(),
            make(unknownUpload, unknownJob), {404}, usable);
    }
}

void tst_HostileInput::addConnection()
{
    row("RFC9112 9.5 idle connection is closed without a response", {}, {}, After::Closed);
    row("RFC9112 9.6 client half-closes inside the head",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n" + Shut.toByteArray(), {}, After::Closed);
    row("RFC9112 6.3 body shorter than Content-Length, client half-closes",
        putHead("short.txt") + "Content-Length: 100000\r\n\r\n" + QByteArray(3000, 's')
            + Shut.toByteArray(),
        {}, After::Closed);
    row("RFC9112 9.5 head not complete within header_deadline_ms: 408",
        "GET /healthz HTTP/1.1\r\nHost: t\r\n", {408}, After::Closed);
    row("RFC9112 9.5 body stalls for body_idle_timeout_ms: 408",
        putHead("stall.txt") + "Content-Length: 100000\r\n\r\n" + QByteArray(3000, 's'), {408},
        After::Closed);
    row("RFC9112 2.2 a few empty lines before the request are skipped",
        "\r\n\r\nGET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {200}, After::Usable);
    row("RFC9112 2.2 many empty lines before the request",
        QByteArray("\r\n").repeated(40) + "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", {400},
        After::Closed);
    row("RFC8446 5.1 TLS ClientHello on the plain port",
        bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"), {400}, After::Closed);
}

void tst_HostileInput::catalogue()
{
    QFETCH(QByteArray, raw);
    QFETCH(QList<int>, statuses);
    QFETCH(After, after);
    QFETCH(int, uploadsCreated);

    if (!m_service)
        m_service = std::make_unique<CatalogueService>();
    QVERIFY(m_service->ready);
    CatalogueService &s = *m_service;
    const QStringList storedBefore = s.storedFiles();
    const qint64 jobsBefore = s.jobTotal();
    QVERIFY(jobsBefore >= 1);

    const bool halfClose = raw.endsWith(Shut);
    if (halfClose)
        raw.chop(Shut.size());
    RawClient client(s.port);
    QVERIFY(client.isOpen());
    client.send(s.expand(raw));
    if (halfClose)
        QCOMPARE(::shutdown(int(client.socket().socketDescriptor()), SHUT_WR), 0);

    QList<QString> created;
    for (const int expected : statuses) {
        const Reply r = client.read(5000);
        QVERIFY2(r.status == expected,
                 qPrintable(u"got %1, expected %2: %3"_s.arg(r.status).arg(expected).arg(
                     QString::fromUtf8(r.body))));
        if (r.status != 201)
            continue;
        QVERIFY2(!r.headers.contains("set-cookie"), "a header was injected");
        const QJsonObject json = QJsonDocument::fromJson(r.body).object();
        const QJsonArray list
            = json.contains(u"uploads"_s) ? json.value(u"uploads"_s).toArray() : QJsonArray {json};
        for (const QJsonValue &upload : list) {
            const QString name = upload.toObject().value(u"name"_s).toString();
            QVERIFY2(isSafeName(name), qPrintable(name));
            created.append(upload.toObject().value(u"id"_s).toString());
        }
    }
    switch (after) {
    case After::Usable:
        client.send(get("/healthz"));
        QCOMPARE(client.read().status, 200);
        break;
    case After::Closed:
        QVERIFY(client.waitForClose(5000));
        QCOMPARE(client.read(100).status, 0); // nothing more was sent
        break;
    case After::Either:
        break;
    }
    QCOMPARE(created.size(), uploadsCreated);

    // The service is unharmed, and nothing was left or created.
    QCOMPARE(request(s.port, get("/healthz")).status, 200);
    QTRY_VERIFY2(s.tempFiles().isEmpty(), qPrintable(s.tempFiles().join(u' ')));
    QTRY_COMPARE(s.uploadsInFlight(), 0);
    QStringList expectedStored = storedBefore;
    expectedStored.append(created);
    expectedStored.sort();
    QTRY_COMPARE(s.storedFiles(), expectedStored);
    QTRY_COMPARE(s.jobTotal(), jobsBefore + created.size()); // one processing job per upload
    for (const QString &id : std::as_const(created)) {
        const Reply removed
            = request(s.port,
                      "DELETE /uploads/" + id.toLatin1() + " HTTP/1.1\r\nHost: t\r\n"
                          + bearer(QString::fromLatin1(s.token("alice"))) + "\r\n");
        QCOMPARE(removed.status, 204);
    }
    QTRY_COMPARE(s.storedFiles(), storedBefore);
}

QTEST_GUILESS_MAIN(tst_HostileInput)
#include "tst_hostileinput.moc"
