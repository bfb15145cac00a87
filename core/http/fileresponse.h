#pragma once

#include "http/httptypes.h"

#include <QByteArray>
#include <QString>

namespace sluice::http {

struct FileResponseOptions
{
    QString downloadName; // offered name; empty: the file's own name
    QByteArray mimeType; // empty: application/octet-stream
    // Strong and quoted, e.g. "\"result-42\"". Empty (or not a valid strong
    // tag): derived from the open file's size, modification time and inode.
    QByteArray etag;
    bool attachment = true; // Content-Disposition: attachment, or inline
};

// A download of the file at `path`, pulled from disk as the client reads
// (FileProducer). Answers 200 (whole), 206 (one byte range, RFC 9110 §14),
// 416 (unsatisfiable range), 304 (If-None-Match matches), or a JSON 404 when
// the file does not exist. The file is opened here and stays open for the
// response, so a concurrent delete or rename does not break the download. HEAD
// gets the same response; the connection drops the body.
Response fileResponse(const Request &request, const QString &path,
                      const FileResponseOptions &options = {});
// The same for a file its owner has opened already (read-only), so that what
// it checked is what is sent; takes the descriptor and closes it.
Response fileResponse(const Request &request, int fd, const FileResponseOptions &options);

// Weak comparison of If-None-Match against our entity tag (RFC 9110 §13.1.2):
// "*", or any listed tag whose opaque part equals ours (W/ ignored).
bool ifNoneMatchMatches(const Headers &headers, QByteArrayView currentETag);

} // namespace sluice::http
