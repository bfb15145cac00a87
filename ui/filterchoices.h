#pragma once

#include <QString>
#include <QStringList>

class QComboBox;

namespace sluice::ui {

// Fills a filter drop-down with "any" (no data) and `items`, keeping the
// current choice. A choice no longer among the items stays offered, so the
// drop-down never says "All" while the view still filters on it (issue 23,
// defect 3). Nothing changes, and no signal fires, when the items are the same.
void refillFilterChoices(QComboBox *combo, const QString &anyLabel, const QStringList &items);

} // namespace sluice::ui
