#pragma once

#include <QStyledItemDelegate>

namespace sluice::ui {

// Paints a progress bar from a 0..1 role (negative: text only).
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    ProgressDelegate(int fractionRole, QObject *parent = nullptr)
        : QStyledItemDelegate(parent)
        , m_role(fractionRole)
    { }
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

private:
    int m_role;
};

} // namespace sluice::ui
