// SPDX-License-Identifier: GPL-2.0-or-later
#include "Translations.h"

#include <QCoreApplication>
#include <QDir>
#include <QLibraryInfo>
#include <QPointer>
#include <QRegularExpression>
#include <QTranslator>

#include <memory>

namespace re6st::gui {

namespace {
const QString kResourceDir = QStringLiteral(":/i18n");
const QString kBaseName = QStringLiteral("re6st-tray");

// Owned by the application object, so they never outlive it.
QPointer<QTranslator> s_application;
QPointer<QTranslator> s_qt;

void drop(QPointer<QTranslator> &translator)
{
    if (!translator)
        return;
    QCoreApplication::removeTranslator(translator);
    delete translator.data();
}
} // namespace

Translations::Result Translations::install(const QLocale &locale)
{
    remove();
    Result result;
    auto *app = QCoreApplication::instance();
    if (!app)
        return result;

    // Tries each of the locale's UI languages in order (e.g. "fr-FR" then "fr").
    auto own = std::make_unique<QTranslator>(app);
    if (!own->load(locale, kBaseName, QStringLiteral("_"), kResourceDir))
        return result; // English: the source texts
    result.application = own->filePath();
    // Qt's strings in the language actually chosen above (LANGUAGE may list several).
    const QLocale chosen(own->language().isEmpty() ? locale.name() : own->language());
    s_application = own.release();
    QCoreApplication::installTranslator(s_application);

    auto qt = std::make_unique<QTranslator>(app);
    if (qt->load(chosen, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        result.qt = qt->filePath();
        s_qt = qt.release();
        QCoreApplication::installTranslator(s_qt);
    }
    return result;
}

void Translations::remove()
{
    drop(s_qt);
    drop(s_application);
}

QStringList Translations::available()
{
    static const QRegularExpression name(QStringLiteral("^re6st-tray_(.+)\\.qm$"));
    QStringList languages;
    const QStringList files = QDir(kResourceDir).entryList({QStringLiteral("*.qm")}, QDir::Files, QDir::Name);
    for (const QString &file : files) {
        const auto match = name.match(file);
        if (match.hasMatch())
            languages << match.captured(1);
    }
    return languages;
}

} // namespace re6st::gui
