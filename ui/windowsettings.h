#pragma once

#include <QString>

// Where the operator's window keeps what it remembers (QSettings).
namespace sluice::ui::windowsettings {

inline QString organization()
{
    return QStringLiteral("Sluice");
}
inline QString application()
{
    return QStringLiteral("sluice");
}
inline QString geometryKey()
{
    return QStringLiteral("mainWindow/geometry");
}
inline QString tabKey()
{
    return QStringLiteral("mainWindow/tab");
}
// Closing the window while the embedded service runs: true keeps it in the tray.
inline QString closeKeepsServiceInTrayKey()
{
    return QStringLiteral("mainWindow/closeKeepsServiceInTray");
}

// View > Appearance: "system", "light" or "dark" (ui/appearance.h).
inline QString appearanceKey()
{
    return QStringLiteral("mainWindow/appearance");
}

} // namespace sluice::ui::windowsettings
