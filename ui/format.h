#pragma once

#include <QString>

namespace sluice::ui {

// Unit formatting for every view, in one place. Binary prefixes for sizes.
QString formatBytes(double bytes); // "1.5 MiB"
QString formatRate(double bytesPerSecond); // "1.5 MiB/s"
QString formatCount(double value); // "12,345" (locale), decimals only below 10
QString formatDuration(qint64 ms); // "850 ms", "12 s", "3 min 05 s", "2 h 03 min", "1 d 2 h"
// The largest whole unit only, for a time that is far off: "40 s", "12 min", "23 h", "2 d".
QString formatCoarseDuration(qint64 ms);
// A limit value in its unit ("ms", "bytes", "bytes_per_s", "count", "days", "percent").
QString formatLimit(qint64 value, const char *unit);

} // namespace sluice::ui
