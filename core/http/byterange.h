#pragma once

#include "http/httptypes.h"

#include <QByteArray>
#include <QByteArrayView>

namespace sluice::http {

// An inclusive byte range [first, last] of a representation (RFC 9110 §14.1.2).
struct ByteRange
{
    qint64 first = 0;
    qint64 last = -1;
    qint64 length() const { return last - first + 1; }
    bool operator==(const ByteRange &) const = default;
};

// What to send for a request that may carry a Range header.
struct RangeSelection
{
    enum class Kind {
        Whole, // 200: no usable Range (absent, other unit, malformed, several ranges)
        Partial, // 206 with `range`
        Unsatisfiable, // 416
    };
    Kind kind = Kind::Whole;
    ByteRange range; // meaningful for Partial only
    bool operator==(const RangeSelection &) const = default;
};

// Evaluates one Range field value against a representation of `size` bytes
// (RFC 9110 §14.1–14.2). Malformed syntax and units other than "bytes" are
// ignored (Whole), as the RFC allows. One satisfiable range gives Partial,
// clamped to the end; several ranges give Whole unless none of them can be
// satisfied. An empty representation is always served Whole (§14.2 allows
// ignoring Range when there is no content).
RangeSelection parseRange(QByteArrayView value, qint64 size);

// If-Range (RFC 9110 §13.1.5): true when the field's validator lets the Range
// header apply, i.e. it is an entity tag that strong-matches `currentETag`. A
// weak tag, an HTTP-date (we do not compare dates) or garbage does not match,
// and the whole representation is sent.
bool ifRangeMatches(QByteArrayView value, QByteArrayView currentETag);

// Range, If-Range and method together: Range applies to GET (and to HEAD, which
// mirrors GET) only, and only when it appears once.
RangeSelection selectRange(const Request &request, qint64 size, QByteArrayView currentETag);

// Content-Range values (RFC 9110 §14.4): "bytes a-b/size" and "bytes */size".
QByteArray contentRange(const ByteRange &range, qint64 size);
QByteArray unsatisfiedContentRange(qint64 size);

} // namespace sluice::http
