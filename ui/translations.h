#pragma once

#include <QLocale>
#include <QStringList>

QT_BEGIN_NAMESPACE
class QCoreApplication;
QT_END_NAMESPACE

namespace sluice::ui {

// Installs the window's translation for `locale` (built in, :/i18n) and Qt's
// own for its standard dialogs and buttons (qtbase_*.qm from Qt's
// translations directory, when the system has it: qt6-translations-l10n).
// Follows the locale's list of UI languages, so LANGUAGE=de or
// LC_ALL=de_DE.UTF-8 both give German, up to the first English one
// (LANGUAGE=en_US:en:de stays English). Returns whether a translation of the
// window was installed; English needs none and returns false.
bool installTranslations(QCoreApplication &app, const QLocale &locale);
bool installTranslations(QCoreApplication &app, const QStringList &uiLanguages);

} // namespace sluice::ui
