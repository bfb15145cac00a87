#pragma once

#include "service/servicefacade.h"

#include <QWidget>

#include <functional>

QT_BEGIN_NAMESPACE
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTextBrowser;
class QTimer;
class QToolButton;
QT_END_NAMESPACE

namespace sluice::ui {

class ResumableUploadsPane;
class UploadsFilterModel;
class UploadsModel;

// The stored uploads: a table with search and filters, Save as, Delete,
// Show in folder (embedded service only), Copy SHA-256, and a detail pane
// with the thumbnail of an image; below, the unfinished resumable uploads
// (ResumableUploadsPane). The lists are re-read (at most once a second, and
// only while the tab shows) when an upload's processing job changes, an
// upload is deleted, and after this page's own commands; the unfinished ones
// also while a request under /files/ runs and once a minute (their expiry
// counts down).
class UploadsPage final : public QWidget
{
    Q_OBJECT
public:
    explicit UploadsPage(service::ServiceFacade &service, QWidget *parent = nullptr);

    // The newest uploads the table holds.
    static constexpr int MaxUploads = 1'000;

    UploadsModel *model() const { return m_model; }
    UploadsFilterModel *filterModel() const { return m_filter; }
    QTableView *view() const { return m_view; }
    ResumableUploadsPane *resumablePane() const { return m_resumable; }
    QStringList selectedIds() const;
    // Selects the upload's row (clearing filters that hide it); false when
    // the table does not hold it.
    bool showUpload(const QString &id);

    // Where Save as writes: a file dialog, unless a test sets this (an
    // empty answer cancels).
    using SavePathChooser = std::function<QString(const QString &suggestedName)>;
    void setSavePathChooser(SavePathChooser chooser) { m_chooseSavePath = std::move(chooser); }

protected:
    void showEvent(QShowEvent *event) override;

private:
    QAction *addAction(const QString &text, const QKeySequence &shortcut, const char *name,
                       const QString &tip);
    // Which lists a refresh reads.
    enum List { StoredList = 1, ResumableList = 2, BothLists = StoredList | ResumableList };
    void refreshSoon(int lists = BothLists);
    void updateActions();
    bool isFiltered() const;
    void clearFilters();
    void updateDetail();
    void saveCurrent();
    void deleteSelected();
    void showInFolder();
    void copyChecksum();
    void onCommandFinished(const service::UploadCommandResult &result);

    service::ServiceFacade &m_service;
    UploadsModel *m_model;
    UploadsFilterModel *m_filter;
    QTableView *m_view;
    QLabel *m_thumbnail;
    QTextBrowser *m_detail;
    QComboBox *m_accountFilter;
    QComboBox *m_processingFilter;
    QLineEdit *m_search;
    QToolButton *m_clearFilters;
    QLabel *m_summary;
    QLabel *m_message;
    ResumableUploadsPane *m_resumable;
    QAction *m_save = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_showInFolder = nullptr;
    QAction *m_copyChecksum = nullptr;
    QTimer *m_throttle; // one list request a second at most
    QTimer *m_expiryClock; // the unfinished uploads again once a minute
    int m_refreshPending = 0; // Lists asked for while the throttle ran
    int m_stale = 0; // Lists changed while hidden: re-read when shown
    bool m_resumableInFlight = false; // a request under /files/ was running
    int m_total = 0;
    QStringList m_deleting; // this table's deletes not answered yet
    QStringList m_deleteErrors;
    QString m_detailId; // the upload the detail pane shows
    QString m_thumbnailFor; // "ID/state" of the thumbnail asked for or shown
    SavePathChooser m_chooseSavePath;
};

} // namespace sluice::ui
