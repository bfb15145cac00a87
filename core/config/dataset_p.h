#pragma once

// Private to the config subsystem: the "datasets" array of the config file.

#include "config/dataset.h"

#include <QJsonValue>
#include <QList>

namespace sluice::config::detail {

struct DatasetProblem
{
    QString path; // "datasets[0].time_column"
    QString reason;
};

// Reads the "datasets" value; every problem names the key at fault.
QList<Dataset> readDatasets(const QJsonValue &value, QList<DatasetProblem> &problems);

// The "datasets" array as config-file lines at the given depth (four spaces
// a level), without a trailing comma or newline after the closing bracket.
QByteArray datasetsJson(const QList<Dataset> &datasets, int depth);

} // namespace sluice::config::detail
