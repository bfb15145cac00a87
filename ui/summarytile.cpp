#include "summarytile.h"

#include "palette.h"

#include <QEvent>
#include <QLabel>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace sluice::ui {

SummaryTile::SummaryTile(const QString &title, QWidget *parent)
    : QFrame(parent)
    , m_titleText(title)
    , m_title(new QLabel(title))
    , m_value(new QLabel(u"\u2014"_s))
    , m_detail(new QLabel)
{
    setFrameShape(QFrame::StyledPanel);
    setAutoFillBackground(true);
    setMinimumWidth(140); // eight in a row in a window 1280 wide
    for (QLabel *label : {m_title, m_value, m_detail})
        label->setTextFormat(Qt::PlainText);
    m_value->setObjectName(u"value"_s);
    m_detail->setObjectName(u"detail"_s);
    // Eight tiles share 1280 pixels: a long title ("⚠ …: warning"), value
    // or detail takes a second line rather than being cut off.
    for (QLabel *label : {m_title, m_value, m_detail})
        label->setWordWrap(true);
    QFont titleFont = m_title->font();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 0.9);
    m_title->setFont(titleFont);
    QFont valueFont = m_value->font();
    valueFont.setPointSizeF(valueFont.pointSizeF() * 1.3); // "in 123 MiB/s" on one line
    valueFont.setBold(true);
    m_value->setFont(valueFont);
    m_detail->setFont(titleFont);
    auto layout = new QVBoxLayout(this);
    layout->setContentsMargins(10, 6, 10, 6);
    layout->setSpacing(1);
    layout->addWidget(m_title);
    layout->addWidget(m_value);
    layout->addWidget(m_detail);
    applyStyle();
}

void SummaryTile::setValue(const QString &value, const QString &detail)
{
    m_value->setText(value);
    m_detail->setText(detail);
}

QString SummaryTile::value() const
{
    return m_value->text();
}

QString SummaryTile::detail() const
{
    return m_detail->text();
}

void SummaryTile::setLevel(Level level, const QString &why)
{
    setToolTip(why);
    if (level == m_level)
        return;
    m_level = level;
    applyStyle();
    emit levelChanged(level);
}

QColor SummaryTile::background(Level level, const QPalette &palette)
{
    switch (level) {
    case Level::Warning:
        return coloursFor(palette).warningBackground;
    case Level::Critical:
        return coloursFor(palette).criticalBackground;
    case Level::Normal:
        break;
    }
    return palette.color(QPalette::Base);
}

void SummaryTile::applyStyle()
{
    static const char *const names[] = {"normal", "warning", "critical"};
    setProperty("level", QString::fromLatin1(names[int(m_level)]));
    // Said in words and a sign too, not by colour alone.
    const QString said = m_level == Level::Critical ? tr("\u26d4 %1: critical").arg(m_titleText)
        : m_level == Level::Warning                 ? tr("\u26a0 %1: warning").arg(m_titleText)
                                                    : m_titleText;
    m_title->setText(said);
    setAccessibleName(said);
    // From the application's palette: this tile's own holds the colours set here.
    const QPalette base;
    QPalette p = palette();
    p.setColor(QPalette::Window, background(m_level, base));
    p.setColor(QPalette::WindowText, textColor(m_level, base));
    m_applying = true;
    setPalette(p);
    m_applying = false;
}

QColor SummaryTile::textColor(Level level, const QPalette &palette)
{
    switch (level) {
    case Level::Warning:
        return coloursFor(palette).warningOnBackground;
    case Level::Critical:
        return coloursFor(palette).criticalOnBackground;
    case Level::Normal:
        break;
    }
    return palette.color(QPalette::WindowText);
}

void SummaryTile::changeEvent(QEvent *event)
{
    QFrame::changeEvent(event);
    if (event->type() == QEvent::PaletteChange && !m_applying)
        applyStyle();
}

} // namespace sluice::ui
