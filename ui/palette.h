#pragma once

#include <QColor>
#include <QList>

QT_BEGIN_NAMESPACE
class QPalette;
QT_END_NAMESPACE

namespace sluice::ui {

// Every colour the window adds to its palette's own, in one place: a set for
// a light palette and one for a dark one, each readable on its background
// (WCAG 2: text at least 4.5:1 against Base and Window, dots and lines 3:1;
// tst_looks measures them). Which set comes from the palette's Window colour,
// so a widget that asks again on QEvent::PaletteChange follows the operator's
// choice (View > Appearance) or the desktop's.
struct StateColours
{
    bool dark = false;
    // Dots and lines: the service's and a connection's state.
    QColor good; // running, succeeded
    QColor busy; // starting, stopping, cancelled
    QColor bad; // failed
    QColor idle; // stopped, queued, expired
    // Text on Base or Window.
    QColor errorText; // failed events and jobs, errors to act on
    QColor warningText; // an estimate over a soft limit
    QColor infoText; // limits changed, a link to a job, a running job
    // A tile past a threshold: its background and its text.
    QColor warningBackground;
    QColor warningOnBackground;
    QColor criticalBackground;
    QColor criticalOnBackground;
    // The limits editor's fields: changed and not yet applied, or invalid
    // (their text stays the palette's Text).
    QColor changedBackground;
    QColor invalidBackground;
    QColor invalidBorder;
    // Charts: the plot's background, its title, labels and legend, the grid,
    // and the series in the order they are added.
    QColor chartBackground;
    QColor chartText;
    QColor chartGrid;
    QList<QColor> series;
};

// Whether a palette is a dark one (light text on a dark window).
bool isDark(const QPalette &palette);
StateColours coloursFor(const QPalette &palette);
// The application's palette's colours (for item models, which have no widget).
StateColours currentColours();

} // namespace sluice::ui
