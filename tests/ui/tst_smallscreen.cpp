// Issue 23: the window is usable at 1280×800. Opened the first time (no
// remembered geometry) on a 1280×800 screen, it fits that screen; it was
// 1280×860, taller than the screen. The offscreen platform is given such a
// screen through its configuration file, before the application starts.
#include "fakeservice.h"
#include "mainwindow.h"

#include <QApplication>
#include <QFile>
#include <QScreen>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using sluice::testing::FakeService;

class tst_SmallScreen : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void firstOpenFitsTheScreen();
};

void tst_SmallScreen::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // no geometry remembered by another test
    QSettings(u"Sluice"_s, u"sluice"_s).clear();
    QCOMPARE(QGuiApplication::primaryScreen()->availableSize(), QSize(1280, 800));
}

void tst_SmallScreen::firstOpenFitsTheScreen()
{
    FakeService service;
    sluice::ui::MainWindow window(service);
    QVERIFY2(window.width() <= 1280 && window.height() <= 800,
             qPrintable(u"%1×%2"_s.arg(window.width()).arg(window.height())));
    // And it still holds everything it needs (nothing squeezed below its minimum).
    QVERIFY(window.height() >= window.minimumSizeHint().height());
    QVERIFY(window.width() >= window.minimumSizeHint().width());
}

int main(int argc, char **argv)
{
    QTemporaryDir dir;
    QFile config(dir.filePath(u"screens.json"_s));
    if (!config.open(QIODevice::WriteOnly)
        || config.write(R"({"screens": [{"name": "laptop", "x": 0, "y": 0, "width": 1280,
                           "height": 800, "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]})")
            < 0)
        return 1;
    config.close();
    qputenv("QT_QPA_PLATFORM", "offscreen:configfile=" + config.fileName().toLocal8Bit());
    QApplication app(argc, argv);
    tst_SmallScreen test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_smallscreen.moc"
