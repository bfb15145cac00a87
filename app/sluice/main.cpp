// sluice: the operator's window around the Sluice service.
#include "appearance.h"
#include "commandline.h"
#include "translations.h"
#include "windowhost.h"

#include <QApplication>
#include <QDirIterator>
#include <QIcon>
#include <QLocale>

using namespace sluice;

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("sluice"));
    QApplication::setApplicationDisplayName(QStringLiteral("Sluice"));
    QApplication::setApplicationVersion(QStringLiteral(SLUICE_VERSION));
    // The desktop entry's id (Wayland's app id), and its icon in every size.
    QGuiApplication::setDesktopFileName(QStringLiteral("io.github.sluice.Sluice"));
    QIcon icon;
    for (QDirIterator it(QStringLiteral(":/icons"), {QStringLiteral("*.png")}, QDir::Files,
                         QDirIterator::Subdirectories);
         it.hasNext();)
        icon.addFile(it.next());
    QApplication::setWindowIcon(icon);
    QTextStream out(stdout);
    QTextStream err(stderr);

    auto cmd = app::parseCommandLine(
        QApplication::arguments(),
        QStringLiteral("Sluice: HTTP uploads and exports that stay calm under load."),
        app::Program::Window);
    if (const auto done = app::handleCommandLine(cmd, "sluice", out, err))
        return *done;

    // The window in the system's language (LANGUAGE, LC_ALL, LC_MESSAGES, LANG).
    // Only now: the command line (--help, errors) stays English like sluiced's,
    // Qt's own words in it too (docs/decisions/0031).
    ui::installTranslations(app, QLocale());
    // The remembered View > Appearance, before any window or dialog shows.
    ui::applySavedAppearance();

    // This computer's service (started now, unless --connect shows another
    // first) and any remote one, each in front of the same window.
    app::WindowHost host(*cmd, out, err);
    if (const auto failed = host.start())
        return *failed;
    return app.exec();
}
