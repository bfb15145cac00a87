#include "resumableuploadspane.h"

#include "palette.h"
#include "progressdelegate.h"
#include "resumableuploadsmodel.h"

#include <QAction>
#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using upload::ResumableInfo;

namespace {

// The table grows up to this many rows, then scrolls: the stored uploads
// above keep most of the page.
constexpr int VisibleRows = 5;

} // namespace

ResumableUploadsPane::ResumableUploadsPane(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_model(new ResumableUploadsModel(this))
    , m_title(new QLabel)
    , m_view(new QTableView)
    , m_empty(new QLabel)
    , m_message(new QLabel)
    , m_delete(new QAction(tr("Delete unf&inished"), this))
{
    // The layout first, so that the controls join the focus chain in reading
    // order as they are added: Delete on the title line, then the table.
    auto layout = new QVBoxLayout(this);
    layout->setContentsMargins({});
    auto titleLine = new QHBoxLayout;
    layout->addLayout(titleLine);

    m_title->setObjectName(u"resumableUploadsTitle"_s);
    QFont bold = m_title->font();
    bold.setBold(true);
    m_title->setFont(bold);
    titleLine->addWidget(m_title, 1);
    m_delete->setObjectName(u"deleteResumableUploadsAction"_s);
    m_delete->setShortcut(QKeySequence::Delete);
    m_delete->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    m_delete->setToolTip(tr("Delete the selected unfinished uploads: the bytes received so far "
                            "go, and their clients cannot resume them (Del)"));
    auto deleteButton = new QToolButton;
    deleteButton->setObjectName(u"deleteResumableUploadsButton"_s);
    deleteButton->setDefaultAction(m_delete);
    deleteButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    titleLine->addWidget(deleteButton);

    m_view->setObjectName(u"resumableUploadsView"_s);
    m_view->setAccessibleName(tr("Unfinished resumable uploads"));
    m_view->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_view->setModel(m_model);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    const int rowHeight = m_view->fontMetrics().height() + 8;
    m_view->verticalHeader()->setDefaultSectionSize(rowHeight);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setItemDelegateForColumn(ResumableUploadsModel::Received,
                                     new ProgressDelegate(ResumableUploadsModel::FractionRole,
                                                          m_view,
                                                          ProgressDelegate::BarText::CellText));
    const int charWidth = m_view->fontMetrics().horizontalAdvance(u'0');
    const int widths[] = {32, 14, 30, 12};
    for (int c = 0; c < ResumableUploadsModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c] * charWidth);
    m_view->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_view->addAction(m_delete);
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    layout->addWidget(m_view);

    m_empty->setObjectName(u"resumableUploadsEmpty"_s);
    m_empty->setText(tr("No unfinished resumable uploads."));
    layout->addWidget(m_empty);
    m_message->setObjectName(u"resumableUploadsMessage"_s);
    m_message->setWordWrap(true);
    m_message->setVisible(false);
    layout->addWidget(m_message);
    applyColours();

    connect(m_delete, &QAction::triggered, this, &ResumableUploadsPane::deleteSelected);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            &ResumableUploadsPane::updateState);
    connect(&m_service, &service::ServiceFacade::resumableUploadsReset, this,
            &ResumableUploadsPane::onReset);
    connect(&m_service, &service::ServiceFacade::uploadCommandFinished, this,
            &ResumableUploadsPane::onCommandFinished);
    updateState();
}

void ResumableUploadsPane::refresh()
{
    m_service.requestResumableUploads();
}

QStringList ResumableUploadsPane::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &row : rows)
        ids << row.data(ResumableUploadsModel::UploadIdRole).toString();
    return ids;
}

void ResumableUploadsPane::onReset(const QList<ResumableInfo> &uploads)
{
    // A new list resets the model: the selection follows the ids.
    const QStringList selected = selectedIds();
    m_listed = true;
    m_model->reset(uploads);
    if (m_view->selectionModel()->selectedRows().isEmpty() && !selected.isEmpty()) {
        for (const QString &id : selected) {
            const int row = m_model->rowOf(id);
            if (row >= 0)
                m_view->selectionModel()->select(m_model->index(row, 0),
                                                 QItemSelectionModel::Select
                                                     | QItemSelectionModel::Rows);
        }
    }
    updateState();
}

void ResumableUploadsPane::updateState()
{
    const int count = m_model->rowCount();
    m_title->setText(count > 0 ? tr("Unfinished resumable uploads (%1)").arg(count)
                               : tr("Unfinished resumable uploads"));
    m_view->setVisible(count > 0);
    // As tall as its rows, up to VisibleRows; then it scrolls.
    m_view->setFixedHeight(
        2 * m_view->frameWidth() + m_view->horizontalHeader()->sizeHint().height()
        + std::clamp(count, 1, VisibleRows) * m_view->verticalHeader()->defaultSectionSize());
    m_empty->setVisible(m_listed && count == 0);
    m_delete->setEnabled(!selectedIds().isEmpty());
}

void ResumableUploadsPane::deleteSelected()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty())
        return;
    const ResumableInfo *first = m_model->find(ids.first());
    QMessageBox question(
        QMessageBox::Question, tr("Delete unfinished uploads"),
        ids.size() == 1 && first
            ? tr("Delete the unfinished upload %1 (%2)? The bytes received so far go, and its "
                 "client cannot resume it; this cannot be undone.")
                  .arg(ResumableUploadsModel::displayName(*first),
                       ResumableUploadsModel::receivedText(*first))
            : tr("Delete %n unfinished upload(s)? The bytes received so far go, and their "
                 "clients cannot resume them; this cannot be undone.",
                 nullptr, int(ids.size())),
        QMessageBox::NoButton, this);
    question.setObjectName(u"deleteResumableUploadsQuestion"_s);
    QPushButton *remove = question.addButton(tr("&Delete"), QMessageBox::DestructiveRole);
    question.addButton(QMessageBox::Cancel);
    question.setDefaultButton(QMessageBox::Cancel);
    question.exec();
    if (question.clickedButton() != remove)
        return;
    for (const QString &id : ids) {
        const ResumableInfo *u = m_model->find(id);
        m_deleting.insert(id, u ? ResumableUploadsModel::displayName(*u) : id);
    }
    m_message->setText(tr("Deleting %n unfinished upload(s)\u2026", nullptr, int(ids.size())));
    m_failed = false;
    m_message->setVisible(true);
    applyColours();
    m_service.removeResumableUploads(ids);
}

void ResumableUploadsPane::onCommandFinished(const service::UploadCommandResult &result)
{
    // The stored uploads' answers come this way too.
    const auto pending = m_deleting.constFind(result.uploadId);
    if (pending == m_deleting.cend())
        return;
    if (!result.ok)
        m_deleteErrors << tr("Could not delete %1: %2").arg(*pending, result.message);
    m_deleting.erase(pending);
    if (!m_deleting.isEmpty())
        return;
    // All answered: say what failed, then show the list as it is now.
    m_message->setText(m_deleteErrors.join(u"\n"_s));
    m_failed = !m_deleteErrors.isEmpty();
    m_message->setVisible(!m_deleteErrors.isEmpty());
    m_deleteErrors.clear();
    applyColours();
    refresh();
}

void ResumableUploadsPane::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        applyColours();
}

void ResumableUploadsPane::applyColours()
{
    QPalette palette = this->palette();
    if (m_failed)
        palette.setColor(QPalette::WindowText, coloursFor(palette).errorText);
    m_message->setPalette(palette);
}

} // namespace sluice::ui
