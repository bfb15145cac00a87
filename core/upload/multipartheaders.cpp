#include "upload/filenames.h"
#include "upload/multipartheaders_p.h"

#include <QStringDecoder>

using namespace Qt::StringLiterals;

namespace sluice::upload {

namespace detail {

namespace {

constexpr qsizetype kMaxBoundaryLength = 70; // RFC 2046 §5.1.1

bool isAlphaNumeric(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 9110 §5.6.2 tchar
bool isTokenChar(char c)
{
    return isAlphaNumeric(c) || QByteArrayView("!#$%&'*+-.^_`|~").contains(c);
}

// RFC 2046 §5.1.1 bchars
bool isBoundaryChar(char c)
{
    return isAlphaNumeric(c) || QByteArrayView("'()+_,-./:=? ").contains(c);
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool isSpace(char c)
{
    return c == ' ' || c == '\t';
}

// RFC 8187 ext-value: charset "'" [ language ] "'" value-chars.
Expected<QString> decodeExtValue(QByteArrayView value)
{
    const qsizetype first = value.indexOf('\'');
    const qsizetype second = first < 0 ? -1 : value.indexOf('\'', first + 1);
    if (second < 0)
        return Error {u"expected charset'language'value"_s};
    const QByteArray charset = value.first(first).toByteArray().toLower();
    QByteArray bytes;
    for (qsizetype i = second + 1; i < value.size(); ++i) {
        if (value[i] != '%') {
            bytes += value[i];
            continue;
        }
        const int high = i + 2 < value.size() ? hexValue(value[i + 1]) : -1;
        const int low = i + 2 < value.size() ? hexValue(value[i + 2]) : -1;
        if (high < 0 || low < 0)
            return Error {u"a '%' is not followed by two hex digits"_s};
        bytes += char(high << 4 | low);
        i += 2;
    }
    if (charset == "utf-8") {
        QStringDecoder decoder(QStringDecoder::Utf8, QStringDecoder::Flag::Stateless);
        QString text = decoder.decode(bytes);
        if (decoder.hasError())
            return Error {u"the value is not valid UTF-8"_s};
        return text;
    }
    // RFC 8187 §3.2.1: recipients support UTF-8 and ISO-8859-1.
    if (charset == "iso-8859-1")
        return QString::fromLatin1(bytes);
    return Error {
        u"charset \"%1\" is not supported (UTF-8 or ISO-8859-1)"_s.arg(printable(charset))};
}

MultipartError malformed(QString message, int status = 400)
{
    return MultipartError {std::move(message), {}, 0, status, false};
}

} // namespace

std::optional<QByteArray> ParameterizedValue::parameter(QByteArrayView name) const
{
    for (const auto &[key, value] : parameters) {
        if (key == name)
            return value;
    }
    return std::nullopt;
}

Expected<ParameterizedValue> parseParameterizedValue(QByteArrayView field)
{
    ParameterizedValue result;
    const qsizetype n = field.size();
    qsizetype pos = 0;
    const auto skipSpace = [&] {
        while (pos < n && isSpace(field[pos]))
            ++pos;
    };

    while (pos < n && field[pos] != ';')
        ++pos;
    const QByteArrayView value = field.first(pos).trimmed();
    if (value.isEmpty())
        return Error {u"no value before the parameters"_s};
    for (const char c : value) {
        if (!isTokenChar(c) && c != '/') {
            return Error {u"unexpected character \"%1\" in \"%2\""_s.arg(printable({&c, 1}),
                                                                         printable(value))};
        }
    }
    result.value = value.toByteArray().toLower();

    while (pos < n) { // field[pos] == ';'
        ++pos;
        skipSpace();
        if (pos == n || field[pos] == ';')
            continue; // an empty parameter (";;", trailing ';') is harmless
        const qsizetype nameStart = pos;
        while (pos < n && isTokenChar(field[pos]))
            ++pos;
        if (pos == nameStart) {
            return Error {
                u"expected a parameter name at \"%1\""_s.arg(printable(field.sliced(pos)))};
        }
        const QByteArray name = field.sliced(nameStart, pos - nameStart).toByteArray().toLower();
        skipSpace();
        if (pos == n || field[pos] != '=')
            return Error {u"parameter %1 has no value"_s.arg(printable(name))};
        ++pos;
        skipSpace();
        QByteArray parameterValue;
        if (pos < n && field[pos] == '"') {
            bool closed = false;
            for (++pos; pos < n && !closed;) {
                const char c = field[pos++];
                if (c == '"')
                    closed = true;
                else if (c == '\\' && pos < n && field[pos] == '"')
                    parameterValue += field[pos++];
                else
                    parameterValue += c;
            }
            if (!closed) {
                return Error {
                    u"the value of parameter %1 has no closing quote"_s.arg(printable(name))};
            }
        } else {
            const qsizetype valueStart = pos;
            while (pos < n && field[pos] != ';' && field[pos] != '"' && !isSpace(field[pos]))
                ++pos;
            if (pos == valueStart)
                return Error {u"parameter %1 has no value"_s.arg(printable(name))};
            parameterValue = field.sliced(valueStart, pos - valueStart).toByteArray();
        }
        skipSpace();
        if (pos < n && field[pos] != ';') {
            return Error {u"unexpected \"%1\" after parameter %2"_s.arg(
                printable(field.sliced(pos)), printable(name))};
        }
        if (result.parameter(name))
            return Error {u"parameter %1 appears twice"_s.arg(printable(name))};
        result.parameters.append({name, parameterValue});
    }
    return result;
}

Expected<std::pair<QByteArray, QByteArray>> parseHeaderLine(QByteArrayView line)
{
    if (!line.isEmpty() && isSpace(line.front()))
        return Error {u"a folded header line (obs-fold) is not allowed"_s};
    for (const char c : line) {
        const auto u = uchar(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) {
            return Error {
                u"a header line holds the control character %1"_s.arg(printable({&c, 1}))};
        }
    }
    const qsizetype colon = line.indexOf(':');
    if (colon < 0)
        return Error {u"a header line has no colon: \"%1\""_s.arg(printable(line))};
    const QByteArrayView name = line.first(colon);
    if (name.isEmpty())
        return Error {u"a header line has an empty name"_s};
    for (const char c : name) {
        if (!isTokenChar(c))
            return Error {u"invalid header name \"%1\""_s.arg(printable(name))};
    }
    return std::pair {name.toByteArray(), line.sliced(colon + 1).trimmed().toByteArray()};
}

MultipartResult interpretPartHead(Part &part, const QString &label)
{
    std::optional<QByteArray> disposition;
    std::optional<QByteArray> contentType;
    for (const auto &[name, value] : part.headers) {
        if (name.compare("content-disposition", Qt::CaseInsensitive) == 0) {
            if (disposition)
                return malformed(label + u" has two Content-Disposition headers"_s);
            disposition = value;
        } else if (name.compare("content-type", Qt::CaseInsensitive) == 0) {
            if (contentType)
                return malformed(label + u" has two Content-Type headers"_s);
            contentType = value;
        } else if (name.compare("content-transfer-encoding", Qt::CaseInsensitive) == 0) {
            // RFC 7578 §4.7: deprecated for HTTP. Identity encodings are
            // harmless; storing base64 as if it were the file is not.
            const QByteArray encoding = value.toLower();
            if (encoding != "7bit" && encoding != "8bit" && encoding != "binary") {
                return malformed(label
                                     + u" uses Content-Transfer-Encoding %1, which is not "
                                       "supported"_s.arg(printable(value)),
                                 415);
            }
        }
    }

    if (!disposition)
        return malformed(label + u" has no Content-Disposition header"_s);
    const auto parsed = parseParameterizedValue(*disposition);
    if (!parsed)
        return malformed(label + u" has a malformed Content-Disposition: "_s
                         + parsed.error().message);
    if (parsed->value != "form-data") {
        return malformed(label
                         + u" has Content-Disposition \"%1\"; expected form-data"_s.arg(
                             printable(parsed->value)));
    }
    // RFC 7578 §4.2: each part has a name parameter.
    const std::optional<QByteArray> name = parsed->parameter("name");
    if (!name)
        return malformed(label + u" has no name parameter in its Content-Disposition"_s);
    if (name->isEmpty())
        return malformed(label + u" has an empty name"_s);
    part.name = QString::fromUtf8(*name);

    // RFC 7578 §4.2 asks senders not to use filename* (RFC 5987), but some
    // do; when present it is the better name (RFC 6266 §4.3).
    if (const std::optional<QByteArray> extended = parsed->parameter("filename*")) {
        const Expected<QString> decoded = decodeExtValue(*extended);
        if (!decoded)
            return malformed(label + u" has an invalid filename* parameter: "_s
                             + decoded.error().message);
        part.rawFileName = *decoded;
        part.fileName = sanitizeFileName(part.rawFileName);
    } else if (const std::optional<QByteArray> fileName = parsed->parameter("filename")) {
        part.rawFileName = QString::fromUtf8(*fileName);
        part.fileName = sanitizeFileName(part.rawFileName);
    }

    if (contentType) {
        part.contentType = *contentType;
        // RFC 7578 §4.3 deprecates multipart/mixed for several files; no
        // current client sends it, and reading it would nest this parser.
        const QByteArray mediaType = contentType->left(contentType->indexOf(';')).trimmed();
        if (mediaType.toLower().startsWith("multipart/")) {
            return malformed(label
                                 + u" is %1: nested multipart bodies are not supported"_s.arg(
                                     printable(mediaType)),
                             415);
        }
    }
    return {};
}

std::optional<QString> boundaryProblem(QByteArrayView boundary)
{
    if (boundary.isEmpty())
        return u"the boundary is empty"_s;
    if (boundary.size() > kMaxBoundaryLength) {
        return u"the boundary is %1 characters long; RFC 2046 allows at most %2"_s
            .arg(boundary.size())
            .arg(kMaxBoundaryLength);
    }
    for (const char c : boundary) {
        if (!isBoundaryChar(c)) {
            return u"the boundary contains \"%1\", a character RFC 2046 does not allow"_s.arg(
                printable({&c, 1}));
        }
    }
    if (boundary.back() == ' ')
        return u"the boundary ends with a space, which RFC 2046 does not allow"_s;
    return std::nullopt;
}

QString printable(QByteArrayView bytes, qsizetype maxBytes)
{
    QString out;
    for (const char c : bytes.first(std::min(bytes.size(), maxBytes))) {
        if (c >= 0x20 && c < 0x7f)
            out += QLatin1Char(c);
        else
            out += u"\\x%1"_s.arg(uint(uchar(c)), 2, 16, QChar(u'0'));
    }
    if (bytes.size() > maxBytes)
        out += u"..."_s;
    return out;
}

} // namespace detail

Expected<QByteArray, MultipartError>
MultipartParser::boundaryFromContentType(QByteArrayView contentType)
{
    using detail::malformed;
    using detail::printable;
    if (contentType.trimmed().isEmpty())
        return malformed(u"the request has no Content-Type; expected multipart/form-data"_s, 415);
    const qsizetype semicolon = contentType.indexOf(';');
    const QByteArrayView mediaType
        = (semicolon < 0 ? contentType : contentType.first(semicolon)).trimmed();
    if (mediaType.compare("multipart/form-data", Qt::CaseInsensitive) != 0) {
        return malformed(
            u"Content-Type is \"%1\"; expected multipart/form-data"_s.arg(printable(contentType)),
            415);
    }
    const auto parsed = detail::parseParameterizedValue(contentType);
    if (!parsed)
        return malformed(u"malformed Content-Type: "_s + parsed.error().message);
    const std::optional<QByteArray> boundary = parsed->parameter("boundary");
    if (!boundary)
        return malformed(u"Content-Type multipart/form-data has no boundary parameter"_s);
    if (const std::optional<QString> problem = detail::boundaryProblem(*boundary))
        return malformed(*problem);
    return *boundary;
}

} // namespace sluice::upload
