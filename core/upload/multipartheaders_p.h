#pragma once

// Header-level grammar shared by the multipart parser: part header lines,
// parameterised values (Content-Type, Content-Disposition) and the meaning of
// a part's head. Not part of the upload API.

#include "upload/multipartparser.h"

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

#include <optional>
#include <utility>

namespace sluice::upload::detail {

// `type *( OWS ";" OWS name "=" ( token / quoted-string ) )`, as in
// Content-Type (RFC 9110 §8.3.1) and Content-Disposition (RFC 6266 §4.1).
struct ParameterizedValue
{
    QByteArray value; // lower-cased
    QList<std::pair<QByteArray, QByteArray>> parameters; // names lower-cased, values unquoted

    std::optional<QByteArray> parameter(QByteArrayView name) const;
};

// The error names what is wrong; a parameter given twice is an error (two
// "name" or "filename" parameters are a known way to make a proxy and a
// server disagree). In a quoted-string only \" is an escape: browsers send
// backslashes unescaped (they encode '"' as %22), and Windows paths must
// survive.
Expected<ParameterizedValue> parseParameterizedValue(QByteArrayView field);

// "Name: value" of a part header (RFC 7578 §4.8 allows only a few, but
// unknown ones are kept, not refused). The error names what is wrong.
Expected<std::pair<QByteArray, QByteArray>> parseHeaderLine(QByteArrayView line);

// Fills name, fileName, rawFileName and contentType of `part` from its
// headers, or says why the part is refused. `label` names the part in
// messages ("part 3").
MultipartResult interpretPartHead(Part &part, const QString &label);

// What is wrong with a boundary (RFC 2046 §5.1.1: 1 to 70 of bchars, not
// ending in a space), or nothing.
std::optional<QString> boundaryProblem(QByteArrayView boundary);

// `bytes` for an error message: printable ASCII kept, the rest as \xHH,
// at most maxBytes of input.
QString printable(QByteArrayView bytes, qsizetype maxBytes = 64);

} // namespace sluice::upload::detail
