#pragma once

#include "service/servicefacade.h"

#include <QDialog>
#include <QJsonObject>

QT_BEGIN_NAMESPACE
class QComboBox;
class QDateEdit;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;
QT_END_NAMESPACE

namespace sluice::ui {

// "New export…" (issue 23): a dataset from the service's catalog, a range of
// days, its filter columns, a format and a row limit; the service estimates
// the rows as the fields change and checks the request with its own wording,
// which the dialog shows as it is. Submit sends POST /exports (through the
// facade); the dialog closes on success, saying which job it made.
class NewExportDialog final : public QDialog
{
    Q_OBJECT
public:
    explicit NewExportDialog(service::ServiceFacade &service, QWidget *parent = nullptr);

    // The POST /exports body the fields make.
    QJsonObject request() const;

    // The last full month with data: the month of `last` when it is that
    // month's last day, else the month before; clamped to [first, last].
    // Unknown days (invalid dates) count from `today` instead.
    static std::pair<QDate, QDate> defaultRange(const QDate &first, const QDate &last,
                                                const QDate &today);

signals:
    void exportSubmitted(const QString &jobId);

protected:
    void changeEvent(QEvent *event) override;

private:
    enum class Tone { Plain, Warning, Error };
    void setTone(QLabel *label, Tone &current, Tone tone);
    void onCatalog(const QList<service::DatasetInfo> &datasets, const QString &error);
    void onDatasetChanged();
    void fieldsChanged();
    void estimate();
    void onEstimated(const QJsonObject &request, const service::ExportEstimate &estimate);
    void submit();
    void onSubmitted(const QJsonObject &request, const service::ExportSubmitResult &result);
    void updateSubmit();
    void setMessage(const QString &text, bool error);

    service::ServiceFacade &m_service;
    QList<service::DatasetInfo> m_datasets;
    QComboBox *m_dataset;
    QLabel *m_days;
    QDateEdit *m_from;
    QDateEdit *m_to;
    QFormLayout *m_filterForm;
    QList<std::pair<QString, QLineEdit *>> m_filters;
    QComboBox *m_format;
    QSpinBox *m_limit;
    QLabel *m_estimate;
    QLabel *m_message;
    Tone m_estimateTone = Tone::Plain;
    Tone m_messageTone = Tone::Plain;
    QPushButton *m_submit;
    QTimer *m_debounce;
    QJsonObject m_refused; // the request the last estimate refused
    QJsonObject m_submitted; // the request in flight, empty when none
    bool m_catalogLoaded = false;
};

} // namespace sluice::ui
