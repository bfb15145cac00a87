#include "http/byterange.h"

#include <limits>
#include <optional>

namespace sluice::http {

namespace {

constexpr qint64 kMaxPos = std::numeric_limits<qint64>::max();

// OWS = *( SP / HTAB ) (RFC 9110 §5.6.3)
QByteArrayView trimOws(QByteArrayView v)
{
    while (!v.isEmpty() && (v.front() == ' ' || v.front() == '\t'))
        v = v.sliced(1);
    while (!v.isEmpty() && (v.back() == ' ' || v.back() == '\t'))
        v.chop(1);
    return v;
}

// 1*DIGIT. A value beyond qint64 saturates: "bytes=99999999999999999999-" is
// well-formed and simply unsatisfiable, and a huge last-pos or suffix-length
// means "to the end".
std::optional<qint64> parsePos(QByteArrayView digits)
{
    if (digits.isEmpty())
        return std::nullopt;
    qint64 value = 0;
    for (char c : digits) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const int d = c - '0';
        value = value > (kMaxPos - d) / 10 ? kMaxPos : value * 10 + d;
    }
    return value;
}

// One range-spec: int-range (first "-" [last]) or suffix-range ("-" length).
struct RangeSpec
{
    bool suffix = false;
    qint64 first = 0; // or the suffix length
    std::optional<qint64> last;
};

std::optional<RangeSpec> parseSpec(QByteArrayView spec)
{
    const qsizetype dash = spec.indexOf('-');
    if (dash < 0)
        return std::nullopt;
    const QByteArrayView before = trimOws(spec.first(dash));
    const QByteArrayView after = trimOws(spec.sliced(dash + 1));
    RangeSpec r;
    if (before.isEmpty()) { // suffix-range; "--5" fails as a non-digit
        const auto length = parsePos(after);
        if (!length)
            return std::nullopt;
        r.suffix = true;
        r.first = *length;
        return r;
    }
    const auto first = parsePos(before);
    if (!first)
        return std::nullopt;
    r.first = *first;
    if (!after.isEmpty()) {
        r.last = parsePos(after);
        // An int-range whose last-pos is below its first-pos is invalid (§14.1.1).
        if (!r.last || *r.last < r.first)
            return std::nullopt;
    }
    return r;
}

bool isSatisfiable(const RangeSpec &r, qint64 size)
{
    return r.suffix ? r.first > 0 : r.first < size;
}

bool isToken(QByteArrayView v)
{
    if (v.isEmpty())
        return false;
    for (char c : v) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
        if (!ok)
            return false;
    }
    return true;
}

} // namespace

RangeSelection parseRange(QByteArrayView value, qint64 size)
{
    using Kind = RangeSelection::Kind;
    if (size <= 0)
        return {}; // no content: Range may be ignored (§14.2)
    value = trimOws(value);
    const qsizetype eq = value.indexOf('=');
    if (eq < 0)
        return {};
    // ranges-specifier = range-unit "=" range-set; units compare case-insensitively.
    const QByteArrayView unit = trimOws(value.first(eq));
    if (!isToken(unit) || unit.compare("bytes", Qt::CaseInsensitive) != 0)
        return {};

    QList<RangeSpec> specs;
    for (const QByteArray &element : value.sliced(eq + 1).toByteArray().split(',')) {
        const QByteArrayView item = trimOws(element);
        if (item.isEmpty())
            continue; // empty list elements are allowed (§5.6.1.2)
        const auto spec = parseSpec(item);
        if (!spec)
            return {}; // an invalid ranges-specifier: ignore the header
        specs.append(*spec);
    }
    if (specs.isEmpty())
        return {};

    if (specs.size() > 1) {
        // Serving the whole representation answers any multi-range request;
        // only a set where nothing at all is satisfiable gets 416.
        for (const RangeSpec &s : specs) {
            if (isSatisfiable(s, size))
                return {};
        }
        return {Kind::Unsatisfiable, {}};
    }

    const RangeSpec &s = specs.constFirst();
    if (!isSatisfiable(s, size))
        return {Kind::Unsatisfiable, {}};
    if (s.suffix) // a suffix longer than the representation selects all of it (§14.1.3)
        return {Kind::Partial, {std::max<qint64>(0, size - s.first), size - 1}};
    return {Kind::Partial, {s.first, std::min(s.last.value_or(size - 1), size - 1)}};
}

bool ifRangeMatches(QByteArrayView value, QByteArrayView currentETag)
{
    value = trimOws(value);
    // Only a strong entity tag can match; "W/..." never does, a date we do not evaluate.
    return value.size() >= 2 && value.front() == '"' && !currentETag.isEmpty()
        && value == currentETag;
}

RangeSelection selectRange(const Request &request, qint64 size, QByteArrayView currentETag)
{
    // Range is defined for GET only (§14.2); HEAD answers what GET would.
    if (request.method != "GET" && request.method != "HEAD")
        return {};
    if (request.headers.count("range") != 1)
        return {};
    const int ifRanges = request.headers.count("if-range");
    if (ifRanges > 1
        || (ifRanges == 1 && !ifRangeMatches(request.headers.value("if-range"), currentETag)))
        return {};
    return parseRange(request.headers.value("range"), size);
}

QByteArray contentRange(const ByteRange &range, qint64 size)
{
    return "bytes " + QByteArray::number(range.first) + '-' + QByteArray::number(range.last) + '/'
        + QByteArray::number(size);
}

QByteArray unsatisfiedContentRange(qint64 size)
{
    return "bytes */" + QByteArray::number(size);
}

} // namespace sluice::http
