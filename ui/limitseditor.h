#pragma once

#include "service/servicefacade.h"

#include <QWidget>

QT_BEGIN_NAMESPACE
class QGridLayout;
class QLabel;
class QLineEdit;
class QPushButton;
QT_END_NAMESPACE

namespace sluice::ui {

// Every field of Limits, driven by config::limitFields(): its value, unit,
// range, default and help. Validates as you type; Apply hands the whole value
// to the service (which persists it and applies it live); Revert goes back to
// what the service runs with; Restore defaults fills in the defaults (then Apply).
class LimitsEditor final : public QWidget
{
    Q_OBJECT
public:
    explicit LimitsEditor(service::ServiceFacade &service, QWidget *parent = nullptr);

    QLineEdit *editor(const QString &key) const;
    // What the editors hold, or nullopt with the problems when something is invalid.
    std::optional<config::Limits> edited(QStringList *problems = nullptr) const;
    bool isModified() const;

    void apply();
    void revert();
    void restoreDefaults();

private:
    struct Row
    {
        const config::LimitField *field;
        QLineEdit *edit;
        QLabel *keyLabel;
        QLabel *readable;
        QLabel *help;
    };
    void showLimits(const config::Limits &limits);
    void validate();
    void filter(const QString &text);

    service::ServiceFacade &m_service;
    config::Limits m_current; // what the service runs with
    QList<Row> m_rows;
    QLabel *m_message;
    QPushButton *m_apply;
    QPushButton *m_revert;
    bool m_applying = false;
};

} // namespace sluice::ui
