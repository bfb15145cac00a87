#include "jobspage.h"

#include "filterchoices.h"
#include "format.h"
#include "jobsmodel.h"
#include "newexportdialog.h"
#include "palette.h"
#include "progressdelegate.h"

#include <QAction>
#include <QComboBox>
#include <QDesktopServices>
#include <QEvent>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QScrollBar>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using jobs::JobRecord;
using jobs::JobState;

namespace {

constexpr JobState kStates[] = {JobState::Queued, JobState::Running,   JobState::Succeeded,
                                JobState::Failed, JobState::Cancelled, JobState::Expired};

bool canCancel(JobState s)
{
    return s == JobState::Queued || s == JobState::Running;
}
bool canRetry(JobState s)
{
    return s == JobState::Failed || s == JobState::Cancelled || s == JobState::Expired;
}

} // namespace

JobsPage::JobsPage(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_model(new JobsModel(this))
    , m_filter(new JobsFilterModel(this))
    , m_view(new QTableView)
    , m_detail(new QTextBrowser)
    , m_stateFilter(new QComboBox)
    , m_kindFilter(new QComboBox)
    , m_ownerFilter(new QComboBox)
    , m_search(new QLineEdit)
    , m_summary(new QLabel)
    , m_message(new QLabel)
    , m_tick(new QTimer(this))
    , m_choicesTimer(new QTimer(this))
{
    m_model->setMaxRows(m_window);
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(JobsModel::SortRole);
    m_filter->setDynamicSortFilter(true);

    m_view->setObjectName(u"jobsView"_s);
    m_view->setAccessibleName(tr("Jobs"));
    m_view->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(JobsModel::Age, Qt::AscendingOrder); // newest first
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    // Fixed sizes: no per-row measuring with 10,000 rows.
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_view->horizontalHeader()->setStretchLastSection(true);
    m_view->setItemDelegateForColumn(JobsModel::Progress,
                                     new ProgressDelegate(JobsModel::ProgressRole, m_view));
    const int charWidth = m_view->fontMetrics().horizontalAdvance(u'0');
    const int widths[] = {12, 10, 10, 12, 9, 10, 10, 10, 8, 36, 18, 24};
    for (int c = 0; c < JobsModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c] * charWidth);
    // Every state's word in full, in the window's language ("abgebrochen").
    int stateWidth = m_view->columnWidth(JobsModel::State);
    for (JobState state : {JobState::Queued, JobState::Running, JobState::Succeeded,
                           JobState::Failed, JobState::Cancelled, JobState::Expired})
        stateWidth = std::max(stateWidth,
                              m_view->fontMetrics().horizontalAdvance(JobsModel::stateText(state))
                                  + 2 * charWidth);
    m_view->setColumnWidth(JobsModel::State, stateWidth);

    m_stateFilter->setObjectName(u"stateFilter"_s);
    m_stateFilter->setAccessibleName(tr("Job state"));
    m_stateFilter->addItem(tr("All states"), QString());
    for (const JobState state : kStates)
        m_stateFilter->addItem(JobsModel::stateText(state), jobs::toString(state));
    m_kindFilter->setObjectName(u"kindFilter"_s);
    m_kindFilter->setAccessibleName(tr("Job kind"));
    m_kindFilter->addItem(tr("All kinds"), QString());
    m_ownerFilter->setObjectName(u"ownerFilter"_s);
    m_ownerFilter->setAccessibleName(tr("Owner"));
    m_ownerFilter->addItem(tr("All owners"), QString());
    m_search->setObjectName(u"jobSearch"_s);
    m_search->setAccessibleName(tr("Search jobs"));
    m_search->setPlaceholderText(tr("Search id, kind, owner, error\u2026"));
    m_search->setClearButtonEnabled(true);
    m_summary->setObjectName(u"jobsSummary"_s);
    m_message->setObjectName(u"jobsMessage"_s);
    m_message->setWordWrap(true);

    m_cancel = addAction(tr("&Cancel job"), QKeySequence(u"Ctrl+K"_s), "cancelJobsAction",
                         tr("Cancel the selected queued or running jobs (Ctrl+K)"));
    m_retry = addAction(tr("&Retry job"), QKeySequence(u"Ctrl+R"_s), "retryJobsAction",
                        tr("Queue the selected failed, cancelled or expired jobs again (Ctrl+R)"));
    m_delete = addAction(tr("&Delete"), QKeySequence::Delete, "deleteJobsAction",
                         tr("Delete the selected finished jobs and their results (Del)"));
    auto separator = new QAction(this);
    separator->setSeparator(true);
    m_view->addAction(separator);
    m_open = addAction(tr("&Open result"), QKeySequence(u"Ctrl+O"_s), "openResultAction",
                       tr("Open the finished result with the default application (Ctrl+O)"));
    m_showInFolder
        = addAction(tr("Show in &folder"), QKeySequence(u"Ctrl+Shift+O"_s), "showInFolderAction",
                    tr("Open the folder that holds the result (Ctrl+Shift+O)"));
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    // Their shortcuts work wherever the focus is in this tab (a filter, the
    // search, a button), not only in the table; Del stays the table's, where
    // it cannot be meant for text being edited.
    for (QAction *action : {m_cancel, m_retry, m_open, m_showInFolder})
        QWidget::addAction(action);
    m_loadOlder = new QAction(tr("Load &older"), this);
    m_loadOlder->setObjectName(u"loadOlderJobsAction"_s);
    m_loadOlder->setToolTip(
        tr("The table keeps the newest %L1 jobs: show %L1 older ones as well").arg(MaxJobs));
    auto loadOlderButton = new QToolButton;
    loadOlderButton->setDefaultAction(m_loadOlder);
    loadOlderButton->setToolButtonStyle(Qt::ToolButtonTextOnly);

    auto newExportButton = new QToolButton;
    newExportButton->setObjectName(u"newExportButton"_s);
    newExportButton->setText(tr("&New export\u2026"));
    newExportButton->setToolTip(tr("Start an export job of a dataset (Ctrl+N)"));
    newExportButton->setToolButtonStyle(Qt::ToolButtonTextOnly);
    connect(newExportButton, &QToolButton::clicked, this, &JobsPage::newExport);
    // The job a dialog submitted may be listed (jobsChanged) after its answer.
    const auto showSubmitted = [this] {
        if (!m_showWhenListed.isEmpty() && m_model->rowOf(m_showWhenListed) >= 0)
            showJob(std::exchange(m_showWhenListed, QString()));
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, showSubmitted, Qt::QueuedConnection);
    connect(m_model, &QAbstractItemModel::modelReset, this, showSubmitted, Qt::QueuedConnection);

    auto filters = new QHBoxLayout;
    filters->addWidget(newExportButton);
    filters->addWidget(m_stateFilter);
    filters->addWidget(m_kindFilter);
    filters->addWidget(m_ownerFilter);
    filters->addWidget(m_search, 1);
    for (QAction *action : {m_cancel, m_retry, m_delete, m_open, m_showInFolder}) {
        auto button = new QToolButton;
        button->setDefaultAction(action);
        button->setToolButtonStyle(Qt::ToolButtonTextOnly);
        filters->addWidget(button);
    }

    auto top = new QWidget;
    auto topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins({});
    topLayout->addLayout(filters);
    topLayout->addWidget(m_view, 1);
    m_clearFilters = new QToolButton;
    m_clearFilters->setObjectName(u"clearJobFiltersButton"_s);
    m_clearFilters->setText(tr("Clear filters"));
    m_clearFilters->setToolTip(tr("Show every job again"));
    m_clearFilters->setVisible(false);
    connect(m_clearFilters, &QToolButton::clicked, this, &JobsPage::clearFilters);
    auto status = new QHBoxLayout;
    status->addWidget(m_summary);
    status->addWidget(m_clearFilters);
    status->addWidget(m_message, 1);
    status->addWidget(loadOlderButton);
    topLayout->addLayout(status);

    m_detail->setObjectName(u"jobDetail"_s);
    m_detail->setAccessibleName(tr("Job details"));
    m_detail->setOpenLinks(false);
    auto splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(top);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    auto layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(m_stateFilter, &QComboBox::currentIndexChanged, this,
            [this] { m_filter->setStateFilter(m_stateFilter->currentData().toString()); });
    // A choice kept offered only because it was chosen (filterchoices.h) leaves
    // once another is: refill then too.
    connect(m_kindFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setKindFilter(m_kindFilter->currentData().toString());
        m_choicesTimer->start();
    });
    connect(m_ownerFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setOwnerFilter(m_ownerFilter->currentData().toString());
        m_choicesTimer->start();
    });
    // Only when a kind or owner came or went, not on every new row.
    connect(m_model, &JobsModel::choicesChanged, m_choicesTimer, qOverload<>(&QTimer::start));
    connect(m_loadOlder, &QAction::triggered, this, &JobsPage::loadOlder);
    connect(m_search, &QLineEdit::textChanged, m_filter, &JobsFilterModel::setSearchText);
    for (QComboBox *filter : {m_stateFilter, m_kindFilter, m_ownerFilter})
        connect(filter, &QComboBox::currentIndexChanged, this, &JobsPage::updateActions);
    connect(m_search, &QLineEdit::textChanged, this, &JobsPage::updateActions);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateDetail();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this] { updateDetail(); });
    connect(m_cancel, &QAction::triggered, this, &JobsPage::cancelSelected);
    connect(m_retry, &QAction::triggered, this, &JobsPage::retrySelected);
    connect(m_delete, &QAction::triggered, this, &JobsPage::deleteSelected);
    connect(m_open, &QAction::triggered, this, [this] { openResult(false); });
    connect(m_showInFolder, &QAction::triggered, this, [this] { openResult(true); });
    connect(m_view, &QTableView::doubleClicked, this, [this] { openResult(false); });

    connect(&m_service, &service::ServiceFacade::jobsReset, this,
            [this](const QList<JobRecord> &jobs, int total) {
                m_total = total;
                m_model->reset(jobs);
                updateFilterChoices();
                updateActions();
                updateDetail();
            });
    connect(&m_service, &service::ServiceFacade::jobsChanged, this,
            [this](const QList<JobRecord> &changed, const QStringList &removed) {
                const JobsModel::Applied applied = m_model->apply(changed, removed);
                m_total += applied.added - applied.removed;
                updateActions();
                // Only when the job shown changed: re-rendering resets the pane's scrolling.
                const QString shown = m_view->currentIndex().data(JobsModel::JobIdRole).toString();
                const bool touched = removed.contains(shown)
                    || std::any_of(changed.begin(), changed.end(),
                                   [&shown](const JobRecord &j) { return j.id == shown; });
                if (touched)
                    updateDetail();
            });
    connect(&m_service, &service::ServiceFacade::jobCommandFinished, this,
            &JobsPage::onCommandFinished);

    m_choicesTimer->setObjectName(u"filterChoicesTimer"_s);
    m_choicesTimer->setSingleShot(true);
    m_choicesTimer->setInterval(std::chrono::milliseconds(500));
    connect(m_choicesTimer, &QTimer::timeout, this, &JobsPage::updateFilterChoices);
    m_tick->setInterval(std::chrono::seconds(1));
    connect(m_tick, &QTimer::timeout, this, [this] {
        // Ages and runtimes change with the clock: repaint what is visible,
        // without model signals (their order does not change with time).
        if (m_view->isVisible())
            m_view->viewport()->update();
    });
    m_tick->start();

    updateActions();
    updateDetail();
    m_service.requestJobs(MaxJobs);
}

QAction *JobsPage::addAction(const QString &text, const QKeySequence &shortcut, const char *name,
                             const QString &tip)
{
    auto action = new QAction(text, this);
    action->setObjectName(QLatin1StringView(name));
    action->setShortcut(shortcut);
    action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    action->setToolTip(tip);
    m_view->addAction(action);
    return action;
}

void JobsPage::newExport()
{
    auto dialog = new NewExportDialog(m_service, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &NewExportDialog::exportSubmitted, this, [this](const QString &id) {
        m_message->setText(tr("Export job %1 submitted.").arg(id));
        if (m_model->rowOf(id) >= 0)
            showJob(id);
        else
            m_showWhenListed = id;
    });
    dialog->open();
}

bool JobsPage::showJob(const QString &id)
{
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0) {
        m_message->setText(tr("Job %1 is not in the table: deleted, or older than the jobs it "
                              "holds (Load older).")
                               .arg(id));
        return false;
    }
    QModelIndex shown = m_filter->mapFromSource(m_model->index(sourceRow, 0));
    if (!shown.isValid()) { // filtered out: show every job again
        clearFilters();
        shown = m_filter->mapFromSource(m_model->index(sourceRow, 0));
    }
    m_view->selectionModel()->clear();
    m_view->selectRow(shown.row());
    m_view->scrollTo(shown);
    m_view->setFocus();
    return true;
}

QStringList JobsPage::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &row : rows)
        ids << row.data(JobsModel::JobIdRole).toString();
    return ids;
}

void JobsPage::updateActions()
{
    bool cancel = false, retry = false, remove = false;
    const JobRecord *single = nullptr;
    const QStringList ids = selectedIds();
    for (const QString &id : ids) {
        if (const JobRecord *job = m_model->find(id)) {
            cancel |= canCancel(job->state);
            retry |= canRetry(job->state);
            remove |= jobs::isTerminal(job->state);
            single = ids.size() == 1 ? job : nullptr;
        }
    }
    m_cancel->setEnabled(cancel);
    m_retry->setEnabled(retry);
    m_delete->setEnabled(remove);
    // A remote service's result is a URL on that server, not a file here:
    // there is nothing to open on this machine.
    const bool hasResult = single && !single->resultPath.isEmpty()
        && single->state == JobState::Succeeded && !m_service.isRemote();
    m_open->setEnabled(hasResult);
    m_showInFolder->setEnabled(hasResult);
    m_loadOlder->setEnabled(m_total > m_model->rowCount());
    // A filter hides jobs: say so where the count is, in bold, with the way back.
    const bool filtered = isFiltered();
    const QString count = tr("%1 of %2 jobs shown, %3 selected")
                              .arg(QLocale().toString(m_filter->rowCount()),
                                   QLocale().toString(std::max(m_total, m_model->rowCount())))
                              .arg(ids.size());
    m_summary->setText(filtered ? tr("Filtered: %1").arg(count) : count);
    QFont font = m_summary->font();
    font.setBold(filtered);
    m_summary->setFont(font);
    if (m_clearFilters)
        m_clearFilters->setVisible(filtered);
}

bool JobsPage::isFiltered() const
{
    return !m_search->text().isEmpty() || m_stateFilter->currentIndex() > 0
        || m_kindFilter->currentIndex() > 0 || m_ownerFilter->currentIndex() > 0;
}

void JobsPage::clearFilters()
{
    m_search->clear();
    for (QComboBox *filter : {m_stateFilter, m_kindFilter, m_ownerFilter})
        filter->setCurrentIndex(0);
    updateActions();
}

void JobsPage::loadOlder()
{
    m_window += MaxJobs;
    m_model->setMaxRows(m_window);
    m_service.requestJobs(m_window); // answered by jobsReset
}

void JobsPage::updateFilterChoices()
{
    refillFilterChoices(m_kindFilter, tr("All kinds"), m_model->kinds());
    refillFilterChoices(m_ownerFilter, tr("All owners"), m_model->owners());
}

void JobsPage::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        updateDetail();
}

void JobsPage::updateDetail()
{
    const QModelIndex current = m_view->currentIndex();
    const JobRecord *job = current.isValid()
        ? m_model->find(current.data(JobsModel::JobIdRole).toString())
        : nullptr;
    if (!job) {
        m_detailId.clear();
        m_detail->setPlainText(tr("Select a job to see its parameters, attempts and errors."));
        return;
    }
    const auto when = [](const QDateTime &t) {
        return t.isValid() ? QLocale().toString(t.toLocalTime(), u"yyyy-MM-dd HH:mm:ss"_s)
                           : u"\u2014"_s;
    };
    QString html = u"<h3>%1 <span style='color:%2'>%3</span></h3>"_s.arg(
        job->kind.toHtmlEscaped(), JobsModel::stateColor(job->state).name(),
        JobsModel::stateText(job->state));
    // Fields on the left, parameters on the right: both in view at once,
    // without dragging the splitter (issue 23).
    html += u"<table cellspacing='0' cellpadding='0' width='100%'><tr><td valign='top'>"_s;
    html += u"<table cellspacing='2'>"_s;
    const auto row = [&html](const QString &label, const QString &value) {
        html += u"<tr><td><b>%1</b></td><td>%2</td></tr>"_s.arg(label.toHtmlEscaped(),
                                                                value.toHtmlEscaped());
    };
    row(tr("Id"), job->id);
    row(tr("Owner"), job->owner);
    row(tr("Created"), when(job->createdAt));
    row(tr("Started"), when(job->startedAt));
    row(tr("Finished"), when(job->finishedAt));
    row(tr("Attempts"), tr("%1 of %2").arg(job->attempts).arg(job->maxAttempts));
    row(tr("Progress"),
        tr("%1 rows, %2")
            .arg(QLocale().toString(job->progressRows), formatBytes(double(job->progressBytes))));
    if (!job->resultPath.isEmpty()) {
        row(tr("Result"), u"%1 (%2)"_s.arg(job->resultPath, formatBytes(double(job->resultSize))));
        row(tr("Expires"), when(job->resultExpiresAt));
    }
    html += u"</table></td><td valign='top' style='padding-left:24px'>"_s;
    html += u"<b>%1</b><pre style='margin-top:2px'>%2</pre>"_s.arg(
        tr("Parameters"),
        QString::fromUtf8(QJsonDocument(job->params).toJson(QJsonDocument::Indented))
            .toHtmlEscaped());
    html += u"</td></tr></table>"_s;
    if (!job->lastError.isEmpty())
        html += u"<h4>%1</h4><pre style='color:%2'>%3</pre>"_s.arg(
            tr("Last error"), coloursFor(m_detail->palette()).errorText.name(),
            job->lastError.toHtmlEscaped());
    if (!job->attemptLog.isEmpty()) {
        html += u"<h4>%1</h4><table cellspacing='2'>"_s.arg(tr("Attempt history"));
        for (const QJsonValue &v : job->attemptLog) {
            const QJsonObject a = v.toObject();
            html += u"<tr><td>#%1</td><td>%2</td><td>%3</td><td>%4</td></tr>"_s.arg(
                QString::number(a.value(u"attempt"_s).toInt()),
                a.value(u"started"_s).toString().toHtmlEscaped(),
                a.value(u"outcome"_s).toString().toHtmlEscaped(),
                a.value(u"error"_s).toString().toHtmlEscaped());
        }
        html += u"</table>"_s;
    }
    // The same job again (it progressed): keep the reader's place.
    const int scroll = job->id == m_detailId ? m_detail->verticalScrollBar()->value() : 0;
    m_detailId = job->id;
    m_detail->setHtml(html);
    m_detail->verticalScrollBar()->setValue(scroll);
}

void JobsPage::cancelSelected()
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        if (const JobRecord *job = m_model->find(id); job && canCancel(job->state))
            ids << id;
    }
    if (!ids.isEmpty()) {
        m_message->setText(tr("Cancelling %n job(s)\u2026", nullptr, int(ids.size())));
        m_service.cancelJobs(ids);
    }
}

void JobsPage::retrySelected()
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        if (const JobRecord *job = m_model->find(id); job && canRetry(job->state))
            ids << id;
    }
    if (!ids.isEmpty()) {
        m_message->setText(tr("Retrying %n job(s)\u2026", nullptr, int(ids.size())));
        m_service.retryJobs(ids);
    }
}

void JobsPage::deleteSelected()
{
    QStringList ids;
    for (const QString &id : selectedIds()) {
        if (const JobRecord *job = m_model->find(id); job && jobs::isTerminal(job->state))
            ids << id;
    }
    if (ids.isEmpty())
        return;
    if (m_confirmDeletes
        && QMessageBox::question(
               this, tr("Delete jobs"),
               tr("Delete %n job(s) and their result files? This cannot be undone.", nullptr,
                  int(ids.size())))
            != QMessageBox::Yes)
        return;
    m_message->setText(tr("Deleting %n job(s)\u2026", nullptr, int(ids.size())));
    m_service.removeJobs(ids);
}

void JobsPage::onCommandFinished(const service::JobCommandResult &result)
{
    if (result.ok) {
        m_message->clear();
        return;
    }
    // The service names the state or limit at fault.
    m_message->setText(result.message);
}

void JobsPage::openResult(bool folder)
{
    const QStringList ids = selectedIds();
    const JobRecord *job = ids.size() == 1 ? m_model->find(ids.first()) : nullptr;
    if (!job || job->resultPath.isEmpty() || m_service.isRemote())
        return;
    const QString path = folder ? QFileInfo(job->resultPath).absolutePath() : job->resultPath;
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(path)))
        m_message->setText(tr("Could not open %1").arg(path));
}

} // namespace sluice::ui
