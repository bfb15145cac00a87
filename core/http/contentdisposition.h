#pragma once

#include <QByteArray>
#include <QString>

namespace sluice::http {

// The name a download is offered under: directory parts (both '/' and '\'),
// leading dots and surrounding white space removed, control and bidirectional
// formatting characters replaced with '_', at most maxUtf8Bytes of UTF-8 (cut
// at a character boundary, keeping a short extension), never empty
// ("download").
QString safeDownloadName(const QString &fileName, qsizetype maxUtf8Bytes = 200);

// A Content-Disposition field value (RFC 6266) for `fileName`, made safe with
// safeDownloadName(): `attachment; filename="..."` with an ASCII fallback
// (anything outside printable ASCII, and '"', '\', '%', replaced with '_'),
// plus `filename*=UTF-8''...` (RFC 8187) when the fallback differs from the
// name. The result never holds CR, LF, NUL or a path separator.
QByteArray contentDisposition(const QString &fileName, bool attachment = true);

} // namespace sluice::http
