// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QLocale>
#include <QString>
#include <QStringList>

namespace re6st::gui {

// The GUI's translations (issue 5 §4). Our strings come from re6st-tray_<language>.qm,
// built by lrelease from translations/*.ts and embedded as resources under :/i18n (see
// translations/CMakeLists.txt). Qt's own strings (QWizard's Back/Next/Cancel, standard
// dialog buttons) come from qtbase_<language>.qm in Qt's translations directory (Debian:
// qt6-translations-l10n), loaded only for a language we translate ourselves, so that the
// window never mixes two languages. Needs a QCoreApplication.
class Translations final
{
public:
    struct Result
    {
        QString application; // the .qm loaded for our strings; empty: English (none matched)
        QString qt;          // the .qm loaded for Qt's strings; empty: none
    };

    Translations() = delete;

    // Installs the translators for `locale` (the desktop's by default: LANGUAGE, LC_ALL,
    // LC_MESSAGES, LANG), replacing those of a previous call. Widgets created afterwards
    // are translated; existing ones keep their texts.
    static Result install(const QLocale &locale = QLocale::system());
    // Removes the translators installed by install(): back to the English source texts.
    static void remove();
    // Languages with an embedded translation of our strings ("de", "fr"), sorted.
    static QStringList available();
};

} // namespace re6st::gui
