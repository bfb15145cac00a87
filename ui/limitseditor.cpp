#include "limitseditor.h"

#include "format.h"

#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

std::optional<qint64> parseValue(const QString &text)
{
    bool ok = false;
    const qint64 value = QStringView(text).trimmed().toLongLong(&ok);
    return ok ? std::optional(value) : std::nullopt;
}

QString unitName(const char *unit)
{
    return QString::fromLatin1(unit);
}

const auto kInvalidStyle = u"QLineEdit { background: #fbd5d5; border: 1px solid #d32f2f; }"_s;
const auto kModifiedStyle = u"QLineEdit { background: #fff6d6; }"_s;

} // namespace

LimitsEditor::LimitsEditor(service::ServiceFacade &service, QWidget *parent)
    : QWidget(parent)
    , m_service(service)
    , m_current(service.limits())
    , m_message(new QLabel)
    , m_apply(new QPushButton(tr("&Apply")))
    , m_revert(new QPushButton(tr("Re&vert")))
{
    auto search = new QLineEdit;
    search->setObjectName(u"limitSearch"_s);
    search->setPlaceholderText(tr("Filter limits by name or description\u2026"));
    search->setClearButtonEnabled(true);

    auto grid = new QWidget;
    auto layout = new QGridLayout(grid);
    layout->setHorizontalSpacing(12);
    layout->setVerticalSpacing(4);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const int digit = QFontMetrics(fixed).horizontalAdvance(u'0');
    int r = 0;
    for (const config::LimitField &field : config::limitFields()) {
        const QString key = QLatin1StringView(field.key);
        Row row {&field, new QLineEdit, new QLabel(key), new QLabel, new QLabel};
        row.keyLabel->setFont(fixed);
        row.keyLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
        row.edit->setObjectName(u"limit_"_s + key);
        row.edit->setFont(fixed);
        row.edit->setAlignment(Qt::AlignRight);
        row.edit->setFixedWidth(digit * 16);
        row.keyLabel->setBuddy(row.edit);
        row.readable->setMinimumWidth(digit * 12);
        row.readable->setForegroundRole(QPalette::PlaceholderText);
        const QString range = tr("%1 (%2 to %3; default %4)")
                                  .arg(unitName(field.unit), formatLimit(field.minimum, field.unit),
                                       formatLimit(field.maximum, field.unit),
                                       formatLimit(field.defaultValue, field.unit));
        row.help->setText(QString::fromUtf8(field.help) + u"\n"_s + range);
        row.help->setWordWrap(true);
        row.help->setTextFormat(Qt::PlainText);
        QFont small = row.help->font();
        small.setPointSizeF(small.pointSizeF() * 0.92);
        row.help->setFont(small);
        row.edit->setToolTip(QString::fromUtf8(field.help) + u"\n"_s + range);
        layout->addWidget(row.keyLabel, r, 0, Qt::AlignTop);
        layout->addWidget(row.edit, r, 1, Qt::AlignTop);
        layout->addWidget(row.readable, r, 2, Qt::AlignTop);
        layout->addWidget(row.help, r, 3);
        connect(row.edit, &QLineEdit::textChanged, this, &LimitsEditor::validate);
        connect(row.edit, &QLineEdit::returnPressed, this, &LimitsEditor::apply);
        m_rows.append(row);
        ++r;
    }
    layout->setColumnStretch(3, 1);
    layout->setRowStretch(r, 1);
    auto scroll = new QScrollArea;
    scroll->setWidgetResizable(true);
    scroll->setWidget(grid);

    m_apply->setObjectName(u"applyLimitsButton"_s);
    m_apply->setToolTip(tr("Save to the config file and apply to the running service"));
    m_revert->setObjectName(u"revertLimitsButton"_s);
    m_revert->setToolTip(tr("Show the limits the service runs with"));
    auto defaults = new QPushButton(tr("Restore &defaults"));
    defaults->setObjectName(u"defaultLimitsButton"_s);
    defaults->setToolTip(tr("Fill in every default; nothing changes until Apply"));
    m_message->setObjectName(u"limitsMessage"_s);
    m_message->setWordWrap(true);
    m_message->setTextFormat(Qt::PlainText);

    auto buttons = new QHBoxLayout;
    buttons->addWidget(m_message, 1);
    buttons->addWidget(defaults);
    buttons->addWidget(m_revert);
    buttons->addWidget(m_apply);

    auto outer = new QVBoxLayout(this);
    outer->addWidget(search);
    outer->addWidget(scroll, 1);
    outer->addLayout(buttons);

    connect(search, &QLineEdit::textChanged, this, &LimitsEditor::filter);
    connect(m_apply, &QPushButton::clicked, this, &LimitsEditor::apply);
    connect(m_revert, &QPushButton::clicked, this, &LimitsEditor::revert);
    connect(defaults, &QPushButton::clicked, this, &LimitsEditor::restoreDefaults);
    connect(&m_service, &service::ServiceFacade::limitsChanged, this,
            [this](const config::Limits &limits) {
                const bool modified = isModified();
                m_current = limits;
                if (!modified)
                    showLimits(limits);
                else
                    validate(); // the comparison base moved
            });
    connect(&m_service, &service::ServiceFacade::limitsApplyFinished, this,
            [this](const service::LimitsApplyResult &result) {
                if (!m_applying)
                    return;
                m_applying = false;
                m_current = result.limits;
                if (result.ok) {
                    showLimits(result.limits);
                    m_message->setText(tr("Applied and saved."));
                } else {
                    validate();
                    m_message->setText(tr("Not applied: %1").arg(result.errors.join(u"; "_s)));
                }
            });

    showLimits(m_current);
}

QLineEdit *LimitsEditor::editor(const QString &key) const
{
    for (const Row &row : m_rows) {
        if (QLatin1StringView(row.field->key) == key)
            return row.edit;
    }
    return nullptr;
}

void LimitsEditor::showLimits(const config::Limits &limits)
{
    for (const Row &row : std::as_const(m_rows)) {
        const QSignalBlocker block(row.edit);
        row.edit->setText(QString::number(limits.*row.field->member));
    }
    validate();
}

std::optional<config::Limits> LimitsEditor::edited(QStringList *problems) const
{
    config::Limits limits = m_current;
    bool ok = true;
    for (const Row &row : m_rows) {
        const auto value = parseValue(row.edit->text());
        if (!value) {
            ok = false;
            if (problems)
                *problems << tr("%1: not a whole number").arg(QLatin1StringView(row.field->key));
            continue;
        }
        limits.*row.field->member = *value;
    }
    if (!ok)
        return std::nullopt;
    const QStringList messages = limits.validate(); // range, and any rule across fields
    if (!messages.isEmpty()) {
        if (problems)
            *problems << messages;
        return std::nullopt;
    }
    return limits;
}

bool LimitsEditor::isModified() const
{
    for (const Row &row : m_rows) {
        const auto value = parseValue(row.edit->text());
        if (!value || *value != m_current.*row.field->member)
            return true;
    }
    return false;
}

void LimitsEditor::validate()
{
    bool anyModified = false;
    for (const Row &row : std::as_const(m_rows)) {
        const config::LimitField &f = *row.field;
        const auto value = parseValue(row.edit->text());
        const bool valid = value && *value >= f.minimum && *value <= f.maximum;
        const bool modified = !value || *value != m_current.*f.member;
        anyModified |= modified;
        row.edit->setStyleSheet(!valid ? kInvalidStyle : modified ? kModifiedStyle : QString());
        row.readable->setText(!value       ? tr("not a number")
                                  : !valid ? tr("out of range")
                                           : formatLimit(*value, f.unit));
    }
    QStringList problems;
    const bool valid = edited(&problems).has_value();
    m_apply->setEnabled(valid && anyModified && !m_applying);
    m_revert->setEnabled(anyModified);
    if (!valid)
        m_message->setText(problems.join(u'\n'));
    else if (anyModified)
        m_message->setText(tr("Modified: Apply saves and applies it to the running service."));
    else if (!m_applying)
        m_message->clear();
}

void LimitsEditor::apply()
{
    QStringList problems;
    const auto limits = edited(&problems);
    if (!limits || !isModified() || m_applying)
        return;
    m_applying = true;
    m_apply->setEnabled(false);
    m_message->setText(tr("Applying\u2026"));
    m_service.applyLimits(*limits);
}

void LimitsEditor::revert()
{
    showLimits(m_current);
}

void LimitsEditor::restoreDefaults()
{
    const config::Limits defaults;
    for (const Row &row : std::as_const(m_rows)) {
        const QSignalBlocker block(row.edit);
        row.edit->setText(QString::number(defaults.*row.field->member));
    }
    validate();
}

void LimitsEditor::filter(const QString &text)
{
    for (const Row &row : std::as_const(m_rows)) {
        const bool match = text.isEmpty()
            || QLatin1StringView(row.field->key).contains(text, Qt::CaseInsensitive)
            || QString::fromUtf8(row.field->help).contains(text, Qt::CaseInsensitive);
        for (QWidget *w : {static_cast<QWidget *>(row.keyLabel), static_cast<QWidget *>(row.edit),
                           static_cast<QWidget *>(row.readable), static_cast<QWidget *>(row.help)})
            w->setVisible(match);
    }
}

} // namespace sluice::ui
