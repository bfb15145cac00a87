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

// Every field of Limits, driven by config::limitFields(), grouped by what it
// governs with a label for people and the config key shown small: its
// value with its unit ("16 KiB", "30 s"; a bare number is the base unit),
// range, default and help. Validates as you type and marks changed fields;
// the message line lists what Apply will change (old -> new) before it is
// pressed. Apply hands the whole value to the service (which persists it
// and applies it live); Revert goes back to what the service runs with;
// Restore defaults fills in the defaults (then Apply).
class LimitsEditor final : public QWidget
{
    Q_OBJECT
public:
    explicit LimitsEditor(service::ServiceFacade &service, QWidget *parent = nullptr);

    QLineEdit *editor(const QString &key) const;
    // What the editors hold, or nullopt with the problems when something is invalid.
    std::optional<config::Limits> edited(QStringList *problems = nullptr) const;
    bool isModified() const;
    // "Label old -> new" for each changed, valid field (what Apply would do).
    QStringList pendingChanges() const;

    void apply();
    void revert();
    void restoreDefaults();

protected:
    void changeEvent(QEvent *event) override; // the changed and invalid marks follow the palette

private:
    struct Row
    {
        const config::LimitField *field;
        QString label;
        int group;
        QLineEdit *edit;
        QLabel *nameLabel; // the label, and the key small below it
        QLabel *readable;
        QLabel *help;
    };
    void showLimits(const config::Limits &limits);
    void validate();
    void filter(const QString &text);

    service::ServiceFacade &m_service;
    config::Limits m_current; // what the service runs with
    QList<Row> m_rows;
    QList<QLabel *> m_groupHeaders; // by group index; hidden when a search leaves it empty
    QLabel *m_message;
    QPushButton *m_apply;
    QPushButton *m_revert;
    bool m_applying = false;
};

} // namespace sluice::ui
