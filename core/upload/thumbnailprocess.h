#pragma once

#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <atomic>
#include <functional>

namespace sluice::upload {

// image_decode_max_bytes and image_decode_max_ms, as they are now: the
// Service stores new values when the limits change, attempts read them when
// they start.
struct ImageDecodeLimits
{
    std::atomic<qint64> maxBytes {0};
    std::atomic<qint64> maxMs {0};
};

// The name of the helper program (app/thumbnail/main.cpp).
inline constexpr char ThumbnailHelperName[] = "sluice-thumbnail";

// Where the helper is looked for: `helperDir` when it is given (tests, an
// unusual install); otherwise the folder of the running program (the build
// tree, where sluice, sluiced and sluice-thumbnail sit together) and then
// ../libexec/sluice beside it (the installed tree). Main thread only: it
// reads the program's path, which QCoreApplication caches without a lock.
QStringList thumbnailHelperCandidates(const QString &helperDir);
// The first candidate that is an executable file now; empty (and a warning
// in the log naming the candidates) when none is. Any thread.
QString findThumbnailHelper(const QStringList &candidates);

// Makes one thumbnail in a sluice-thumbnail process that cannot outgrow its
// limits: its address space is capped (RLIMIT_AS: the budget beyond what the
// program holds, plus a backstop set here), its CPU time too (RLIMIT_CPU),
// and it is killed once it runs past the time limit, once `stopRequested`
// says so (checked every few milliseconds), or when the thread that started
// it ends (PR_SET_PDEATHSIG). Blocks the calling (worker) thread.
class ThumbnailProcess
{
public:
    struct Request
    {
        QString helper; // findThumbnailHelper()
        QString source;
        QString target; // the PNG, written whole or not at all (a temp file: a kill may leave
                        // the helper's QSaveFile temp beside it)
        QString reportFile; // an empty file the helper writes its JSON report to
        int side = 256;
        qint64 maxPixels = 0;
        qint64 maxBytes = 0; // image_decode_max_bytes
        qint64 maxMs = 0; // image_decode_max_ms
    };
    struct Result
    {
        // On success: width, height and thumbnail {width, height, bytes}.
        QJsonObject outcome;
        QString problem; // empty on success; names the limit when one was hit
        bool stopped = false; // ended because a stop was requested
        bool retryable = false; // the helper could not be started (fork failed, say)
    };

    static Result run(const Request &request, const std::function<bool()> &stopRequested);
};

} // namespace sluice::upload
