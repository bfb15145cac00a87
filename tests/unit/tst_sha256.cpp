#include "upload/chunkdigest.h"
#include "upload/sha256.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using sluice::upload::ChunkDigest;
using sluice::upload::Sha256;

class tst_Sha256 : public QObject
{
    Q_OBJECT

private slots:
    void knownVectors_data();
    void knownVectors();
    void splitUpdatesEqualOneUpdate_data();
    void splitUpdatesEqualOneUpdate();
    void agreesWithQtOnRandomData();
    void finishStartsANewStream();
    void movedHashContinues();
    void textForms();
    void cloneContinuesIndependently();
    void cloneOfAMovedFromHashFails();
    void chunkDigestKnownVectors_data();
    void chunkDigestKnownVectors();
    void chunkDigestKnowsOnlyTusNames_data();
    void chunkDigestKnowsOnlyTusNames();
    void chunkDigestIsSpentByFinish();
    void movedChunkDigestContinues();
};

void tst_Sha256::knownVectors_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QString>("hex");

    // FIPS 180-2 appendix B and the empty message.
    QTest::addRow("empty") << QByteArray()
                           << u"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"_s;
    QTest::addRow("abc") << QByteArray("abc")
                         << u"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_s;
    QTest::addRow("448 bits")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << u"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"_s;
    QTest::addRow("million a") << QByteArray(
        1'000'000, 'a') << u"cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"_s;
    // From coreutils' sha256sum.
    QTest::addRow("1 MiB of a") << QByteArray(
        1024 * 1024, 'a') << u"9bc1b2a288b26af7257a36277ae3816a7d4f16e89c1e7e77d0a5c48bad62b360"_s;
}

void tst_Sha256::knownVectors()
{
    QFETCH(QByteArray, input);
    QFETCH(QString, hex);

    Sha256 hash;
    hash.update(input);
    const QByteArray digest = hash.finish();
    QCOMPARE(digest.size(), Sha256::DigestBytes);
    QCOMPARE(Sha256::toHex(digest), hex);
    QCOMPARE(Sha256::toHex(Sha256::digest(input)), hex);
}

void tst_Sha256::splitUpdatesEqualOneUpdate_data()
{
    QTest::addColumn<qsizetype>("pieceSize");

    // Below, at and across the 64-byte block size, and pieces of one byte.
    for (qsizetype size : {1, 3, 63, 64, 65, 4096, 65536})
        QTest::addRow("pieces of %lld", qlonglong(size)) << size;
}

void tst_Sha256::splitUpdatesEqualOneUpdate()
{
    QFETCH(qsizetype, pieceSize);

    QByteArray data(300'001, Qt::Uninitialized);
    for (qsizetype i = 0; i < data.size(); ++i)
        data[i] = char(i * 31 % 251);

    Sha256 split;
    for (qsizetype offset = 0; offset < data.size(); offset += pieceSize) {
        split.update(
            QByteArrayView(data).sliced(offset, std::min(pieceSize, data.size() - offset)));
        split.update({}); // empty updates change nothing
    }
    QCOMPARE(split.finish(), Sha256::digest(data));
}

void tst_Sha256::agreesWithQtOnRandomData()
{
    QRandomGenerator generator(7);
    for (int round = 0; round < 50; ++round) {
        QByteArray data(qsizetype(generator.bounded(20000)), Qt::Uninitialized);
        for (char &c : data)
            c = char(generator.bounded(256));
        QCOMPARE(Sha256::digest(data), QCryptographicHash::hash(data, QCryptographicHash::Sha256));
    }
}

void tst_Sha256::finishStartsANewStream()
{
    Sha256 hash;
    hash.update("first stream");
    QCOMPARE(hash.finish(), Sha256::digest("first stream"));
    hash.update("ab");
    hash.update("c");
    QCOMPARE(Sha256::toHex(hash.finish()),
             u"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"_s);
    QCOMPARE(hash.finish(), Sha256::digest({}));
}

void tst_Sha256::movedHashContinues()
{
    Sha256 first;
    first.update("a");
    Sha256 second(std::move(first));
    second.update("bc");
    Sha256 third;
    third = std::move(second);
    QCOMPARE(third.finish(), Sha256::digest("abc"));
}

void tst_Sha256::textForms()
{
    const QByteArray digest = Sha256::digest("abc");
    QCOMPARE(Sha256::toHex(digest).size(), 64);
    QCOMPARE(Sha256::toBase64(digest), u"ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="_s);
}

void tst_Sha256::cloneContinuesIndependently()
{
    Sha256 original;
    original.update("ab");
    Sha256 copy = original.clone();
    original.update("c");
    copy.update("x");
    copy.update("yz");
    QCOMPARE(original.finish(), Sha256::digest("abc"));
    QCOMPARE(copy.finish(), Sha256::digest("abxyz"));

    // A clone of a clone, taken after the original went on.
    original.update("first");
    Sha256 second = original.clone();
    Sha256 third = second.clone();
    original.update(" and more");
    third.update(" second");
    QCOMPARE(second.finish(), Sha256::digest("first"));
    QCOMPARE(third.finish(), Sha256::digest("first second"));
    QCOMPARE(original.finish(), Sha256::digest("first and more"));
}

void tst_Sha256::cloneOfAMovedFromHashFails()
{
    Sha256 original;
    original.update("a");
    Sha256 taken(std::move(original));
    Sha256 copy = original.clone(); // NOLINT(bugprone-use-after-move): the point of the test
    copy.update("bc");
    QVERIFY(copy.finish().isEmpty()); // an error, never the digest of something else
    QCOMPARE(taken.clone().finish(), Sha256::digest("a"));
}

void tst_Sha256::chunkDigestKnownVectors_data()
{
    QTest::addColumn<QByteArray>("algorithm");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hex");

    // RFC 3174 (SHA-1), RFC 1321 (MD5) and FIPS 180-2 (SHA-256) test suites.
    QTest::addRow("sha1 abc") << QByteArray("sha1") << QByteArray("abc")
                              << QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d");
    QTest::addRow("md5 abc") << QByteArray("md5") << QByteArray("abc")
                             << QByteArray("900150983cd24fb0d6963f7d28e17f72");
    QTest::addRow("sha256 abc")
        << QByteArray("sha256") << QByteArray("abc")
        << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::addRow("sha1 empty") << QByteArray("sha1") << QByteArray()
                                << QByteArray("da39a3ee5e6b4b0d3255bfef95601890afd80709");
    QTest::addRow("md5 empty") << QByteArray("md5") << QByteArray()
                               << QByteArray("d41d8cd98f00b204e9800998ecf8427e");
    QTest::addRow("sha1 448 bits")
        << QByteArray("sha1")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("84983e441c3bd26ebaae4aa1f95129e5e54670f1");
}

void tst_Sha256::chunkDigestKnownVectors()
{
    QFETCH(QByteArray, algorithm);
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hex);

    ChunkDigest whole(algorithm);
    QVERIFY(whole.isValid());
    whole.update(input);
    QCOMPARE(whole.finish().toHex(), hex);

    ChunkDigest bytewise(algorithm);
    for (char c : std::as_const(input))
        bytewise.update(QByteArrayView(&c, 1));
    bytewise.update({});
    QCOMPARE(bytewise.finish().toHex(), hex);
}

void tst_Sha256::chunkDigestKnowsOnlyTusNames_data()
{
    QTest::addColumn<QByteArray>("algorithm");

    QTest::addRow("empty") << QByteArray();
    QTest::addRow("upper case") << QByteArray("SHA1");
    QTest::addRow("OpenSSL alias") << QByteArray("RSA-SHA1");
    QTest::addRow("with a dash") << QByteArray("sha-256");
    QTest::addRow("not offered") << QByteArray("sha512");
    QTest::addRow("trailing space") << QByteArray("md5 ");
}

void tst_Sha256::chunkDigestKnowsOnlyTusNames()
{
    QFETCH(QByteArray, algorithm);

    ChunkDigest digest(algorithm);
    QVERIFY(!digest.isValid());
    digest.update("abc");
    QVERIFY(digest.finish().isEmpty());
}

void tst_Sha256::chunkDigestIsSpentByFinish()
{
    ChunkDigest digest("md5");
    digest.update("abc");
    QCOMPARE(digest.finish().size(), 16);
    QVERIFY(!digest.isValid());
    digest.update("abc");
    QVERIFY(digest.finish().isEmpty());
}

void tst_Sha256::movedChunkDigestContinues()
{
    ChunkDigest first("sha1");
    first.update("a");
    ChunkDigest second(std::move(first));
    QVERIFY(!first.isValid()); // NOLINT(bugprone-use-after-move)
    second.update("b");
    ChunkDigest third("md5");
    third = std::move(second);
    third.update("c");
    QCOMPARE(third.finish().toHex(), QByteArray("a9993e364706816aba3e25717850c26c9cd0d89d"));
}

QTEST_GUILESS_MAIN(tst_Sha256)
#include "tst_sha256.moc"
