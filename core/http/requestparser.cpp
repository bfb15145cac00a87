#include "http/requestparser.h"

#include <QStringDecoder>
#include <QUrl>

#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include <algorithm>

namespace beast_http = boost::beast::http;
using boost::beast::string_view;
using boost::system::error_code;

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

bool isCtl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

HttpError badRequest(QString message)
{
    return HttpError {400, std::move(message), {}, QJsonValue::Undefined, true};
}

HttpError limitError(int status, QString message, const char *limit, qint64 value)
{
    HttpError e
        = HttpError::limitExceeded(status, std::move(message), QString::fromLatin1(limit), value);
    e.closeConnection = true;
    return e;
}

// Quotes client input in an error message, cut to a readable length.
QString clip(QByteArrayView v, qsizetype n = 32)
{
    return QString::fromLatin1(v.first(std::min(v.size(), n)));
}

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

// tchar (RFC 9110 §5.6.2)
bool isTokenChar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// Host = uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2); an empty
// value is allowed for targets without an authority.
bool isValidHost(QByteArrayView v)
{
    const auto isHex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    const auto isRegNameChar = [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
            || QByteArrayView("-._~!$&'()*+,;=").contains(c);
    };
    qsizetype i = 0;
    if (v.startsWith('[')) { // IP-literal: IPv6 or IPvFuture, checked for its characters only
        const qsizetype close = v.indexOf(']');
        if (close < 2)
            return false;
        for (i = 1; i < close; ++i) {
            if (!isRegNameChar(v[i]) && v[i] != ':')
                return false;
        }
        i = close + 1;
    } else {
        for (; i < v.size() && v[i] != ':'; ++i) {
            if (v[i] == '%') {
                if (i + 2 >= v.size() || !isHex(v[i + 1]) || !isHex(v[i + 2]))
                    return false;
                i += 2;
            } else if (!isRegNameChar(v[i])) {
                return false;
            }
        }
    }
    if (i == v.size())
        return true;
    if (v[i] != ':')
        return false;
    const QByteArrayView port = v.sliced(i + 1);
    return std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const QByteArrayView kSupportedMethods[]
    = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};

} // namespace

class RequestParser::Impl final : public beast_http::basic_parser<true>
{
public:
    explicit Impl(const ParserLimits &limits)
        : m_limits(limits)
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
    // Chunked bodies: bytes left in the current chunk's data; 0 at a chunk
    // boundary, where a chunk line (or the last chunk and its trailer) comes.
    std::uint64_t m_chunkLeft = 0;
    quint64 m_bodyBytes = 0;

private:
    // Head accumulation and the strict pass over its raw bytes.
    QByteArray m_head;
    qsizetype m_scanPos = 0;
    qsizetype m_lineStart = 0;
    qsizetype m_requestLineStart = 0; // leading empty lines are skipped (RFC 9112 §2.2)
    qsizetype m_fieldsStart = -1; // -1 while in the request line
    qsizetype m_fieldCount = 0;
    int m_contentLengthFields = 0;
    int m_transferEncodingFields = 0;
    int m_hostFields = 0;
    int m_authorizationFields = 0;
    int m_contentTypeFields = 0;
    QByteArray m_contentLength;
    QByteArray m_transferEncoding;
    QByteArray m_host;
    bool m_chunked = false;
    qsizetype m_maxBody = 0;

    Status fail(HttpError error)
    {
        m_failed = true;
        m_error = std::move(error);
        return Status::Failed;
    }
    // Returns the index just past the blank line ending the head, 0 when more
    // bytes are needed, -1 on error.
    qsizetype scanHead();
    bool checkRequestLine(QByteArrayView line);
    bool checkFieldLine(QByteArrayView line);
    bool checkHead();
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

qsizetype RequestParser::Impl::scanHead()
{
    const qsizetype size = m_head.size();
    for (qsizetype i = m_scanPos; i < size; ++i) {
        const auto c = static_cast<unsigned char>(m_head.at(i));
        if (c == '\r') {
            if (i + 1 == size) {
                m_scanPos = i; // decide when the next byte arrives
                return 0;
            }
            if (m_head.at(i + 1) != '\n') {
                fail(badRequest(u"bare CR in request head (RFC 9112 §2.2)"_s));
                return -1;
            }
            continue;
        }
        if (c == '\n') {
            if (i == 0 || m_head.at(i - 1) != '\r') {
                fail(badRequest(u"bare LF in request head (RFC 9112 §2.2)"_s));
                return -1;
            }
            const QByteArrayView line(m_head.constData() + m_lineStart, i - 1 - m_lineStart);
            const qsizetype next = i + 1;
            if (m_fieldsStart < 0) {
                if (line.isEmpty() && m_lineStart == m_requestLineStart
                    && m_requestLineStart < 64) {
                    m_requestLineStart = next; // tolerate a stray CRLF before the request
                } else {
                    if (!checkRequestLine(line))
                        return -1;
                    m_fieldsStart = next;
                }
            } else if (line.isEmpty()) {
                m_scanPos = next;
                return next;
            } else if (!checkFieldLine(line)) {
                return -1;
            }
            m_lineStart = next;
            continue;
        }
        if (isCtl(c)) {
            fail(badRequest(
                u"control character 0x%1 in request head"_s.arg(c, 2, 16, QLatin1Char('0'))));
            return -1;
        }
        if (m_fieldsStart < 0) {
            if (i - m_requestLineStart >= m_limits.maxRequestLineBytes) {
                fail(limitError(414, u"request line exceeds max_request_line_bytes"_s,
                                "max_request_line_bytes", m_limits.maxRequestLineBytes));
                return -1;
            }
        } else if (i - m_fieldsStart >= m_limits.maxHeaderBytes) {
            fail(limitError(431, u"header fields exceed max_header_bytes"_s, "max_header_bytes",
                            m_limits.maxHeaderBytes));
            return -1;
        }
    }
    m_scanPos = size;
    return 0;
}

bool RequestParser::Impl::checkRequestLine(QByteArrayView line)
{
    // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
    const qsizetype lastSpace = line.lastIndexOf(' ');
    const QByteArrayView version = lastSpace < 0 ? QByteArrayView() : line.sliced(lastSpace + 1);
    if (!version.startsWith("HTTP/")) {
        fail(badRequest(u"malformed request line"_s));
        return false;
    }
    // HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); "HTTP/2" and
    // "HTTP/3" also count as versions (505). Anything else is a malformed
    // request line, not a version we could support.
    const auto isDigit = [](char c) {
        return c >= '0' && c <= '9';
    };
    const bool wellFormed = (version.size() == 6 && isDigit(version[5]))
        || (version.size() == 8 && isDigit(version[5]) && version[6] == '.' && isDigit(version[7]));
    if (!wellFormed) {
        fail(badRequest(u"malformed HTTP version '%1' (RFC 9112 §2.3)"_s.arg(clip(version, 16))));
        return false;
    }
    // method = token (RFC 9110 §9.1): a tab or a separator in it means the
    // request line is not what it seems.
    const qsizetype firstSpace = line.indexOf(' ');
    const QByteArrayView method = line.first(std::max<qsizetype>(firstSpace, 0));
    if (method.isEmpty() || !std::all_of(method.begin(), method.end(), isTokenChar)) {
        fail(badRequest(u"malformed request line: the method is not a token"_s));
        return false;
    }
    if (version != "HTTP/1.1" && version != "HTTP/1.0") {
        HttpError e {505,
                     u"HTTP version '%1' is not supported; use HTTP/1.1"_s.arg(clip(version, 16)),
                     {},
                     QJsonValue::Undefined,
                     true};
        fail(std::move(e));
        return false;
    }
    return true;
}

bool RequestParser::Impl::checkFieldLine(QByteArrayView line)
{
    if (++m_fieldCount > m_limits.maxHeaderFields) {
        fail(limitError(431, u"more header fields than max_header_fields"_s, "max_header_fields",
                        m_limits.maxHeaderFields));
        return false;
    }
    if (line.front() == ' ' || line.front() == '\t') {
        fail(badRequest(u"obsolete line folding in header (RFC 9112 §5.2)"_s));
        return false;
    }
    const qsizetype colon = line.indexOf(':');
    if (colon <= 0) {
        fail(badRequest(u"header field line without a name and colon"_s));
        return false;
    }
    const QByteArrayView name = line.first(colon);
    if (name.back() == ' ' || name.back() == '\t') {
        fail(badRequest(u"whitespace between header field name and colon (RFC 9112 §5.1)"_s));
        return false;
    }
    const QByteArrayView value = line.sliced(colon + 1).trimmed();
    if (name.compare("content-length", Qt::CaseInsensitive) == 0) {
        ++m_contentLengthFields;
        m_contentLength = value.toByteArray();
    } else if (name.compare("transfer-encoding", Qt::CaseInsensitive) == 0) {
        ++m_transferEncodingFields;
        m_transferEncoding = value.toByteArray();
    } else if (name.compare("host", Qt::CaseInsensitive) == 0) {
        ++m_hostFields;
        m_host = value.toByteArray();
    } else if (name.compare("authorization", Qt::CaseInsensitive) == 0) {
        ++m_authorizationFields;
    } else if (name.compare("content-type", Qt::CaseInsensitive) == 0) {
        ++m_contentTypeFields;
    }
    return true;
}

// Framing and routing rules of RFC 9112 §6 and §3.2, checked on the raw
// fields before Beast interprets them, so each gets a precise answer.
bool RequestParser::Impl::checkHead()
{
    Request &r = m_request;
    bool supported = false;
    for (QByteArrayView m : kSupportedMethods)
        supported = supported || r.method == m;
    if (!supported) {
        HttpError e {501,
                     u"method '%1' is not implemented"_s.arg(clip(r.method)),
                     {},
                     QJsonValue::Undefined,
                     true};
        fail(std::move(e));
        return false;
    }
    if (m_contentLengthFields > 0 && m_transferEncodingFields > 0) {
        fail(badRequest(u"Content-Length together with Transfer-Encoding (RFC 9112 §6.1)"_s));
        return false;
    }
    if (m_transferEncodingFields > 0) {
        if (r.version == 10) {
            fail(badRequest(u"Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)"_s));
            return false;
        }
        if (m_transferEncodingFields > 1) {
            fail(badRequest(u"more than one Transfer-Encoding field"_s));
            return false;
        }
        const QList<QByteArray> codings = m_transferEncoding.split(',');
        for (qsizetype i = 0; i < codings.size(); ++i) {
            const QByteArray c = codings.at(i).trimmed();
            const bool last = i + 1 == codings.size();
            if (c.compare("chunked", Qt::CaseInsensitive) == 0) {
                if (!last) {
                    fail(badRequest(u"chunked must be the final transfer coding"_s));
                    return false;
                }
            } else if (c.isEmpty() || last) {
                fail(badRequest(u"Transfer-Encoding '%1' does not end in chunked"_s.arg(
                    clip(m_transferEncoding, 64))));
                return false;
            } else {
                HttpError e {501,
                             u"transfer coding '%1' is not implemented"_s.arg(clip(c)),
                             {},
                             QJsonValue::Undefined,
                             true};
                fail(std::move(e));
                return false;
            }
        }
        r.chunked = true;
        m_chunked = true;
    }
    if (m_contentLengthFields > 1) {
        fail(badRequest(u"more than one Content-Length field"_s));
        return false;
    }
    if (m_contentLengthFields == 1) {
        const QByteArrayView v(m_contentLength);
        const bool digits = !v.isEmpty() && v.size() <= 18
            && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (!digits) {
            fail(badRequest(u"invalid Content-Length '%1'"_s.arg(clip(v))));
            return false;
        }
        r.contentLength = v.toULongLong();
    }
    if (r.version == 11 ? m_hostFields != 1 : m_hostFields > 1) {
        fail(badRequest(m_hostFields == 0 ? u"missing Host field (RFC 9112 §3.2)"_s
                                          : u"more than one Host field (RFC 9112 §3.2)"_s));
        return false;
    }
    // Singletons (RFC 9110 §5.3): with two, this server and a proxy in front
    // could each act on a different one.
    if (m_authorizationFields > 1 || m_contentTypeFields > 1) {
        fail(badRequest(u"more than one %1 field (RFC 9110 §5.3)"_s.arg(
            m_authorizationFields > 1 ? u"Authorization"_s : u"Content-Type"_s)));
        return false;
    }
    if (m_hostFields == 1 && !isValidHost(m_host)) {
        fail(badRequest(u"invalid Host '%1' (RFC 9112 §3.2)"_s.arg(clip(m_host))));
        return false;
    }
    QByteArray expect;
    for (const auto &[name, value] : r.headers.fields()) {
        if (name.compare("expect", Qt::CaseInsensitive) == 0)
            expect += (expect.isEmpty() ? "" : ", ") + value.trimmed();
    }
    if (!expect.isEmpty() && r.version == 11) {
        if (expect.compare("100-continue", Qt::CaseInsensitive) != 0) {
            HttpError e {417,
                         u"unsupported expectation '%1'"_s.arg(clip(expect)),
                         {},
                         QJsonValue::Undefined,
                         true};
            fail(std::move(e));
            return false;
        }
        r.expectContinue = true;
    }
    // RFC 9112 §6.3: with neither Content-Length nor Transfer-Encoding the
    // body is empty, whatever the method (curl -X POST sends neither). A
    // route that needs a body of known length says so itself (411).

    // request-target: origin-form only ("*" for OPTIONS); RFC 9112 §3.2
    if (r.target == "*" && r.method == "OPTIONS") {
        r.path = u"*"_s;
    } else {
        // absolute-form must be accepted (RFC 9112 §3.2.2); only its path and query count.
        QByteArray target = r.target;
        const QByteArray lower = target.left(8).toLower();
        if (lower.startsWith("http://") || lower.startsWith("https://")) {
            const qsizetype authority = target.indexOf("//") + 2;
            const qsizetype slash = target.indexOf('/', authority);
            const qsizetype query = target.indexOf('?', authority);
            target = slash >= 0 && (query < 0 || slash < query)
                ? target.sliced(slash)
                : "/" + (query >= 0 ? target.sliced(query) : QByteArray());
        }
        if (!target.startsWith('/')) {
            fail(badRequest(u"request target must be an absolute path or an absolute URI"_s));
            return false;
        }
        const qsizetype q = target.indexOf('?');
        const QByteArray rawPath = q < 0 ? target : target.first(q);
        const QByteArray decoded = QByteArray::fromPercentEncoding(rawPath);
        if (decoded.contains('\0')) {
            fail(badRequest(u"NUL in request path"_s));
            return false;
        }
        QStringDecoder utf8(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        r.path = utf8(decoded);
        if (utf8.hasError()) {
            fail(badRequest(u"request path is not valid UTF-8"_s));
            return false;
        }
        if (q >= 0)
            r.query = QUrlQuery(QString::fromLatin1(target.sliced(q + 1)));
    }

    const QByteArray connection = r.headers.value("connection");
    r.keepAlive = r.version == 11 ? !listContainsToken(connection, "close")
                                  : listContainsToken(connection, "keep-alive");
    return true;
}

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
        // Copy only up to the end of the head; the rest stays with the caller.
        const qsizetype before = m_head.size();
        const qsizetype room
            = m_limits.maxRequestLineBytes + m_limits.maxHeaderBytes + 64 + 4 - before;
        const qsizetype take = std::min<qsizetype>(input.size(), std::max<qsizetype>(room, 1));
        m_head.append(input.first(take));
        const qsizetype end = scanHead();
        if (end < 0) {
            *consumed = take;
            return Status::Failed;
        }
        if (end == 0) {
            *consumed = take;
            return Status::NeedMore;
        }
        *consumed = end - before;
        const QByteArrayView head
            = QByteArrayView(m_head).sliced(m_requestLineStart, end - m_requestLineStart);
        const std::size_t used
            = put(boost::asio::const_buffer(head.data(), std::size_t(head.size())), ec);
        if (ec == beast_http::error::need_more && is_header_done())
            ec = {};
        if (ec)
            return mapBeastError(ec);
        if (!is_header_done() || used != std::size_t(head.size()))
            return fail(badRequest(u"malformed request head"_s));
        m_headDone = true;
        m_head.clear();
        m_head.squeeze();
        if (!checkHead())
            return Status::Failed;
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
