#pragma once

#include "service/servicefacade.h"

#include <QColor>
#include <QIcon>
#include <QPalette>
#include <QPixmap>

namespace sluice::ui {

// How a service state looks wherever the window shows it (the Service box,
// the tray): green running, amber between states, red failed, grey stopped.
// The state is always also said in words beside it; colour is never alone.
QColor serviceStateColor(service::ServiceState state, const QPalette &palette);
QPixmap serviceStateDot(const QColor &color, int size, qreal devicePixelRatio);
// The application's icon with the state's dot in its lower right corner.
QIcon serviceStateIcon(const QIcon &base, service::ServiceState state, const QPalette &palette);

} // namespace sluice::ui
