// Range and If-Range evaluation (RFC 9110 §13.1.5, §14.1–14.2): a catalogue of
// valid, clamped, unsatisfiable and malformed inputs.
#include "http/byterange.h"

#include <QTest>

using namespace sluice::http;
using Kind = RangeSelection::Kind;

Q_DECLARE_METATYPE(RangeSelection::Kind)

namespace {

constexpr qint64 kSize = 1000;
const QByteArray kETag = "\"abc-123\"";

Request get(const QByteArray &range, const QByteArray &ifRange = {}, QByteArray method = "GET")
{
    Request r;
    r.method = std::move(method);
    if (!range.isNull())
        r.headers.add("Range", range);
    if (!ifRange.isNull())
        r.headers.add("If-Range", ifRange);
    return r;
}

} // namespace

class tst_ByteRange : public QObject
{
    Q_OBJECT
private slots:
    void parse_data();
    void parse();
    void ifRange_data();
    void ifRange();
    void selectRespectsMethodAndRepetition();
    void contentRangeValues();
};

void tst_ByteRange::parse_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("size");
    QTest::addColumn<Kind>("kind");
    QTest::addColumn<qint64>("first");
    QTest::addColumn<qint64>("last");

    const auto partial
        = [](const char *name, const QByteArray &value, qint64 size, qint64 first, qint64 last) {
              QTest::addRow("%s", name) << value << size << Kind::Partial << first << last;
          };
    const auto whole = [](const char *name, const QByteArray &value, qint64 size = kSize) {
        QTest::addRow("%s", name) << value << size << Kind::Whole << 0LL << -1LL;
    };
    const auto unsatisfiable = [](const char *name, const QByteArray &value, qint64 size = kSize) {
        QTest::addRow("%s", name) << value << size << Kind::Unsatisfiable << 0LL << -1LL;
    };

    // Valid single ranges
    partial("first byte", "bytes=0-0", kSize, 0, 0);
    partial("first 500", "bytes=0-499", kSize, 0, 499);
    partial("middle", "bytes=500-599", kSize, 500, 599);
    partial("last byte", "bytes=999-999", kSize, 999, 999);
    partial("whole as range", "bytes=0-999", kSize, 0, 999);
    partial("open-ended", "bytes=900-", kSize, 900, 999);
    partial("open-ended from 0", "bytes=0-", kSize, 0, 999);
    partial("open-ended last byte", "bytes=999-", kSize, 999, 999);
    partial("suffix", "bytes=-100", kSize, 900, 999);
    partial("suffix one", "bytes=-1", kSize, 999, 999);
    partial("suffix longer than file", "bytes=-5000", kSize, 0, 999);
    partial("suffix on one-byte file", "bytes=-1", 1, 0, 0);
    // Clamping (§14.1.2: a last-pos beyond the end means the end)
    partial("last clamped", "bytes=500-5000", kSize, 500, 999);
    partial("last exactly size", "bytes=0-1000", kSize, 0, 999);
    // Tolerance
    partial("unit case-insensitive", "BYTES=1-2", kSize, 1, 2);
    partial("OWS around value", " \tbytes=1-2 \t", kSize, 1, 2);
    partial("OWS around equals", "bytes = 1-2", kSize, 1, 2);
    partial("OWS around dash", "bytes=1 - 2", kSize, 1, 2);
    partial("empty list elements", "bytes=, 1-2 ,", kSize, 1, 2);
    partial("leading zeros", "bytes=007-010", kSize, 7, 10);
    // Huge numbers saturate instead of overflowing
    partial("huge last", "bytes=10-99999999999999999999999999", kSize, 10, 999);
    partial("huge suffix", "bytes=-99999999999999999999999999", kSize, 0, 999);
    partial("int64 max last", "bytes=1-9223372036854775807", kSize, 1, 999);
    partial("big file", "bytes=5000000000-", 6'000'000'000LL, 5'000'000'000LL, 5'999'999'999LL);

    // Unsatisfiable (416)
    unsatisfiable("first at size", "bytes=1000-");
    unsatisfiable("first beyond size", "bytes=1000-2000");
    unsatisfiable("huge first", "bytes=99999999999999999999999999-");
    unsatisfiable("int64 max first", "bytes=9223372036854775807-9223372036854775807");
    unsatisfiable("zero suffix", "bytes=-0");
    unsatisfiable("multiple none satisfiable", "bytes=1000-1001, 2000-, -0");

    // Whole (ignored): absent, other units, multiple ranges, malformed syntax
    whole("absent", QByteArray());
    whole("empty", "");
    whole("only whitespace", "   ");
    whole("other unit", "items=0-5");
    whole("unit prefix only", "bytesx=0-5");
    whole("no equals", "bytes 0-5");
    whole("no unit", "=0-5");
    whole("empty set", "bytes=");
    whole("only commas", "bytes=,,");
    whole("multiple ranges", "bytes=0-1,5-9");
    whole("multiple, one satisfiable", "bytes=0-1,5000-6000");
    whole("multiple overlapping", "bytes=0-500,400-999");
    whole("last before first", "bytes=500-499");
    whole("no dash", "bytes=500");
    whole("lone dash", "bytes=-");
    whole("double dash", "bytes=--5");
    whole("negative first", "bytes=-5-10");
    whole("negative last", "bytes=5--1");
    whole("plus sign", "bytes=+5-10");
    whole("hex", "bytes=0x10-0x20");
    whole("letters", "bytes=a-b");
    whole("fraction", "bytes=1.5-2");
    whole("trailing garbage", "bytes=0-5x");
    whole("one bad among good", "bytes=0-5,x-");
    whole("semicolon", "bytes=0-5;6-7");
    whole("non-ASCII", "bytes=\xd9\xa1-\xd9\xa2");
    whole("NUL", QByteArrayLiteral("bytes=0\0-5"));
    // An empty representation: Range may be ignored (§14.2), so even a
    // range that could never be satisfied is served as the (empty) whole.
    whole("zero-length, int range", "bytes=0-0", 0);
    whole("zero-length, open", "bytes=0-", 0);
    whole("zero-length, suffix", "bytes=-5", 0);
}

void tst_ByteRange::parse()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, size);
    QFETCH(Kind, kind);
    QFETCH(qint64, first);
    QFETCH(qint64, last);

    const RangeSelection s = parseRange(value, size);
    QCOMPARE(s.kind, kind);
    if (kind == Kind::Partial) {
        QCOMPARE(s.range.first, first);
        QCOMPARE(s.range.last, last);
        QVERIFY(s.range.length() > 0);
        QVERIFY(s.range.last < size);
    }
    // The same through the request path (GET, no If-Range).
    QCOMPARE(selectRange(get(value), size, kETag), s);
}

void tst_ByteRange::ifRange_data()
{
    QTest::addColumn<QByteArray>("ifRange");
    QTest::addColumn<bool>("applies");

    QTest::addRow("absent") << QByteArray() << true;
    QTest::addRow("same strong tag") << kETag << true;
    QTest::addRow("same tag with OWS") << QByteArray(" \"abc-123\"\t") << true;
    QTest::addRow("other tag") << QByteArray("\"abc-124\"") << false;
    QTest::addRow("weak form of our tag") << QByteArray("W/\"abc-123\"") << false;
    QTest::addRow("unquoted") << QByteArray("abc-123") << false;
    QTest::addRow("prefix of our tag") << QByteArray("\"abc-12\"") << false;
    QTest::addRow("our tag plus more") << QByteArray("\"abc-123\", \"x\"") << false;
    QTest::addRow("case differs") << QByteArray("\"ABC-123\"") << false;
    QTest::addRow("HTTP-date") << QByteArray("Sun, 06 Nov 1994 08:49:37 GMT") << false;
    QTest::addRow("empty") << QByteArray("") << false;
    QTest::addRow("star") << QByteArray("*") << false;
}

void tst_ByteRange::ifRange()
{
    QFETCH(QByteArray, ifRange);
    QFETCH(bool, applies);

    if (!ifRange.isNull())
        QCOMPARE(ifRangeMatches(ifRange, kETag), applies);
    const RangeSelection s = selectRange(get("bytes=10-19", ifRange), kSize, kETag);
    QCOMPARE(s.kind, applies ? Kind::Partial : Kind::Whole);
    if (applies)
        QCOMPARE(s.range, (ByteRange {10, 19}));
    // A mismatching If-Range also turns a 416 into the whole representation.
    const RangeSelection beyond = selectRange(get("bytes=5000-", ifRange), kSize, kETag);
    QCOMPARE(beyond.kind, applies ? Kind::Unsatisfiable : Kind::Whole);
}

void tst_ByteRange::selectRespectsMethodAndRepetition()
{
    QCOMPARE(selectRange(get("bytes=1-2", {}, "HEAD"), kSize, kETag).kind, Kind::Partial);
    QCOMPARE(selectRange(get("bytes=1-2", {}, "POST"), kSize, kETag).kind, Kind::Whole);
    QCOMPARE(selectRange(get("bytes=1-2", {}, "PUT"), kSize, kETag).kind, Kind::Whole);
    QCOMPARE(selectRange(get({}), kSize, kETag).kind, Kind::Whole);

    Request twice = get("bytes=1-2");
    twice.headers.add("Range", "bytes=3-4");
    QCOMPARE(selectRange(twice, kSize, kETag).kind, Kind::Whole);

    Request twoIfRanges = get("bytes=1-2", kETag);
    twoIfRanges.headers.add("If-Range", kETag);
    QCOMPARE(selectRange(twoIfRanges, kSize, kETag).kind, Kind::Whole);

    // No entity tag of ours: no If-Range can match.
    QCOMPARE(selectRange(get("bytes=1-2", "\"\""), kSize, {}).kind, Kind::Whole);
}

void tst_ByteRange::contentRangeValues()
{
    QCOMPARE(contentRange({0, 0}, 1), QByteArray("bytes 0-0/1"));
    QCOMPARE(contentRange({500, 999}, 1000), QByteArray("bytes 500-999/1000"));
    QCOMPARE(contentRange({5'000'000'000LL, 5'999'999'999LL}, 6'000'000'000LL),
             QByteArray("bytes 5000000000-5999999999/6000000000"));
    QCOMPARE(unsatisfiedContentRange(1000), QByteArray("bytes */1000"));
    QCOMPARE(unsatisfiedContentRange(0), QByteArray("bytes */0"));
}

QTEST_APPLESS_MAIN(tst_ByteRange)
#include "tst_byterange.moc"
