#pragma once

#include <QString>
#include <QStringList>

#include <optional>

namespace sluice::ui {

// How the limits editor presents one limit: the group it belongs to and a
// label for people (the config key is shown too, small, for those who edit
// the file).
struct LimitLabel
{
    int group = 0; // index into limitGroups()
    QString label;
    int order = 0; // its place in the editor, within its group
};

// The groups in the order the editor shows them.
QStringList limitGroups();
// The label of `key`; a key this table does not know (a newer limit) gets
// the last group and its key as label.
LimitLabel limitLabel(const QString &key);

// Values typed with a unit: "16 KiB", "1.5 GiB", "30 s", "2 min", or a bare
// number in the limit's base unit (bytes, ms, ...). Binary size prefixes
// only (KiB, MiB, GiB, TiB; also KB/MB/GB/TB as the same powers of 1024,
// since that is what people mean there); durations in ms, s, min, h, d.
// nullopt when the text is not such a value or not a whole number of the
// base unit.
// Separators are refused where they may group thousands ("10.000", "1,000",
// "1.500 s"), since German and English read them the other way round; a
// base unit takes no fraction at all ("2.5" bytes, "10.0").
std::optional<qint64> parseLimitValue(const QString &text, const char *unit);
// Whether the number is written with what may be a thousands separator.
bool hasThousandsSeparator(const QString &text);
// The value in the largest unit that shows it exactly ("16 KiB", "90 s",
// "1500 ms", "3", "5 %").
QString limitValueText(qint64 value, const char *unit);

} // namespace sluice::ui
