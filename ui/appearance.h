#pragma once

#include <QString>

QT_BEGIN_NAMESPACE
class QPalette;
QT_END_NAMESPACE

namespace sluice::ui {

// View > Appearance. Qt 6.4 cannot ask the desktop for a colour scheme, so
// an operator on a desktop without a dark theme chooses one here: Light and
// Dark are the Fusion style with a palette of its own, System is whatever
// style and palette the platform gave the application.
enum class Appearance { System, Light, Dark };

// Applies it to the whole application; every widget then gets
// QEvent::PaletteChange and recolours itself (ui/palette.h). Also for
// screenshots: applyAppearance(Appearance::Dark).
void applyAppearance(Appearance appearance);
// The one remembered in QSettings, if any: main() calls it before the first
// window or dialog, so that they all start in it.
void applySavedAppearance();
Appearance currentAppearance();
QPalette darkPalette();

// As remembered in QSettings (windowsettings::appearanceKey()).
QString toSettingsValue(Appearance appearance);
Appearance appearanceFromSettingsValue(const QString &value);

} // namespace sluice::ui
