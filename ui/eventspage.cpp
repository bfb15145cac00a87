#include "eventspage.h"

#include "eventsmodel.h"
#include "filterchoices.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QScrollBar>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

EventsPage::EventsPage(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_model(new EventsModel(EventsModel::DefaultCapacity, this))
    , m_filter(new EventsFilterModel(this))
    , m_view(new QTableView)
    , m_kind(new QComboBox)
    , m_search(new QLineEdit)
    , m_flushTimer(new QTimer(this))
{
    m_filter->setSourceModel(m_model);
    m_view->setObjectName(u"eventsView"_s);
    m_view->setAccessibleName(tr("Events"));
    m_view->setTabKeyNavigation(false); // Tab leaves the table; arrows move in it
    m_view->setModel(m_filter);
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setAlternatingRowColors(true);
    m_view->setWordWrap(false);
    m_view->verticalHeader()->hide();
    m_view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_view->verticalHeader()->setDefaultSectionSize(m_view->fontMetrics().height() + 6);
    const int digit = m_view->fontMetrics().horizontalAdvance(u'0');
    const int widths[] = {24, 14, 60, 24, 12, 18, 8};
    for (int c = 0; c < EventsModel::ColumnCount; ++c)
        m_view->setColumnWidth(c, widths[c] * digit);
    m_view->horizontalHeader()->setStretchLastSection(true);

    m_kind->setObjectName(u"eventKindFilter"_s);
    m_kind->setAccessibleName(tr("Event kind"));
    m_kind->addItem(tr("All kinds"), QString());
    m_search->setObjectName(u"eventSearch"_s);
    m_search->setAccessibleName(tr("Search events"));
    m_search->setPlaceholderText(tr("Search events\u2026"));
    m_search->setClearButtonEnabled(true);
    auto top = new QHBoxLayout;
    top->addWidget(m_kind);
    top->addWidget(m_search, 1);
    // A filter hides events: the count says so, in bold, with the way back.
    m_summary = new QLabel;
    m_summary->setObjectName(u"eventsSummary"_s);
    m_clearFilters = new QToolButton;
    m_clearFilters->setObjectName(u"clearEventFiltersButton"_s);
    m_clearFilters->setText(tr("Clear filters"));
    m_clearFilters->setToolTip(tr("Show every event again"));
    m_clearFilters->setVisible(false);
    connect(m_clearFilters, &QToolButton::clicked, this, &EventsPage::clearFilters);
    auto bottom = new QHBoxLayout;
    bottom->addWidget(m_summary);
    bottom->addWidget(m_clearFilters);
    bottom->addStretch(1);
    auto layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    layout->addLayout(bottom);

    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setKind(m_kind->currentData().toString());
        updateSummary();
    });
    connect(m_search, &QLineEdit::textChanged, this, [this](const QString &text) {
        m_filter->setSearchText(text);
        updateSummary();
    });
    connect(m_view, &QTableView::doubleClicked, this, [this](const QModelIndex &index) {
        const QString job = index.siblingAtColumn(EventsModel::Job).data().toString();
        if (!job.isEmpty())
            emit jobActivated(job);
    });

    m_flushTimer->setSingleShot(true);
    m_flushTimer->setInterval(std::chrono::milliseconds(200));
    connect(m_flushTimer, &QTimer::timeout, this, &EventsPage::flush);
    connect(&service, &service::ServiceFacade::eventRecorded, this,
            [this](const metrics::Event &event) {
                m_pending.append(event);
                if (!m_flushTimer->isActive())
                    m_flushTimer->start();
            });
    m_model->reset(service.recentEvents(EventsModel::DefaultCapacity));
    m_pending.clear();
    flush();
}

void EventsPage::flush()
{
    QScrollBar *bar = m_view->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 2;
    m_model->append(m_pending);
    m_pending.clear();
    // Offer the kinds seen so far.
    refillFilterChoices(m_kind, tr("All kinds"), m_model->kinds());
    if (atBottom)
        m_view->scrollToBottom();
    updateSummary();
}

bool EventsPage::isFiltered() const
{
    return m_kind->currentIndex() > 0 || !m_search->text().isEmpty();
}

void EventsPage::clearFilters()
{
    m_search->clear();
    m_kind->setCurrentIndex(0);
    updateSummary();
}

void EventsPage::updateSummary()
{
    const bool filtered = isFiltered();
    m_summary->setText(filtered ? tr("Filtered: %1 of %2 events shown")
                                      .arg(QLocale().toString(m_filter->rowCount()),
                                           QLocale().toString(m_model->rowCount()))
                                : tr("%1 events").arg(QLocale().toString(m_model->rowCount())));
    QFont font = m_summary->font();
    font.setBold(filtered);
    m_summary->setFont(font);
    m_clearFilters->setVisible(filtered);
}

} // namespace sluice::ui
