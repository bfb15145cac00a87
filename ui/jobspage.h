#pragma once

#include "service/servicefacade.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QToolButton;
class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTextBrowser;
class QTimer;
QT_END_NAMESPACE

namespace sluice::ui {

class JobsFilterModel;
class JobsModel;

// The jobs table with filters, search, multi-select Cancel / Retry / Delete
// (toolbar, shortcuts, context menu) and a detail pane for the current job.
class JobsPage final : public QWidget
{
    Q_OBJECT
public:
    explicit JobsPage(service::ServiceFacade &service, QWidget *parent = nullptr);

    JobsModel *model() const { return m_model; }
    JobsFilterModel *filterModel() const { return m_filter; }
    QTableView *view() const { return m_view; }
    QStringList selectedIds() const;
    // Selects the job (clearing filters that hide it) and scrolls to it;
    // false, said in the message line, when the table does not hold it.
    bool showJob(const QString &id);
    void setConfirmDeletes(bool confirm) { m_confirmDeletes = confirm; }
    // Opens the New export dialog; the job it submits is shown selected here,
    // also when the job reaches the table after the dialog's answer.
    void newExport();

    // The newest jobs the table holds at first; "Load older" adds as many again.
    static constexpr int MaxJobs = 20'000;
    void loadOlder();

protected:
    void changeEvent(QEvent *event) override; // the detail's state colour follows the palette

private:
    QAction *addAction(const QString &text, const QKeySequence &shortcut, const char *name,
                       const QString &tip);
    void updateActions();
    bool isFiltered() const;
    void clearFilters();
    void updateDetail();
    void updateFilterChoices();
    void onCommandFinished(const service::JobCommandResult &result);
    void cancelSelected();
    void retrySelected();
    void deleteSelected();
    void openResult(bool folder);

    service::ServiceFacade &m_service;
    JobsModel *m_model;
    JobsFilterModel *m_filter;
    QTableView *m_view;
    QTextBrowser *m_detail;
    QComboBox *m_stateFilter;
    QComboBox *m_kindFilter;
    QComboBox *m_ownerFilter;
    QLineEdit *m_search;
    QToolButton *m_clearFilters = nullptr;
    QLabel *m_summary;
    QLabel *m_message;
    QAction *m_cancel = nullptr;
    QAction *m_retry = nullptr;
    QAction *m_delete = nullptr;
    QAction *m_open = nullptr;
    QAction *m_showInFolder = nullptr;
    QAction *m_loadOlder = nullptr;
    QTimer *m_tick; // ages and runtimes move on without model changes
    QTimer *m_choicesTimer; // kind and owner lists, rebuilt at most twice a second
    QString m_detailId; // the job the detail pane shows
    QString m_showWhenListed; // a job just submitted, to select once the table has it
    int m_total = 0;
    int m_window = MaxJobs; // rows the model keeps
    bool m_confirmDeletes = true;
};

} // namespace sluice::ui
