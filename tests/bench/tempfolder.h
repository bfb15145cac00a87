#pragma once

#include <QString>

// What a server's temp folder holds, for the benchmarks that watch it
// empty. Uploads write to the folder itself, export jobs to
// tmp/jobs/ATTEMPT/, so the walk goes down into subfolders.
struct TempUse
{
    qsizetype files = 0;
    qint64 bytes = 0;
};

TempUse tempUse(const QString &dir);
