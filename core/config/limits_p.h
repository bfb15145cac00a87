#pragma once

// Private to the config subsystem: the validation of Limits with the key of
// each problem kept apart, so that the config file can point at its line.

#include "config/limits.h"

#include <QJsonObject>
#include <QList>
#include <QString>

namespace sluice::config::detail {

struct LimitProblem
{
    QString key; // snake_case key of the limit at fault
    QString reason; // to follow the key: "must be between 1 and 100000 (got 0)"
    QString message; // standalone: "max_connections must be between ..."
};

// Range and cross-field problems of a value.
QList<LimitProblem> limitProblems(const Limits &limits);

// Reads a JSON object over the defaults: unknown keys and values that are not
// integers are problems; then the problems of the result are appended.
QList<LimitProblem> readLimits(const QJsonObject &object, Limits &limits);
// The same over `limits` as it is (a partial change of a running value).
QList<LimitProblem> readLimitsOver(const QJsonObject &object, Limits &limits);

} // namespace sluice::config::detail
