#include "servicestate.h"

#include <QPainter>

namespace sluice::ui {

using service::ServiceState;

QColor serviceStateColor(ServiceState state, const QPalette &palette)
{
    switch (state) {
    case ServiceState::Running:
        return QColor(0x2e, 0x9d, 0x46);
    case ServiceState::Starting:
    case ServiceState::Stopping:
        return QColor(0xe0, 0x9b, 0x12);
    case ServiceState::Failed:
        return QColor(0xd3, 0x2f, 0x2f);
    case ServiceState::Stopped:
        break;
    }
    return palette.color(QPalette::Disabled, QPalette::WindowText);
}

QPixmap serviceStateDot(const QColor &color, int size, qreal devicePixelRatio)
{
    QPixmap pixmap(QSize(size, size) * devicePixelRatio);
    pixmap.setDevicePixelRatio(devicePixelRatio);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setPen(color.darker(130));
    painter.setBrush(color);
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1));
    return pixmap;
}

QIcon serviceStateIcon(const QIcon &base, ServiceState state, const QPalette &palette)
{
    QIcon icon;
    for (const int size : {16, 22, 24, 32, 48, 64}) {
        QPixmap pixmap = base.pixmap(size);
        if (pixmap.isNull()) {
            pixmap = QPixmap(size, size);
            pixmap.fill(Qt::transparent);
        }
        QPainter painter(&pixmap);
        const int dot = std::max(6, size * 7 / 16);
        painter.drawPixmap(size - dot, size - dot,
                           serviceStateDot(serviceStateColor(state, palette), dot, 1.0));
        painter.end();
        icon.addPixmap(pixmap);
    }
    return icon;
}

} // namespace sluice::ui
