#pragma once

#include <QString>

namespace sluice::upload {

// The most bytes of UTF-8 a sanitized name may take: the NAME_MAX of ext4,
// XFS, btrfs and APFS (NTFS counts 255 UTF-16 units, which this also meets).
inline constexpr qsizetype kMaxFileNameBytes = 255;

// A file name from a client (multipart filename, PUT path segment), made safe
// to store and show on common systems:
//  - NFC-normalised (macOS clients send decomposed names);
//  - only the last path component, '/' and '\' both count as separators;
//  - C0/C1 control characters (NUL, CR, LF, TAB, ...), line and paragraph
//    separators, bidirectional formatting characters and lone surrogates
//    are dropped;
//  - < > : " | ? * become '_';
//  - leading dots, trailing dots (Windows drops them) and surrounding white
//    space are removed, so no hidden files, "." or "..";
//  - Windows device names (CON, NUL, COM1, ...) get a '_' prefix;
//  - at most kMaxFileNameBytes of UTF-8, cut between grapheme clusters and
//    keeping an extension of up to 16 bytes;
//  - "upload" when nothing is left.
QString sanitizeFileName(const QString &raw);

} // namespace sluice::upload
