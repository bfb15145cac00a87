#pragma once

#include "service/servicefacade.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QAction;
class QLabel;
class QTableView;
QT_END_NAMESPACE

namespace sluice::ui {

class ResumableUploadsModel;

// The Uploads tab's list of unfinished resumable uploads (tus, /files/):
// name, account, bytes received of the length (a bar), when it expires, and
// Delete after a question. Empty, it is one line saying so. The Uploads page
// decides when the list is read again (refresh()); this pane re-reads it
// after its own deletes.
class ResumableUploadsPane final : public QWidget
{
    Q_OBJECT
public:
    explicit ResumableUploadsPane(service::ServiceFacade &service, QWidget *parent = nullptr);

    ResumableUploadsModel *model() const { return m_model; }
    QTableView *view() const { return m_view; }
    QStringList selectedIds() const;
    void refresh();

protected:
    void changeEvent(QEvent *event) override;

private:
    void onReset(const QList<upload::ResumableInfo> &uploads);
    void updateState();
    void deleteSelected();
    void onCommandFinished(const service::UploadCommandResult &result);
    void applyColours();

    service::ServiceFacade &m_service;
    ResumableUploadsModel *m_model;
    QLabel *m_title;
    QTableView *m_view;
    QLabel *m_empty;
    QLabel *m_message;
    QAction *m_delete;
    bool m_listed = false; // a list has arrived
    // This pane's deletes not answered yet (uploadCommandFinished also
    // answers the stored uploads' Delete), and the names they had.
    QHash<QString, QString> m_deleting;
    QStringList m_deleteErrors;
    bool m_failed = false; // the message says what failed: the error colour
};

} // namespace sluice::ui
