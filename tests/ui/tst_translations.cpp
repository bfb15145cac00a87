// The window in German (issue 23): the translator main() installs for the
// system locale turns the window's labels German, and numbers follow the
// locale; without it the same widgets are English.
#include "dashboardpage.h"
#include "fakeservice.h"
#include "format.h"
#include "jobsmodel.h"
#include "jobspage.h"
#include "limitlabels.h"
#include "mainwindow.h"
#include "summarytile.h"
#include "translations.h"

#include <QAbstractButton>
#include <QFile>
#include <QHash>
#include <QLabel>
#include <QLibraryInfo>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTest>

#include <memory>

using namespace Qt::StringLiterals;
using namespace sluice;

namespace {

// What the test reads off one window.
struct Labels
{
    QStringList tabs;
    QString fileMenu;
    QString serviceMenu;
    QString startButton;
    QString memoryTile;
    QString queueTile;
    QString firstLimitGroup;
    QString pauseButton;
};

template<typename T> T *child(const QWidget &window, const QString &name)
{
    T *w = window.findChild<T *>(name);
    if (!w)
        qFatal("no %s named %s", T::staticMetaObject.className(), qPrintable(name));
    return w;
}

Labels labelsOf(const ui::MainWindow &window)
{
    Labels l;
    for (int i = 0; i < window.tabs()->count(); ++i)
        l.tabs << window.tabs()->tabText(i);
    l.fileMenu = child<QMenu>(window, u"fileMenu"_s)->title();
    l.serviceMenu = child<QMenu>(window, u"serviceMenu"_s)->title();
    l.startButton = child<QPushButton>(window, u"startButton"_s)->text();
    l.memoryTile = child<ui::SummaryTile>(window, u"memoryTile"_s)->title();
    l.queueTile = child<ui::SummaryTile>(window, u"queueTile"_s)->title();
    l.firstLimitGroup = child<QLabel>(window, u"limitGroup0"_s)->text();
    l.pauseButton = child<QPushButton>(window, u"pauseButton"_s)->text();
    return l;
}

Labels labelsOfNewWindow()
{
    testing::FakeService service(u"token"_s);
    ui::MainWindow window(service);
    return labelsOf(window);
}

} // namespace

class tst_Translations : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void englishWithoutTranslator();
    void englishBeforeGermanStaysEnglish();
    void germanWithTranslator();
    void germanUnitsParseBack();
    void germanTextsFit();
    void germanAcceleratorsUnique();
    void qtsOwnButtonsInGerman();
    void englishNeedsNoTranslation();
};

void tst_Translations::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // the window's settings stay out of the user's
}

// Runs first: nothing installed yet, so the source texts show.
void tst_Translations::englishWithoutTranslator()
{
    const Labels l = labelsOfNewWindow();
    QCOMPARE(l.tabs,
             (QStringList {u"&Dashboard"_s, u"&Jobs"_s, u"&Uploads"_s, u"T&ransfers"_s,
                           u"&Limits"_s, u"&Events"_s}));
    QCOMPARE(l.fileMenu, u"&File"_s);
    QCOMPARE(l.serviceMenu, u"&Service"_s);
    QCOMPARE(l.startButton, u"&Start"_s);
    QCOMPARE(l.memoryTile, u"Resident memory"_s);
    QCOMPARE(l.queueTile, u"Job queue"_s);
    QCOMPARE(l.firstLimitGroup, u"Connections and HTTP"_s);
    QCOMPARE(l.pauseButton, u"&Pause"_s);
}

// LANGUAGE=en_US:en:de: English comes first, so the window stays English
// although German is on the list (it was German: QTranslator::load went on
// down the list, past English, which has no file).
void tst_Translations::englishBeforeGermanStaysEnglish()
{
    QVERIFY(!ui::installTranslations(*qApp, QStringList {u"en-US"_s, u"en"_s, u"de"_s}));
    const Labels l = labelsOfNewWindow();
    QCOMPARE(l.fileMenu, u"&File"_s);
    QCOMPARE(l.startButton, u"&Start"_s);
}

// LANG=de_DE.UTF-8 as main() sees it: QLocale() is German, and the same
// function main() calls installs the translation.
void tst_Translations::germanWithTranslator()
{
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QVERIFY(ui::installTranslations(*qApp, QLocale()));

    const Labels l = labelsOfNewWindow();
    QCOMPARE(l.tabs,
             (QStringList {u"Dash&board"_s, u"Auf&träge"_s, u"&Uploads"_s, u"Übe&rtragungen"_s,
                           u"&Grenzwerte"_s, u"&Ereignisse"_s}));
    QCOMPARE(l.fileMenu, u"&Datei"_s);
    QCOMPARE(l.serviceMenu, u"D&ienst"_s);
    QCOMPARE(l.startButton, u"&Starten"_s);
    QCOMPARE(l.memoryTile, u"Residenter Speicher"_s);
    QCOMPARE(l.queueTile, u"Auftragswarteschlange"_s);
    QCOMPARE(l.firstLimitGroup, u"Verbindungen und HTTP"_s);
    QCOMPARE(l.pauseButton, u"&Pausieren"_s);

    // Numbers follow the locale; plurals are German ones.
    QCOMPARE(ui::formatBytes(1536), u"1,50 KiB"_s);
    QCOMPARE(ui::formatLimit(1, "days"), u"1 Tag"_s);
    QCOMPARE(ui::formatLimit(3, "days"), u"3 Tage"_s);
}

// A value the limits editor shows in German reads back as the same value.
void tst_Translations::germanUnitsParseBack()
{
    QCOMPARE(ui::limitValueText(1000, "bytes"), u"1000 Byte"_s);
    QCOMPARE(ui::parseLimitValue(u"1000 Byte"_s, "bytes"), std::optional<qint64>(1000));
    QCOMPARE(ui::limitValueText(1, "days"), u"1 Tag"_s);
    QCOMPARE(ui::parseLimitValue(u"1 Tag"_s, "days"), std::optional<qint64>(1));
    QCOMPARE(ui::parseLimitValue(u"31 Tage"_s, "days"), std::optional<qint64>(31));
    QCOMPARE(ui::parseLimitValue(u"31 days"_s, "days"),
             std::optional<qint64>(31)); // the API's word
    QCOMPARE(ui::parseLimitValue(u"1,5 KiB"_s, "bytes"), std::optional<qint64>(1536));
    // A German thousands separator is refused, not read as a decimal point.
    QCOMPARE(ui::parseLimitValue(u"1.000 Byte"_s, "bytes"), std::nullopt);
}

// At 1280×800 no German text is cut off: every button and tab of every
// page, and the dashboard tiles' lines.
void tst_Translations::germanTextsFit()
{
    testing::FakeService service(u"token"_s);
    ui::MainWindow window(service);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QStringList clipped;
    const auto check = [&clipped](const QWidget *w, const QString &text) {
        if (w->isVisible() && !text.isEmpty() && w->width() < w->sizeHint().width())
            clipped << u"%1 (%2 < %3)"_s.arg(text).arg(w->width()).arg(w->sizeHint().width());
    };
    for (int i = 0; i < window.tabs()->count(); ++i) {
        window.tabs()->setCurrentIndex(i);
        QCoreApplication::processEvents();
        for (const QAbstractButton *button : window.findChildren<QAbstractButton *>())
            check(button, button->text());
        for (const ui::SummaryTile *tile : window.findChildren<ui::SummaryTile *>()) {
            for (const QLabel *line : tile->findChildren<QLabel *>())
                check(line, line->text());
        }
    }
    check(window.tabs()->tabBar(), u"tabs"_s);
    // Each job state's word whole in the Jobs table ("abgebrochen" was cut).
    const QTableView *jobs = window.jobsPage()->view();
    for (const jobs::JobState state :
         {jobs::JobState::Queued, jobs::JobState::Running, jobs::JobState::Succeeded,
          jobs::JobState::Failed, jobs::JobState::Cancelled, jobs::JobState::Expired}) {
        const QString word = ui::JobsModel::stateText(state);
        // The cell's margins: a character's width on each side at least.
        const int needed = jobs->fontMetrics().horizontalAdvance(word)
            + jobs->fontMetrics().horizontalAdvance(u'0');
        if (jobs->columnWidth(ui::JobsModel::State) < needed)
            clipped << u"%1 (%2 < %3)"_s.arg(word)
                           .arg(jobs->columnWidth(ui::JobsModel::State))
                           .arg(needed);
    }
    clipped.removeDuplicates();
    QVERIFY2(clipped.isEmpty(), qPrintable(clipped.join(u", "_s)));
}

// Alt+letter is unambiguous in German too: within the menu bar and within
// each menu (the tray's included).
void tst_Translations::germanAcceleratorsUnique()
{
    testing::FakeService service(u"token"_s);
    ui::MainWindow window(service);
    const auto mnemonic = [](const QString &text) {
        const qsizetype amp = text.indexOf(u'&');
        return amp >= 0 && amp + 1 < text.size() ? text.at(amp + 1).toLower() : QChar();
    };
    const auto unique = [&mnemonic](const QString &where, const QList<QAction *> &actions) {
        QHash<QChar, QString> taken;
        for (const QAction *action : actions) {
            const QChar key = mnemonic(action->text());
            if (key.isNull())
                continue;
            if (taken.contains(key))
                return u"%1: %2 and %3"_s.arg(where, taken.value(key), action->text());
            taken.insert(key, action->text());
        }
        return QString();
    };
    QStringList clashes;
    clashes << unique(u"menu bar"_s, window.menuBar()->actions());
    for (const QMenu *menu : window.findChildren<QMenu *>())
        clashes << unique(menu->objectName(), menu->actions());
    clashes.removeAll(QString());
    QVERIFY2(clashes.isEmpty(), qPrintable(clashes.join(u"; "_s)));
    QVERIFY(window.findChild<QMenu *>(u"fileMenu"_s)); // the menus were found at all
}

// Qt's standard buttons (Cancel in QMessageBox) come from Qt's own German,
// when the system has it (qt6-translations-l10n).
void tst_Translations::qtsOwnButtonsInGerman()
{
    const QString qtbase = QLibraryInfo::path(QLibraryInfo::TranslationsPath) + u"/qtbase_de.qm"_s;
    if (!QFile::exists(qtbase))
        QSKIP("qt6-translations-l10n is not installed");
    QCOMPARE(QCoreApplication::translate("QPlatformTheme", "Cancel"), u"Abbrechen"_s);
}

void tst_Translations::englishNeedsNoTranslation()
{
    QVERIFY(!ui::installTranslations(*qApp, QLocale(QLocale::English, QLocale::UnitedStates)));
    // A language Sluice does not speak is passed over for the next one.
    QVERIFY(ui::installTranslations(*qApp, QStringList {u"fr-FR"_s, u"de-DE"_s}));
    QVERIFY(!ui::installTranslations(*qApp, QStringList {u"fr-FR"_s}));
    // A tag Qt does not know passes the turn to the next language.
    QVERIFY(ui::installTranslations(*qApp, QStringList {u"xx-unknown"_s, u"de-DE"_s}));
}

QTEST_MAIN(tst_Translations)
#include "tst_translations.moc"
