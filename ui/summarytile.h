#pragma once

#include <QFrame>

QT_BEGIN_NAMESPACE
class QLabel;
QT_END_NAMESPACE

namespace sluice::ui {

// One figure on the dashboard: a title, the current value, a detail line, and
// a level that colours it when a threshold is crossed. The level is also the
// dynamic property "level" ("normal", "warning", "critical").
class SummaryTile final : public QFrame
{
    Q_OBJECT
public:
    enum class Level { Normal, Warning, Critical };

    explicit SummaryTile(const QString &title, QWidget *parent = nullptr);

    void setValue(const QString &value, const QString &detail = {});
    void setLevel(Level level, const QString &why = {});
    Level level() const { return m_level; }
    QString value() const;
    QString detail() const;
    QString title() const { return m_titleText; }
    // The colours the tile uses for a level (tests check the painted result).
    static QColor background(Level level, const QPalette &palette);
    static QColor textColor(Level level, const QPalette &palette);

signals:
    void levelChanged(sluice::ui::SummaryTile::Level level);

protected:
    void changeEvent(QEvent *event) override;

private:
    void applyStyle();

    QString m_titleText;
    QLabel *m_title;
    QLabel *m_value;
    QLabel *m_detail;
    Level m_level = Level::Normal;
    bool m_applying = false; // setPalette() sends a PaletteChange of its own
};

} // namespace sluice::ui
