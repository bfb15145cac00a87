#include "appearance.h"

#include "windowsettings.h"

#include <QApplication>
#include <QPalette>
#include <QSettings>
#include <QStyle>
#include <QStyleFactory>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

Appearance g_current = Appearance::System;
QString g_systemStyle; // the platform's style, before the first change

} // namespace

QPalette darkPalette()
{
    const QColor window(0x2d, 0x2d, 0x30);
    const QColor base(0x1e, 0x1e, 0x1e);
    const QColor text(0xe6, 0xe6, 0xe6);
    const QColor disabledText(0x80, 0x80, 0x80);
    QPalette p(window);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(0x26, 0x26, 0x28));
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::PlaceholderText, QColor(0x9a, 0x9a, 0x9a));
    p.setColor(QPalette::Button, QColor(0x3a, 0x3a, 0x3d));
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, QColor(0xff, 0x6b, 0x6b));
    p.setColor(QPalette::Light, QColor(0x50, 0x50, 0x54));
    p.setColor(QPalette::Midlight, QColor(0x42, 0x42, 0x46));
    p.setColor(QPalette::Mid, QColor(0x30, 0x30, 0x33));
    p.setColor(QPalette::Dark, QColor(0x1a, 0x1a, 0x1c));
    p.setColor(QPalette::Shadow, QColor(0x0a, 0x0a, 0x0a));
    p.setColor(QPalette::Highlight, QColor(0x2f, 0x6f, 0xc0));
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, QColor(0x6c, 0xb4, 0xff));
    p.setColor(QPalette::LinkVisited, QColor(0xb6, 0x92, 0xf6));
    p.setColor(QPalette::ToolTipBase, QColor(0x3a, 0x3a, 0x3d));
    p.setColor(QPalette::ToolTipText, text);
    for (const auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
        p.setColor(QPalette::Disabled, role, disabledText);
    p.setColor(QPalette::Disabled, QPalette::Base, window);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(0x50, 0x50, 0x54));
    return p;
}

void applyAppearance(Appearance appearance)
{
    if (g_systemStyle.isEmpty())
        g_systemStyle = QApplication::style()->name();
    g_current = appearance;
    if (appearance == Appearance::System) {
        if (QStyle *style = QStyleFactory::create(g_systemStyle))
            QApplication::setStyle(style);
        // An empty palette: the style's and the platform's again.
        QApplication::setPalette(QPalette());
        return;
    }
    if (QApplication::style()->name().compare(u"fusion"_s, Qt::CaseInsensitive) != 0)
        QApplication::setStyle(QStyleFactory::create(u"Fusion"_s));
    QApplication::setPalette(
        appearance == Appearance::Dark ? darkPalette() : QApplication::style()->standardPalette());
}

void applySavedAppearance()
{
    const QSettings settings(windowsettings::organization(), windowsettings::application());
    const Appearance saved
        = appearanceFromSettingsValue(settings.value(windowsettings::appearanceKey()).toString());
    // "System" leaves what the program chose (screenshots: applyAppearance(Dark)).
    if (saved != Appearance::System && saved != g_current)
        applyAppearance(saved);
}

Appearance currentAppearance()
{
    return g_current;
}

QString toSettingsValue(Appearance appearance)
{
    switch (appearance) {
    case Appearance::Light:
        return u"light"_s;
    case Appearance::Dark:
        return u"dark"_s;
    case Appearance::System:
        break;
    }
    return u"system"_s;
}

Appearance appearanceFromSettingsValue(const QString &value)
{
    if (value == u"light"_s)
        return Appearance::Light;
    if (value == u"dark"_s)
        return Appearance::Dark;
    return Appearance::System;
}

} // namespace sluice::ui
