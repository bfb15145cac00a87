// The multipart reader as a stream: memory stays flat for a 64 MiB file,
// bytes are handed on as soon as they cannot be a delimiter, the handler can
// stop it at every callback, and an abandoned part is always reported.
#include "multiparttesting.h"
#include "upload/multipartparser.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice::upload;
using namespace sluice::test;

namespace {

const QByteArray kBoundary = "----SluiceStreamBoundary0123456789";
const QByteArray kDelimiter = "\r\n--" + kBoundary;

// Hashes what it is given instead of keeping it, and watches the parser's
// buffer from inside every callback.
class StreamingHandler final : public MultipartHandler
{
public:
    const MultipartParser *parser = nullptr;
    QCryptographicHash hash {QCryptographicHash::Sha256};
    qint64 bytes = 0;
    qsizetype largestData = 0;
    qsizetype largestBuffer = 0;
    int ends = 0;
    int aborts = 0;

    bool field(const Part &, const QByteArray &) override { return false; }
    bool partBegin(const Part &part) override { return part.fileName == u"big.bin"_s; }
    bool partData(QByteArrayView data) override
    {
        hash.addData(data);
        bytes += data.size();
        largestData = std::max(largestData, data.size());
        largestBuffer = std::max(largestBuffer, parser->bufferedBytes());
        return true;
    }
    bool partEnd() override
    {
        ++ends;
        return true;
    }
    void partAborted() override { ++aborts; }
};

// A body of `blocks` copies of one 64 KiB block, produced piece by piece so
// that the test itself holds no more than a piece.
class BigBody
{
public:
    static constexpr qsizetype kBlockSize = 64 * 1024;

    explicit BigBody(int blocks)
        : m_blocks(blocks)
    {
        m_head = "--" + kBoundary + "\r\n"
            + "Content-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n";
        m_tail = kDelimiter + "--\r\n";
        m_block.resize(kBlockSize);
        for (qsizetype i = 0; i < kBlockSize; ++i)
            m_block[i] = char((i * 131 + 7) % 251);
        // Near-delimiters placed where 64 KiB pieces of the body cut them:
        // a delimiter prefix, and a whole boundary followed by neither CRLF
        // nor "--".
        plant(kBlockSize - m_head.size() - 12, kDelimiter.left(kDelimiter.size() - 3));
        plant(kBlockSize / 2 - m_head.size() - 20, kDelimiter + " \tX");
        plant(kBlockSize / 4, "\r\r\n\r\n-\r\n--");
    }

    qint64 size() const { return m_head.size() + contentSize() + m_tail.size(); }
    qint64 contentSize() const { return qint64(m_blocks) * kBlockSize; }
    qint64 contentOffset() const { return m_head.size(); }
    const QByteArray &block() const { return m_block; }

    QByteArray read(qint64 offset, qsizetype length) const
    {
        QByteArray out;
        out.reserve(length);
        while (length > 0 && offset < size()) {
            qsizetype n = 0;
            if (offset < m_head.size()) {
                n = std::min<qsizetype>(length, m_head.size() - offset);
                out += QByteArrayView(m_head).sliced(offset, n);
            } else if (offset < m_head.size() + contentSize()) {
                const qint64 inBlock = (offset - m_head.size()) % kBlockSize;
                n = std::min<qsizetype>(length, kBlockSize - inBlock);
                n = std::min<qint64>(n, m_head.size() + contentSize() - offset);
                out += QByteArrayView(m_block).sliced(inBlock, n);
            } else {
                const qint64 inTail = offset - m_head.size() - contentSize();
                n = std::min<qsizetype>(length, m_tail.size() - inTail);
                out += QByteArrayView(m_tail).sliced(inTail, n);
            }
            offset += n;
            length -= n;
        }
        return out;
    }

private:
    void plant(qsizetype at, const QByteArray &bytes) { m_block.replace(at, bytes.size(), bytes); }

    int m_blocks;
    QByteArray m_head;
    QByteArray m_tail;
    QByteArray m_block;
};

} // namespace

class tst_MultipartStreaming : public QObject
{
    Q_OBJECT
private slots:
    void flatMemoryForABigFile();
    void handlerStops_data();
    void handlerStops();
    void abortMidPart();
    void finishMidPart();
    void epilogueIsIgnored();
    void invalidBoundary();
    void limitsAreInclusive();
    void mutatedBodiesKeepTheContract();
};

void tst_MultipartStreaming::flatMemoryForABigFile()
{
    const BigBody body(1024); // 64 MiB of content
    constexpr qsizetype kPiece = 64 * 1024;
    const MultipartLimits limits;
    StreamingHandler handler;
    MultipartParser parser(kBoundary, limits, handler);
    handler.parser = &parser;

    for (qint64 offset = 0; offset < body.size(); offset += kPiece) {
        const QByteArray piece = body.read(offset, kPiece);
        const MultipartResult result = parser.feed(piece);
        QVERIFY2(result.hasValue(),
                 qPrintable(result.hasValue() ? QString() : result.error().message));
        // Everything that cannot be part of a delimiter has been handed on.
        const qint64 contentFed = std::clamp<qint64>(offset + piece.size() - body.contentOffset(),
                                                     0, body.contentSize());
        QVERIFY2(handler.bytes >= contentFed - kDelimiter.size(),
                 qPrintable(u"at %1: %2 of %3 bytes handed on"_s.arg(offset)
                                .arg(handler.bytes)
                                .arg(contentFed)));
        handler.largestBuffer = std::max(handler.largestBuffer, parser.bufferedBytes());
    }
    QVERIFY(parser.finish().hasValue());

    QCOMPARE(handler.ends, 1);
    QCOMPARE(handler.aborts, 0);
    QCOMPARE(handler.bytes, body.contentSize());
    QCryptographicHash expected(QCryptographicHash::Sha256);
    for (int i = 0; i < 1024; ++i)
        expected.addData(body.block());
    QCOMPARE(handler.hash.result().toHex(), expected.result().toHex());

    QVERIFY2(handler.largestData <= kPiece + kBoundary.size(),
             qPrintable(QString::number(handler.largestData)));
    const qsizetype bound = limits.maxPartHeaderBytes + kBoundary.size() + 8;
    QVERIFY2(handler.largestBuffer <= bound,
             qPrintable(u"%1 bytes buffered, bound %2"_s.arg(handler.largestBuffer).arg(bound)));
}

void tst_MultipartStreaming::handlerStops_data()
{
    QTest::addColumn<QByteArray>("callback");
    QTest::addColumn<bool>("aborted"); // partAborted() expected for the file part
    QTest::addColumn<int>("partsSeen");

    QTest::addRow("field") << QByteArray("field") << false << 1;
    QTest::addRow("partBegin") << QByteArray("partBegin") << false << 2;
    QTest::addRow("partData") << QByteArray("partData") << true << 2;
    QTest::addRow("partEnd") << QByteArray("partEnd") << false << 2;
}

void tst_MultipartStreaming::handlerStops()
{
    QFETCH(QByteArray, callback);
    QFETCH(bool, aborted);
    QFETCH(int, partsSeen);

    const QByteArray body = multipartBody(kBoundary,
                                          {{"a", std::nullopt, {}, "1", {}},
                                           {"f", "f.bin", {}, "data", {}},
                                           {"g", "g.bin", {}, "more", {}}});
    RecordingHandler handler;
    handler.refuse = callback;
    MultipartParser parser(kBoundary, {}, handler);
    const MultipartResult result = parser.feed(body);
    QVERIFY(!result);
    QVERIFY(result.error().handlerStopped);
    QCOMPARE(result.error().httpStatus, 500);
    QVERIFY2(result.error().message.contains(QString::fromLatin1(callback)),
             qPrintable(result.error().message));
    handler.failed = true;
    QVERIFY(!parser.finish());
    QCOMPARE(handler.parts.size(), partsSeen);
    QCOMPARE(handler.parts.last().aborted, aborted);
    QVERIFY(!handler.isOpen());
    QVERIFY2(handler.protocolErrors.isEmpty(), qPrintable(handler.protocolErrors.join(u"; ")));
}

void tst_MultipartStreaming::abortMidPart()
{
    const QByteArray body = multipartBody(kBoundary, {{"f", "f.bin", {}, "0123456789", {}}});
    RecordingHandler handler;
    MultipartParser parser(kBoundary, {}, handler);
    QVERIFY(parser.feed(body.first(body.indexOf("\r\n\r\n") + 4 + 5)).hasValue());
    QVERIFY(handler.isOpen());
    parser.abort();
    QVERIFY(!handler.isOpen());
    QCOMPARE(handler.parts.size(), 1);
    QVERIFY(handler.parts.first().aborted);
    QVERIFY(!handler.parts.first().ended);
    handler.failed = true;
    parser.abort(); // once only
    QVERIFY(!parser.feed(body));
    QVERIFY2(handler.protocolErrors.isEmpty(), qPrintable(handler.protocolErrors.join(u"; ")));
}

void tst_MultipartStreaming::finishMidPart()
{
    const QByteArray body = multipartBody(kBoundary, {{"f", "f.bin", {}, "0123456789", {}}});
    // Cut inside the closing delimiter: the part's last bytes are held back,
    // then the body ends.
    RecordingHandler handler;
    MultipartParser parser(kBoundary, {}, handler);
    QVERIFY(parser.feed(body.first(body.size() - 8)).hasValue());
    QCOMPARE(handler.parts.first().content, QByteArray("0123456789"));
    const MultipartResult result = parser.finish();
    QVERIFY(!result);
    QVERIFY2(result.error().message.contains(u"part 1 (\"f\")"_s),
             qPrintable(result.error().message));
    QVERIFY(handler.parts.first().aborted);
    QVERIFY(!handler.isOpen());
}

void tst_MultipartStreaming::epilogueIsIgnored()
{
    RecordingHandler handler;
    MultipartParser parser(kBoundary, {}, handler);
    QVERIFY(parser.feed(multipartBody(kBoundary, {{"a", std::nullopt, {}, "1", {}}})).hasValue());
    QVERIFY(parser.isComplete());
    QVERIFY(parser.feed(multipartBody(kBoundary, {{"b", "b", {}, "2", {}}})).hasValue());
    QVERIFY(parser.feed(QByteArray(100'000, 'x')).hasValue());
    QVERIFY(parser.finish().hasValue());
    QCOMPARE(handler.parts.size(), 1);
    QCOMPARE(parser.partCount(), 1);
    QCOMPARE(parser.bufferedBytes(), 0);
}

void tst_MultipartStreaming::invalidBoundary()
{
    for (const QByteArray &boundary : {QByteArray(), QByteArray("a\rb"), QByteArray(71, 'x')}) {
        RecordingHandler handler;
        MultipartParser parser(boundary, {}, handler);
        QVERIFY(parser.hasFailed());
        const MultipartResult result = parser.feed(QByteArray("--" + boundary + "\r\n"));
        QVERIFY(!result);
        QVERIFY2(result.error().message.contains(u"boundary"_s),
                 qPrintable(result.error().message));
    }
}

// Each limit admits exactly its value.
void tst_MultipartStreaming::limitsAreInclusive()
{
    MultipartLimits limits;
    limits.maxParts = 3;
    limits.maxFileParts = 2;
    limits.maxFields = 1;
    limits.maxFieldBytes = 5;
    limits.maxPartHeaderFields = 2;
    // The largest head of the body: the file parts' heads are shorter.
    const QByteArray head = "Content-Disposition: form-data; name=\"a\"\r\nX-Two: "
        + QByteArray(30, '2') + "\r\n\r\n";
    limits.maxPartHeaderBytes = head.size();
    const QByteArray body = "--" + kBoundary + "\r\n" + head + "12345\r\n"
        + multipartBody(kBoundary, {{"f", "f", {}, "x", {}}, {"g", "g", {}, "y", {}}});

    RecordingHandler handler;
    MultipartParser parser(kBoundary, limits, handler);
    const MultipartResult result = feedSplit(parser, body, {});
    QVERIFY2(result.hasValue(), qPrintable(result.hasValue() ? QString() : result.error().message));
    QCOMPARE(handler.parts.size(), 3);
    QCOMPARE(handler.parts.first().content, QByteArray("12345"));

    // One byte more of header is one too many.
    limits.maxPartHeaderBytes -= 1;
    RecordingHandler tight;
    MultipartParser tightParser(kBoundary, limits, tight);
    QCOMPARE(feedSplit(tightParser, body, {}).error().limit, u"max_multipart_part_header_bytes"_s);
}

// Random damage to a valid body, fed in random pieces: whatever the outcome,
// callbacks stay in order, no part is left open and the buffer stays bounded.
void tst_MultipartStreaming::mutatedBodiesKeepTheContract()
{
    const QByteArray valid
        = multipartBody(kBoundary,
                        {{"a", std::nullopt, {}, "field value", {}},
                         {"f", "f.bin", "application/octet-stream", QByteArray(300, 'x'), {}},
                         {"g", "g.txt", "text/plain", "\r\n--" + kBoundary.left(9), {}}});
    const QList<QByteArray> fragments = {"\r",
                                         "\n",
                                         "-",
                                         "--",
                                         "\r\n",
                                         kDelimiter,
                                         kDelimiter + "--",
                                         ";",
                                         "\"",
                                         QByteArray(1, '\0')};
    MultipartLimits limits;
    limits.maxPartHeaderBytes = 256;
    QRandomGenerator random(2024);
    int completed = 0;
    for (int round = 0; round < 3000; ++round) {
        QByteArray body = valid;
        for (int edits = random.bounded(1, 4); edits > 0; --edits) {
            const qsizetype at = random.bounded(body.size());
            switch (random.bounded(3)) {
            case 0:
                body[at] = char(random.bounded(256));
                break;
            case 1:
                body.insert(at, fragments.at(random.bounded(fragments.size())));
                break;
            default:
                body.remove(at, random.bounded(1, 8));
            }
        }
        RecordingHandler handler;
        MultipartParser parser(kBoundary, limits, handler);
        qsizetype largestBuffer = 0;
        MultipartResult result;
        for (qsizetype from = 0; from < body.size() && result.hasValue();) {
            const qsizetype n = std::min<qsizetype>(random.bounded(1, 40), body.size() - from);
            result = parser.feed(QByteArrayView(body).sliced(from, n));
            largestBuffer = std::max(largestBuffer, parser.bufferedBytes());
            from += n;
        }
        if (result.hasValue())
            result = parser.finish();
        completed += result.hasValue() ? 1 : 0;
        QVERIFY2(handler.protocolErrors.isEmpty(), qPrintable(handler.protocolErrors.join(u"; ")));
        QVERIFY(!handler.isOpen());
        QCOMPARE(parser.isComplete(), result.hasValue());
        QVERIFY(result.hasValue() || !result.error().message.isEmpty());
        QVERIFY(largestBuffer <= limits.maxPartHeaderBytes + limits.maxFieldBytes
                    + MultipartParser::kMaxTransportPadding + 1);
    }
    QVERIFY(completed > 0); // some damage (inside content) is harmless
}

QTEST_APPLESS_MAIN(tst_MultipartStreaming)
#include "tst_multipartstreaming.moc"
