#pragma once

#include "http/httptypes.h"
#include "http/requestparser.h"

#include <QByteArray>
#include <QByteArrayView>

#include <algorithm>

namespace sluice::http {

// Errors of the parser close the connection: after a malformed message the
// next one cannot be found reliably.
inline bool isCtl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

inline HttpError badRequest(QString message)
{
    return HttpError {400, std::move(message), {}, QJsonValue::Undefined, true};
}

inline HttpError limitError(int status, QString message, const char *limit, qint64 value)
{
    HttpError e
        = HttpError::limitExceeded(status, std::move(message), QString::fromLatin1(limit), value);
    e.closeConnection = true;
    return e;
}

// Quotes client input in an error message, cut to a readable length.
inline QString clip(QByteArrayView v, qsizetype n = 32)
{
    return QString::fromLatin1(v.first(std::min(v.size(), n)));
}

// The strict pass of RequestParser over a request head's raw bytes, before
// and after Beast reads it: line ends, control characters, the size limits,
// the request line's grammar, then the framing (Content-Length,
// Transfer-Encoding), Host, Expect and request-target rules of RFC 9112. Beast
// alone accepts inputs that a proxy in front could read differently.
class HeadValidator final
{
public:
    explicit HeadValidator(const ParserLimits &limits)
        : m_limits(limits)
    { }

    // Takes what may still belong to the head from the front of `input`;
    // returns how many bytes it took.
    qsizetype append(QByteArrayView input);
    qsizetype size() const { return m_head.size(); }
    // Returns the index just past the blank line ending the head, 0 when more
    // bytes are needed, -1 on error.
    qsizetype scan();
    // The head without the stray CRLFs before its request line, up to `end`.
    QByteArrayView head(qsizetype end) const
    {
        return QByteArrayView(m_head).sliced(m_requestLineStart, end - m_requestLineStart);
    }
    // The raw bytes are no longer needed once Beast has read them.
    void releaseBytes()
    {
        m_head.clear();
        m_head.squeeze();
    }
    // Framing and routing rules, on the fields Beast has read into `r`; sets
    // r's framing, path, query and keep-alive.
    bool checkHead(Request &r);
    const HttpError &error() const { return m_error; }

private:
    void fail(HttpError error) { m_error = std::move(error); }
    bool checkRequestLine(QByteArrayView line);
    bool checkFieldLine(QByteArrayView line);

    ParserLimits m_limits;
    HttpError m_error;
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
};

} // namespace sluice::http
