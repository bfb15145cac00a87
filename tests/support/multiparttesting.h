#pragma once

// Helpers for multipart/form-data tests: a body builder in the shape browsers
// and curl send, a handler that records every callback and checks their
// order, and a feeder that splits a body wherever a test asks.

#include "upload/multipartparser.h"

#include <QByteArray>
#include <QList>
#include <QStringList>

#include <optional>

namespace sluice::test {

struct BodyPart
{
    QByteArray name;
    std::optional<QByteArray> fileName; // the filename parameter, as it goes between quotes
    QByteArray contentType; // no Content-Type header when empty
    QByteArray content;
    QByteArray extraHeaders; // whole header lines, CRLF included
};

inline QByteArray multipartBody(const QByteArray &boundary, const QList<BodyPart> &parts,
                                const QByteArray &preamble = {}, const QByteArray &epilogue = {})
{
    QByteArray body;
    if (!preamble.isEmpty())
        body += preamble + "\r\n";
    for (const BodyPart &part : parts) {
        body += "--" + boundary + "\r\n";
        body += "Content-Disposition: form-data; name=\"" + part.name + '"';
        if (part.fileName)
            body += "; filename=\"" + *part.fileName + '"';
        body += "\r\n";
        if (!part.contentType.isEmpty())
            body += "Content-Type: " + part.contentType + "\r\n";
        body += part.extraHeaders + "\r\n" + part.content + "\r\n";
    }
    body += "--" + boundary + "--\r\n" + epilogue;
    return body;
}

struct RecordedPart
{
    upload::Part part;
    QByteArray content;
    bool file = false;
    bool ended = false;
    bool aborted = false;
};

class RecordingHandler : public upload::MultipartHandler
{
public:
    QList<RecordedPart> parts;
    QStringList protocolErrors; // callbacks out of order; must stay empty
    qsizetype largestData = 0;
    qint64 dataBytes = 0;
    QByteArray refuse; // the callback to answer false: "field", "partBegin", ...
    bool failed = false; // set by the test once the parser reported an error

    bool field(const upload::Part &part, const QByteArray &value) override
    {
        check(!m_open && !part.isFile(), "field");
        parts.append({part, value, false, true, false});
        return refuse != "field";
    }
    bool partBegin(const upload::Part &part) override
    {
        check(!m_open && part.isFile(), "partBegin");
        parts.append({part, {}, true, false, false});
        m_open = refuse != "partBegin";
        return m_open;
    }
    bool partData(QByteArrayView data) override
    {
        check(m_open && !data.isEmpty(), "partData");
        if (!parts.isEmpty())
            parts.last().content += data;
        largestData = std::max(largestData, data.size());
        dataBytes += data.size();
        return refuse != "partData";
    }
    bool partEnd() override
    {
        check(m_open, "partEnd");
        m_open = false;
        if (!parts.isEmpty())
            parts.last().ended = true;
        return refuse != "partEnd";
    }
    void partAborted() override
    {
        check(m_open, "partAborted");
        m_open = false;
        if (!parts.isEmpty())
            parts.last().aborted = true;
    }
    bool isOpen() const { return m_open; }

private:
    void check(bool ok, const char *callback)
    {
        if (failed)
            protocolErrors
                << QStringLiteral("%1 after the parser failed").arg(QLatin1StringView(callback));
        else if (!ok)
            protocolErrors << QStringLiteral("unexpected %1").arg(QLatin1StringView(callback));
    }
    bool m_open = false;
};

// Feeds `body` cut at the given offsets (ascending), then finishes; the first
// error ends it.
inline upload::MultipartResult feedSplit(upload::MultipartParser &parser, QByteArrayView body,
                                         const QList<qsizetype> &cuts)
{
    qsizetype from = 0;
    for (qsizetype cut : cuts) {
        if (upload::MultipartResult r = parser.feed(body.sliced(from, cut - from)); !r)
            return r;
        from = cut;
    }
    if (upload::MultipartResult r = parser.feed(body.sliced(from)); !r)
        return r;
    return parser.finish();
}

} // namespace sluice::test
