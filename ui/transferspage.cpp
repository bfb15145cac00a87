#include "transferspage.h"

#include "transfersmodel.h"

#include "metrics/sampleclock.h"

#include <QAction>
#include <QApplication>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QMouseEvent>
#include <QPainter>
#include <QPushButton>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

void ButtonDelegate::paint(QPainter *painter, const QStyleOptionViewItem &option,
                           const QModelIndex &index) const
{
    QStyleOptionButton button;
    button.rect = option.rect.adjusted(2, 2, -2, -2);
    button.text = index.data().toString();
    button.state = QStyle::State_Enabled | QStyle::State_Raised;
    const QWidget *widget = option.widget;
    QStyle *style = widget ? widget->style() : QApplication::style();
    style->drawControl(QStyle::CE_PushButton, &button, painter, widget);
}

QSize ButtonDelegate::sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const
{
    const QSize text = option.fontMetrics.size(Qt::TextSingleLine, index.data().toString());
    return text + QSize(24, 8);
}

bool ButtonDelegate::editorEvent(QEvent *event, QAbstractItemModel *,
                                 const QStyleOptionViewItem &option, const QModelIndex &index)
{
    if (event->type() == QEvent::MouseButtonRelease) {
        const auto *mouse = static_cast<QMouseEvent *>(event);
        if (mouse->button() == Qt::LeftButton
            && option.rect.contains(mouse->position().toPoint())) {
            emit clicked(index);
            return true;
        }
    }
    return false;
}

TransfersPage::TransfersPage(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_model(new TransfersModel(this))
    , m_view(new QTableView)
    , m_summary(new QLabel)
    , m_abort(new QAction(tr("&Abort"), this))
{
    m_view->setObjectName(u"transfersView"_s);
    m_view->setAccessibleName(tr("Requests in flight"));
    m_view->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->verticalHeader()->hide();
    m_view->setAlternatingRowColors(true);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(TransfersModel::Request, QHeaderView::Stretch);
    auto buttons = new ButtonDelegate(m_view);
    m_view->setItemDelegateForColumn(TransfersModel::Abort, buttons);
    connect(buttons, &ButtonDelegate::clicked, this,
            [this](const QModelIndex &index) { abortRow(index.row()); });

    m_abort->setObjectName(u"abortTransfersAction"_s);
    m_abort->setShortcut(QKeySequence::Delete);
    m_abort->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_abort->setToolTip(tr("Close the selected connections (Del)"));
    m_abort->setEnabled(false);
    m_view->addAction(m_abort);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    connect(m_abort, &QAction::triggered, this, [this] {
        QList<http::Transfer> transfers;
        for (const QModelIndex &row : m_view->selectionModel()->selectedRows())
            transfers.append(m_model->transfer(row.row()));
        abortTransfers(transfers);
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { m_abort->setEnabled(m_view->selectionModel()->hasSelection()); });

    m_summary->setObjectName(u"transfersSummary"_s);
    m_summary->setText(tr("No requests in flight."));
    auto abortButton = new QToolButton;
    abortButton->setDefaultAction(m_abort);
    auto top = new QHBoxLayout;
    top->addWidget(m_summary, 1);
    top->addWidget(abortButton);
    auto layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);

    connect(&m_service, &service::ServiceFacade::transfersChanged, this,
            [this](const QList<http::Transfer> &transfers, qint64 sampledMs) {
                m_model->update(transfers, sampledMs, QDateTime::currentMSecsSinceEpoch());
                m_summary->setText(transfers.isEmpty() ? tr("No requests in flight.")
                                                       : tr("%n request(s) in flight.", nullptr,
                                                            int(transfers.size())));
            });
    connect(&m_service, &service::ServiceFacade::statusChanged, this,
            [this](const service::ServiceStatus &status) {
                if (status.state == service::ServiceState::Stopped)
                    m_model->update({}, metrics::steadyNowMs(),
                                    QDateTime::currentMSecsSinceEpoch());
            });
}

void TransfersPage::abortRow(int row)
{
    if (row >= 0 && row < m_model->rowCount())
        abortTransfers({m_model->transfer(row)});
}

void TransfersPage::abortTransfers(const QList<http::Transfer> &transfers)
{
    if (transfers.isEmpty())
        return;
    if (m_confirmAborts) {
        const http::Transfer &first = transfers.constFirst();
        const QString what = transfers.size() == 1
            ? tr("%1 %2 from %3").arg(first.method, first.path, first.client)
            : tr("%n requests", nullptr, int(transfers.size()));
        QMessageBox question(QMessageBox::Question, tr("Abort transfers"),
                             tr("Abort %1? Its connection is closed; what it sent or received "
                                "so far is cleaned up and cannot be resumed.")
                                 .arg(what),
                             QMessageBox::NoButton, this);
        question.setObjectName(u"abortTransferQuestion"_s);
        QPushButton *abort = question.addButton(tr("&Abort"), QMessageBox::DestructiveRole);
        question.addButton(QMessageBox::Cancel);
        question.setDefaultButton(QMessageBox::Cancel);
        question.exec();
        if (question.clickedButton() != abort)
            return;
    }
    // By connection id: the rows may have moved while the question was open.
    for (const http::Transfer &t : transfers)
        m_service.abortTransfer(t.connectionId);
}

} // namespace sluice::ui
