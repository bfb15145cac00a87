#include "format.h"

#include <QCoreApplication>
#include <QLocale>

#include <array>
#include <cmath>
#include <cstring>

using namespace Qt::StringLiterals;

namespace sluice::ui {

QString formatBytes(double bytes)
{
    static constexpr std::array units {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    if (bytes < 0)
        return u"\u2014"_s;
    std::size_t unit = 0;
    while (bytes >= 1024 && unit + 1 < units.size()) {
        bytes /= 1024;
        ++unit;
    }
    const int decimals = unit == 0 || bytes >= 100 ? 0 : bytes >= 10 ? 1 : 2;
    return QLocale().toString(bytes, 'f', decimals) + u' ' + QLatin1StringView(units[unit]);
}

QString formatRate(double bytesPerSecond)
{
    return formatBytes(bytesPerSecond) + u"/s"_s;
}

QString formatCount(double value)
{
    if (std::abs(value) < 10 && value != std::floor(value))
        return QLocale().toString(value, 'f', 1);
    return QLocale().toString(qint64(std::llround(value)));
}

QString formatDuration(qint64 ms)
{
    if (ms < 0)
        return u"\u2014"_s;
    if (ms < 1'000)
        return u"%1 ms"_s.arg(ms);
    const qint64 s = ms / 1'000;
    if (s < 60)
        return ms < 10'000 ? u"%1 s"_s.arg(QLocale().toString(double(ms) / 1000.0, 'f', 1))
                           : u"%1 s"_s.arg(s);
    if (s < 3'600)
        return u"%1 min %2 s"_s.arg(s / 60).arg(s % 60, 2, 10, QChar(u'0'));
    if (s < 86'400)
        return u"%1 h %2 min"_s.arg(s / 3'600).arg(s / 60 % 60, 2, 10, QChar(u'0'));
    return u"%1 d %2 h"_s.arg(s / 86'400).arg(s / 3'600 % 24);
}

QString formatCoarseDuration(qint64 ms)
{
    if (ms < 0)
        return u"\u2014"_s;
    const qint64 s = ms / 1'000;
    if (s < 60)
        return u"%1 s"_s.arg(s);
    if (s < 3'600)
        return u"%1 min"_s.arg(s / 60);
    if (s < 2 * 86'400)
        return u"%1 h"_s.arg(s / 3'600);
    return u"%1 d"_s.arg(s / 86'400);
}

QString formatLimit(qint64 value, const char *unit)
{
    if (std::strcmp(unit, "bytes") == 0)
        return formatBytes(double(value));
    if (std::strcmp(unit, "bytes_per_s") == 0)
        return formatBytes(double(value)) + u"/s"_s;
    if (std::strcmp(unit, "ms") == 0)
        return formatDuration(value);
    if (std::strcmp(unit, "percent") == 0)
        return QLocale().toString(value) + u" %"_s;
    if (std::strcmp(unit, "days") == 0)
        return QCoreApplication::translate("sluice::ui", "%n day(s)", nullptr, int(value));
    return QLocale().toString(value);
}

} // namespace sluice::ui
