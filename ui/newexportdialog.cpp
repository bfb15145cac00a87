#include "newexportdialog.h"

#include "palette.h"

#include <QComboBox>
#include <QDateEdit>
#include <QDialogButtonBox>
#include <QEvent>
#include <QFormLayout>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

constexpr int EstimateDelayMs = 300; // after the last change, so typing sends one request
constexpr auto DayFormat = "yyyy-MM-dd";

QDate lastDayOfMonth(const QDate &d)
{
    return QDate(d.year(), d.month(), d.daysInMonth());
}

} // namespace

std::pair<QDate, QDate> NewExportDialog::defaultRange(const QDate &first, const QDate &last,
                                                      const QDate &today)
{
    QDate end;
    if (last.isValid())
        end = last == lastDayOfMonth(last) ? last : QDate(last.year(), last.month(), 1).addDays(-1);
    else
        end = QDate(today.year(), today.month(), 1).addDays(-1);
    QDate start(end.year(), end.month(), 1);
    if (first.isValid() && start < first)
        start = first;
    if (first.isValid() && end < first) // less than a month of data: all of it
        end = last.isValid() ? last : first;
    if (last.isValid() && end > last)
        end = last;
    return {start, end};
}

NewExportDialog::NewExportDialog(service::ServiceFacade &service, QWidget *parent)
    : QDialog(parent)
    , m_service(service)
    , m_dataset(new QComboBox)
    , m_days(new QLabel)
    , m_from(new QDateEdit)
    , m_to(new QDateEdit)
    , m_filterForm(new QFormLayout)
    , m_format(new QComboBox)
    , m_limit(new QSpinBox)
    , m_estimate(new QLabel)
    , m_message(new QLabel)
    , m_debounce(new QTimer(this))
{
    setObjectName(u"newExportDialog"_s);
    setWindowTitle(tr("New export"));

    m_dataset->setObjectName(u"exportDataset"_s);
    m_dataset->addItem(tr("Loading datasets\u2026"));
    m_dataset->setEnabled(false);
    m_days->setObjectName(u"exportDays"_s);
    for (QDateEdit *edit : {m_from, m_to}) {
        edit->setCalendarPopup(true);
        edit->setDisplayFormat(QLatin1StringView(DayFormat));
    }
    m_from->setObjectName(u"exportFrom"_s);
    m_to->setObjectName(u"exportTo"_s);
    m_from->setToolTip(tr("The first UTC day exported"));
    m_to->setToolTip(tr("The last UTC day exported (included)"));
    m_format->setObjectName(u"exportFormat"_s);
    m_format->addItem(tr("CSV"), u"csv"_s);
    m_format->addItem(tr("CSV, gzip-compressed (.csv.gz)"), u"csv.gz"_s);
    m_limit->setObjectName(u"exportLimit"_s);
    m_limit->setRange(0, 1'000'000'000);
    m_limit->setSpecialValueText(tr("No limit"));
    m_limit->setToolTip(tr("At most this many rows, the earliest first"));
    m_estimate->setObjectName(u"exportEstimate"_s);
    m_estimate->setWordWrap(true);
    m_message->setObjectName(u"exportMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);

    auto filters = new QWidget;
    m_filterForm->setContentsMargins({});
    filters->setLayout(m_filterForm);

    auto form = new QFormLayout;
    form->addRow(tr("&Dataset:"), m_dataset);
    form->addRow(QString(), m_days);
    form->addRow(tr("&From:"), m_from);
    form->addRow(tr("&To:"), m_to);
    form->addRow(tr("Filters:"), filters);
    form->addRow(tr("F&ormat:"), m_format);
    form->addRow(tr("Row &limit:"), m_limit);
    form->addRow(tr("Estimate:"), m_estimate);

    // Both from the constructor: a button added after it (addButton) leaves
    // Cancel out of the Tab order in Qt 6.4.
    auto buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    m_submit = buttons->button(QDialogButtonBox::Ok);
    m_submit->setText(tr("&Submit"));
    m_submit->setObjectName(u"submitExportButton"_s);
    m_submit->setDefault(true); // Enter submits; Esc is QDialog's Cancel
    m_submit->setEnabled(false);
    QPushButton *cancel = buttons->button(QDialogButtonBox::Cancel);
    cancel->setObjectName(u"cancelExportButton"_s);
    // Enter never cancels: while Submit is disabled, QDialog would make Cancel its default.
    cancel->setAutoDefault(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &NewExportDialog::submit);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_message);
    layout->addWidget(buttons);

    m_debounce->setObjectName(u"exportEstimateTimer"_s);
    m_debounce->setSingleShot(true);
    m_debounce->setInterval(EstimateDelayMs);
    connect(m_debounce, &QTimer::timeout, this, &NewExportDialog::estimate);

    connect(m_dataset, &QComboBox::currentIndexChanged, this, &NewExportDialog::onDatasetChanged);
    connect(m_from, &QDateEdit::dateChanged, this, &NewExportDialog::fieldsChanged);
    connect(m_to, &QDateEdit::dateChanged, this, &NewExportDialog::fieldsChanged);
    connect(m_format, &QComboBox::currentIndexChanged, this, &NewExportDialog::fieldsChanged);
    connect(m_limit, &QSpinBox::valueChanged, this, &NewExportDialog::fieldsChanged);

    connect(&m_service, &service::ServiceFacade::exportCatalogReady, this,
            &NewExportDialog::onCatalog);
    connect(&m_service, &service::ServiceFacade::exportEstimated, this,
            &NewExportDialog::onEstimated);
    connect(&m_service, &service::ServiceFacade::exportSubmitted, this,
            &NewExportDialog::onSubmitted);
    m_service.requestExportCatalog();
}

void NewExportDialog::onCatalog(const QList<service::DatasetInfo> &datasets, const QString &error)
{
    if (m_catalogLoaded)
        return; // another dialog's request
    m_catalogLoaded = true;
    m_datasets = datasets;
    const QSignalBlocker block(m_dataset);
    m_dataset->clear();
    if (!error.isEmpty() || datasets.isEmpty()) {
        m_dataset->addItem(tr("No datasets"));
        setMessage(error.isEmpty() ? tr("The service has no datasets to export.")
                                   : tr("The datasets could not be read: %1").arg(error),
                   true);
        return;
    }
    auto *items = qobject_cast<QStandardItemModel *>(m_dataset->model());
    int firstReady = -1;
    for (const service::DatasetInfo &d : datasets) {
        m_dataset->addItem(d.ready ? d.name : tr("%1 (not ready: %2)").arg(d.name, d.why), d.name);
        const int row = m_dataset->count() - 1;
        if (!d.ready) {
            if (items)
                items->item(row)->setEnabled(false);
            m_dataset->setItemData(row, d.why, Qt::ToolTipRole);
        } else if (firstReady < 0) {
            firstReady = row;
        }
    }
    m_dataset->setEnabled(true);
    if (firstReady < 0) {
        setMessage(tr("No dataset is ready yet: %1").arg(datasets.first().why), true);
        return;
    }
    m_dataset->setCurrentIndex(firstReady);
    onDatasetChanged();
}

void NewExportDialog::onDatasetChanged()
{
    const int index = m_dataset->currentIndex();
    if (index < 0 || index >= m_datasets.size())
        return;
    const service::DatasetInfo &d = m_datasets.at(index);
    if (d.firstDay.isValid() && d.lastDay.isValid())
        m_days->setText(
            tr("Has rows from %1 to %2")
                .arg(d.firstDay.toString(Qt::ISODate), d.lastDay.toString(Qt::ISODate)));
    else
        m_days->setText(tr("The days it has rows for are not known"));
    const auto [from, to] = defaultRange(d.firstDay, d.lastDay, QDate::currentDate());
    {
        const QSignalBlocker blockFrom(m_from);
        const QSignalBlocker blockTo(m_to);
        m_from->setDate(from);
        m_to->setDate(to);
    }
    while (m_filterForm->rowCount() > 0)
        m_filterForm->removeRow(0);
    m_filters.clear();
    QWidget *previous = m_to;
    for (const QString &column : d.filterColumns) {
        auto edit = new QLineEdit;
        edit->setObjectName(u"exportFilter_"_s + column);
        edit->setPlaceholderText(tr("any"));
        edit->setToolTip(tr("Only rows whose %1 is exactly this").arg(column));
        connect(edit, &QLineEdit::textChanged, this, &NewExportDialog::fieldsChanged);
        m_filterForm->addRow(column + u':', edit);
        // The column's name is what a screen reader says for the field.
        if (auto label = qobject_cast<QLabel *>(m_filterForm->labelForField(edit)))
            label->setBuddy(edit);
        m_filters.append({column, edit});
        setTabOrder(previous, edit);
        previous = edit;
    }
    setTabOrder(previous, m_format);
    if (d.filterColumns.isEmpty())
        m_filterForm->addRow(new QLabel(tr("none")));
    fieldsChanged();
}

QJsonObject NewExportDialog::request() const
{
    const int index = m_dataset->currentIndex();
    if (index < 0 || index >= m_datasets.size())
        return {};
    QJsonObject o {{u"dataset"_s, m_datasets.at(index).name},
                   {u"from"_s, m_from->date().toString(Qt::ISODate)},
                   {u"to"_s, m_to->date().toString(Qt::ISODate)},
                   {u"format"_s, m_format->currentData().toString()}};
    QJsonObject filters;
    for (const auto &[column, edit] : m_filters) {
        if (!edit->text().isEmpty())
            filters.insert(column, edit->text());
    }
    if (!filters.isEmpty())
        o.insert(u"filters"_s, filters);
    if (m_limit->value() > 0)
        o.insert(u"limit"_s, m_limit->value());
    return o;
}

void NewExportDialog::fieldsChanged()
{
    if (request().isEmpty())
        return;
    setTone(m_estimate, m_estimateTone, Tone::Plain);
    m_estimate->setText(tr("Estimating\u2026"));
    m_debounce->start();
    updateSubmit();
}

void NewExportDialog::estimate()
{
    const QJsonObject r = request();
    if (!r.isEmpty())
        m_service.estimateExport(r);
}

void NewExportDialog::onEstimated(const QJsonObject &request, const service::ExportEstimate &e)
{
    if (request != this->request() || m_debounce->isActive())
        return; // of fields since changed, or of another dialog
    if (!e.ok && e.busy) {
        // No verdict: the service is busy now. The job may still be queued.
        m_refused = {};
        setTone(m_estimate, m_estimateTone, Tone::Warning);
        m_estimate->setText(
            tr("No estimate now (%1). The export can still be submitted.").arg(e.error));
    } else if (!e.ok) {
        m_refused = request;
        setTone(m_estimate, m_estimateTone, Tone::Error);
        m_estimate->setText(e.error);
    } else {
        m_refused = {};
        setTone(m_estimate, m_estimateTone, Tone::Plain);
        m_estimate->setText(e.lowerBound ? tr("At least %L1 rows").arg(e.rows)
                                         : tr("About %L1 rows").arg(e.rows));
    }
    updateSubmit();
}

void NewExportDialog::updateSubmit()
{
    const QJsonObject r = request();
    const bool enable = !r.isEmpty() && m_submitted.isEmpty() && r != m_refused;
    m_submit->setEnabled(enable);
    if (enable)
        m_submit->setDefault(true); // a disabled button stops being the default
}

void NewExportDialog::submit()
{
    const QJsonObject r = request();
    if (r.isEmpty() || !m_submitted.isEmpty() || r == m_refused)
        return;
    m_submitted = r;
    setMessage(tr("Submitting\u2026"), false);
    updateSubmit();
    m_service.submitExport(r);
}

void NewExportDialog::onSubmitted(const QJsonObject &request,
                                  const service::ExportSubmitResult &result)
{
    if (m_submitted.isEmpty() || request != m_submitted)
        return; // another dialog's
    m_submitted = {};
    if (!result.ok) {
        setMessage(result.error, true);
        updateSubmit();
        return;
    }
    emit exportSubmitted(result.jobId);
    accept();
}

void NewExportDialog::setMessage(const QString &text, bool error)
{
    setTone(m_message, m_messageTone, error ? Tone::Error : Tone::Plain);
    m_message->setText(text);
}

// A line's colour from the dialog's palette, again when the palette changes
// (View > Appearance, or the desktop's scheme while the dialog is open).
void NewExportDialog::setTone(QLabel *label, Tone &current, Tone tone)
{
    current = tone;
    const StateColours colours = coloursFor(palette());
    label->setStyleSheet(tone == Tone::Plain ? QString()
                                             : u"color: %1;"_s.arg(
                                                 tone == Tone::Error ? colours.errorText.name()
                                                                     : colours.warningText.name()));
}

void NewExportDialog::changeEvent(QEvent *event)
{
    QDialog::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        setTone(m_estimate, m_estimateTone, m_estimateTone);
        setTone(m_message, m_messageTone, m_messageTone);
    }
}

} // namespace sluice::ui
