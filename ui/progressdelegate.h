#pragma once

#include <QStyledItemDelegate>

namespace sluice::ui {

// Paints a progress bar from a 0..1 role (negative: text only).
class ProgressDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    enum class BarText { Percent, CellText };

    // CellText: the bar says the cell's text ("40 B of 100 B") rather than "40%".
    ProgressDelegate(int fractionRole, QObject *parent = nullptr,
                     BarText barText = BarText::Percent)
        : QStyledItemDelegate(parent)
        , m_role(fractionRole)
        , m_barText(barText)
    { }
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;

private:
    int m_role;
    BarText m_barText;
};

} // namespace sluice::ui
