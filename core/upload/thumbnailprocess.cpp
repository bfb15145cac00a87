#include "upload/thumbnailprocess.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QProcess>
#include <QStringBuilder>

#include <sys/resource.h>
#if defined(Q_OS_LINUX)
#include <sys/prctl.h>
#endif
#include <csignal>

#include "util/sanitizers.h" // SLUICE_ASAN: no RLIMIT_AS under AddressSanitizer

using namespace Qt::StringLiterals;

Q_LOGGING_CATEGORY(lcThumbnail, "sluice.upload.thumbnail", QtInfoMsg)

namespace sluice::upload {
namespace {

constexpr qint64 MiB = 1024 * 1024;
// Address space the helper may hold before it tightens its own limit to its
// size plus the budget: Qt, the image plugins and their libraries. Only a
// backstop; the budget itself is applied by the helper (app/thumbnail).
constexpr qint64 ProgramAllowance = 512 * MiB;
constexpr int PollMs = 10; // how soon a stop request or the time limit is noticed
constexpr qint64 MaxReportBytes = 64 * 1024;

QString seconds(qint64 ms)
{
    return QString::number(double(ms) / 1000.0);
}

} // namespace

QStringList thumbnailHelperCandidates(const QString &helperDir)
{
    const QString name = QLatin1StringView(ThumbnailHelperName);
    if (!helperDir.isEmpty())
        return {QDir(helperDir).absoluteFilePath(name)};
    const QString here = QCoreApplication::applicationDirPath();
    return {QDir(here).absoluteFilePath(name),
            QDir::cleanPath(here % u"/../libexec/sluice/"_s % name)};
}

QString findThumbnailHelper(const QStringList &candidates)
{
    for (const QString &candidate : candidates) {
        const QFileInfo info(candidate);
        if (info.isFile() && info.isExecutable())
            return candidate;
    }
    qCWarning(lcThumbnail).noquote() << "no thumbnail helper in" << candidates.join(u", "_s);
    return {};
}

ThumbnailProcess::Result ThumbnailProcess::run(const Request &request,
                                               const std::function<bool()> &stopRequested)
{
    const qint64 budgetMiB = std::max<qint64>(1, (request.maxBytes + MiB - 1) / MiB);
    const QString memoryProblem
        = u"the image needs more than %1 MiB to decode (image_decode_max_bytes)"_s.arg(budgetMiB);
    const QString timeProblem
        = u"decoding took longer than %1 s (image_decode_max_ms)"_s.arg(seconds(request.maxMs));

    QProcess process;
    process.setProgram(request.helper);
    process.setArguments({u"--side"_s, QString::number(request.side), u"--max-pixels"_s,
                          QString::number(request.maxPixels), u"--memory-mib"_s,
                          QString::number(budgetMiB), request.source, request.target,
                          request.reportFile});
    // Nothing the helper prints is read: a chatty decoder cannot grow this process.
    process.setStandardInputFile(QProcess::nullDevice());
    process.setStandardOutputFile(QProcess::nullDevice());
    process.setStandardErrorFile(QProcess::nullDevice());
    const rlim_t cpuSeconds = rlim_t((request.maxMs + 999) / 1000 + 1);
    const rlim_t addressSpace = rlim_t(request.maxBytes + ProgramAllowance);
    // Runs in the child between fork and exec: system calls only.
    process.setChildProcessModifier([cpuSeconds, addressSpace] {
        const rlimit cpu {cpuSeconds, cpuSeconds + 1}; // SIGXCPU, then SIGKILL
        (void)::setrlimit(RLIMIT_CPU, &cpu);
#if !SLUICE_ASAN
        const rlimit as {addressSpace, addressSpace};
        (void)::setrlimit(RLIMIT_AS, &as);
#else
        Q_UNUSED(addressSpace);
#endif
#if defined(Q_OS_LINUX)
        (void)::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    });

    Result result;
    QElapsedTimer clock;
    clock.start();
    process.start();
    if (!process.waitForStarted(-1)) {
        qCWarning(lcThumbnail).noquote()
            << "cannot start" << request.helper << ':' << process.errorString();
        result.problem = u"cannot start the thumbnail helper: "_s % process.errorString();
        result.retryable = true;
        return result;
    }
    while (process.state() != QProcess::NotRunning && !process.waitForFinished(PollMs)) {
        if (process.state() == QProcess::NotRunning)
            break;
        const bool stop = stopRequested();
        if (stop || clock.elapsed() > request.maxMs) {
            process.kill();
            process.waitForFinished(-1);
            result.stopped = stop;
            result.problem = stop ? u"stopped"_s : timeProblem;
            return result;
        }
    }

    QFile reportFile(request.reportFile);
    QJsonObject report;
    if (reportFile.open(QIODevice::ReadOnly))
        report = QJsonDocument::fromJson(reportFile.read(MaxReportBytes)).object();
    if (process.exitStatus() == QProcess::CrashExit) {
        // A signal: SIGXCPU or SIGKILL from RLIMIT_CPU (the wall clock
        // normally comes first), or a failed allocation that could not be
        // reported (the out-of-memory report comes first then).
        const int signal = process.exitCode();
        if (signal == SIGXCPU || clock.elapsed() >= request.maxMs)
            result.problem = timeProblem;
        else if (report.value(u"memory"_s).toBool())
            result.problem = memoryProblem;
        else
            result.problem = u"the image decoder crashed (signal %1) within %2 MiB and %3 s"_s.arg(
                QString::number(signal), QString::number(budgetMiB), seconds(request.maxMs));
        return result;
    }
    if (process.exitCode() == 0 && report.contains(u"thumbnail"_s)) {
        result.outcome = report;
        return result;
    }
    if (report.value(u"memory"_s).toBool())
        result.problem = memoryProblem;
    else if (const QString error = report.value(u"error"_s).toString(); !error.isEmpty())
        result.problem = error;
    else
        result.problem = u"the thumbnail helper failed (exit status %1) without a report"_s.arg(
            process.exitCode());
    return result;
}

} // namespace sluice::upload
