#pragma once

#include "service/servicefacade.h"

#include <QStyledItemDelegate>
#include <QWidget>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QTableView;
QT_END_NAMESPACE

namespace sluice::ui {

class TransfersModel;

// Paints a push button in its cell and reports clicks on it.
class ButtonDelegate final : public QStyledItemDelegate
{
    Q_OBJECT
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;
    bool editorEvent(QEvent *event, QAbstractItemModel *model, const QStyleOptionViewItem &option,
                     const QModelIndex &index) override;

signals:
    void clicked(const QModelIndex &index);
};

// Requests in flight (uploads and live exports once they exist, and any
// other), with an Abort per row that closes the connection.
class TransfersPage final : public QWidget
{
    Q_OBJECT
public:
    explicit TransfersPage(service::ServiceFacade &service, QWidget *parent = nullptr);
    TransfersModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    // Abort asks first (a cut upload or download cannot be resumed); tests
    // may turn the question off.
    void setConfirmAborts(bool confirm) { m_confirmAborts = confirm; }

private:
    void abortRow(int row);
    // The connections of `rows`, once the operator said yes.
    void abortTransfers(const QList<http::Transfer> &transfers);

    service::ServiceFacade &m_service;
    TransfersModel *m_model;
    QTableView *m_view;
    QLabel *m_summary;
    QAction *m_abort;
    bool m_confirmAborts = true;
};

} // namespace sluice::ui
