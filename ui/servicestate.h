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
// The Start and Stop buttons' signs, in the palette's button text colour
// (the style's own are black, lost on a dark button), sharp at any scale.
enum class ServiceCommand { Start, Stop };
QIcon serviceCommandIcon(ServiceCommand command, const QPalette &palette);
QIcon serviceStateIcon(const QIcon &base, service::ServiceState state, const QPalette &palette);

} // namespace sluice::ui
