#include "uploadspage.h"

#include "filterchoices.h"
#include "format.h"
#include "resumableuploadspane.h"
#include "uploadsmodel.h"

#include <QAction>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
#include <QTimer>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

using upload::ProcessingState;
using upload::UploadRecord;

namespace {

// The API's words, and the filter's text for each (translated at use).
struct ProcessingChoice
{
    const char *state;
    const char *text;
};
constexpr ProcessingChoice kProcessingStates[]
    = {{"pending", QT_TRANSLATE_NOOP("sluice::ui::UploadsPage", "pending")},
       {"done", QT_TRANSLATE_NOOP("sluice::ui::UploadsPage", "done")},
       {"failed", QT_TRANSLATE_NOOP("sluice::ui::UploadsPage", "failed")},
       {"not_queued", QT_TRANSLATE_NOOP("sluice::ui::UploadsPage", "not queued")}};
const auto UploadJobKind = u"upload.process"_s;
constexpr int ThumbnailSide = 256;

} // namespace

UploadsPage::UploadsPage(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_model(new UploadsModel(this))
    , m_filter(new UploadsFilterModel(this))
    , m_view(new QTableView)
    , m_thumbnail(new QLabel)
    , m_detail(new QTextBrowser)
    , m_accountFilter(new QComboBox)
    , m_processingFilter(new QComboBox)
    , m_search(new QLineEdit)
    , m_clearFilters(new QToolButton)
    , m_summary(new QLabel)
    , m_message(new QLabel)
    , m_resumable(new ResumableUploadsPane(service))
    , m_throttle(new QTimer(this))
    , m_expiryClock(new QTimer(this))
{
    m_filter->setSourceModel(m_model);
    m_filter->setSortRole(UploadsModel::SortRole);
    m_filter->setDynamicSortFilter(true);

    m_view->setObjectName(u"uploadsView"_s);
    m_view->setAccessibleName(tr("Uploads"));
    m_view->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(UploadsModel::Received, Qt::DescendingOrder); // newest first
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 8);
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->horizontalHeader()->setStretchLastSection(true);
    const int charWidth = m_view->fontMetrics().horizontalAdvance(u'0');
    const int widths[] = {28, 10, 18, 12, 15, 28, 20};
    for (int c = 0; c < UploadsModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c] * charWidth);

    m_accountFilter->setObjectName(u"uploadAccountFilter"_s);
    m_accountFilter->setAccessibleName(tr("Account"));
    m_accountFilter->addItem(tr("All accounts"), QString());
    m_processingFilter->setObjectName(u"uploadProcessingFilter"_s);
    m_processingFilter->setAccessibleName(tr("Processing"));
    m_processingFilter->addItem(tr("Any processing"), QString());
    for (const ProcessingChoice &choice : kProcessingStates)
        m_processingFilter->addItem(tr(choice.text), QString::fromLatin1(choice.state));
    m_search->setObjectName(u"uploadSearch"_s);
    m_search->setAccessibleName(tr("Search uploads"));
    m_search->setPlaceholderText(tr("Search name, checksum, id\u2026"));
    m_search->setClearButtonEnabled(true);
    m_summary->setObjectName(u"uploadsSummary"_s);
    m_message->setObjectName(u"uploadsMessage"_s);
    m_message->setWordWrap(true);

    m_save = addAction(tr("&Save as\u2026"), QKeySequence::Save, "saveUploadAction",
                       tr("Save a copy of the selected upload's file (Ctrl+S)"));
    m_delete = addAction(tr("&Delete"), QKeySequence::Delete, "deleteUploadsAction",
                         tr("Delete the selected uploads: record, file and thumbnail (Del)"));
    m_showInFolder = addAction(tr("Show in &folder"), QKeySequence(u"Ctrl+Shift+O"_s),
                               "showUploadInFolderAction",
                               tr("Open the folder that holds the stored file (Ctrl+Shift+O)"));
    m_copyChecksum = addAction(
        tr("Copy SHA-&256"), QKeySequence(u"Ctrl+Shift+C"_s), "copyUploadChecksumAction",
        tr("Copy the selected upload's full SHA-256 checksum (Ctrl+Shift+C)"));
    // A remote service's files are on its machine: there is no folder here.
    m_showInFolder->setVisible(!m_service.isRemote());
    m_view->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (QAction *action : {m_save, m_showInFolder, m_copyChecksum})
        QWidget::addAction(action);

    auto filters = new QHBoxLayout;
    filters->addWidget(m_accountFilter);
    filters->addWidget(m_processingFilter);
    filters->addWidget(m_search, 1);
    for (QAction *action : {m_save, m_delete, m_showInFolder}) {
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
    m_clearFilters->setObjectName(u"clearUploadFiltersButton"_s);
    m_clearFilters->setText(tr("Clear filters"));
    m_clearFilters->setToolTip(tr("Show every upload again"));
    m_clearFilters->setVisible(false);
    connect(m_clearFilters, &QToolButton::clicked, this, &UploadsPage::clearFilters);
    auto status = new QHBoxLayout;
    status->addWidget(m_summary);
    status->addWidget(m_clearFilters);
    status->addWidget(m_message, 1);
    topLayout->addLayout(status);

    m_thumbnail->setObjectName(u"uploadThumbnail"_s);
    m_thumbnail->setAccessibleName(tr("Thumbnail"));
    m_thumbnail->setFixedSize(ThumbnailSide, ThumbnailSide);
    m_thumbnail->setAlignment(Qt::AlignCenter);
    m_thumbnail->setVisible(false);
    m_detail->setObjectName(u"uploadDetail"_s);
    m_detail->setAccessibleName(tr("Upload details"));
    m_detail->setOpenLinks(false);
    auto bottom = new QWidget;
    auto bottomLayout = new QHBoxLayout(bottom);
    bottomLayout->setContentsMargins({});
    bottomLayout->addWidget(m_thumbnail, 0, Qt::AlignTop);
    bottomLayout->addWidget(m_detail, 1);
    auto splitter = new QSplitter(Qt::Vertical);
    splitter->addWidget(top);
    splitter->addWidget(bottom);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 1);
    auto layout = new QVBoxLayout(this);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_resumable);

    connect(m_accountFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setAccountFilter(m_accountFilter->currentData().toString());
        refillFilterChoices(m_accountFilter, tr("All accounts"), m_model->accounts());
    });
    connect(m_processingFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setProcessingFilter(m_processingFilter->currentData().toString());
    });
    connect(m_search, &QLineEdit::textChanged, m_filter, &UploadsFilterModel::setSearchText);
    for (QComboBox *filter : {m_accountFilter, m_processingFilter})
        connect(filter, &QComboBox::currentIndexChanged, this, &UploadsPage::updateActions);
    connect(m_search, &QLineEdit::textChanged, this, &UploadsPage::updateActions);
    connect(m_view->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateActions();
        updateDetail();
    });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this,
            &UploadsPage::updateDetail);
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, &UploadsPage::updateActions);
    connect(m_filter, &QAbstractItemModel::rowsRemoved, this, &UploadsPage::updateActions);
    connect(m_save, &QAction::triggered, this, &UploadsPage::saveCurrent);
    connect(m_delete, &QAction::triggered, this, &UploadsPage::deleteSelected);
    connect(m_showInFolder, &QAction::triggered, this, &UploadsPage::showInFolder);
    connect(m_copyChecksum, &QAction::triggered, this, &UploadsPage::copyChecksum);
    connect(m_view, &QTableView::doubleClicked, this, &UploadsPage::saveCurrent);

    connect(&m_service, &service::ServiceFacade::uploadsReset, this,
            [this](const QList<UploadRecord> &uploads, int total) {
                m_total = total;
                m_model->reset(uploads.mid(0, MaxUploads));
                refillFilterChoices(m_accountFilter, tr("All accounts"), m_model->accounts());
                updateActions();
                updateDetail();
            });
    // Processing states follow the uploads' jobs: re-read when one changes.
    connect(&m_service, &service::ServiceFacade::jobsChanged, this,
            [this](const QList<jobs::JobRecord> &changed, const QStringList &) {
                if (std::any_of(changed.begin(), changed.end(),
                                [](const jobs::JobRecord &j) { return j.kind == UploadJobKind; }))
                    refreshSoon();
            });
    // Deleted elsewhere (a client, another window).
    connect(&m_service, &service::ServiceFacade::eventRecorded, this,
            [this](const metrics::Event &event) {
                if (event.kind.startsWith(u"upload_"_s))
                    refreshSoon();
            });
    connect(&m_service, &service::ServiceFacade::uploadCommandFinished, this,
            &UploadsPage::onCommandFinished);
    // A PATCH under /files/ moves an unfinished upload on: its list is re-read
    // while one runs, and once more when the last one ends.
    connect(&m_service, &service::ServiceFacade::transfersChanged, this,
            [this](const QList<http::Transfer> &transfers, qint64) {
                const bool running
                    = std::any_of(transfers.begin(), transfers.end(), [](const http::Transfer &t) {
                          return t.route == u"/files"_s || t.route.startsWith(u"/files/"_s);
                      });
                if (std::exchange(m_resumableInFlight, running) || running)
                    refreshSoon(ResumableList);
            });
    connect(&m_service, &service::ServiceFacade::uploadSaveFinished, this,
            [this](const QString &id, const QString &path, bool ok, const QString &error) {
                const UploadRecord *u = m_model->find(id);
                const QString name = u ? u->name : id;
                m_message->setText(
                    ok ? tr("Saved %1 to %2.").arg(name, QDir::toNativeSeparators(path))
                       : tr("Could not save %1: %2").arg(name, error));
            });
    connect(&m_service, &service::ServiceFacade::uploadThumbnailReady, this,
            [this](const QString &id, const QImage &image) {
                if (id != m_detailId)
                    return; // another upload is shown by now
                m_thumbnail->setVisible(!image.isNull());
                m_thumbnail->setPixmap(
                    image.isNull() ? QPixmap()
                                   : QPixmap::fromImage(image.scaled(ThumbnailSide, ThumbnailSide,
                                                                     Qt::KeepAspectRatio,
                                                                     Qt::SmoothTransformation)));
            });

    m_throttle->setObjectName(u"uploadsRefreshThrottle"_s);
    m_throttle->setSingleShot(true);
    m_throttle->setInterval(std::chrono::seconds(1));
    connect(m_throttle, &QTimer::timeout, this, [this] {
        if (const int lists = std::exchange(m_refreshPending, 0))
            refreshSoon(lists);
    });
    m_expiryClock->setObjectName(u"resumableUploadsClock"_s);
    m_expiryClock->setInterval(std::chrono::minutes(1));
    connect(m_expiryClock, &QTimer::timeout, this, [this] { refreshSoon(ResumableList); });
    m_expiryClock->start();

    updateActions();
    updateDetail();
    // Once now, so that the tab has its lists when it first shows.
    m_service.requestUploads(MaxUploads);
    m_resumable->refresh();
    m_throttle->start();
}

QAction *UploadsPage::addAction(const QString &text, const QKeySequence &shortcut, const char *name,
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

void UploadsPage::showEvent(QShowEvent *event)
{
    QWidget::showEvent(event);
    if (const int lists = std::exchange(m_stale, 0))
        refreshSoon(lists);
}

// The lists again, at most once a second, and only for a page on screen (a
// hidden one re-reads when it shows).
void UploadsPage::refreshSoon(int lists)
{
    if (!isVisible()) {
        m_stale |= lists;
        return;
    }
    if (m_throttle->isActive()) {
        m_refreshPending |= lists;
        return;
    }
    if (lists & StoredList)
        m_service.requestUploads(MaxUploads);
    if (lists & ResumableList)
        m_resumable->refresh();
    m_throttle->start();
}

QStringList UploadsPage::selectedIds() const
{
    QStringList ids;
    const QModelIndexList rows = m_view->selectionModel()->selectedRows();
    for (const QModelIndex &row : rows)
        ids << row.data(UploadsModel::UploadIdRole).toString();
    return ids;
}

bool UploadsPage::showUpload(const QString &id)
{
    const int sourceRow = m_model->rowOf(id);
    if (sourceRow < 0)
        return false;
    QModelIndex shown = m_filter->mapFromSource(m_model->index(sourceRow, 0));
    if (!shown.isValid()) {
        clearFilters();
        shown = m_filter->mapFromSource(m_model->index(sourceRow, 0));
    }
    m_view->selectionModel()->clear();
    m_view->selectRow(shown.row());
    m_view->scrollTo(shown);
    return true;
}

void UploadsPage::updateActions()
{
    const QStringList ids = selectedIds();
    const bool single = ids.size() == 1 && m_model->find(ids.first());
    m_save->setEnabled(single);
    m_copyChecksum->setEnabled(single);
    m_showInFolder->setEnabled(single && !m_service.isRemote());
    m_delete->setEnabled(!ids.isEmpty());
    const bool filtered = isFiltered();
    const QString shown = QLocale().toString(m_model->rowCount());
    const QString total = QLocale().toString(std::max(m_total, m_model->rowCount()));
    // "of TOTAL": the table holds the newest MaxUploads at most.
    m_summary->setText(filtered ? tr("Filtered: %1 match, showing %2 of %3 uploads")
                                      .arg(QLocale().toString(m_filter->rowCount()), shown, total)
                                : tr("Showing %1 of %2 uploads").arg(shown, total));
    QFont font = m_summary->font();
    font.setBold(filtered);
    m_summary->setFont(font);
    m_clearFilters->setVisible(filtered);
}

bool UploadsPage::isFiltered() const
{
    return !m_search->text().trimmed().isEmpty() || m_accountFilter->currentIndex() > 0
        || m_processingFilter->currentIndex() > 0;
}

void UploadsPage::clearFilters()
{
    m_search->clear();
    for (QComboBox *filter : {m_accountFilter, m_processingFilter})
        filter->setCurrentIndex(0);
    updateActions();
}

void UploadsPage::updateDetail()
{
    const QModelIndex current = m_view->currentIndex();
    const UploadRecord *u = current.isValid()
        ? m_model->find(current.data(UploadsModel::UploadIdRole).toString())
        : nullptr;
    if (!u) {
        m_detailId.clear();
        m_thumbnailFor.clear();
        m_thumbnail->clear();
        m_thumbnail->setVisible(false);
        m_detail->setPlainText(tr("Select an upload to see its fields and processing."));
        return;
    }
    if (u->id != m_detailId) {
        m_thumbnail->clear();
        m_thumbnail->setVisible(false);
    }
    m_detailId = u->id;
    // Asked again only when the upload or its state changed (processing done).
    const QString thumbnailKey = u->id + u'/' + upload::toString(u->processing);
    if (thumbnailKey != m_thumbnailFor) {
        m_thumbnailFor = thumbnailKey;
        if (u->mime.startsWith(u"image/"_s) && u->processing == ProcessingState::Done)
            m_service.requestUploadThumbnail(u->id);
    }

    QString html = u"<h3>%1</h3><table cellspacing='2'>"_s.arg(u->name.toHtmlEscaped());
    const auto row = [&html](const QString &label, const QString &value) {
        html += u"<tr><td><b>%1</b></td><td>%2</td></tr>"_s.arg(label.toHtmlEscaped(),
                                                                value.toHtmlEscaped());
    };
    row(tr("Id"), u->id);
    row(tr("Size"),
        tr("%1 (%2 bytes)").arg(formatBytes(double(u->size)), QLocale().toString(u->size)));
    row(tr("Type"), u->mime);
    row(tr("Account"), u"%1 (%2)"_s.arg(u->account, u->accountId));
    row(tr("SHA-256"), QString::fromLatin1(u->sha256));
    row(tr("Received"), QLocale().toString(u->createdAt.toLocalTime(), u"yyyy-MM-dd HH:mm:ss"_s));
    row(tr("Processing"), UploadsModel::processingText(*u));
    row(tr("Processing job"), u->jobId.isEmpty() ? u"\u2014"_s : u->jobId);
    html += u"</table>"_s;
    if (!u->outcome.isEmpty())
        html += u"<b>%1</b><pre style='margin-top:2px'>%2</pre>"_s.arg(
            tr("Findings"),
            QString::fromUtf8(QJsonDocument(u->outcome).toJson(QJsonDocument::Indented))
                .toHtmlEscaped());
    m_detail->setHtml(html);
}

void UploadsPage::saveCurrent()
{
    const QStringList ids = selectedIds();
    const UploadRecord *u = ids.size() == 1 ? m_model->find(ids.first()) : nullptr;
    if (!u)
        return;
    // Copies: the list may be replaced while the file dialog runs its own event loop.
    const QString id = u->id;
    const QString name = u->name;
    u = nullptr;
    const QString path = m_chooseSavePath
        ? m_chooseSavePath(name)
        : QFileDialog::getSaveFileName(this, tr("Save upload"), QDir::home().filePath(name));
    if (path.isEmpty())
        return;
    m_message->setText(tr("Saving %1\u2026").arg(name));
    m_service.saveUpload(id, path);
}

void UploadsPage::deleteSelected()
{
    const QStringList ids = selectedIds();
    if (ids.isEmpty())
        return;
    const UploadRecord *first = m_model->find(ids.first());
    QMessageBox question(QMessageBox::Question, tr("Delete uploads"),
                         ids.size() == 1 && first
                             ? tr("Delete %1 (%2)? Its record, stored file and thumbnail go; "
                                  "this cannot be undone.")
                                   .arg(first->name, formatBytes(double(first->size)))
                             : tr("Delete %n upload(s)? Their records, stored files and "
                                  "thumbnails go; this cannot be undone.",
                                  nullptr, int(ids.size())),
                         QMessageBox::NoButton, this);
    question.setObjectName(u"deleteUploadsQuestion"_s);
    QPushButton *remove = question.addButton(tr("&Delete"), QMessageBox::DestructiveRole);
    question.addButton(QMessageBox::Cancel);
    question.setDefaultButton(QMessageBox::Cancel);
    question.exec();
    if (question.clickedButton() != remove)
        return;
    m_deleting += ids;
    m_message->setText(tr("Deleting %n upload(s)\u2026", nullptr, int(ids.size())));
    m_service.removeUploads(ids);
}

void UploadsPage::onCommandFinished(const service::UploadCommandResult &result)
{
    // The unfinished uploads' Delete answers this way too.
    if (!m_deleting.removeOne(result.uploadId))
        return;
    if (!result.ok)
        m_deleteErrors << result.message;
    if (!m_deleting.isEmpty())
        return;
    // All answered: say what failed, then show the list as it is now.
    m_message->setText(m_deleteErrors.join(u"; "_s));
    m_deleteErrors.clear();
    refreshSoon();
}

void UploadsPage::showInFolder()
{
    const QStringList ids = selectedIds();
    const QString path = ids.size() == 1 ? m_service.localUploadPath(ids.first()) : QString();
    if (path.isEmpty() || m_service.isRemote())
        return;
    const QString folder = QFileInfo(path).absolutePath();
    if (!QDesktopServices::openUrl(QUrl::fromLocalFile(folder)))
        m_message->setText(tr("Could not open %1").arg(QDir::toNativeSeparators(folder)));
}

void UploadsPage::copyChecksum()
{
    const QStringList ids = selectedIds();
    const UploadRecord *u = ids.size() == 1 ? m_model->find(ids.first()) : nullptr;
    if (!u)
        return;
    QGuiApplication::clipboard()->setText(QString::fromLatin1(u->sha256));
    m_message->setText(tr("SHA-256 of %1 copied to the clipboard.").arg(u->name));
}

} // namespace sluice::ui
