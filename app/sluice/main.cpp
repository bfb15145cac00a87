// sluice: the operator's window around the Sluice service.
#include "commandline.h"
#include "mainwindow.h"

#include <QApplication>
#include <QDirIterator>
#include <QIcon>
#include <QMessageBox>

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
        QStringLiteral("Sluice: HTTP uploads and exports that stay calm under load."));
    if (const auto done = app::handleCommandLine(cmd, "sluice", out, err))
        return *done;

    auto prepared = app::prepareService(*cmd);
    if (!prepared) {
        err << "sluice: " << prepared.error().message << Qt::endl;
        QMessageBox::critical(nullptr, QStringLiteral("Sluice cannot start"),
                              prepared.error().message);
        return 2;
    }
    service::Service service(prepared->first, prepared->second);
    if (!service.firstRunToken().isEmpty())
        out << "token " << service.firstRunToken() << Qt::endl;
    auto lastState = service::ServiceState::Stopped;
    QObject::connect(&service, &service::Service::statusChanged, &app,
                     [&](const service::ServiceStatus &s) {
                         if (s.state == lastState)
                             return; // counters changed, not the state
                         lastState = s.state;
                         if (s.state == service::ServiceState::Running)
                             out << "listening on http://" << s.listenAddress << Qt::endl;
                         else if (s.state == service::ServiceState::Failed)
                             err << "sluice: " << s.error << Qt::endl;
                     });

    ui::MainWindow window(service);
    window.show();
    service.start();
    return app.exec();
}
