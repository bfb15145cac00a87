#include "upload/chunkdigest.h"
#include "upload/tusprotocol.h"

#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice::upload::tus;
using sluice::upload::ChunkDigest;

namespace {

QByteArray base64(QByteArrayView bytes)
{
    return bytes.toByteArray().toBase64();
}

QByteArray sha1Of(QByteArrayView bytes)
{
    ChunkDigest digest("sha1");
    digest.update(bytes);
    return digest.finish();
}

} // namespace

class tst_TusProtocol : public QObject
{
    Q_OBJECT

private slots:
    void version_data();
    void version();
    void metadata_data();
    void metadata();
    void badMetadata_data();
    void badMetadata();
    void metadataValues();
    void checksum_data();
    void checksum();
    void badChecksum_data();
    void badChecksum();
    void offeredChecksumsAreComputed();
    void concat_data();
    void concat();
    void badConcat_data();
    void badConcat();
};

void tst_TusProtocol::version_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("supported");

    QTest::addRow("1.0.0") << QByteArray("1.0.0") << true;
    QTest::addRow("with spaces") << QByteArray(" 1.0.0 ") << true;
    QTest::addRow("empty") << QByteArray() << false;
    QTest::addRow("0.2.2") << QByteArray("0.2.2") << false;
    QTest::addRow("1.0") << QByteArray("1.0") << false;
    QTest::addRow("1.0.0.1") << QByteArray("1.0.0.1") << false;
    QTest::addRow("a list") << QByteArray("1.0.0,0.2.2") << false;
}

void tst_TusProtocol::version()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, supported);

    QCOMPARE(isSupportedVersion(header), supported);
    QVERIFY(isSupportedVersion(ProtocolVersion));
}

void tst_TusProtocol::metadata_data()
{
    QTest::addColumn<QByteArray>("header");
    // "key=base64" for a value, "key" for none, in order.
    QTest::addColumn<QStringList>("pairs");

    QTest::addRow("empty") << QByteArray() << QStringList();
    QTest::addRow("blank") << QByteArray(" \t ") << QStringList();
    // The protocol's own example.
    QTest::addRow("tus example") << QByteArray(
        "filename d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg==,is_confidential")
                                 << QStringList {u"filename=d29ybGRfZG9taW5hdGlvbl9wbGFuLnBkZg=="_s,
                                                 u"is_confidential"_s};
    QTest::addRow("spaces around pairs")
        << QByteArray("  filename d29ybGQ= ,\tflag , type dGV4dC9wbGFpbg==  ")
        << QStringList {u"filename=d29ybGQ="_s, u"flag"_s, u"type=dGV4dC9wbGFpbg=="_s};
    QTest::addRow("one padding character") << QByteArray("k YWI=") << QStringList {u"k=YWI="_s};
    QTest::addRow("no padding needed") << QByteArray("k YWJj") << QStringList {u"k=YWJj"_s};
    QTest::addRow("keys with punctuation") << QByteArray("x-my.key_1 YQ==,Key YQ==")
                                           << QStringList {u"x-my.key_1=YQ=="_s, u"Key=YQ=="_s};
}

void tst_TusProtocol::metadata()
{
    QFETCH(QByteArray, header);
    QFETCH(QStringList, pairs);

    const auto parsed = parseMetadata(header);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QStringList seen;
    for (const MetadataPair &pair : *parsed) {
        QCOMPARE(pair.value.isEmpty(), !pair.hasValue);
        seen.append(pair.hasValue ? pair.key + u'=' + QString::fromLatin1(pair.value.toBase64())
                                  : pair.key);
    }
    QCOMPARE(seen, pairs);
}

void tst_TusProtocol::badMetadata_data()
{
    QTest::addColumn<QByteArray>("header");
    // Parts of the message that say what is wrong with which pair.
    QTest::addColumn<QStringList>("named");

    QTest::addRow("empty pair") << QByteArray("a YQ==,,b") << QStringList {u"pair 2 is empty"_s};
    QTest::addRow("trailing comma") << QByteArray("a YQ==,") << QStringList {u"pair 2 is empty"_s};
    QTest::addRow("not base64") << QByteArray("name d29y!GQ=")
                                << QStringList {u"pair 1"_s, u"\"name d29y!GQ=\""_s, u"base64"_s};
    QTest::addRow("padding missing")
        << QByteArray("ok YQ==,name d29ybGQ") << QStringList {u"pair 2"_s, u"base64"_s};
    QTest::addRow("too much padding")
        << QByteArray("name YQ===") << QStringList {u"pair 1"_s, u"base64"_s};
    QTest::addRow("stray bits") // "d29ybGQ=" is "world"; R sets a bit that is no byte's
        << QByteArray("name d29ybGR=") << QStringList {u"pair 1"_s, u"base64"_s};
    QTest::addRow("URL-safe alphabet")
        << QByteArray("name _-8=") << QStringList {u"pair 1"_s, u"base64"_s};
    QTest::addRow("two spaces") << QByteArray("name  d29ybGQ=")
                                << QStringList {u"pair 1"_s, u"one space"_s};
    QTest::addRow("space inside the value")
        << QByteArray("name d29y bGQ=") << QStringList {u"pair 1"_s, u"one space"_s};
    QTest::addRow("tab in the key")
        << QByteArray("na\tme d29ybGQ=") << QStringList {u"pair 1"_s, u"key"_s, u"ASCII"_s};
    QTest::addRow("non-ASCII key") << QByteArray("n\xc3\xa4me d29ybGQ=")
                                   << QStringList {u"pair 1"_s, u"\"n??me d29ybGQ=\""_s, u"key"_s};
    QTest::addRow("key repeated") << QByteArray("a YQ==,b,a")
                                  << QStringList {u"pair 3"_s, u"\"a\" appears twice"_s};
    QTest::addRow("key repeated without a value")
        << QByteArray("flag,flag") << QStringList {u"pair 2"_s, u"twice"_s};
}

void tst_TusProtocol::badMetadata()
{
    QFETCH(QByteArray, header);
    QFETCH(QStringList, named);

    const auto parsed = parseMetadata(header);
    QVERIFY(!parsed);
    const QString message = parsed.error().message;
    QVERIFY2(message.startsWith(u"Upload-Metadata"_s), qPrintable(message));
    for (const QString &part : std::as_const(named))
        QVERIFY2(message.contains(part), qPrintable(message));
}

void tst_TusProtocol::metadataValues()
{
    const QByteArray name = u"Grüße €.txt"_s.toUtf8();
    const auto parsed = parseMetadata(
        QByteArray("filetype dGV4dC9wbGFpbg==,filename " + base64(name) + ",empty,also "));
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(metadataValue(*parsed, u"filename"), u"Grüße €.txt"_s);
    QCOMPARE(metadataValue(*parsed, u"filetype"), u"text/plain"_s);
    QCOMPARE(metadataValue(*parsed, u"empty"), QString());
    QCOMPARE(metadataValue(*parsed, u"missing"), QString());
    QCOMPARE(metadataValue(*parsed, u"FILENAME"), QString()); // keys are case-sensitive
    QCOMPARE(parsed->size(), 4);
}

void tst_TusProtocol::checksum_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QByteArray>("algorithm");
    QTest::addColumn<QByteArray>("hex");

    // Digests of "abc".
    const QByteArray sha1 = QByteArray::fromHex("a9993e364706816aba3e25717850c26c9cd0d89d");
    const QByteArray md5 = QByteArray::fromHex("900150983cd24fb0d6963f7d28e17f72");
    const QByteArray sha256
        = QByteArray::fromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::addRow("sha1") << QByteArray("sha1 " + base64(sha1)) << QByteArray("sha1")
                          << sha1.toHex();
    QTest::addRow("md5") << QByteArray("md5 " + base64(md5)) << QByteArray("md5") << md5.toHex();
    QTest::addRow("sha256") << QByteArray("sha256 " + base64(sha256)) << QByteArray("sha256")
                            << sha256.toHex();
    QTest::addRow("spaces around")
        << QByteArray(" sha1 " + base64(sha1) + "  ") << QByteArray("sha1") << sha1.toHex();
}

void tst_TusProtocol::checksum()
{
    QFETCH(QByteArray, header);
    QFETCH(QByteArray, algorithm);
    QFETCH(QByteArray, hex);

    const auto parsed = parseChecksum(header);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(parsed->algorithm, algorithm);
    QCOMPARE(parsed->digest.toHex(), hex);
}

void tst_TusProtocol::badChecksum_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<bool>("unknownAlgorithm");
    QTest::addColumn<QStringList>("named");

    const QByteArray sha1 = base64(sha1Of("abc"));
    const QStringList malformed {u"not an algorithm and a base64 digest"_s};
    QTest::addRow("empty") << QByteArray() << false << malformed;
    QTest::addRow("algorithm only") << QByteArray(" sha1 ") << false << malformed;
    QTest::addRow("digest only") << QByteArray(sha1) << false << malformed;
    QTest::addRow("sha512") << QByteArray("sha512 " + sha1) << true
                            << QStringList {u"\"sha512\""_s};
    QTest::addRow("upper case") << QByteArray("SHA1 " + sha1) << true
                                << QStringList {u"\"SHA1\""_s};
    QTest::addRow("crc32") << QByteArray("crc32 AAAAAA==") << true << QStringList {u"\"crc32\""_s};
    QTest::addRow("two spaces") << QByteArray("sha1  " + sha1) << false
                                << QStringList {u"one space"_s};
    QTest::addRow("three parts") << QByteArray("sha1 " + sha1 + " x") << false
                                 << QStringList {u"one space"_s};
    // 40 hex digits happen to be base64 too, of 30 bytes.
    QTest::addRow("hex digest") << QByteArray("sha1 " + sha1Of("abc").toHex()) << false
                                << QStringList {u"sha1 digest has 20 bytes, not 30"_s};
    QTest::addRow("not base64") << QByteArray("sha1 qZk+NkcGgWq6PiVxeFDCbJzQ2J0?") << false
                                << QStringList {u"sha1 digest \"qZk+"_s, u"base64"_s};
    QTest::addRow("padding missing")
        << QByteArray("sha1 " + sha1.chopped(1)) << false << QStringList {u"base64"_s};
    QTest::addRow("md5 length for sha1")
        << QByteArray("sha1 " + base64(QByteArray(16, 'x'))) << false
        << QStringList {u"sha1 digest has 20 bytes, not 16"_s};
    QTest::addRow("sha1 length for sha256")
        << QByteArray("sha256 " + sha1) << false
        << QStringList {u"sha256 digest has 32 bytes, not 20"_s};
    QTest::addRow("empty digest") << QByteArray("md5 =") << false << QStringList {u"base64"_s};
}

void tst_TusProtocol::badChecksum()
{
    QFETCH(QByteArray, header);
    QFETCH(bool, unknownAlgorithm);
    QFETCH(QStringList, named);

    const auto parsed = parseChecksum(header);
    QVERIFY(!parsed);
    const QString message = parsed.error().message;
    QVERIFY2(message.startsWith(u"Upload-Checksum"_s), qPrintable(message));
    QCOMPARE(message.contains(u"not one of sha1,sha256,md5"_s), unknownAlgorithm);
    for (const QString &part : std::as_const(named))
        QVERIFY2(message.contains(part), qPrintable(message));
}

// What Tus-Checksum-Algorithm offers, a ChunkDigest computes, and its digest
// has the length that parseChecksum() expects.
void tst_TusProtocol::offeredChecksumsAreComputed()
{
    const QList<QByteArray> offered = supportedChecksums().split(',');
    QCOMPARE(offered, (QList<QByteArray> {"sha1", "sha256", "md5"}));
    for (const QByteArray &algorithm : offered) {
        ChunkDigest digest(algorithm);
        QVERIFY2(digest.isValid(), algorithm.constData());
        digest.update("some chunk");
        const QByteArray value = digest.finish();
        const auto parsed = parseChecksum(QByteArray(algorithm + ' ' + value.toBase64()));
        QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
        QCOMPARE(parsed->algorithm, algorithm);
        QCOMPARE(parsed->digest, value);
    }
}

void tst_TusProtocol::concat_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QStringList>("ids");

    QTest::addRow("absent") << QByteArray() << int(Concat::None) << QStringList();
    QTest::addRow("partial") << QByteArray(" partial ") << int(Concat::Partial) << QStringList();
    QTest::addRow("paths") << QByteArray("final;/files/a1 /files/b2") << int(Concat::Final)
                           << QStringList {u"a1"_s, u"b2"_s};
    QTest::addRow("absolute URLs")
        << QByteArray("final;https://example.com/files/a1 http://[::1]:8080/up/tus/b2?x=1#f")
        << int(Concat::Final) << QStringList {u"a1"_s, u"b2"_s};
    QTest::addRow("space after the semicolon")
        << QByteArray("final; /files/a1") << int(Concat::Final) << QStringList {u"a1"_s};
    QTest::addRow("order kept, repeats kept")
        << QByteArray("final;/f/c /f/a /f/c") << int(Concat::Final)
        << QStringList {u"c"_s, u"a"_s, u"c"_s};
    QTest::addRow("id as sent") << QByteArray("final;/files/a%2Fb") << int(Concat::Final)
                                << QStringList {u"a%2Fb"_s};
}

void tst_TusProtocol::concat()
{
    QFETCH(QByteArray, header);
    QFETCH(int, kind);
    QFETCH(QStringList, ids);

    const auto parsed = parseConcat(header);
    QVERIFY2(parsed, qPrintable(parsed ? QString() : parsed.error().message));
    QCOMPARE(int(parsed->kind), kind);
    QCOMPARE(parsed->urls, ids);
}

void tst_TusProtocol::badConcat_data()
{
    QTest::addColumn<QByteArray>("header");
    QTest::addColumn<QString>("named");

    QTest::addRow("no list") << QByteArray("final;") << u"names no partial uploads"_s;
    QTest::addRow("blank list") << QByteArray("final;  ") << u"names no partial uploads"_s;
    QTest::addRow("no semicolon") << QByteArray("final /files/a") << u"neither"_s;
    QTest::addRow("upper case") << QByteArray("Partial") << u"\"Partial\""_s;
    QTest::addRow("partial with URLs") << QByteArray("partial;/files/a") << u"neither"_s;
    QTest::addRow("two spaces") << QByteArray("final;/files/a  /files/b") << u"URL 2 is empty"_s;
    QTest::addRow("relative path")
        << QByteArray("final;/files/a files/b") << u"URL 2 \"files/b\""_s;
    QTest::addRow("network path") << QByteArray("final;//host/files/a") << u"URL 1"_s;
    QTest::addRow("other scheme") << QByteArray("final;ftp://host/files/a") << u"URL 1"_s;
    QTest::addRow("no host") << QByteArray("final;http:/files/a") << u"URL 1"_s;
    QTest::addRow("trailing slash") << QByteArray("final;/files/a/") << u"URL 1"_s;
    QTest::addRow("root") << QByteArray("final;https://example.com") << u"URL 1"_s;
    QTest::addRow("dot dot") << QByteArray("final;/files/a /files/..") << u"URL 2"_s;
    QTest::addRow("dot") << QByteArray("final;/files/.") << u"URL 1"_s;
    QTest::addRow("control character") << QByteArray("final;/files/a\x01") << u"URL 1"_s;
    QTest::addRow("invalid URL") << QByteArray("final;http://exa mple.com/a") << u"URL 1"_s;
    QTest::addRow("bad percent escape") << QByteArray("final;/files/a%zz") << u"URL 1"_s;
}

void tst_TusProtocol::badConcat()
{
    QFETCH(QByteArray, header);
    QFETCH(QString, named);

    const auto parsed = parseConcat(header);
    QVERIFY(!parsed);
    const QString message = parsed.error().message;
    QVERIFY2(message.startsWith(u"Upload-Concat"_s), qPrintable(message));
    QVERIFY2(message.contains(named), qPrintable(message));
}

QTEST_GUILESS_MAIN(tst_TusProtocol)
#include "tst_tusprotocol.moc"
