#include "servicestate.h"

#include "palette.h"

#include <QPainter>

namespace sluice::ui {

using service::ServiceState;

QColor serviceStateColor(ServiceState state, const QPalette &palette)
{
    const StateColours colors = coloursFor(palette);
    switch (state) {
    case ServiceState::Running:
        return colors.good;
    case ServiceState::Starting:
    case ServiceState::Stopping:
        return colors.busy;
    case ServiceState::Failed:
        return colors.bad;
    case ServiceState::Stopped:
        break;
    }
    return colors.idle;
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

QIcon serviceCommandIcon(ServiceCommand command, const QPalette &palette)
{
    QIcon icon;
    for (const QIcon::Mode mode : {QIcon::Normal, QIcon::Disabled}) {
        const QColor color = palette.color(
            mode == QIcon::Disabled ? QPalette::Disabled : QPalette::Active, QPalette::ButtonText);
        for (const int size : {16, 24, 32, 48, 64}) {
            QPixmap pixmap(size, size);
            pixmap.fill(Qt::transparent);
            QPainter painter(&pixmap);
            painter.setRenderHint(QPainter::Antialiasing);
            painter.setPen(Qt::NoPen);
            painter.setBrush(color);
            const qreal m = size * 0.2;
            if (command == ServiceCommand::Start) {
                painter.drawPolygon(QPolygonF({QPointF(m * 1.3, m), QPointF(size - m, size / 2.0),
                                               QPointF(m * 1.3, size - m)}));
            } else {
                painter.drawRect(QRectF(m, m, size - 2 * m, size - 2 * m));
            }
            painter.end();
            icon.addPixmap(pixmap, mode);
        }
    }
    return icon;
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
