// Issue 23, "the window, finished": the window looks right everywhere. Its
// colours follow a light or a dark palette and stay readable (WCAG contrast
// measured here), it fits 1280×800 without clipping, every control has a
// name a screen reader can say, and Tab walks each tab in reading order.
#include "appearance.h"
#include "charts/timeserieschart.h"
#include "connectdialog.h"
#include "credentialstore.h"
#include "dashboardpage.h"
#include "fakeservice.h"
#include "mainwindow.h"
#include "newexportdialog.h"
#include "palette.h"
#include "summarytile.h"

#include <QAbstractButton>
#include <QAbstractItemView>
#include <QAbstractSpinBox>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDateTime>
#include <QDialog>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QTabBar>
#include <QTabWidget>
#include <QTest>
#include <QTextEdit>

#include <cmath>

using namespace Qt::StringLiterals;
using sluice::ui::Appearance;
using sluice::ui::MainWindow;
using sluice::ui::StateColours;
using namespace sluice::testing;

Q_DECLARE_METATYPE(sluice::ui::Appearance)

namespace {

// WCAG 2.x relative luminance and contrast ratio.
double luminance(const QColor &color)
{
    const auto channel = [](double c) {
        return c <= 0.03928 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
        + 0.0722 * channel(color.blueF());
}

double contrast(const QColor &a, const QColor &b)
{
    const double la = luminance(a);
    const double lb = luminance(b);
    return (std::max(la, lb) + 0.05) / (std::min(la, lb) + 0.05);
}

QString describe(const QWidget *w)
{
    QString name = w->objectName();
    if (w->parentWidget() && !w->parentWidget()->objectName().isEmpty())
        name = w->parentWidget()->objectName() + u'/' + name;
    if (const auto button = qobject_cast<const QAbstractButton *>(w); button && name.isEmpty())
        name = button->text();
    return u"%1 \"%2\""_s.arg(QString::fromLatin1(w->metaObject()->className()), name);
}

// A part of another control (a spin box's field, a table's header or
// corner button, a line edit's clear button, the tab bar's arrows): that
// control answers for it.
bool isPartOfAnother(const QWidget *w)
{
    for (const QWidget *p = w->parentWidget(); p; p = p->parentWidget()) {
        if (qobject_cast<const QAbstractItemView *>(p) || qobject_cast<const QAbstractSpinBox *>(p)
            || qobject_cast<const QComboBox *>(p) || qobject_cast<const QLineEdit *>(p)
            || qobject_cast<const QTabBar *>(p) || qobject_cast<const QTextEdit *>(p))
            return true;
    }
    return false;
}

bool isControl(const QWidget *w)
{
    if (auto label = qobject_cast<const QLabel *>(w)) // text that might be cut off
        return !label->wordWrap() && !label->text().isEmpty() && label->pixmap().isNull();
    return qobject_cast<const QAbstractButton *>(w) || qobject_cast<const QLineEdit *>(w)
        || qobject_cast<const QComboBox *>(w) || qobject_cast<const QAbstractSpinBox *>(w)
        || qobject_cast<const QAbstractItemView *>(w) || qobject_cast<const QTextEdit *>(w)
        || w->objectName() == u"chartView"_s;
}

// The controls of the window as shown now (the current tab's and the header's).
QList<QWidget *> visibleControls(const QWidget &window, const QWidget *under = nullptr)
{
    QList<QWidget *> controls;
    for (QWidget *w : window.findChildren<QWidget *>()) {
        if (w->isVisible() && isControl(w) && !isPartOfAnother(w)
            && (!under || under->isAncestorOf(w)))
            controls.append(w);
    }
    return controls;
}

QRect inWindow(const QWidget *w)
{
    return QRect(w->mapTo(w->window(), QPoint(0, 0)), w->size());
}

// The scroll area a widget is shown in, if any: what it holds may be
// scrolled out of view, and takes its place in the window's reading order.
const QScrollArea *scrolledIn(const QWidget *w)
{
    for (const QWidget *p = w->parentWidget(); p; p = p->parentWidget()) {
        if (auto scroll = qobject_cast<const QScrollArea *>(p))
            return scroll;
    }
    return nullptr;
}

// Reading order: a row above comes first; in the same row, the left one.
bool readsBefore(const QRect &ra, const QRect &rb)
{
    if (ra.bottom() < rb.top())
        return true;
    if (rb.bottom() < ra.top())
        return false;
    return ra.left() < rb.left();
}

bool hasBuddy(const QWidget &window, const QWidget *w)
{
    const QList<QLabel *> labels = window.findChildren<QLabel *>();
    return std::any_of(labels.cbegin(), labels.cend(), [w](const QLabel *label) {
        return label->buddy() == w && !label->text().isEmpty();
    });
}

// What a screen reader can say of a control: its accessible name, a
// button's text, or the label that names it as its buddy.
bool isNamed(const QWidget &window, const QWidget *w)
{
    const auto button = qobject_cast<const QAbstractButton *>(w);
    return !w->accessibleName().isEmpty() || (button && !button->text().isEmpty())
        || hasBuddy(window, w);
}

} // namespace

namespace {

// Tab from the first control in `within` visits every control of it that
// takes the focus, in reading order.
void checkTabOrder(QWidget *within, const QString &name)
{
    QList<QWidget *> expected;
    for (QWidget *w : visibleControls(*within->window(), within)) {
        if (w->isEnabled() && (w->focusPolicy() & Qt::TabFocus) && !w->focusProxy())
            expected.append(w);
    }
    QVERIFY2(!expected.isEmpty(), qPrintable(name));
    // Where they are before Tab scrolls any of them into view.
    // A scroll area's controls read where the area is, then in their own order.
    QHash<const QWidget *, std::pair<QRect, QRect>> at;
    for (const QWidget *w : std::as_const(expected)) {
        const QScrollArea *scroll = scrolledIn(w);
        at.insert(w, {scroll ? inWindow(scroll) : inWindow(w), inWindow(w)});
    }
    const auto before = [&at](const QWidget *a, const QWidget *b) {
        const auto [blockA, rectA] = at.value(a);
        const auto [blockB, rectB] = at.value(b);
        return blockA != blockB ? readsBefore(blockA, blockB) : readsBefore(rectA, rectB);
    };
    std::stable_sort(expected.begin(), expected.end(), before);
    expected.first()->setFocus(Qt::TabFocusReason);
    QCOMPARE(QApplication::focusWidget(), expected.first());
    QList<QWidget *> visited {expected.first()};
    for (int i = 0; i < 200 && visited.size() < expected.size(); ++i) {
        QTest::keyClick(QApplication::focusWidget(), Qt::Key_Tab);
        QWidget *now = QApplication::focusWidget();
        if (now == expected.first())
            break; // round the whole window
        if (within->isAncestorOf(now) && !visited.contains(now))
            visited.append(now);
    }
    QStringList got, want;
    for (const QWidget *w : std::as_const(visited))
        got << describe(w);
    for (const QWidget *w : std::as_const(expected))
        want << describe(w);
    QVERIFY2(
        visited.size() == expected.size(),
        qPrintable(u"%1: visited %2\nof %3"_s.arg(name, got.join(u", "_s), want.join(u", "_s))));
    for (qsizetype i = 1; i < visited.size(); ++i) {
        QVERIFY2(
            before(visited.at(i - 1), visited.at(i)),
            qPrintable(u"%1: %2 comes after %3\nvisited %4"_s.arg(
                name, describe(visited.at(i)), describe(visited.at(i - 1)), got.join(u", "_s))));
    }
}

} // namespace

namespace {

// A dataset with two filter columns for New export.
void addDataset(FakeService &service)
{
    sluice::service::DatasetInfo orders;
    orders.name = u"orders"_s;
    orders.columns = {u"time"_s, u"country"_s, u"status"_s};
    orders.filterColumns = {u"country"_s, u"status"_s};
    orders.timeColumn = u"time"_s;
    orders.ready = true;
    orders.firstDay = QDate(2026, 1, 1);
    orders.lastDay = QDate(2026, 1, 31);
    service.datasets = {orders};
}

// An unfinished resumable upload, so that the Uploads tab shows its table.
void addUnfinishedUpload(FakeService &service)
{
    sluice::upload::ResumableInfo upload;
    upload.id = u"u0123456789abcdef0123456789abcdef"_s;
    upload.name = u"backup.tar"_s;
    upload.account = u"alice"_s;
    upload.length = 4'000'000;
    upload.offset = 1'000'000;
    upload.expires = QDateTime::currentDateTimeUtc().addSecs(3'600 * 20);
    service.resumable.append(upload);
}

// Rows in the Jobs and Events tables (a table with rows keeps Tab for its
// cells unless told not to), and in the unfinished uploads' table.
void addJobsAndEvents(FakeService &service)
{
    const QDateTime now = QDateTime::currentDateTimeUtc();
    const sluice::jobs::JobState states[]
        = {sluice::jobs::JobState::Queued,    sluice::jobs::JobState::Running,
           sluice::jobs::JobState::Succeeded, sluice::jobs::JobState::Failed,
           sluice::jobs::JobState::Cancelled, sluice::jobs::JobState::Expired};
    for (int i = 0; i < 6; ++i) {
        sluice::jobs::JobRecord job;
        job.id = u"job-%1"_s.arg(i);
        job.kind = u"export"_s;
        job.owner = u"alice"_s;
        job.state = states[i];
        job.createdAt = now.addSecs(-60 * i);
        if (job.state == sluice::jobs::JobState::Failed)
            job.lastError = u"dataset \"orders\" is not readable"_s;
        service.jobs.append(job);
    }
    for (const QString &kind : {u"rejected"_s, u"limits_changed"_s, u"retry"_s}) {
        sluice::metrics::Event event;
        event.time = now;
        event.kind = kind;
        event.jobId = u"job-3"_s;
        event.detail = u"a detail"_s;
        service.events.append(event);
    }
    addUnfinishedUpload(service);
}

// The colour of the Stop button's sign, in its middle.
QColor stopSign(const MainWindow &window)
{
    auto stop = window.findChild<QPushButton *>(u"stopButton"_s);
    if (!stop)
        qFatal("no stopButton");
    return stop->icon().pixmap(16).toImage().pixelColor(8, 8);
}

QString addressText(const MainWindow &window)
{
    auto address = window.findChild<QLabel *>(u"addressLabel"_s);
    if (!address)
        qFatal("no addressLabel");
    return address->text();
}

} // namespace

class tst_Looks : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void cleanup();
    void coloursAreReadable_data();
    void coloursAreReadable();
    void switchingRecoloursLiveWindow();
    void appearanceIsRemembered();
    void fitsAt1280x800();
    void everyControlHasAName();
    void tabFollowsReadingOrder();
    void tabSwitchFocusesThePage();
    void newExportDialogFitsAndReads();
    void openDialogsFollowTheAppearance();
    void grabs_data();
    void grabs();

private:
    QSettings settings() const { return QSettings(u"Sluice"_s, u"sluice"_s); }
};

void tst_Looks::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    settings().clear();
}

void tst_Looks::cleanup()
{
    sluice::ui::applyAppearance(Appearance::System);
    settings().clear();
}

void tst_Looks::coloursAreReadable_data()
{
    QTest::addColumn<Appearance>("appearance");
    QTest::addRow("light") << Appearance::Light;
    QTest::addRow("dark") << Appearance::Dark;
}

void tst_Looks::coloursAreReadable()
{
    QFETCH(Appearance, appearance);
    sluice::ui::applyAppearance(appearance);
    const QPalette palette = QApplication::palette();
    const bool dark = appearance == Appearance::Dark;
    QCOMPARE(sluice::ui::isDark(palette), dark);
    const StateColours c = sluice::ui::coloursFor(palette);
    QCOMPARE(c.dark, dark);

    const QColor base = palette.color(QPalette::Base);
    const QColor window = palette.color(QPalette::Window);
    const auto check = [&](const char *name, const QColor &color, const QColor &on, double min) {
        const double ratio = contrast(color, on);
        QVERIFY2(ratio >= min,
                 qPrintable(u"%1 %2 on %3: %4:1, below %5:1"_s
                                .arg(QString::fromLatin1(name), color.name(), on.name())
                                .arg(ratio, 0, 'f', 2)
                                .arg(min)));
    };
    // The palette's own text.
    check("Text", palette.color(QPalette::Text), base, 4.5);
    check("WindowText", palette.color(QPalette::WindowText), window, 4.5);
    // Text in tables (Base) and labels (Window).
    for (const QColor &on : {base, window}) {
        check("errorText", c.errorText, on, 4.5);
        check("warningText", c.warningText, on, 4.5);
        check("infoText", c.infoText, on, 4.5);
        // Job states are told in these colours in the table too.
        check("good", c.good, on, 4.5);
        check("busy", c.busy, on, 4.5);
        check("idle", c.idle, on, 4.5);
        // The service's dot.
        check("bad", c.bad, on, 3);
    }
    check("warning tile", c.warningOnBackground, c.warningBackground, 4.5);
    check("critical tile", c.criticalOnBackground, c.criticalBackground, 4.5);
    check("changed limit", palette.color(QPalette::Text), c.changedBackground, 4.5);
    check("invalid limit", palette.color(QPalette::Text), c.invalidBackground, 4.5);
    check("invalid border", c.invalidBorder, base, 3);
    check("chart text", c.chartText, c.chartBackground, 4.5);
    QVERIFY(!c.series.isEmpty());
    for (const QColor &series : c.series)
        check("series", series, c.chartBackground, 3);

    // And a live chart draws with them.
    FakeService service;
    MainWindow mainWindow(service);
    // Nothing remembered: the window keeps what the program chose (screenshots do).
    QCOMPARE(sluice::ui::currentAppearance(), appearance);
    QCoreApplication::processEvents();
    auto chart = mainWindow.dashboard()->findChild<sluice::ui::TimeSeriesChart *>();
    QVERIFY(chart);
    QCOMPARE(chart->backgroundColor(), c.chartBackground);
    QCOMPARE(chart->labelColor(), c.chartText);
    QCOMPARE(chart->backgroundColor().lightness() < 128, dark);
    QCOMPARE(chart->labelColor().lightness() > 128, dark);
    QCOMPARE(chart->seriesColor(chart->seriesKeys().first()), c.series.first());
}

// The operator switches while the window is open: charts, tiles and the
// header's dot change with it.
void tst_Looks::switchingRecoloursLiveWindow()
{
    FakeService service;
    MainWindow window(service);
    service.publish(makeStatus(sluice::service::ServiceState::Running)); // an address link
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    auto chart = window.dashboard()->findChild<sluice::ui::TimeSeriesChart *>();
    QVERIFY(chart);
    auto tile = window.dashboard()->findChild<sluice::ui::SummaryTile *>();
    QVERIFY(tile);
    tile->setLevel(sluice::ui::SummaryTile::Level::Critical, u"test"_s);

    auto menuAction = [&window](const char *name) {
        auto action = window.findChild<QAction *>(QString::fromLatin1(name));
        if (!action)
            qFatal("no action %s", name);
        return action;
    };
    // The new palette reaches the widgets through the event loop.
    auto choose = [&](const char *name) {
        menuAction(name)->trigger();
        QCoreApplication::processEvents();
    };
    choose("appearancelightAction");
    QVERIFY(chart->backgroundColor().lightness() > 128);
    const QColor lightSeries = chart->seriesColor(chart->seriesKeys().first());
    QCOMPARE(tile->palette().color(QPalette::Window),
             sluice::ui::coloursFor(QApplication::palette()).criticalBackground);

    choose("appearancedarkAction");
    QVERIFY(menuAction("appearancedarkAction")->isChecked());
    const StateColours dark = sluice::ui::coloursFor(QApplication::palette());
    QVERIFY(dark.dark);
    QVERIFY(chart->backgroundColor().lightness() < 128);
    QVERIFY(chart->labelColor().lightness() > 128);
    QCOMPARE(chart->backgroundColor(), dark.chartBackground);
    QVERIFY(chart->seriesColor(chart->seriesKeys().first()) != lightSeries);
    QCOMPARE(tile->palette().color(QPalette::Window), dark.criticalBackground);
    QCOMPARE(tile->palette().color(QPalette::WindowText), dark.criticalOnBackground);
    // The header's error text.
    auto error = window.findChild<QLabel *>(u"errorLabel"_s);
    QVERIFY(error);
    QCOMPARE(error->palette().color(QPalette::WindowText), dark.errorText);
    // The Start/Stop signs and the address link in the new colours (they
    // kept the old ones: drawn from a child's palette not updated yet, and a
    // QLabel that ignores the same text set again).
    QCOMPARE(stopSign(window), QApplication::palette().color(QPalette::ButtonText));
    QVERIFY2(addressText(window).contains(QApplication::palette().color(QPalette::Link).name()),
             qPrintable(addressText(window)));

    choose("appearancelightAction");
    QVERIFY(chart->backgroundColor().lightness() > 128);
    QCOMPARE(chart->seriesColor(chart->seriesKeys().first()), lightSeries);
    QCOMPARE(stopSign(window), QApplication::palette().color(QPalette::ButtonText));
    QVERIFY2(addressText(window).contains(QApplication::palette().color(QPalette::Link).name()),
             qPrintable(addressText(window)));
}

void tst_Looks::appearanceIsRemembered()
{
    {
        FakeService service;
        MainWindow window(service);
        window.findChild<QAction *>(u"appearancedarkAction"_s)->trigger();
    }
    QCOMPARE(settings().value(u"mainWindow/appearance"_s).toString(), u"dark"_s);
    sluice::ui::applyAppearance(Appearance::System);
    FakeService service;
    MainWindow window(service);
    QCOMPARE(sluice::ui::currentAppearance(), Appearance::Dark);
    QVERIFY(sluice::ui::isDark(QApplication::palette()));
    QVERIFY(window.findChild<QAction *>(u"appearancedarkAction"_s)->isChecked());
    // The header followed it too, although it was applied while the window was made.
    QCOMPARE(stopSign(window), QApplication::palette().color(QPalette::ButtonText));
}

// At 1280×800 every control of every tab is in the window, as wide as it
// needs to be for its text.
void tst_Looks::fitsAt1280x800()
{
    FakeService service(u"q8Jx2vR7mT0pLw4nZc9yHs5dKb3gFa6eUi1oNj8tVr2"_s);
    MainWindow window(service);
    service.publish(makeStatus(sluice::service::ServiceState::Running));
    // Long figures in every tile.
    sluice::metrics::Sample sample;
    sample.timeMs = QDateTime::currentMSecsSinceEpoch();
    sample.residentBytes = 987LL * 1024 * 1024;
    sample.openFds = 12'345;
    sample.maxFds = 1'048'576;
    sample.diskFreeBytes = 987LL * 1024 * 1024 * 1024;
    sample.tempFiles = 1'234;
    sample.tempBytes = 987LL * 1024 * 1024;
    sample.resultBytes = 987LL * 1024 * 1024;
    sample.connections = 1'234;
    sample.requestsInFlight = 1'234;
    sample.requestsPerSecond = 12'345;
    sample.bytesInPerSecond = 987.0 * 1024 * 1024;
    sample.bytesOutPerSecond = 987.0 * 1024 * 1024;
    sample.jobsByState.insert(u"queued"_s, 12'345);
    sample.jobsRunning = 1'234;
    sample.oldestQueuedAgeMs = 12 * 3'600'000 + 34 * 60'000;
    sample.longestRunningMs = 12 * 3'600'000 + 34 * 60'000;
    service.sample(sample);
    const QSize hint = window.minimumSizeHint();
    QVERIFY2(hint.width() <= 1280 && hint.height() <= 800,
             qPrintable(u"%1×%2"_s.arg(hint.width()).arg(hint.height())));
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QCOMPARE(window.size(), QSize(1280, 800));
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.tabs()->setCurrentIndex(tab);
        QCoreApplication::processEvents();
        const QString page = window.tabs()->tabText(tab).remove(u'&');
        for (const QWidget *w : visibleControls(window)) {
            QRect r = inWindow(w);
            if (const QScrollArea *scroll = scrolledIn(w)) {
                // Scrolled into view when needed, but never sideways.
                const QRect viewport = inWindow(scroll->viewport());
                QVERIFY2(
                    r.left() >= viewport.left() && r.right() <= viewport.right(),
                    qPrintable(u"%1: %2 is wider than its scroll area"_s.arg(page, describe(w))));
                r.moveTop(viewport.top());
                r.setHeight(std::min(r.height(), viewport.height()));
            }
            QVERIFY2(
                window.rect().contains(r),
                qPrintable(u"%1: %2 at %3,%4 %5×%6 is outside the window"_s.arg(page, describe(w))
                               .arg(r.x())
                               .arg(r.y())
                               .arg(r.width())
                               .arg(r.height())));
            if (qobject_cast<const QAbstractButton *>(w) || qobject_cast<const QComboBox *>(w)
                || qobject_cast<const QLabel *>(w)) {
                QVERIFY2(
                    w->width() >= w->minimumSizeHint().width(),
                    qPrintable(u"%1: %2 is clipped (%3 wide, needs %4)"_s.arg(page, describe(w))
                                   .arg(w->width())
                                   .arg(w->minimumSizeHint().width())));
            }
        }
    }
}

void tst_Looks::everyControlHasAName()
{
    FakeService service(u"q8Jx2vR7mT0pLw4nZc9yHs5dKb3gFa6eUi1oNj8tVr2"_s);
    addUnfinishedUpload(service);
    MainWindow window(service);
    service.publish(makeStatus(sluice::service::ServiceState::Running));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.tabs()->setCurrentIndex(tab);
        QCoreApplication::processEvents();
        QWidget *page = window.tabs()->widget(tab);
        QVERIFY2(!page->accessibleName().isEmpty(), qPrintable(describe(page)));
        for (const QWidget *w : visibleControls(window)) {
            if (qobject_cast<const QLabel *>(w))
                continue; // a label says its text
            QVERIFY2(isNamed(window, w),
                     qPrintable(u"%1: %2 has no name"_s.arg(
                         window.tabs()->tabText(tab).remove(u'&'), describe(w))));
        }
    }
}

// Tab from the first control of a page visits every control of it that
// takes the focus, in reading order.
void tst_Looks::tabFollowsReadingOrder()
{
    FakeService service;
    addJobsAndEvents(service);
    MainWindow window(service);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.tabs()->setCurrentIndex(tab);
        QCoreApplication::processEvents();
        QWidget *page = window.tabs()->widget(tab);
        const QString name = window.tabs()->tabText(tab).remove(u'&');
        checkTabOrder(page, name);
        if (QTest::currentTestFailed())
            return;
    }
}

// Ctrl+2 and the like: the focus lands in the page, on its table or field.
void tst_Looks::tabSwitchFocusesThePage()
{
    FakeService service;
    MainWindow window(service);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.findChild<QAction *>(u"viewTab%1Action"_s.arg(tab + 1))->trigger();
        QCoreApplication::processEvents();
        QWidget *page = window.tabs()->widget(tab);
        QWidget *focus = QApplication::focusWidget();
        QVERIFY2(focus && page->isAncestorOf(focus),
                 qPrintable(u"%1: focus on %2"_s.arg(window.tabs()->tabText(tab),
                                                     focus ? describe(focus) : u"nothing"_s)));
        QVERIFY2(qobject_cast<QAbstractItemView *>(focus) || qobject_cast<QLineEdit *>(focus)
                     || qobject_cast<QComboBox *>(focus),
                 qPrintable(describe(focus)));
    }
}

// The New export dialog from the Jobs tab: it fits, names its fields
// (buddies), and Tab goes down the form to its buttons.
void tst_Looks::newExportDialogFitsAndReads()
{
    FakeService service;
    addDataset(service);
    MainWindow window(service);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QAction *>(u"newExportAction"_s)->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<QDialog *>(u"newExportDialog"_s))
                && dialog->isVisible());
    QTRY_VERIFY(dialog->findChild<QLineEdit *>(u"exportFilter_status"_s));
    QVERIFY(QTest::qWaitForWindowActive(dialog));
    QCoreApplication::processEvents();
    QVERIFY2(dialog->width() <= 1280 && dialog->height() <= 800,
             qPrintable(u"%1×%2"_s.arg(dialog->width()).arg(dialog->height())));
    for (const QWidget *w : visibleControls(*dialog)) {
        QVERIFY2(dialog->rect().contains(inWindow(w)), qPrintable(describe(w)));
        if (qobject_cast<const QLabel *>(w))
            continue;
        QVERIFY2(isNamed(*dialog, w), qPrintable(u"%1 has no name"_s.arg(describe(w))));
    }
    checkTabOrder(dialog, u"New export"_s);
    dialog->reject();
}

// The appearance may change under an open dialog (the desktop's scheme in
// System mode): its error lines take the new palette's colour; they kept
// the old scheme's red, set once.
void tst_Looks::openDialogsFollowTheAppearance()
{
    const auto errorColour = [] {
        return sluice::ui::coloursFor(QApplication::palette()).errorText.name();
    };
    sluice::ui::applyAppearance(Appearance::Light);
    FakeService service;
    addDataset(service);
    service.estimate = {false, 0, false, u"'to' (2025-03-01) is before 'from' (2025-03-10)"_s};
    sluice::ui::NewExportDialog exportDialog(service);
    exportDialog.show();
    auto estimate = exportDialog.findChild<QLabel *>(u"exportEstimate"_s);
    QVERIFY(estimate);
    QTRY_VERIFY(estimate->styleSheet().contains(errorColour()));
    sluice::ui::CredentialStore credentials;
    sluice::ui::ConnectDialog connectDialog(credentials);
    connectDialog.show();
    auto problem = connectDialog.findChild<QLabel *>(u"urlProblem"_s);
    QVERIFY(problem);
    QCOMPARE(problem->palette().color(QPalette::WindowText).name(), errorColour());

    sluice::ui::applyAppearance(Appearance::Dark);
    QCoreApplication::processEvents();
    QTRY_VERIFY2(estimate->styleSheet().contains(errorColour()),
                 qPrintable(estimate->styleSheet()));
    QCOMPARE(problem->palette().color(QPalette::WindowText).name(), errorColour());
}

void tst_Looks::grabs_data()
{
    coloursAreReadable_data();
}

// Not a check: every tab at 1280×800 as PNGs in $SLUICE_LOOKS_GRABS, to look
// at (run once more with QT_SCALE_FACTOR=2 for the 2x window).
void tst_Looks::grabs()
{
    const QString out = qEnvironmentVariable("SLUICE_LOOKS_GRABS");
    if (out.isEmpty())
        QSKIP("SLUICE_LOOKS_GRABS names no folder");
    QFETCH(Appearance, appearance);
    sluice::ui::applyAppearance(appearance);
    FakeService service(u"q8Jx2vR7mT0pLw4nZc9yHs5dKb3gFa6eUi1oNj8tVr2"_s);
    addJobsAndEvents(service);
    addDataset(service);
    MainWindow window(service);
    service.publish(makeStatus(sluice::service::ServiceState::Running));
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const qint64 start = QDateTime::currentMSecsSinceEpoch() - 60'000;
    for (int i = 0; i < 60; ++i) {
        sluice::metrics::Sample s;
        s.timeMs = start + i * 1'000;
        s.residentBytes = (80 + i % 7) * 1024 * 1024;
        s.openFds = 40 + i % 5;
        s.maxFds = 1024;
        s.diskFreeBytes = 20LL * 1024 * 1024 * 1024;
        s.connections = i % 4;
        s.requestsPerSecond = 10 + i % 9;
        s.bytesInPerSecond = (i % 10) * 200'000.0;
        s.jobsByState.insert(u"queued"_s, i % 3);
        s.jobsByState.insert(u"failed"_s, 1);
        service.sample(s);
    }
    QTest::qWait(300);
    const QString name = QString::fromLatin1(QTest::currentDataTag());
    for (int tab = 0; tab < window.tabs()->count(); ++tab) {
        window.tabs()->setCurrentIndex(tab);
        QTest::qWait(100);
        const QString file = u"%1/%2-%3.png"_s.arg(out, name).arg(tab);
        QVERIFY2(window.grab().save(file), qPrintable(file));
    }
    window.findChild<QAction *>(u"newExportAction"_s)->trigger();
    QDialog *dialog = nullptr;
    QTRY_VERIFY((dialog = window.findChild<QDialog *>(u"newExportDialog"_s))
                && dialog->isVisible());
    QTest::qWait(200);
    QVERIFY(dialog->grab().save(u"%1/%2-newexport.png"_s.arg(out, name)));
    dialog->reject();
}

QTEST_MAIN(tst_Looks)
#include "tst_looks.moc"
