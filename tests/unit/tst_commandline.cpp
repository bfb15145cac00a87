// The command line both programs share: --connect is the window's alone.
#include "commandline.h"

#include <QTest>

using namespace Qt::StringLiterals;
using sluice::app::CommandLine;
using sluice::app::parseCommandLine;
using sluice::app::Program;

class tst_CommandLine : public QObject
{
    Q_OBJECT
private slots:
    void windowTakesConnect();
    void windowRunsLocallyWithoutConnect();
    void serviceRefusesConnect();
    void helpShowsConnectForTheWindowOnly();
    void emptyConnectIsRefused();
};

void tst_CommandLine::windowTakesConnect()
{
    const auto cmd
        = parseCommandLine({u"sluice"_s, u"--connect"_s, u"https://h:8443"_s}, {}, Program::Window);
    QVERIFY(cmd);
    QCOMPARE(cmd->command, CommandLine::Command::Run);
    QCOMPARE(cmd->connectTo, u"https://h:8443"_s);
}

void tst_CommandLine::windowRunsLocallyWithoutConnect()
{
    const auto cmd
        = parseCommandLine({u"sluice"_s, u"--listen"_s, u"127.0.0.1:0"_s}, {}, Program::Window);
    QVERIFY(cmd);
    QVERIFY(cmd->connectTo.isEmpty());
    QVERIFY(cmd->listen.has_value());
}

void tst_CommandLine::serviceRefusesConnect()
{
    const auto cmd = parseCommandLine({u"sluiced"_s, u"--connect"_s, u"https://h:8443"_s}, {});
    QVERIFY(!cmd);
    QVERIFY2(cmd.error().message.contains(u"connect"_s), qPrintable(cmd.error().message));
}

void tst_CommandLine::helpShowsConnectForTheWindowOnly()
{
    const auto window = parseCommandLine({u"sluice"_s, u"--help"_s}, {}, Program::Window);
    const auto service = parseCommandLine({u"sluiced"_s, u"--help"_s}, {});
    QVERIFY(window && service);
    QCOMPARE(window->command, CommandLine::Command::Help);
    QVERIFY(window->helpText.contains(u"--connect <http[s]://HOST:PORT>"_s));
    QVERIFY(!service->helpText.contains(u"--connect"_s));
}

// Review: `sluice --connect "$UNSET"` must not start this computer's service.
void tst_CommandLine::emptyConnectIsRefused()
{
    const auto cmd = parseCommandLine({u"sluice"_s, u"--connect"_s, u""_s}, {}, Program::Window);
    QVERIFY2(!cmd, "--connect '' parsed as no --connect: the local service starts instead");
}

QTEST_GUILESS_MAIN(tst_CommandLine)
#include "tst_commandline.moc"
