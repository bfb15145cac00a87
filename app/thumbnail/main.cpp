// sluice-thumbnail: decodes one untrusted image into a PNG thumbnail, in a
// process of its own, so that a decode can be bounded (address space, CPU
// time) and killed; see docs/decisions/0018-image-decoding-in-a-worker-process.md.
//
//   sluice-thumbnail --side N --max-pixels N --memory-mib N SOURCE TARGET REPORT
//
// REPORT receives one JSON object: {"width", "height", "thumbnail": {...}} on
// success (exit 0), or {"error": "...", "memory": bool} (exit 1). The parent
// (upload::ThumbnailProcess) writes the messages users see.

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QImage>
#include <QImageReader>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStringBuilder>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <new>

#include "util/sanitizers.h" // SLUICE_ASAN: no RLIMIT_AS under AddressSanitizer

using namespace Qt::StringLiterals;

namespace {

constexpr qint64 MiB = 1024 * 1024;

// Set once the arguments are known: where a report goes, also from the
// out-of-memory handler, which must not allocate.
int g_reportFd = -1;
// What the image libraries said (libjpeg's "Insufficient memory", Qt's
// allocation limit): the only sign of an allocation they gave up on.
bool g_memorySeen = false;
QString g_lastMessage;

[[noreturn]] void outOfMemory()
{
    static const char report[] = "{\"error\": \"out of memory\", \"memory\": true}\n";
    if (g_reportFd >= 0)
        (void)!::write(g_reportFd, report, sizeof report - 1);
    ::_exit(1);
}

void onMessage(QtMsgType, const QMessageLogContext &, const QString &message)
{
    if (message.contains(u"Insufficient memory"_s, Qt::CaseInsensitive)
        || message.contains(u"allocation limit"_s, Qt::CaseInsensitive)
        || message.contains(u"out of memory"_s, Qt::CaseInsensitive))
        g_memorySeen = true;
    g_lastMessage = message.left(300);
}

// The address space the process holds now (/proc/self/statm: pages).
[[maybe_unused]] qint64 addressSpaceBytes()
{
    QFile statm(u"/proc/self/statm"_s);
    if (!statm.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray pages = statm.readLine().split(' ').value(0);
    bool ok = false;
    const qint64 n = pages.toLongLong(&ok);
    return ok ? n * ::sysconf(_SC_PAGESIZE) : -1;
}

// The decode gets `budget` bytes beyond what the program and its libraries
// hold once the image plugin is loaded. The parent set a looser backstop.
void limitAddressSpace(qint64 budget)
{
#if SLUICE_ASAN
    Q_UNUSED(budget); // ASan reserves terabytes of shadow memory
#else
    const qint64 now = addressSpaceBytes();
    if (now < 0)
        return;
    rlimit limit {};
    if (::getrlimit(RLIMIT_AS, &limit) != 0)
        return;
    const rlim_t wanted = rlim_t(now + budget);
    if (limit.rlim_max == RLIM_INFINITY || wanted < limit.rlim_max)
        limit.rlim_cur = wanted;
    (void)::setrlimit(RLIMIT_AS, &limit);
#endif
}

int finish(const QJsonObject &report)
{
    const QByteArray text = QJsonDocument(report).toJson(QJsonDocument::Compact) + '\n';
    (void)!::write(g_reportFd, text.constData(), size_t(text.size()));
    return report.contains(u"error"_s) ? 1 : 0;
}

int fail(const QString &error)
{
    return finish({{u"error"_s, error}, {u"memory"_s, g_memorySeen}});
}

} // namespace

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    QCommandLineParser parser;
    const QCommandLineOption side(u"side"_s, u"Longest side of the thumbnail."_s, u"px"_s);
    const QCommandLineOption maxPixels(u"max-pixels"_s, u"Largest image thumbnailed."_s, u"n"_s);
    const QCommandLineOption memory(u"memory-mib"_s, u"Memory the decode may use."_s, u"MiB"_s);
    parser.addOptions({side, maxPixels, memory});
    parser.addPositionalArgument(u"source"_s, u"The image."_s);
    parser.addPositionalArgument(u"target"_s, u"The PNG thumbnail to write."_s);
    parser.addPositionalArgument(u"report"_s, u"Where the JSON report goes."_s);
    parser.process(app);
    const QStringList args = parser.positionalArguments();
    const int sidePx = parser.value(side).toInt();
    const qint64 pixelCap = parser.value(maxPixels).toLongLong();
    const qint64 memoryMiB = parser.value(memory).toLongLong();
    if (args.size() != 3 || sidePx <= 0 || pixelCap <= 0 || memoryMiB <= 0)
        parser.showHelp(2);

    QFile report(args.at(2));
    if (!report.open(QIODevice::WriteOnly | QIODevice::Truncate))
        return 2;
    g_reportFd = report.handle();
    std::set_new_handler(outOfMemory);
    qInstallMessageHandler(onMessage);

    QImageReader reader(args.at(0));
    reader.setAutoTransform(true);
    // Qt's own check on the decoded image (full size for formats that cannot
    // scale while decoding, such as PNG); the decoder's working memory
    // (libjpeg's coefficients of a progressive JPEG) is bounded by RLIMIT_AS.
    reader.setAllocationLimit(int(std::min<qint64>(memoryMiB, std::numeric_limits<int>::max())));
    const QSize size = reader.size(); // reads the header and loads the format's plugin
    if (!size.isValid())
        return fail(u"not a readable image: "_s % reader.errorString());
    if (qint64(size.width()) * size.height() > pixelCap)
        return fail(u"the image has %1x%2 pixels, more than the %3 megapixels thumbnailed"_s.arg(
            QString::number(size.width()), QString::number(size.height()),
            QString::number(pixelCap / 1'000'000)));
    limitAddressSpace(memoryMiB * MiB);

    reader.setScaledSize(
        size.scaled(sidePx, sidePx, Qt::KeepAspectRatio).boundedTo(size).expandedTo(QSize(1, 1)));
    const QImage image = reader.read();
    if (image.isNull()) {
        const QString why = g_lastMessage.isEmpty() ? reader.errorString() : g_lastMessage;
        return fail(u"not a readable image: "_s % why);
    }
    QSaveFile file(args.at(1));
    if (!file.open(QIODevice::WriteOnly) || !image.save(&file, "PNG") || !file.commit())
        return fail(u"cannot write the thumbnail: "_s % file.errorString());
    return finish({{u"width"_s, size.width()},
                   {u"height"_s, size.height()},
                   {u"thumbnail"_s,
                    QJsonObject {{u"width"_s, image.width()},
                                 {u"height"_s, image.height()},
                                 {u"bytes"_s, QFile(args.at(1)).size()}}}});
}
