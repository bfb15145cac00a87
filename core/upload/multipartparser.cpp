#include "upload/multipartparser.h"

#include "upload/multipartheaders_p.h"

#include <cstring>

using namespace Qt::StringLiterals;

// How the body is scanned. The delimiter is CRLF "--" boundary, and a
// boundary holds no CR (RFC 2046 bchars), so CR occurs in the delimiter only
// as its first byte. Hence a partial match that fails can never hide the
// start of another one: scanning resumes at the byte that failed, the bytes
// already matched are plain data, and a match carried over from the previous
// piece is fully described by its length. Bulk data is handed on as views of
// the fed piece, without copies.

namespace sluice::upload {

namespace {

MultipartError malformed(QString message)
{
    return {std::move(message), {}, 0, 400, false};
}

// A client's part name in our messages: bounded, whatever it sent.
QString shortName(const QString &name)
{
    constexpr qsizetype kMaxShown = 64;
    if (name.size() <= kMaxShown)
        return name;
    const bool splitsPair = name.at(kMaxShown - 1).isHighSurrogate();
    return name.left(kMaxShown - (splitsPair ? 1 : 0)) + u"..."_s;
}

} // namespace

QByteArray Part::header(QByteArrayView headerName) const
{
    for (const auto &[key, value] : headers) {
        if (QByteArrayView(key).compare(headerName, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

MultipartParser::MultipartParser(QByteArray boundary, MultipartLimits limits,
                                 MultipartHandler &handler)
    : m_delimiter("\r\n--" + boundary)
    , m_limits(limits)
    , m_handler(handler)
{
    if (const std::optional<QString> problem = detail::boundaryProblem(boundary))
        fail(malformed(*problem));
}

MultipartResult MultipartParser::feed(QByteArrayView piece)
{
    qsizetype pos = 0;
    while (pos < piece.size()) {
        switch (m_state) {
        case State::Preamble:
        case State::Body:
            pos = scanBody(piece, pos);
            break;
        case State::DelimiterEnd:
            pos = readDelimiterEnd(piece, pos);
            break;
        case State::Headers:
            pos = readHeaders(piece, pos);
            break;
        case State::Epilogue: // RFC 2046 §5.1.1: ignored
            return {};
        case State::Failed:
            return m_error;
        }
    }
    if (m_state == State::Failed)
        return m_error;
    return {};
}

MultipartResult MultipartParser::finish()
{
    const bool inPart = m_parts > 0;
    switch (m_state) {
    case State::Epilogue:
        return {};
    case State::Failed:
        break;
    case State::Preamble:
    case State::DelimiterEnd:
    case State::Body:
        if (inPart) {
            fail(malformed(
                u"the body ended inside %1, before the closing boundary"_s.arg(partLabel())));
        } else {
            fail(malformed(u"the body has no boundary line \"--%1\""_s.arg(
                detail::printable(QByteArrayView(m_delimiter).sliced(4)))));
        }
        break;
    case State::Headers:
        fail(malformed(u"the body ended inside the header of %1"_s.arg(partLabel())));
        break;
    }
    return m_error;
}

void MultipartParser::abort()
{
    if (m_state != State::Failed && m_state != State::Epilogue)
        fail(malformed(u"the upload was abandoned"_s));
}

bool MultipartParser::isComplete() const
{
    return m_state == State::Epilogue;
}

bool MultipartParser::hasFailed() const
{
    return m_state == State::Failed;
}

qsizetype MultipartParser::bufferedBytes() const
{
    return m_headerBytes + m_trailer.size() + m_fieldValue.size();
}

qsizetype MultipartParser::scanBody(QByteArrayView piece, qsizetype pos)
{
    const QByteArrayView delimiter = m_delimiter;
    const qsizetype runStart = pos;
    if (pos == piece.size())
        return pos; // an empty trailer; memchr() must not see a null pointer
    if (m_matched > 0) {
        const qsizetype carried = m_matched;
        while (m_matched < delimiter.size() && pos < piece.size()
               && piece[pos] == delimiter[m_matched]) {
            ++m_matched;
            ++pos;
        }
        if (m_matched == delimiter.size()) {
            m_matched = 0;
            m_state = State::DelimiterEnd;
            return pos;
        }
        if (pos == piece.size())
            return pos; // still a delimiter, perhaps
        // Not one: the carried bytes are data, and so are those matched in
        // this piece (no CR among them); they join the run from runStart.
        m_matched = 0;
        if (!deliver(delimiter.first(carried)))
            return piece.size();
    }

    while (true) {
        const auto *cr = static_cast<const char *>(
            std::memchr(piece.data() + pos, '\r', size_t(piece.size() - pos)));
        if (!cr) {
            deliver(piece.sliced(runStart));
            return piece.size();
        }
        const qsizetype at = cr - piece.data();
        const qsizetype available = std::min(piece.size() - at, delimiter.size());
        qsizetype matched = 1;
        while (matched < available && piece[at + matched] == delimiter[matched])
            ++matched;
        if (matched == delimiter.size() || at + matched == piece.size()) {
            if (!deliver(piece.sliced(runStart, at - runStart)))
                return piece.size();
            if (matched < delimiter.size()) {
                m_matched = matched; // decided by the next piece
                return piece.size();
            }
            m_state = State::DelimiterEnd;
            return at + matched;
        }
        pos = at + matched;
    }
}

// After a full delimiter: "--" closes the body; transport padding and CRLF
// start the next part; anything else means the boundary was data after all
// (RFC 2046 forbids that in content, but a lenient reader keeps the bytes).
qsizetype MultipartParser::readDelimiterEnd(QByteArrayView piece, qsizetype pos)
{
    for (; pos < piece.size(); ++pos) {
        const char c = piece[pos];
        if (m_trailer == "-") {
            if (c != '-')
                break;
            m_trailer.clear();
            if (m_parts > 0 && !endPart())
                return piece.size();
            m_state = State::Epilogue;
            return pos + 1;
        }
        if (m_trailer.endsWith('\r')) {
            if (c != '\n')
                break;
            m_trailer.clear();
            if (m_parts > 0 && !endPart())
                return piece.size();
            beginPart();
            return pos + 1;
        }
        if (c == '-' && m_trailer.isEmpty()) {
            m_trailer += c;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            if (c != '\r' && m_trailer.size() >= kMaxTransportPadding) {
                fail(malformed(
                    u"more than %1 bytes of padding after a boundary"_s.arg(kMaxTransportPadding)));
                return piece.size();
            }
            m_trailer += c;
        } else {
            break;
        }
    }
    if (pos < piece.size())
        notADelimiter(); // piece[pos] is scanned again as data
    return pos;
}

void MultipartParser::notADelimiter()
{
    const QByteArray trailer = std::exchange(m_trailer, {});
    m_state = m_parts > 0 ? State::Body : State::Preamble;
    if (!deliver(m_delimiter))
        return;
    // The trailer holds '-', padding and at most one CR, at its end: no
    // delimiter, but that CR may begin one.
    scanBody(trailer, 0);
}

void MultipartParser::beginPart()
{
    if (m_parts >= m_limits.maxParts) {
        failLimit(u"more than max_multipart_parts (%1) parts"_s.arg(m_limits.maxParts),
                  "max_multipart_parts", m_limits.maxParts);
        return;
    }
    ++m_parts;
    m_part = {};
    m_line.clear();
    m_headerBytes = 0;
    m_state = State::Headers;
}

qsizetype MultipartParser::readHeaders(QByteArrayView piece, qsizetype pos)
{
    const auto *lf = static_cast<const char *>(
        std::memchr(piece.data() + pos, '\n', size_t(piece.size() - pos)));
    const qsizetype end = lf ? lf - piece.data() + 1 : piece.size();
    if (m_headerBytes + (end - pos) > m_limits.maxPartHeaderBytes) {
        failLimit(u"%1 has a header larger than max_multipart_part_header_bytes (%2 bytes)"_s
                      .arg(partLabel())
                      .arg(m_limits.maxPartHeaderBytes),
                  "max_multipart_part_header_bytes", m_limits.maxPartHeaderBytes);
        return piece.size();
    }
    m_headerBytes += end - pos;
    m_line += piece.sliced(pos, end - pos);
    if (!lf)
        return end;

    // RFC 2046 §5.1.1 and RFC 5322: lines end in CRLF; a bare CR or LF is
    // how header injection hides a line from one reader and not another.
    if (!m_line.endsWith("\r\n") || QByteArrayView(m_line).chopped(2).contains('\r')) {
        fail(malformed(u"%1 has a header line with a bare CR or LF"_s.arg(partLabel())));
        return piece.size();
    }
    const QByteArray line = std::exchange(m_line, {}).chopped(2);
    if (!line.isEmpty())
        return addHeaderLine(line) ? end : piece.size();

    if (MultipartResult head = detail::interpretPartHead(m_part, partLabel()); !head) {
        fail(head.error());
        return piece.size();
    }
    if (m_part.isFile()) {
        if (m_fileParts >= m_limits.maxFileParts) {
            failLimit(
                u"more than max_multipart_file_parts (%1) file parts"_s.arg(m_limits.maxFileParts),
                "max_multipart_file_parts", m_limits.maxFileParts);
            return piece.size();
        }
        ++m_fileParts;
        if (!m_handler.partBegin(m_part)) {
            failHandler(u"partBegin"_s);
            return piece.size();
        }
        m_fileOpen = true;
    } else {
        if (m_fields >= m_limits.maxFields) {
            failLimit(u"more than max_multipart_fields (%1) fields"_s.arg(m_limits.maxFields),
                      "max_multipart_fields", m_limits.maxFields);
            return piece.size();
        }
        ++m_fields;
        m_fieldValue.clear();
    }
    m_state = State::Body;
    m_matched = 0;
    return end;
}

bool MultipartParser::addHeaderLine(QByteArrayView line)
{
    if (m_part.headers.size() >= m_limits.maxPartHeaderFields) {
        failLimit(u"%1 has more than max_multipart_part_header_fields (%2) header fields"_s
                      .arg(partLabel())
                      .arg(m_limits.maxPartHeaderFields),
                  "max_multipart_part_header_fields", m_limits.maxPartHeaderFields);
        return false;
    }
    auto header = detail::parseHeaderLine(line);
    if (!header) {
        fail(malformed(partLabel() + u": "_s + header.error().message));
        return false;
    }
    m_part.headers.append(std::move(*header));
    return true;
}

bool MultipartParser::deliver(QByteArrayView data)
{
    if (data.isEmpty() || m_state == State::Preamble)
        return true; // RFC 2046 §5.1.1: the preamble is ignored
    if (m_part.isFile()) {
        if (m_handler.partData(data))
            return true;
        failHandler(u"partData"_s);
        return false;
    }
    if (m_fieldValue.size() + data.size() > m_limits.maxFieldBytes) {
        failLimit(u"field \"%1\" is larger than max_multipart_field_bytes (%2 bytes)"_s
                      .arg(shortName(m_part.name))
                      .arg(m_limits.maxFieldBytes),
                  "max_multipart_field_bytes", m_limits.maxFieldBytes);
        return false;
    }
    m_fieldValue += data;
    return true;
}

bool MultipartParser::endPart()
{
    bool accepted = true;
    if (m_part.isFile()) {
        m_fileOpen = false;
        accepted = m_handler.partEnd();
    } else {
        accepted = m_handler.field(m_part, m_fieldValue);
        m_fieldValue.clear();
    }
    if (!accepted) {
        failHandler(m_part.isFile() ? u"partEnd"_s : u"field"_s);
        return false;
    }
    m_headerBytes = 0;
    return true;
}

void MultipartParser::fail(MultipartError error)
{
    m_state = State::Failed;
    m_error = std::move(error);
    m_line.clear();
    m_trailer.clear();
    m_fieldValue.clear();
    m_headerBytes = 0;
    if (std::exchange(m_fileOpen, false))
        m_handler.partAborted();
}

void MultipartParser::failLimit(const QString &message, const char *limit, qint64 value)
{
    fail({message, QString::fromLatin1(limit), value, 413, false});
}

void MultipartParser::failHandler(const QString &callback)
{
    fail({u"the upload handler refused %1 (%2)"_s.arg(partLabel(), callback), {}, 0, 500, true});
}

QString MultipartParser::partLabel() const
{
    if (m_part.name.isEmpty())
        return u"part %1"_s.arg(m_parts);
    return u"part %1 (\"%2\")"_s.arg(m_parts).arg(shortName(m_part.name));
}

} // namespace sluice::upload
