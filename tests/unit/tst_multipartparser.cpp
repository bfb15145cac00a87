// The multipart/form-data reader against a catalogue of bodies, each fed
// whole, in two pieces at every split point, one byte at a time and in
// random pieces; plus the catalogue of bodies it must refuse.
#include "multiparttesting.h"
#include "upload/multipartparser.h"

#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice::upload;
using namespace sluice::test;

namespace {

struct ExpectedPart
{
    QString name;
    std::optional<QString> fileName;
    QByteArray content;
    QByteArray contentType;
};

const QByteArray kBoundary = "----SluiceTestBoundary7MA4YWxkTrZu0gW";

ExpectedPart fieldPart(const QString &name, const QByteArray &value)
{
    return {name, std::nullopt, value, {}};
}

ExpectedPart filePart(const QString &name, const QString &fileName, const QByteArray &content,
                      const QByteArray &type = "application/octet-stream")
{
    return {name, fileName, content, type};
}

BodyPart field(const QByteArray &name, const QByteArray &value)
{
    return {name, std::nullopt, {}, value, {}};
}

BodyPart file(const QByteArray &name, const QByteArray &fileName, const QByteArray &content,
              const QByteArray &type = "application/octet-stream")
{
    return {name, fileName, type, content, {}};
}

// Binary content holding what a careless reader takes for a delimiter:
// boundary fragments, a boundary without its CRLF, boundaries followed by
// something other than CRLF or "--", stray CRs, and random bytes.
QByteArray trickyContent(const QByteArray &boundary)
{
    QByteArray content = "\r\n--" + boundary + "X" + "\r\n--" + boundary.left(5) + "--" + boundary
        + "\r\n" + "\r\n--" + boundary + " \t!" + "\r\n--" + boundary + "-x" + "\r\n--" + boundary
        + "  \rZ" + "\r\r\n\r\n-\r\n--\r" + "\r\n--" + boundary + "-\r\n--" + boundary + "\r\r\n-";
    QRandomGenerator random(7);
    for (int i = 0; i < 2000; ++i)
        content += char(i % 5 == 0 ? '\r' : random.bounded(256));
    return content + "\r";
}

QString compare(const RecordingHandler &handler, const QList<ExpectedPart> &expected)
{
    if (!handler.protocolErrors.isEmpty())
        return handler.protocolErrors.join(u"; "_s);
    if (handler.parts.size() != expected.size())
        return u"%1 parts, expected %2"_s.arg(handler.parts.size()).arg(expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const RecordedPart &got = handler.parts.at(i);
        const ExpectedPart &want = expected.at(i);
        if (got.part.name != want.name || got.part.fileName != want.fileName
            || got.part.isFile() != got.file || !got.ended || got.aborted) {
            return u"part %1: name %2, file name %3, ended %4, aborted %5"_s.arg(i)
                .arg(got.part.name, got.part.fileName.value_or(u"(none)"_s))
                .arg(got.ended)
                .arg(got.aborted);
        }
        if (got.content != want.content) {
            return u"part %1: %2 content bytes differ from the %3 sent"_s.arg(i)
                .arg(got.content.size())
                .arg(want.content.size());
        }
        if (got.part.contentType != want.contentType)
            return u"part %1: Content-Type %2"_s.arg(i).arg(
                QLatin1StringView(got.part.contentType));
    }
    return {};
}

// Parses `body` cut at `cuts`; empty when everything matched.
QString parseAndCompare(const QByteArray &boundary, const QByteArray &body,
                        const QList<qsizetype> &cuts, const QList<ExpectedPart> &expected)
{
    RecordingHandler handler;
    MultipartParser parser(boundary, {}, handler);
    const MultipartResult result = feedSplit(parser, body, cuts);
    if (!result)
        return u"error: "_s + result.error().message;
    if (!parser.isComplete())
        return u"not complete"_s;
    qsizetype largestPiece = body.size() - (cuts.isEmpty() ? 0 : cuts.last());
    for (qsizetype i = 0, from = 0; i < cuts.size(); from = cuts.at(i++))
        largestPiece = std::max(largestPiece, cuts.at(i) - from);
    if (handler.largestData > std::max<qsizetype>(largestPiece, boundary.size() + 4))
        return u"partData got %1 bytes at once"_s.arg(handler.largestData);
    return compare(handler, expected);
}

} // namespace

Q_DECLARE_METATYPE(QList<ExpectedPart>)
Q_DECLARE_METATYPE(sluice::upload::MultipartLimits)

class tst_MultipartParser : public QObject
{
    Q_OBJECT
private slots:
    void parts_data();
    void parts();
    void errors_data();
    void errors();
};

void tst_MultipartParser::parts_data()
{
    QTest::addColumn<QByteArray>("boundary");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<QList<ExpectedPart>>("expected");

    const QByteArray &b = kBoundary;
    const auto row = [&](const char *tag, const QList<BodyPart> &parts,
                         const QList<ExpectedPart> &expected, const QByteArray &preamble = {},
                         const QByteArray &epilogue = {}) {
        QTest::addRow("%s", tag) << b << multipartBody(b, parts, preamble, epilogue) << expected;
    };

    row("one file", {file("upload", "notes.txt", "hello\n", "text/plain")},
        {filePart(u"upload"_s, u"notes.txt"_s, "hello\n", "text/plain")});
    const QByteArray tricky = trickyContent(b);
    row("files and fields",
        {field("title", "Quarterly report"), file("a", "a.csv", "x,y\r\n1,2\r\n", "text/csv"),
         field("comment", "line one\r\nline two"), file("b", "b.bin", tricky), field("empty", "")},
        {fieldPart(u"title"_s, "Quarterly report"),
         filePart(u"a"_s, u"a.csv"_s, "x,y\r\n1,2\r\n", "text/csv"),
         fieldPart(u"comment"_s, "line one\r\nline two"), filePart(u"b"_s, u"b.bin"_s, tricky),
         fieldPart(u"empty"_s, "")});
    row("empty file", {file("f", "empty.txt", "")}, {filePart(u"f"_s, u"empty.txt"_s, "")});
    row("binary with boundary fragments", {file("f", "tricky.bin", tricky)},
        {filePart(u"f"_s, u"tricky.bin"_s, tricky)});
    row("content ends in CR and dashes", {file("f", "x", "abc\r\n-"), field("g", "\r\n--")},
        {filePart(u"f"_s, u"x"_s, "abc\r\n-"), fieldPart(u"g"_s, "\r\n--")});
    row("preamble and epilogue", {field("a", "1")}, {fieldPart(u"a"_s, "1")},
        "This is the preamble. --" + b.left(10) + "\r\n--" + b + "x\r\n",
        "--" + b + "\r\nContent-Disposition: form-data; name=\"ignored\"\r\n\r\nx\r\n--" + b
            + "--\r\n");
    row("empty file name", {file("f", "", "")}, {filePart(u"f"_s, u"upload"_s, "")});
    row("hostile file names",
        {file("a", "../../etc/passwd", "1"), file("b", "..\\..\\win.ini", "2"),
         file("c", "evil%0D%0AX-Injected: 1.txt", "3"),
         file("d", QByteArray(300, 'n') + ".txt", "4"), file("e", "...", "5")},
        {filePart(u"a"_s, u"passwd"_s, "1"), filePart(u"b"_s, u"win.ini"_s, "2"),
         filePart(u"c"_s, u"evil%0D%0AX-Injected_ 1.txt"_s, "3"),
         filePart(u"d"_s, QString(251, u'n') + u".txt"_s, "4"),
         filePart(u"e"_s, u"upload"_s, "5")});
    row("UTF-8 names", {file("fichier", "résumé 📄.pdf", "%PDF"), field("café", "☕")},
        {filePart(u"fichier"_s, u"résumé 📄.pdf"_s, "%PDF"), fieldPart(u"café"_s, "☕")});
    row("no parts", {}, {});

    // Bodies written out by hand.
    const auto raw = [&](const char *tag, const QByteArray &body, const QList<ExpectedPart> &e) {
        QTest::addRow("%s", tag) << b << body << e;
    };
    const QByteArray d = "--" + b;
    raw("transport padding",
        d + " \t \r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" + d + "\t\r\n"
            + "Content-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n" + d + "--  \r\n",
        {fieldPart(u"a"_s, "1"), fieldPart(u"b"_s, "2")});
    raw("CRLF before the first boundary",
        "\r\n" + d + "\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" + d + "--",
        {fieldPart(u"a"_s, "1")});
    raw("no headers but Content-Disposition, no final CRLF",
        d + "\r\ncontent-disposition: FORM-DATA; NAME=token_name\r\n\r\nv\r\n" + d + "--",
        {fieldPart(u"token_name"_s, "v")});
    raw("filename* preferred",
        d
            + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"EUR rates.txt\"; "
              "filename*=UTF-8''%e2%82%ac%20rates.txt\r\n\r\nx\r\n"
            + d + "--\r\n",
        {filePart(u"f"_s, u"€ rates.txt"_s, "x", {})});
    raw("filename* with CR LF NUL and path",
        d
            + "\r\nContent-Disposition: form-data; name=\"f\"; "
              "filename*=utf-8'en'..%2F..%2Fevil%0D%0A%00.sh\r\n\r\nx\r\n"
            + d + "--\r\n",
        {filePart(u"f"_s, u"evil.sh"_s, "x", {})});
    raw("escaped quote and Windows path in filename",
        d
            + "\r\nContent-Disposition: form-data; name=\"f\"; "
              "filename=\"C:\\Users\\me\\say \\\"hi\\\".txt\"\r\n\r\nx\r\n"
            + d + "--\r\n",
        {filePart(u"f"_s, u"say _hi_.txt"_s, "x", {})});
    raw("identity transfer encoding and extra headers",
        d
            + "\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n"
              "Content-Transfer-Encoding: binary\r\nX-Custom:  spaced  \r\n\r\nx\r\n"
            + d + "--\r\n",
        {filePart(u"f"_s, u"a"_s, "x", {})});

    // curl -F 'title=Hi there' -F 'file=@notes.txt;type=text/plain', as
    // curl 7.88 writes it (24 dashes, 16 hex digits, %22 for quotes).
    const QByteArray curlBoundary = QByteArray(24, '-') + "c2f6977e5136e54e";
    const QByteArray curlBody = "--" + curlBoundary + "\r\n"
        + "Content-Disposition: form-data; name=\"title\"\r\n\r\nHi there\r\n--" + curlBoundary
        + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"we%22ird name.txt\"\r\n"
        + "Content-Type: text/plain\r\n\r\nhello\n\r\n--" + curlBoundary + "--\r\n";
    const auto curlHeader = MultipartParser::boundaryFromContentType(
        QByteArray("multipart/form-data; boundary=" + curlBoundary));
    QVERIFY(curlHeader.hasValue());
    QTest::addRow("curl -F style")
        << *curlHeader << curlBody
        << QList<ExpectedPart> {
               fieldPart(u"title"_s, "Hi there"),
               filePart(u"file"_s, u"we%22ird name.txt"_s, "hello\n", "text/plain")};
    // Chrome's shape: WebKitFormBoundary, an image, a field after the file.
    const QByteArray chromeBoundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    QByteArray png = "\x89PNG\r\n\x1a\n"_ba + QByteArray(300, '\0') + "\r\n--" + chromeBoundary
        + "\t\x01" + QByteArray(100, '\xff');
    QTest::addRow("browser style")
        << chromeBoundary
        << multipartBody(
               chromeBoundary,
               {file("avatar", "me.png", png, "image/png"), field("caption", "Me, \"quoted\"")})
        << QList<ExpectedPart> {filePart(u"avatar"_s, u"me.png"_s, png, "image/png"),
                                fieldPart(u"caption"_s, "Me, \"quoted\"")};
}

void tst_MultipartParser::parts()
{
    QFETCH(QByteArray, boundary);
    QFETCH(QByteArray, body);
    QFETCH(QList<ExpectedPart>, expected);

    QString problem = parseAndCompare(boundary, body, {}, expected);
    QVERIFY2(problem.isEmpty(), qPrintable(u"whole: "_s + problem));

    // Two pieces, split at every position: every delimiter straddles a cut once.
    for (qsizetype cut = 1; cut < body.size(); ++cut) {
        problem = parseAndCompare(boundary, body, {cut}, expected);
        QVERIFY2(problem.isEmpty(), qPrintable(u"split at %1: "_s.arg(cut) + problem));
    }

    QList<qsizetype> everyByte;
    for (qsizetype cut = 1; cut < body.size(); ++cut)
        everyByte << cut;
    problem = parseAndCompare(boundary, body, everyByte, expected);
    QVERIFY2(problem.isEmpty(), qPrintable(u"one byte at a time: "_s + problem));

    QRandomGenerator random(42);
    for (int round = 0; round < 50; ++round) {
        QList<qsizetype> cuts;
        for (qsizetype at = random.bounded(1, 80); at < body.size(); at += random.bounded(1, 80))
            cuts << at;
        problem = parseAndCompare(boundary, body, cuts, expected);
        QVERIFY2(problem.isEmpty(), qPrintable(u"random round %1: "_s.arg(round) + problem));
    }
}

void tst_MultipartParser::errors_data()
{
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<MultipartLimits>("limits");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("limit");
    QTest::addColumn<QString>("message");

    const QByteArray &b = kBoundary;
    const QByteArray d = "--" + b;
    const QByteArray cd = "Content-Disposition: form-data; name=\"f\"";
    const auto row = [](const char *tag, const QByteArray &body, int status, const QString &message,
                        const MultipartLimits &limits = {}, const QString &limit = {}) {
        QTest::addRow("%s", tag) << body << limits << status << limit << message;
    };
    const auto withHead = [&](const QByteArray &head) -> QByteArray {
        return d + "\r\n" + head + "\r\n\r\ndata\r\n" + d + "--\r\n";
    };

    row("no closing delimiter", d + "\r\n" + cd + "; filename=\"a\"\r\n\r\npartial", 400,
        u"before the closing boundary"_s);
    row("closing delimiter cut short", d + "\r\n" + cd + "\r\n\r\nv\r\n" + d + "-", 400,
        u"before the closing boundary"_s);
    row("ends in the headers", d + "\r\n" + cd + "\r\n", 400, u"inside the header of part 1"_s);
    row("no boundary at all", "just some text\r\n", 400, u"no boundary line"_s);
    row("other boundary", multipartBody("other", {field("a", "1")}), 400, u"no boundary line"_s);
    row("boundary without line end is not a delimiter", d + "X\r\n" + cd + "\r\n\r\n1\r\n", 400,
        u"no boundary line"_s);
    row("garbage after headers", withHead(cd + "\r\ngarbage"), 400, u"has no colon"_s);
    row("bare LF in headers", withHead(cd + "\nX-A: 1"), 400, u"bare CR or LF"_s);
    row("bare CR in headers", withHead(cd + "\rX-A: 1"), 400, u"bare CR or LF"_s);
    row("folded header", withHead(cd + "\r\n continued"), 400, u"obs-fold"_s);
    row("NUL in header", withHead(cd + "\r\nX-A: a\0b"_ba), 400, u"control character \\x00"_s);
    row("space before colon", withHead(cd + "\r\nX-A : 1"), 400, u"invalid header name"_s);
    row("no Content-Disposition", withHead("Content-Type: text/plain"), 400,
        u"part 1 has no Content-Disposition"_s);
    row("no headers at all", d + "\r\n\r\nx\r\n" + d + "--", 400, u"no Content-Disposition"_s);
    row("missing name", withHead("Content-Disposition: form-data; filename=\"a\""), 400,
        u"no name parameter"_s);
    row("empty name", withHead("Content-Disposition: form-data; name=\"\""), 400, u"empty name"_s);
    row("not form-data", withHead("Content-Disposition: attachment; name=\"a\""), 400,
        u"expected form-data"_s);
    row("name twice", withHead(cd + "; name=\"g\""), 400, u"parameter name appears twice"_s);
    row("unterminated quote", withHead("Content-Disposition: form-data; name=\"a"), 400,
        u"no closing quote"_s);
    row("two Content-Disposition", withHead(cd + "\r\n" + cd), 400,
        u"two Content-Disposition headers"_s);
    row("bad filename*", withHead(cd + "; filename*=UTF-8''%zz"), 400, u"invalid filename*"_s);
    row("filename* not UTF-8", withHead(cd + "; filename*=UTF-8''%ff"), 400, u"not valid UTF-8"_s);
    row("nested multipart", withHead(cd + "\r\nContent-Type: multipart/mixed; boundary=inner"), 415,
        u"nested multipart bodies are not supported"_s);
    row("base64 transfer encoding", withHead(cd + "\r\nContent-Transfer-Encoding: base64"), 415,
        u"Content-Transfer-Encoding base64"_s);
    row("padding too long", d + QByteArray(65, ' ') + "\r\n" + cd + "\r\n\r\nx\r\n" + d + "--", 400,
        u"more than 64 bytes of padding"_s);

    MultipartLimits limits;
    limits.maxParts = 3;
    row("too many parts",
        multipartBody(b, {field("a", "1"), file("b", "b", "2"), field("c", "3"), field("d", "4")}),
        413, u"more than max_multipart_parts (3) parts"_s, limits, u"max_multipart_parts"_s);
    limits = {};
    limits.maxFileParts = 2;
    row("too many files",
        multipartBody(
            b, {file("a", "a", "1"), field("x", "y"), file("b", "b", "2"), file("c", "c", "3")}),
        413, u"more than max_multipart_file_parts (2) file parts"_s, limits,
        u"max_multipart_file_parts"_s);
    limits = {};
    limits.maxFields = 2;
    row("too many fields",
        multipartBody(b, {field("a", "1"), file("f", "f", "x"), field("b", "2"), field("c", "3")}),
        413, u"more than max_multipart_fields (2) fields"_s, limits, u"max_multipart_fields"_s);
    limits = {};
    limits.maxFieldBytes = 16;
    row("field too large", multipartBody(b, {field("note", QByteArray(17, 'x'))}), 413,
        u"field \"note\" is larger than max_multipart_field_bytes (16 bytes)"_s, limits,
        u"max_multipart_field_bytes"_s);
    row("huge part headers", withHead(cd + "\r\nX-Pad: " + QByteArray(9000, 'p')), 413,
        u"part 1 has a header larger than max_multipart_part_header_bytes (8192 bytes)"_s, {},
        u"max_multipart_part_header_bytes"_s);
    QByteArray manyHeaders = cd;
    for (int i = 0; i < 16; ++i)
        manyHeaders += "\r\nX-H" + QByteArray::number(i) + ": v";
    row("too many header fields", withHead(manyHeaders), 413,
        u"part 1 has more than max_multipart_part_header_fields (16) header fields"_s, {},
        u"max_multipart_part_header_fields"_s);
}

void tst_MultipartParser::errors()
{
    QFETCH(QByteArray, body);
    QFETCH(MultipartLimits, limits);
    QFETCH(int, status);
    QFETCH(QString, limit);
    QFETCH(QString, message);

    QList<qsizetype> everyByte;
    for (qsizetype cut = 1; cut < body.size(); ++cut)
        everyByte << cut;
    for (const QList<qsizetype> &cuts : {QList<qsizetype> {}, everyByte}) {
        RecordingHandler handler;
        MultipartParser parser(kBoundary, limits, handler);
        const MultipartResult result = feedSplit(parser, body, cuts);
        QVERIFY(!result);
        QVERIFY(parser.hasFailed());
        const MultipartError &error = result.error();
        QVERIFY2(error.message.contains(message), qPrintable(error.message));
        QCOMPARE(error.httpStatus, status);
        QCOMPARE(error.limit, limit);
        if (!limit.isEmpty()) {
            QVERIFY(error.value > 0);
            QVERIFY(error.message.contains(QString::number(error.value)));
        }
        QVERIFY(!error.handlerStopped);
        // Nothing is left open, and the error sticks without more callbacks.
        QVERIFY(!handler.isOpen());
        handler.failed = true;
        const qsizetype partsSeen = handler.parts.size();
        QCOMPARE(parser.feed(multipartBody(kBoundary, {file("x", "x", "y")})).error().message,
                 error.message);
        QCOMPARE(parser.finish().error().message, error.message);
        QCOMPARE(handler.parts.size(), partsSeen);
        QVERIFY2(handler.protocolErrors.isEmpty(), qPrintable(handler.protocolErrors.join(u"; ")));
        QCOMPARE(parser.bufferedBytes(), 0);
    }
}

QTEST_APPLESS_MAIN(tst_MultipartParser)
#include "tst_multipartparser.moc"
