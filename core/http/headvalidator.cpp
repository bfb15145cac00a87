#include "http/headvalidator_p.h"

#include <QStringDecoder>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace sluice::http {

namespace {

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

qsizetype HeadValidator::append(QByteArrayView input)
{
    // Copy only up to the end of the head; the rest stays with the caller.
    const qsizetype room
        = m_limits.maxRequestLineBytes + m_limits.maxHeaderBytes + 64 + 4 - m_head.size();
    const qsizetype take = std::min<qsizetype>(input.size(), std::max<qsizetype>(room, 1));
    m_head.append(input.first(take));
    return take;
}

qsizetype HeadValidator::scan()
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

bool HeadValidator::checkRequestLine(QByteArrayView line)
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

bool HeadValidator::checkFieldLine(QByteArrayView line)
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
bool HeadValidator::checkHead(Request &r)
{
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

} // namespace sluice::http
