#include "limitseditor.h"

#include "format.h"
#include "limitlabels.h"
#include "palette.h"

#include <QCoreApplication>
#include <QEvent>
#include <QFontDatabase>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPushButton>
#include <QScrollArea>
#include <QVBoxLayout>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

std::optional<qint64> parseValue(const QString &text, const config::LimitField &field)
{
    return parseLimitValue(text, field.unit);
}

// The field's one-line help in the window's language (core keeps it English
// for the admin API and marks it for translation).
QString helpText(const config::LimitField &field)
{
    return QCoreApplication::translate("sluice::config::Limits", field.help);
}

// What a field takes, for the message when it does not parse.
QString unitHint(const char *unit)
{
    if (qstrcmp(unit, "bytes") == 0)
        return LimitsEditor::tr("a size such as 2048, 16 KiB or 1.5 GiB");
    if (qstrcmp(unit, "bytes_per_s") == 0)
        return LimitsEditor::tr("a rate such as 1024 or 64 KiB/s");
    if (qstrcmp(unit, "ms") == 0)
        return LimitsEditor::tr("a duration such as 500 ms, 30 s, 5 min or 2 h");
    return LimitsEditor::tr("a whole number");
}

// Why a value does not parse, for the message beside the field.
QString whyNot(const QString &text, const char *unit)
{
    if (hasThousandsSeparator(text))
        return LimitsEditor::tr("not a number without thousands separators (10000, not 10.000)");
    return LimitsEditor::tr("not %1").arg(unitHint(unit));
}

// The label for people, the config key small under it (selectable), in the
// palette's placeholder colour (rich text knows no palette() of its own).
QString nameText(const QString &label, const QString &key, const QPalette &palette)
{
    // Often half-transparent text: mixed with the window, as painted.
    const QColor over = palette.color(QPalette::PlaceholderText);
    const QColor under = palette.color(QPalette::Window);
    const double a = over.alphaF();
    const QColor mixed = QColor::fromRgbF(float(over.redF() * a + under.redF() * (1 - a)),
                                          float(over.greenF() * a + under.greenF() * (1 - a)),
                                          float(over.blueF() * a + under.blueF() * (1 - a)));
    return u"%1<br><span style='font-family:monospace; font-size:small; color:%3'>%2</span>"_s.arg(
        label.toHtmlEscaped(), key, mixed.name());
}

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
    search->setAccessibleName(tr("Filter limits"));
    search->setPlaceholderText(tr("Filter limits by name, key or description\u2026"));
    search->setClearButtonEnabled(true);

    auto grid = new QWidget;
    auto layout = new QGridLayout(grid);
    layout->setHorizontalSpacing(12);
    layout->setVerticalSpacing(4);
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const int digit = QFontMetrics(fixed).horizontalAdvance(u'0');
    QList<const config::LimitField *> fields;
    for (const config::LimitField &field : config::limitFields())
        fields.append(&field);
    std::stable_sort(fields.begin(), fields.end(), [](const auto *a, const auto *b) {
        const LimitLabel la = limitLabel(QLatin1StringView(a->key));
        const LimitLabel lb = limitLabel(QLatin1StringView(b->key));
        return std::pair(la.group, la.order) < std::pair(lb.group, lb.order);
    });
    const QStringList groups = limitGroups();
    int r = 0;
    int lastGroup = -1;
    for (const config::LimitField *fieldPtr : std::as_const(fields)) {
        const config::LimitField &field = *fieldPtr;
        const QString key = QLatin1StringView(field.key);
        const LimitLabel label = limitLabel(key);
        if (label.group != lastGroup) {
            lastGroup = label.group;
            auto header = new QLabel(groups.at(label.group));
            header->setObjectName(u"limitGroup%1"_s.arg(label.group));
            QFont bold = header->font();
            bold.setBold(true);
            bold.setPointSizeF(bold.pointSizeF() * 1.1);
            header->setFont(bold);
            header->setContentsMargins(0, r == 0 ? 0 : 10, 0, 2);
            while (m_groupHeaders.size() <= label.group)
                m_groupHeaders.append(nullptr);
            m_groupHeaders[label.group] = header;
            layout->addWidget(header, r++, 0, 1, 4);
        }
        Row row {&field,     label.label, label.group, new QLineEdit,
                 new QLabel, new QLabel,  new QLabel};
        row.nameLabel->setTextFormat(Qt::RichText);
        row.nameLabel->setText(nameText(label.label, key, palette()));
        row.nameLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
        row.edit->setObjectName(u"limit_"_s + key);
        row.edit->setAccessibleName(label.label);
        row.edit->setFont(fixed);
        row.edit->setAlignment(Qt::AlignRight);
        row.edit->setFixedWidth(digit * 16);
        row.nameLabel->setBuddy(row.edit);
        row.readable->setMinimumWidth(digit * 14);
        row.readable->setForegroundRole(QPalette::PlaceholderText);
        const QString range = tr("From %1 to %2; default %3")
                                  .arg(limitValueText(field.minimum, field.unit),
                                       limitValueText(field.maximum, field.unit),
                                       limitValueText(field.defaultValue, field.unit));
        row.help->setText(helpText(field) + u"\n"_s + range);
        row.help->setWordWrap(true);
        row.help->setTextFormat(Qt::PlainText);
        QFont small = row.help->font();
        small.setPointSizeF(small.pointSizeF() * 0.92);
        row.help->setFont(small);
        row.edit->setToolTip(helpText(field) + u"\n"_s + range);
        layout->addWidget(row.nameLabel, r, 0, Qt::AlignTop);
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
    // Tab goes from field to field, and the area scrolls to each: no stop of its own.
    scroll->setFocusPolicy(Qt::NoFocus);

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
        row.edit->setText(limitValueText(limits.*row.field->member, row.field->unit));
    }
    validate();
}

std::optional<config::Limits> LimitsEditor::edited(QStringList *problems) const
{
    config::Limits limits = m_current;
    bool ok = true;
    for (const Row &row : m_rows) {
        const auto value = parseValue(row.edit->text(), *row.field);
        if (!value) {
            ok = false;
            if (problems)
                *problems << tr("%1 (%2): %3")
                                 .arg(row.label, QLatin1StringView(row.field->key),
                                      whyNot(row.edit->text(), row.field->unit));
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
        const auto value = parseValue(row.edit->text(), *row.field);
        if (!value || *value != m_current.*row.field->member)
            return true;
    }
    return false;
}

QStringList LimitsEditor::pendingChanges() const
{
    QStringList changes;
    for (const Row &row : m_rows) {
        const auto value = parseValue(row.edit->text(), *row.field);
        const qint64 now = m_current.*row.field->member;
        if (value && *value != now)
            changes << u"%1 %2 \u2192 %3"_s.arg(row.label, limitValueText(now, row.field->unit),
                                                limitValueText(*value, row.field->unit));
    }
    return changes;
}

void LimitsEditor::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() != QEvent::PaletteChange || m_rows.isEmpty())
        return;
    for (const Row &row : std::as_const(m_rows))
        row.nameLabel->setText(nameText(row.label, QLatin1StringView(row.field->key), palette()));
    validate();
}

void LimitsEditor::validate()
{
    const StateColours colors = coloursFor(palette());
    const QString invalidStyle = u"QLineEdit { background: %1; border: 1px solid %2; }"_s.arg(
        colors.invalidBackground.name(), colors.invalidBorder.name());
    const QString modifiedStyle
        = u"QLineEdit { background: %1; }"_s.arg(colors.changedBackground.name());
    bool anyModified = false;
    for (const Row &row : std::as_const(m_rows)) {
        const config::LimitField &f = *row.field;
        const auto value = parseValue(row.edit->text(), f);
        const bool valid = value && *value >= f.minimum && *value <= f.maximum;
        const bool modified = !value || *value != m_current.*f.member;
        anyModified |= modified;
        row.edit->setStyleSheet(!valid ? invalidStyle : modified ? modifiedStyle : QString());
        // Beside the field: what is wrong, or what it was.
        row.readable->setText(
            !value ? whyNot(row.edit->text(), f.unit)
                : !valid
                ? tr("out of range: %1 to %2")
                      .arg(limitValueText(f.minimum, f.unit), limitValueText(f.maximum, f.unit))
                : modified ? tr("was %1").arg(limitValueText(m_current.*f.member, f.unit))
                           : QString());
        row.readable->setWordWrap(true);
    }
    QStringList problems;
    const bool valid = edited(&problems).has_value();
    m_apply->setEnabled(valid && anyModified && !m_applying);
    m_revert->setEnabled(anyModified);
    if (!valid)
        m_message->setText(problems.join(u'\n'));
    else if (anyModified)
        m_message->setText(tr("Apply saves to the config file and applies at once: %1")
                               .arg(pendingChanges().join(u"; "_s)));
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
    QList<bool> groupShown(m_groupHeaders.size(), false);
    for (const Row &row : std::as_const(m_rows)) {
        const bool match = text.isEmpty()
            || QLatin1StringView(row.field->key).contains(text, Qt::CaseInsensitive)
            || row.label.contains(text, Qt::CaseInsensitive)
            || helpText(*row.field).contains(text, Qt::CaseInsensitive)
            || QString::fromUtf8(row.field->help).contains(text, Qt::CaseInsensitive);
        for (QWidget *w : {static_cast<QWidget *>(row.nameLabel), static_cast<QWidget *>(row.edit),
                           static_cast<QWidget *>(row.readable), static_cast<QWidget *>(row.help)})
            w->setVisible(match);
        if (match)
            groupShown[row.group] = true;
    }
    for (qsizetype g = 0; g < m_groupHeaders.size(); ++g) {
        if (m_groupHeaders.at(g))
            m_groupHeaders.at(g)->setVisible(groupShown.at(g));
    }
}

} // namespace sluice::ui
