#pragma once

#include "http/httptypes.h"

#include <QByteArray>
#include <QByteArrayView>

#include <memory>

namespace sluice::http {

struct ParserLimits
{
    qint64 maxRequestLineBytes = 8 * 1024;
    qint64 maxHeaderBytes = 16 * 1024; // field lines, request line excluded
    qint64 maxHeaderFields = 100;
    qint64 maxChunkExtensionBytes = 16 * 1024;
};

// Incremental HTTP/1.1 request parser: Boost.Beast's basic_parser does the
// grammar, and a strict pass over the raw head adds what RFC 9112 asks of a
// server that must not be fooled by request smuggling (see
// docs/decisions/0001-http-parser.md). One instance parses one message.
class RequestParser final
{
public:
    enum class Status {
        NeedMore, // feed more; bytes not consumed (a partial line) come again with it
        HeadComplete, // request() is ready; body (if any) follows
        BodyData, // takeBody() has decoded body bytes; call feed again
        Complete, // the message ended (takeBody() may hold its last bytes)
        Failed, // error() says why; the connection must close
    };

    explicit RequestParser(const ParserLimits &limits);
    ~RequestParser();
    Q_DISABLE_COPY_MOVE(RequestParser)

    // Consumes from the front of `input` and sets *consumed. Body bytes are
    // decoded at most maxBody at a time, so pieces stay bounded.
    Status feed(QByteArrayView input, qsizetype *consumed, qsizetype maxBody = 64 * 1024);

    const Request &request() const;
    Request &request();
    QByteArray takeBody();
    const HttpError &error() const;
    // A chunked body's trailer fields (those allowed there), once Complete.
    const Headers &trailers() const;
    bool headComplete() const;
    bool isComplete() const;
    // Body bytes decoded so far (after de-chunking).
    quint64 bodyBytes() const;

private:
    class Impl;
    std::unique_ptr<Impl> d;
};

} // namespace sluice::http
