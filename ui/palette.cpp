#include "palette.h"

#include <QGuiApplication>
#include <QPalette>

namespace sluice::ui {

namespace {

StateColours lightColours()
{
    StateColours c;
    c.good = QColor(0x27, 0x70, 0x2b);
    c.busy = QColor(0x8f, 0x53, 0x00);
    c.bad = QColor(0xc6, 0x28, 0x28);
    c.idle = QColor(0x64, 0x64, 0x64);
    c.errorText = QColor(0xb0, 0x00, 0x20);
    c.warningText = QColor(0x8a, 0x5a, 0x00);
    c.infoText = QColor(0x1f, 0x5f, 0xb4);
    c.warningBackground = QColor(0xff, 0xf0, 0xc2);
    c.warningOnBackground = QColor(0x6b, 0x47, 0x00);
    c.criticalBackground = QColor(0xfb, 0xd5, 0xd5);
    c.criticalOnBackground = QColor(0x8b, 0x1a, 0x1a);
    c.changedBackground = QColor(0xff, 0xf6, 0xd6);
    c.invalidBackground = QColor(0xfb, 0xd5, 0xd5);
    c.invalidBorder = QColor(0xc6, 0x28, 0x28);
    c.chartGrid = QColor(0xd6, 0xd6, 0xd6);
    c.series = {QColor(0x1f, 0x77, 0xb4), QColor(0xd9, 0x5f, 0x02), QColor(0xc6, 0x28, 0x28),
                QColor(0x27, 0x70, 0x2b), QColor(0x7b, 0x4f, 0xae)};
    return c;
}

StateColours darkColours()
{
    StateColours c;
    c.dark = true;
    c.good = QColor(0x5c, 0xc9, 0x6b);
    c.busy = QColor(0xf0, 0xb4, 0x3c);
    c.bad = QColor(0xff, 0x6b, 0x6b);
    c.idle = QColor(0x9a, 0x9a, 0x9a);
    c.errorText = QColor(0xff, 0x80, 0x80);
    c.warningText = QColor(0xf0, 0xc0, 0x60);
    c.infoText = QColor(0x6c, 0xb4, 0xff);
    c.warningBackground = QColor(0x4a, 0x3b, 0x10);
    c.warningOnBackground = QColor(0xff, 0xe0, 0x8a);
    c.criticalBackground = QColor(0x5a, 0x20, 0x20);
    c.criticalOnBackground = QColor(0xff, 0xc4, 0xc4);
    c.changedBackground = QColor(0x4a, 0x40, 0x20);
    c.invalidBackground = QColor(0x5a, 0x24, 0x24);
    c.invalidBorder = QColor(0xff, 0x6b, 0x6b);
    c.chartGrid = QColor(0x48, 0x48, 0x4c);
    c.series = {QColor(0x5a, 0xa9, 0xe6), QColor(0xff, 0x9f, 0x43), QColor(0xff, 0x6b, 0x6b),
                QColor(0x5c, 0xc9, 0x6b), QColor(0xb6, 0x92, 0xf6)};
    return c;
}

} // namespace

bool isDark(const QPalette &palette)
{
    return palette.color(QPalette::Window).lightness() < 128;
}

StateColours coloursFor(const QPalette &palette)
{
    StateColours c = isDark(palette) ? darkColours() : lightColours();
    // The chart is a part of the window: its plot on Base, its text the Text.
    c.chartBackground = palette.color(QPalette::Base);
    c.chartText = palette.color(QPalette::Text);
    return c;
}

StateColours currentColours()
{
    return coloursFor(QGuiApplication::palette());
}

} // namespace sluice::ui
