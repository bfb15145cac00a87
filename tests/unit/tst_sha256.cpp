#include "upload/sha256.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
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

QTEST_GUILESS_MAIN(tst_Sha256)
#include "tst_sha256.moc"
