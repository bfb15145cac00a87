#include "translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

using namespace Qt::StringLiterals;

namespace sluice::ui {

bool installTranslations(QCoreApplication &app, const QStringList &uiLanguages)
{
    // The first of the user's languages Sluice speaks, in their order: English,
    // its source language, needs no file and ends the search (LANGUAGE=en:de
    // is an English window, not a German one). Qt's own words follow the same
    // language, so that the window's buttons and Qt's dialogs agree.
    for (const QString &name : uiLanguages) {
        const QLocale language(name);
        if (language.language() == QLocale::English)
            return false;
        if (language.language() == QLocale::C)
            continue; // a tag Qt does not know (or "C"): the next one decides
        // Owned by the application: they stay installed for its whole life.
        auto own = new QTranslator(&app);
        if (!own->load(language, u"sluice"_s, u"_"_s, u":/i18n"_s)) {
            delete own;
            continue;
        }
        QCoreApplication::installTranslator(own);
        auto qt = new QTranslator(&app);
        if (qt->load(language, u"qtbase"_s, u"_"_s,
                     QLibraryInfo::path(QLibraryInfo::TranslationsPath)))
            QCoreApplication::installTranslator(qt);
        else
            delete qt;
        return true;
    }
    return false;
}

bool installTranslations(QCoreApplication &app, const QLocale &locale)
{
    return installTranslations(app, locale.uiLanguages());
}

} // namespace sluice::ui
