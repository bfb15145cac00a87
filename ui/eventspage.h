#pragma once

#include "service/servicefacade.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QComboBox;
class QLabel;
class QLineEdit;
class QTableView;
class QTimer;
class QToolButton;
QT_END_NAMESPACE

namespace sluice::ui {

class EventsFilterModel;
class EventsModel;

// The event log: newest at the bottom, follows the tail unless scrolled up;
// filter by kind and free text. Events are appended in batches, at most
// five times a second, whatever their rate.
class EventsPage final : public QWidget
{
    Q_OBJECT
public:
    explicit EventsPage(service::ServiceFacade &service, QWidget *parent = nullptr);
    EventsModel *model() const { return m_model; }
    EventsFilterModel *filterModel() const { return m_filter; }

signals:
    // The operator double-clicked an event of this job.
    void jobActivated(const QString &jobId);

private:
    void flush();
    bool isFiltered() const;
    void clearFilters();
    void updateSummary();

    EventsModel *m_model;
    EventsFilterModel *m_filter;
    QTableView *m_view;
    QComboBox *m_kind;
    QLineEdit *m_search;
    QTimer *m_flushTimer;
    QLabel *m_summary = nullptr;
    QToolButton *m_clearFilters = nullptr;
    QList<metrics::Event> m_pending;
};

} // namespace sluice::ui
