#include "util/threadcheck.h"

#include <QLoggingCategory>
#include <QObject>
#include <QThread>

Q_LOGGING_CATEGORY(lcThreads, "sluice.threads", QtInfoMsg)

namespace sluice {

namespace {

bool fatalChecks()
{
#ifndef QT_NO_DEBUG
    return true;
#else
    static const bool fatal = qEnvironmentVariable("SLUICE_THREAD_CHECKS") == u"fatal";
    return fatal;
#endif
}

} // namespace

bool checkThread(const QObject &home, const char *what)
{
    QThread *const owner = home.thread();
    QThread *const current = QThread::currentThread();
    if (owner == current)
        return true;
    const auto name = [](QThread *thread) {
        if (!thread)
            return QStringLiteral("(none)");
        return thread->objectName().isEmpty() ? QStringLiteral("0x%1").arg(quintptr(thread), 0, 16)
                                              : thread->objectName();
    };
    const QString message = QStringLiteral("%1 ran on thread %2, but belongs to thread %3")
                                .arg(QLatin1StringView(what), name(current), name(owner));
    if (fatalChecks())
        qFatal("%s", qPrintable(message));
    qCCritical(lcThreads).noquote() << message;
    return false;
}

} // namespace sluice
