#include "filterchoices.h"

#include <QComboBox>
#include <QSignalBlocker>

namespace sluice::ui {

void refillFilterChoices(QComboBox *combo, const QString &anyLabel, const QStringList &items)
{
    const QString current = combo->currentData().toString();
    QStringList wanted = items;
    if (!current.isEmpty() && !wanted.contains(current))
        wanted.append(current);
    QStringList existing;
    for (int i = 1; i < combo->count(); ++i)
        existing << combo->itemData(i).toString();
    if (existing == wanted)
        return;
    // The current choice is among the new items: re-selecting it fires
    // nothing the view would act on, so the signals can stay blocked.
    const QSignalBlocker block(combo);
    combo->clear();
    combo->addItem(anyLabel, QString());
    for (const QString &item : std::as_const(wanted))
        combo->addItem(item, item);
    combo->setCurrentIndex(std::max(0, combo->findData(current)));
}

} // namespace sluice::ui
