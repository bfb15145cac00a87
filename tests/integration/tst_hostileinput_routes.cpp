// The hostile input catalogue: raw bytes over a socket against the real
// service, one row per attack, each named after the RFC section it exercises.
// After every row the service still answers /healthz, holds no temp file, and
// a rejected request has created no upload and no job (the checks are in
// tests/support/hostilecatalogue.cpp, shared by every part of the catalogue).
//
// This part: what reaches the routes — paths and file names, multipart
// forms, and authorization. Rows whose request is legal (a hostile file name
// is made safe, not refused) check the stored name and delete the upload
// again, so that every row starts from the same state.
#include "hostilecatalogue.h"

#include <QTest>

using namespace sluice::test;
using namespace sluice::test::hostile;

class tst_HostileInputRoutes : public QObject
{
    Q_OBJECT
private slots:
    void catalogue_data();
    void catalogue() { runRow(m_service); }
    void cleanupTestCase() { m_service.reset(); }

private:
    void addPaths();
    void addMultipart();
    void addAuth();

    std::unique_ptr<CatalogueService> m_service;
};

void tst_HostileInputRoutes::catalogue_data()
{
    addColumns();
    addPaths();
    addMultipart();
    addAuth();
}

void tst_HostileInputRoutes::addPaths()
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

void tst_HostileInputRoutes::addMultipart()
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

void tst_HostileInputRoutes::addAuth()
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

QTEST_GUILESS_MAIN(tst_HostileInputRoutes)
#include "tst_hostileinput_routes.moc"
