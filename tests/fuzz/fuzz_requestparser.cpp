// The HTTP request parser and its RFC 9112 glue, fed arbitrary bytes in
// arbitrary splits, as a connection would (several messages in a row, a new
// parser after each complete one). Invariants: nothing crashes or leaks;
// feed() never claims more than it was offered; a failure carries a 4xx/5xx;
// and the outcome does not depend on how the bytes were split.
#include "fuzzinput.h"

#include "http/requestparser.h"

#include <QCryptographicHash>
#include <QList>

using namespace sluice;

namespace {

struct Outcome
{
    QList<QByteArray> events; // one line per head, body digest and failure
    bool operator==(const Outcome &) const = default;
};

http::ParserLimits limits()
{
    http::ParserLimits l;
    l.maxRequestLineBytes = 512;
    l.maxHeaderBytes = 2048;
    l.maxHeaderFields = 20;
    l.maxChunkExtensionBytes = 64;
    return l;
}

// Parses `input` as a connection would, offering `pieceSize(i)` more bytes
// at a time (0: everything at once).
template<typename PieceSize> Outcome parse(QByteArrayView input, PieceSize pieceSize)
{
    Outcome outcome;
    QByteArray buffer;
    qsizetype offered = 0;
    size_t pieces = 0;
    const auto offerMore = [&] {
        if (offered >= input.size())
            return false;
        const qsizetype n = pieceSize(pieces++);
        const qsizetype take
            = n <= 0 ? input.size() - offered : std::min(n, input.size() - offered);
        buffer.append(input.sliced(offered, take));
        offered += take;
        return true;
    };
    auto parser = std::make_unique<http::RequestParser>(limits());
    QCryptographicHash body(QCryptographicHash::Sha1);
    bool started = false; // the current parser has taken bytes
    for (int messages = 0; messages < 16;) {
        if (buffer.isEmpty() && !offerMore()) {
            outcome.events.append(started ? "incomplete" : "end");
            break;
        }
        qsizetype consumed = -1;
        const auto status = parser->feed(buffer, &consumed, 1 + qsizetype(pieces % 7) * 13);
        SLUICE_FUZZ_CHECK(consumed >= 0 && consumed <= buffer.size());
        buffer.remove(0, consumed);
        started = started || consumed > 0;
        switch (status) {
        case http::RequestParser::Status::NeedMore:
            // Bytes not taken (a partial chunk-size line) are offered again
            // with what follows, as the connection does.
            if (!buffer.isEmpty() && !offerMore()) {
                outcome.events.append("incomplete"); // a message was begun
                return outcome;
            }
            break;
        case http::RequestParser::Status::HeadComplete: {
            const http::Request &r = parser->request();
            outcome.events.append("head " + r.method + ' ' + r.target + ' '
                                  + QByteArray::number(r.version) + ' '
                                  + QByteArray::number(r.contentLength.value_or(0)) + ' '
                                  + (r.chunked ? "chunked" : "plain"));
            break;
        }
        case http::RequestParser::Status::BodyData:
            body.addData(parser->takeBody());
            break;
        case http::RequestParser::Status::Complete: {
            body.addData(parser->takeBody());
            const http::Request &r = parser->request();
            if (!r.chunked && r.contentLength)
                SLUICE_FUZZ_CHECK(parser->bodyBytes() == *r.contentLength);
            outcome.events.append("body " + QByteArray::number(parser->bodyBytes()) + ' '
                                  + body.result().toHex());
            body.reset();
            parser = std::make_unique<http::RequestParser>(limits());
            started = false;
            ++messages;
            break;
        }
        case http::RequestParser::Status::Failed: {
            const int code = parser->error().status;
            SLUICE_FUZZ_CHECK(code >= 400 && code <= 599);
            outcome.events.append("failed " + QByteArray::number(code));
            return outcome;
        }
        }
    }
    return outcome;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::Splitter splitter(data, size);
    const QByteArrayView input = splitter.payload();
    const Outcome whole = parse(input, [](size_t) { return qsizetype(0); });
    const Outcome split = parse(input, [&](size_t i) { return splitter.piece(i); });
    const Outcome bytes = parse(input, [](size_t) { return qsizetype(1); });
    SLUICE_FUZZ_CHECK(whole == split);
    SLUICE_FUZZ_CHECK(whole == bytes);
    return 0;
}
