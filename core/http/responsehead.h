#pragma once

#include "http/httptypes.h"

#include <QDateTime>

#include <optional>

namespace sluice::http {

struct ResponseFraming
{
    std::optional<qint64> contentLength; // sent as Content-Length when set
    bool chunked = false;
    bool close = false;
    bool keepAliveFor10 = false; // answer an HTTP/1.0 keep-alive request
    quint64 requestId = 0; // 0: none (rejected before routing)
};

// Status line and header section. The status line always says HTTP/1.1 (RFC
// 9110 §2.5). Framing fields are the connection's: a handler's Content-Length,
// Transfer-Encoding or Connection is dropped, and so is any field whose name
// is not a token or whose value holds CR, LF or NUL (no response splitting).
QByteArray serializeResponseHead(int status, const Headers &headers,
                                 const ResponseFraming &framing);

// IMF-fixdate (RFC 9110 §5.6.7), e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
QByteArray formatHttpDate(const QDateTime &time);

// True for 1xx, 204 and 304, which never carry a body (RFC 9110 §6.4.1).
bool statusHasNoBody(int status);

} // namespace sluice::http
