// Multipart uploads (POST /uploads) against the real service: files and
// fields, bodies split anywhere across reads, a finished part whose writer
// queue is full, and every refusal of a malformed or oversized form.
#include "uploadtesting.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_UploadsMultipart : public QObject
{
    Q_OBJECT
private slots:
    void multipartFilesAndFields();
    void multipartSplitAcrossReads();
    void multipartPartFinishedWhileFullDoesNotStall();
    void multipartRefusals_data();
    void multipartRefusals();
    void cleanupTestCase() { m_multipart.reset(); }

private:
    // One service for each data-driven catalogue.
    std::unique_ptr<UploadFixture> m_multipart;
};

void tst_UploadsMultipart::multipartFilesAndFields()
{
    UploadFixture f;
    const QByteArray png = pngBytes(4, 4);
    MultipartBuilder form;
    form.field("note", "two files");
    form.file("first", "orders.csv", "text/csv", Csv);
    form.file("second", "../../etc/passwd%0D%0A" + QByteArray(300, 'p') + ".png", "image/png", png);
    const QByteArray body = form.body();
    const Reply r = request(f.port,
                            f.head("POST", "/uploads", f.alice,
                                   "Content-Type: " + form.contentType() + "\r\nContent-Length: "
                                       + QByteArray::number(body.size()) + "\r\n")
                                + body,
                            15'000);
    QCOMPARE(r.status, 201);
    const QJsonObject json = f.json(r);
    QCOMPARE(json.value(u"fields"_s).toObject().value(u"note"_s).toString(), u"two files"_s);
    const QJsonArray uploads = json.value(u"uploads"_s).toArray();
    QCOMPARE(uploads.size(), 2);
    QCOMPARE(uploads[0].toObject().value(u"sha256"_s).toString(), hexSha256(Csv));
    QCOMPARE(uploads[1].toObject().value(u"sha256"_s).toString(), hexSha256(png));
    const QString hostile = uploads[1].toObject().value(u"name"_s).toString();
    QVERIFY2(!hostile.contains(u'/') && !hostile.startsWith(u'.') && hostile.endsWith(u".png"_s)
                 && hostile.toUtf8().size() <= 255,
             qPrintable(hostile));
    QCOMPARE(r.header("location"),
             "/uploads/" + uploads[0].toObject().value(u"id"_s).toString().toLatin1());
    QCOMPARE(f.storedFiles().size(), 2);
    QVERIFY(f.tempFiles().isEmpty());
}

void tst_UploadsMultipart::multipartSplitAcrossReads()
{
    UploadFixture f;
    MultipartBuilder form;
    form.file("f", "data.csv", "text/csv", Csv.repeated(50));
    const QByteArray body = form.body();
    // Pieces of every size from 1 to 13 bytes put the boundary across
    // reads at every position.
    for (int piece : {1, 2, 3, 5, 7, 13}) {
        RawClient client(f.port);
        client.send(f.head("POST", "/uploads", f.alice,
                           "Content-Type: " + form.contentType() + "\r\nContent-Length: "
                               + QByteArray::number(body.size()) + "\r\n"));
        for (qsizetype at = 0; at < body.size(); at += piece) {
            client.send(body.mid(at, piece));
            if (at % (piece * 64) == 0)
                client.socket().waitForBytesWritten(1000);
        }
        const Reply r = client.read(20'000);
        QCOMPARE(r.status, 201);
        QCOMPARE(
            f.json(r).value(u"uploads"_s).toArray()[0].toObject().value(u"sha256"_s).toString(),
            hexSha256(Csv.repeated(50)));
    }
}

void tst_UploadsMultipart::multipartPartFinishedWhileFullDoesNotStall()
{
    config::Limits limits = UploadFixture::defaultLimits();
    limits.uploadBufferBytes = 64 * 1024; // the minimum: one connection piece
    limits.responseDeadlineMs = 3000; // a stall answers 503 after this
    UploadFixture f(limits);
    StalledUploadDisk disk;
    QTRY_VERIFY(disk.isStalled());

    // The first body piece (64 KiB) holds A's head and most of A, so A is not
    // full yet; the second holds A's end, the delimiter and less than 64 KiB
    // of B: A is full and finished, B is not full.
    const QByteArray a(limits.uploadBufferBytes, 'a');
    const QByteArray b = QByteArray("b line\n").repeated(40'000);
    MultipartBuilder form;
    form.file("a", "a.txt", "text/plain", a);
    form.file("b", "b.txt", "text/plain", b);
    const QByteArray body = form.body();
    RawClient client(f.port);
    client.send(f.head("POST", "/uploads", f.alice,
                       "Content-Type: " + form.contentType()
                           + "\r\nContent-Length: " + QByteArray::number(body.size()) + "\r\n")
                + body);
    QTRY_COMPARE(f.readPauses(), 1); // paused behind the full, finished A
    disk.gate->open();

    const Reply r = client.read(15'000);
    QVERIFY2(r.status == 201, r.body.constData());
    const QJsonArray uploads = f.json(r).value(u"uploads"_s).toArray();
    QCOMPARE(uploads.size(), 2);
    QCOMPARE(uploads[0].toObject().value(u"sha256"_s).toString(), hexSha256(a));
    QCOMPARE(uploads[1].toObject().value(u"sha256"_s).toString(), hexSha256(b));
    QTRY_COMPARE(f.inFlight(), 0);
    QVERIFY(f.tempFiles().isEmpty());
}

void tst_UploadsMultipart::multipartRefusals_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("limit");

    MultipartBuilder ok;
    ok.file("f", "a.csv", "text/csv", Csv);
    const QByteArray good = ok.body();

    QTest::addRow("no closing delimiter")
        << ok.contentType() << good.left(good.lastIndexOf(QByteArray("--" + ok.boundary()))) << 400
        << QString();
    QTest::addRow("wrong boundary")
        << QByteArray("multipart/form-data; boundary=other") << good << 400 << QString();
    QTest::addRow("not multipart") << QByteArray("text/plain") << good << 415 << QString();
    MultipartBuilder many;
    for (int i = 0; i < 5; ++i)
        many.field("f" + QByteArray::number(i), "v");
    QTest::addRow("too many parts")
        << many.contentType() << many.body() << 413 << u"max_multipart_parts"_s;
    MultipartBuilder bigHeader;
    bigHeader.file("f", QByteArray(3000, 'n') + ".csv", "text/csv", Csv);
    QTest::addRow("huge part header") << bigHeader.contentType() << bigHeader.body() << 413
                                      << u"max_multipart_part_header_bytes"_s;
    MultipartBuilder fieldsOnly;
    fieldsOnly.field("a", "b");
    QTest::addRow("no file") << fieldsOnly.contentType() << fieldsOnly.body() << 400 << QString();
    MultipartBuilder badType;
    badType.file("f", "lib.so", "application/x-sharedlib",
                 "\x7f"
                 "ELF");
    QTest::addRow("part type not allowed")
        << badType.contentType() << badType.body() << 415 << QString();
    MultipartBuilder lying;
    lying.file("f", "a.png", "image/png", Csv);
    QTest::addRow("part content is not its type")
        << lying.contentType() << lying.body() << 415 << QString();
    MultipartBuilder nested;
    nested.file("f", "a.csv", "multipart/mixed; boundary=x", "--x--");
    QTest::addRow("nested multipart") << nested.contentType() << nested.body() << 415 << QString();
    MultipartBuilder second;
    second.file("f", "a.csv", "text/csv", Csv);
    second.file("g", "b.png", "image/png", Csv);
    QTest::addRow("second part lies") << second.contentType() << second.body() << 415 << QString();
}

void tst_UploadsMultipart::multipartRefusals()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, limit);
    std::unique_ptr<UploadFixture> &shared = m_multipart;
    if (!shared) {
        config::Limits limits = UploadFixture::defaultLimits();
        limits.maxMultipartParts = 4;
        limits.maxMultipartFileParts = 4;
        limits.maxMultipartPartHeaderBytes = 1024;
        shared = std::make_unique<UploadFixture>(limits);
    }
    UploadFixture &f = *shared;
    const Reply r = request(f.port,
                            f.head("POST", "/uploads", f.alice,
                                   "Content-Type: " + contentType + "\r\nContent-Length: "
                                       + QByteArray::number(body.size()) + "\r\n")
                                + body,
                            10'000);
    QCOMPARE(r.status, status);
    if (!limit.isEmpty())
        QCOMPARE(f.json(r).value(u"limit"_s).toString(), limit);
    QTRY_VERIFY(f.tempFiles().isEmpty());
    QVERIFY(f.storedFiles().isEmpty());
    QTRY_COMPARE(f.inFlight(), 0);
}

QTEST_GUILESS_MAIN(tst_UploadsMultipart)
#include "tst_uploads_multipart.moc"
