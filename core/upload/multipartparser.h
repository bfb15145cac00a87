#pragma once

#include "util/expected.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace sluice::upload {

// The limits of one multipart/form-data body. Keys in error messages and
// MultipartError::limit are the snake_case names below with a "max_multipart_"
// prefix, ready to become fields of config::Limits.
struct MultipartLimits
{
    int maxParts = 20; // max_multipart_parts: files and fields together
    int maxFileParts = 10; // max_multipart_file_parts
    int maxFields = 50; // max_multipart_fields: parts without a filename
    qint64 maxFieldBytes = 64 * 1024; // max_multipart_field_bytes: one field's value
    qint64 maxPartHeaderBytes = 8 * 1024; // max_multipart_part_header_bytes: one part's
                                          // header block, line ends included
    int maxPartHeaderFields = 16; // max_multipart_part_header_fields: per part
};

// Why a body was refused. httpStatus is 413 for a limit (limit names the key,
// value its setting), 415 for an unsupported construct (nested multipart, a
// Content-Transfer-Encoding, a request that is not multipart/form-data), 400
// for malformed input. When the handler stopped the parse, handlerStopped is
// set and the handler knows the real reason (httpStatus is then 500, as
// "no reason given").
struct MultipartError
{
    QString message;
    QString limit;
    qint64 value = 0;
    int httpStatus = 400;
    bool handlerStopped = false;
};

using MultipartResult = Expected<void, MultipartError>;

// One part's head, as parsed from its header block (RFC 7578 §4).
struct Part
{
    QString name; // Content-Disposition name, UTF-8 decoded, never empty
    // Set when the part has a filename or filename* parameter (even an empty
    // one, which browsers send for a file input left blank): the name made
    // safe by sanitizeFileName().
    std::optional<QString> fileName;
    QString rawFileName; // as sent (filename* preferred); for logs, never for paths
    QByteArray contentType; // as sent; empty when absent (RFC 7578 §4.4: text/plain)
    QList<std::pair<QByteArray, QByteArray>> headers; // as sent, in order

    bool isFile() const { return fileName.has_value(); }
    // The first header of that name (case-insensitive), or a null array.
    QByteArray header(QByteArrayView headerName) const;
};

// Receives a body's parts as they arrive. Fields (parts without a filename)
// are small and bounded by maxFieldBytes, so the parser collects them and
// calls field() once with the whole value; file parts are streamed through
// partBegin/partData/partEnd and never held whole.
//
// After partBegin() returned true, exactly one of partEnd() or partAborted()
// follows. Returning false from any callback stops the parse: the parser
// reports an error with handlerStopped set and calls nothing else, except
// partAborted() for a file part whose partData() returned false. Callbacks
// must not call back into the parser.
class MultipartHandler
{
public:
    virtual ~MultipartHandler() = default;

    virtual bool field(const Part &part, const QByteArray &value) = 0;
    virtual bool partBegin(const Part &part) = 0;
    // Called with pieces no larger than the piece fed to the parser (or the
    // delimiter length, for bytes held back across two feeds); never empty.
    virtual bool partData(QByteArrayView data) = 0;
    virtual bool partEnd() = 0;
    // The body failed or was abandoned mid-part: drop what was written.
    virtual void partAborted() = 0;
};

// A streaming multipart/form-data reader (RFC 7578 on RFC 2046 §5.1). It is
// fed the decoded request body in pieces of any size, down to one byte, and
// hands file bytes on as soon as they cannot belong to a delimiter: it holds
// back at most the delimiter (boundary + 4 bytes) plus the transport padding
// seen after it, and stores those bytes only as a count.
//
// Memory: bufferedBytes() stays within maxPartHeaderBytes +
// kMaxTransportPadding + 1, plus maxFieldBytes while a field is collected.
class MultipartParser final
{
public:
    // Spaces and tabs allowed between a boundary and its CRLF (RFC 2046
    // "transport-padding"); RFC 2046 sets no bound, this parser does.
    static constexpr qsizetype kMaxTransportPadding = 64;

    // `boundary` as returned by boundaryFromContentType(); an invalid one
    // makes every feed() fail.
    MultipartParser(QByteArray boundary, MultipartLimits limits, MultipartHandler &handler);
    Q_DISABLE_COPY_MOVE(MultipartParser)

    // The boundary parameter of a request Content-Type. Errors: not
    // multipart/form-data (415), no boundary, an empty or longer than 70
    // characters one, characters outside RFC 2046's bchars, a malformed
    // field (400).
    static Expected<QByteArray, MultipartError> boundaryFromContentType(QByteArrayView contentType);

    // Consumes the whole piece. Once an error was returned, every later call
    // returns it again. Bytes after the closing delimiter (the epilogue) are
    // ignored.
    MultipartResult feed(QByteArrayView piece);
    // The body ended: an error unless the closing delimiter has been seen.
    MultipartResult finish();
    // Gives up (client gone, deadline): an open file part gets partAborted().
    void abort();

    bool isComplete() const;
    bool hasFailed() const;
    int partCount() const { return m_parts; }
    // Bytes the parser holds: the current part's header block, a field's
    // value, bytes after a boundary not yet known to be a delimiter.
    qsizetype bufferedBytes() const;

private:
    enum class State { Preamble, Headers, Body, DelimiterEnd, Epilogue, Failed };

    qsizetype scanBody(QByteArrayView piece, qsizetype pos);
    qsizetype readDelimiterEnd(QByteArrayView piece, qsizetype pos);
    qsizetype readHeaders(QByteArrayView piece, qsizetype pos);
    void notADelimiter();
    bool addHeaderLine(QByteArrayView line);
    void beginPart();
    bool deliver(QByteArrayView data);
    bool endPart();
    void fail(MultipartError error);
    void failLimit(const QString &message, const char *limit, qint64 value);
    void failHandler(const QString &callback);
    QString partLabel() const;

    const QByteArray m_delimiter; // CRLF "--" boundary
    const MultipartLimits m_limits;
    MultipartHandler &m_handler;

    State m_state = State::Preamble;
    // Delimiter bytes matched at the end of the last piece. Only a count:
    // they are m_delimiter's first bytes. Starts at 2 because the first
    // boundary needs no CRLF before it (RFC 2046 "dash-boundary").
    qsizetype m_matched = 2;
    QByteArray m_trailer; // after a full delimiter: "-", padding, CR
    QByteArray m_line; // the header line being read
    qint64 m_headerBytes = 0; // the current part's header block
    Part m_part;
    QByteArray m_fieldValue;
    bool m_fileOpen = false; // partBegin() succeeded, no partEnd() yet
    int m_parts = 0;
    int m_fileParts = 0;
    int m_fields = 0;
    MultipartError m_error;
};

} // namespace sluice::upload
