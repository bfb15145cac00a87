#include "http/requestparser.h"

#include "http/headvalidator_p.h"

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>

namespace beast_http = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

QByteArray fromView(string_view v)
{
    return QByteArray(v.data(), qsizetype(v.size()));
}

// Beast waits for a whole trailer section before it looks at it and finds its
// end by CRLF CRLF only, so a bare LF there would leave the request hanging
// until a timeout. `pending` is what Beast has not consumed while it waits
// for a chunk line: an optional CRLF ending the previous chunk's data, then
// the line. After a last-chunk, the lines so far must hold no bare CR, bare
// LF or other control character, as in the head (RFC 9112 §2.2, §7.1.2).
bool trailerHasBadBytes(QByteArrayView pending)
{
    const qsizetype start = pending.startsWith("\r\n") ? 2 : 0;
    const qsizetype eol = pending.indexOf("\r\n", start);
    if (eol < 0)
        return false;
    // last-chunk = 1*("0") [ chunk-ext ] CRLF
    qsizetype zeros = start;
    while (zeros < eol && pending[zeros] == '0')
        ++zeros;
    if (zeros == start
        || (zeros < eol && pending[zeros] != ';' && pending[zeros] != ' '
            && pending[zeros] != '\t'))
        return false;
    for (qsizetype at = eol + 2; at < pending.size();) {
        const qsizetype end = pending.indexOf("\r\n", at);
        QByteArrayView line = pending.sliced(at, (end < 0 ? pending.size() : end) - at);
        if (end < 0 && line.endsWith('\r'))
            line.chop(1); // its LF has not arrived yet
        if (std::any_of(line.begin(), line.end(),
                        [](char c) { return isCtl(static_cast<unsigned char>(c)); }))
            return true;
        if (end < 0 || end == at)
            break; // incomplete, or the empty line that ends the trailer
        at = end + 2;
    }
    return false;
}

} // namespace

class RequestParser::Impl final : public beast_http::basic_parser<true>
{
public:
    explicit Impl(const ParserLimits &limits)
        : m_limits(limits)
        , m_head(limits)
    {
        header_limit(std::uint32_t(limits.maxRequestLineBytes + limits.maxHeaderBytes + 8));
        body_limit(boost::none); // sizes are policed by the sink, which knows the route's limit
        eager(false); // one step per put(), so body pieces stay bounded
    }

    Status feed(QByteArrayView input, qsizetype *consumed, qsizetype maxBody);

    ParserLimits m_limits;
    Request m_request;
    QByteArray m_body;
    HttpError m_error;
    bool m_failed = false;
    bool m_headDone = false;
    Headers m_trailers;
    // Chunked bodies: bytes left in the current chunk's data; 0 at a chunk
    // boundary, where a chunk line (or the last chunk and its trailer) comes.
    std::uint64_t m_chunkLeft = 0;
    quint64 m_bodyBytes = 0;

private:
    HeadValidator m_head; // the strict pass over the head's raw bytes
    bool m_chunked = false;
    qsizetype m_maxBody = 0;

    Status fail(HttpError error)
    {
        m_failed = true;
        m_error = std::move(error);
        return Status::Failed;
    }
    Status mapBeastError(const error_code &ec);

    // basic_parser
    void on_request_impl(beast_http::verb, string_view method, string_view target, int version,
                         error_code &) override
    {
        m_request.method = fromView(method);
        m_request.target = fromView(target);
        m_request.version = version;
    }
    void on_response_impl(int, string_view, int, error_code &ec) override
    {
        ec = beast_http::error::bad_method;
    }
    void on_field_impl(beast_http::field, string_view name, string_view value,
                       error_code &ec) override
    {
        if (m_headDone) {
            // Trailer fields are ignored, but framing, routing and auth fields
            // there are an attempt to smuggle (RFC 9110 §6.5.1).
            static const QByteArrayView forbidden[]
                = {"content-length", "transfer-encoding", "host",    "connection", "expect",
                   "authorization",  "content-type",      "trailer", "te"};
            const QByteArrayView n(name.data(), qsizetype(name.size()));
            for (QByteArrayView f : forbidden) {
                if (n.compare(f, Qt::CaseInsensitive) == 0) {
                    fail(badRequest(u"field '%1' is not allowed in a chunked trailer"_s.arg(
                        QString::fromLatin1(n))));
                    ec = beast_http::error::bad_field;
                    return;
                }
            }
            // Kept for the body's sink (tus checksum-trailer); the header
            // section's size limit bounds them (the raw pass counts them).
            m_trailers.add(fromView(name), fromView(value));
            return;
        }
        m_request.headers.add(fromView(name), fromView(value));
    }
    void on_header_impl(error_code &) override { }
    void on_body_init_impl(const boost::optional<std::uint64_t> &, error_code &) override { }
    std::size_t on_body_impl(string_view body, error_code &) override
    {
        return takeBodyBytes(body);
    }
    void on_chunk_header_impl(std::uint64_t size, string_view extensions, error_code &ec) override
    {
        m_chunkLeft = size;
        if (qint64(extensions.size()) > m_limits.maxChunkExtensionBytes) {
            fail(limitError(413, u"chunk extensions exceed max_chunk_extension_bytes"_s,
                            "max_chunk_extension_bytes", m_limits.maxChunkExtensionBytes));
            ec = beast_http::error::bad_chunk_extension;
        }
    }
    std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code &) override
    {
        const std::size_t n = takeBodyBytes(body);
        m_chunkLeft -= std::min<std::uint64_t>(m_chunkLeft, n);
        return n;
    }

    // What a chunk line, or the last chunk with its trailer section, may take
    // before it is complete.
    qsizetype maxPendingLineBytes() const { return m_limits.maxChunkExtensionBytes + 64; }

    // How much of `rest` Beast may see at once. At a chunk boundary, never
    // more than a pending line may hold: Beast then judges a chunk line or a
    // trailer exactly as it would have had the bytes come one by one (content
    // errors first, then the size limit), so the answer does not depend on
    // how the body was split (found by fuzz_requestparser). Inside a chunk's
    // data, up to its end.
    QByteArrayView offerFrom(QByteArrayView rest) const
    {
        if (!m_request.chunked)
            return rest;
        const std::uint64_t cap
            = m_chunkLeft > 0 ? m_chunkLeft : std::uint64_t(maxPendingLineBytes() + 1);
        return rest.first(qsizetype(std::min<std::uint64_t>(cap, std::uint64_t(rest.size()))));
    }
    void on_finish_impl(error_code &) override { }

    std::size_t takeBodyBytes(string_view body)
    {
        const std::size_t room = std::size_t(std::max<qsizetype>(0, m_maxBody - m_body.size()));
        const std::size_t n = std::min(room, body.size());
        m_body.append(body.data(), qsizetype(n));
        m_bodyBytes += n;
        return n;
    }
};

RequestParser::Status RequestParser::Impl::mapBeastError(const error_code &ec)
{
    if (m_failed)
        return Status::Failed; // a callback already chose the precise error
    if (ec == beast_http::error::header_limit) {
        return fail(limitError(431, u"request head exceeds max_header_bytes"_s, "max_header_bytes",
                               m_limits.maxHeaderBytes));
    }
    if (ec == beast_http::error::bad_chunk || ec == beast_http::error::bad_chunk_extension)
        return fail(badRequest(
            u"invalid chunked encoding: %1"_s.arg(QString::fromStdString(ec.message()))));
    if (ec == beast_http::error::bad_method) {
        HttpError e {501, u"method is not implemented"_s, {}, QJsonValue::Undefined, true};
        return fail(std::move(e));
    }
    return fail(badRequest(u"malformed request: %1"_s.arg(QString::fromStdString(ec.message()))));
}

RequestParser::Status RequestParser::Impl::feed(QByteArrayView input, qsizetype *consumed,
                                                qsizetype maxBody)
{
    *consumed = 0;
    if (m_failed)
        return Status::Failed;
    error_code ec;

    if (!m_headDone) {
        const qsizetype before = m_head.size();
        const qsizetype take = m_head.append(input);
        const qsizetype end = m_head.scan();
        if (end < 0) {
            *consumed = take;
            return fail(m_head.error());
        }
        if (end == 0) {
            *consumed = take;
            return Status::NeedMore;
        }
        *consumed = end - before;
        const QByteArrayView head = m_head.head(end);
        const std::size_t used
            = put(boost::asio::const_buffer(head.data(), std::size_t(head.size())), ec);
        if (ec == beast_http::error::need_more && is_header_done())
            ec = {};
        if (ec)
            return mapBeastError(ec);
        if (!is_header_done() || used != std::size_t(head.size()))
            return fail(badRequest(u"malformed request head"_s));
        m_headDone = true;
        m_head.releaseBytes();
        if (!m_head.checkHead(m_request))
            return fail(m_head.error());
        m_chunked = m_request.chunked;
        return Status::HeadComplete;
    }

    if (is_done())
        return Status::Complete;
    m_maxBody = maxBody;
    qsizetype offset = 0;
    // Beast hands over body bytes from one chunk at a time; loop over chunk
    // boundaries until the piece is full, the input is used up or the message ends.
    while (offset < input.size() && m_body.size() < m_maxBody && !is_done()) {
        const QByteArrayView rest = offerFrom(input.sliced(offset));
        // Bytes of a trailer are judged before Beast sees the whole last
        // chunk: byte by byte they would be refused as they arrive, before
        // Beast checks the last chunk's extensions (found by fuzzing).
        if (m_chunked && m_chunkLeft == 0 && trailerHasBadBytes(rest)) {
            *consumed = offset;
            return fail(badRequest(
                u"bare CR, bare LF or a control character in the chunked trailer (RFC 9112 §2.2)"_s));
        }
        const std::size_t used
            = put(boost::asio::const_buffer(rest.data(), std::size_t(rest.size())), ec);
        offset += qsizetype(used);
        if (ec == beast_http::error::need_more) {
            ec = {};
            if (used == 0) {
                if (m_chunked && trailerHasBadBytes(rest)) {
                    *consumed = offset;
                    return fail(badRequest(
                        u"bare CR, bare LF or a control character in the chunked trailer (RFC 9112 §2.2)"_s));
                }
                // An incomplete chunk line or trailer that will not fit the limit.
                if (rest.size() > maxPendingLineBytes()) {
                    *consumed = offset;
                    return fail(limitError(
                        413, u"chunk header or trailer exceeds max_chunk_extension_bytes"_s,
                        "max_chunk_extension_bytes", m_limits.maxChunkExtensionBytes));
                }
                break;
            }
            continue;
        }
        if (ec) {
            *consumed = offset;
            return mapBeastError(ec);
        }
        if (used == 0)
            break;
    }
    *consumed = offset;
    if (is_done())
        return Status::Complete;
    return m_body.isEmpty() ? Status::NeedMore : Status::BodyData;
}

RequestParser::RequestParser(const ParserLimits &limits)
    : d(std::make_unique<Impl>(limits))
{ }
RequestParser::~RequestParser() = default;

RequestParser::Status RequestParser::feed(QByteArrayView input, qsizetype *consumed,
                                          qsizetype maxBody)
{
    return d->feed(input, consumed, maxBody);
}

const Request &RequestParser::request() const
{
    return d->m_request;
}
Request &RequestParser::request()
{
    return d->m_request;
}
QByteArray RequestParser::takeBody()
{
    return std::exchange(d->m_body, {});
}
const HttpError &RequestParser::error() const
{
    return d->m_error;
}
const Headers &RequestParser::trailers() const
{
    return d->m_trailers;
}

bool RequestParser::headComplete() const
{
    return d->m_headDone && !d->m_failed;
}
bool RequestParser::isComplete() const
{
    return d->m_headDone && d->is_done();
}
quint64 RequestParser::bodyBytes() const
{
    return d->m_bodyBytes;
}

} // namespace sluice::http
