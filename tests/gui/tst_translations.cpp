// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-tray's translations (issue 5 §4, §5): the French and German catalogues embedded
// in re6st-gui-lib load and real widgets (tray menu, main window tab, enrollment wizard
// with Qt's own buttons) show translated texts; with LANG=fr_FR.UTF-8 alone (a child
// process of this test, no generated locale needed) the GUI speaks French; both .ts files
// are complete, and lupdate over today's gui/ finds no string they lack.
#include "EnrollWizard.h"
#include "MainWindow.h"
#include "NodeModel.h"
#include "PeersModel.h"
#include "RoutesModel.h"
#include "Translations.h"
#include "TrayIcon.h"
#include "TunnelsModel.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDBusConnection>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLibraryInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTextStream>
#include <QXmlStreamReader>
#include <QtTest>

#include <cstdio>
#include <map>
#include <memory>

using namespace re6st::gui;

namespace {

// A connection that never connects: the models show "no bus" instead of talking to a daemon.
QDBusConnection noBus()
{
    return QDBusConnection(QStringLiteral("re6st-tst-translations-no-bus"));
}

// The widgets whose texts the tests compare, built after the translators are installed.
struct Gui
{
    NodeModel node{noBus()};
    PeersModel peers{&node};
    TunnelsModel tunnels{&node};
    RoutesModel routes{&node};
    TrayIcon tray{&node};
    MainWindow window{&node, &peers, &tunnels, &routes};
    EnrollWizard wizard{noBus()};
};

// One message of a .ts file.
struct Message
{
    QString context;
    QString source;
    QString comment;
    QString type;               // the translation's type attribute: "", unfinished, vanished, obsolete
    QStringList translations;   // one, or the numerus forms
    bool numerus = false;

    QString key() const { return context + u'\x1f' + source + u'\x1f' + comment; }
    QString describe() const
    {
        return QStringLiteral("[%1] \"%2\"").arg(context, QString(source).replace(u'\n', QStringLiteral("\\n")));
    }
};

struct TsFile
{
    QString language;
    QList<Message> messages;
    QString error;
};

TsFile readTs(const QString &path)
{
    TsFile ts;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        ts.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return ts;
    }
    QXmlStreamReader xml(&file);
    QString context;
    Message message;
    while (!xml.atEnd()) {
        xml.readNext();
        if (!xml.isStartElement())
            continue;
        const auto name = xml.name();
        if (name == QLatin1String("TS")) {
            ts.language = xml.attributes().value(QLatin1String("language")).toString();
        } else if (name == QLatin1String("name")) {
            context = xml.readElementText();
        } else if (name == QLatin1String("message")) {
            message = Message{};
            message.context = context;
            message.numerus = xml.attributes().value(QLatin1String("numerus")) == QLatin1String("yes");
        } else if (name == QLatin1String("source")) {
            message.source = xml.readElementText();
        } else if (name == QLatin1String("comment")) {
            message.comment = xml.readElementText();
        } else if (name == QLatin1String("translation")) {
            message.type = xml.attributes().value(QLatin1String("type")).toString();
            if (message.numerus) {
                while (xml.readNextStartElement())
                    message.translations << xml.readElementText();
            } else {
                message.translations << xml.readElementText();
            }
            ts.messages << message;
        }
    }
    if (xml.hasError())
        ts.error = QStringLiteral("%1: XML error at line %2: %3").arg(path).arg(xml.lineNumber()).arg(xml.errorString());
    return ts;
}

// %1…%99 and %n, sorted: a translation must keep every placeholder of its source.
QStringList placeholders(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("%(\\d{1,2}|n)"));
    QStringList found;
    for (auto it = re.globalMatch(text); it.hasNext();)
        found << it.next().captured(0);
    found.sort();
    found.removeDuplicates();
    return found;
}

// Whether the text has a keyboard accelerator (a single & before a character).
bool hasAccelerator(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("(^|[^&])&[^&\\s]"));
    return re.match(text).hasMatch();
}

QString findLupdate()
{
    const QString configured = qEnvironmentVariable("RE6ST_LUPDATE");
    if (!configured.isEmpty())
        return QFileInfo(configured).isExecutable() ? configured : QString();
    // Qt 6's own first: /usr/bin/lupdate may be Qt 5's (qtchooser).
    for (const auto where : {QLibraryInfo::BinariesPath, QLibraryInfo::LibraryExecutablesPath}) {
        const QString candidate = QLibraryInfo::path(where) + QStringLiteral("/lupdate");
        if (QFileInfo(candidate).isExecutable())
            return candidate;
    }
    const QString lupdate6 = QStandardPaths::findExecutable(QStringLiteral("lupdate6"));
    return lupdate6.isEmpty() ? QStandardPaths::findExecutable(QStringLiteral("lupdate-qt6")) : lupdate6;
}

// The child process of followsSystemLocale: what main.cpp does, then the texts seen.
int localeProbe(int argc, char *argv[])
{
    QApplication app(argc, argv);
    const Translations::Result loaded = Translations::install();
    const QLocale system = QLocale::system();
    QJsonObject out;
    {
        Gui gui;
        out.insert(QStringLiteral("open"), gui.tray.openAction()->text());
        out.insert(QStringLiteral("tab"), gui.window.tabs()->tabText(MainWindow::OverviewTab));
        out.insert(QStringLiteral("cancel"), gui.wizard.buttonText(QWizard::CancelButton));
    }
    out.insert(QStringLiteral("system"), system.name());
    out.insert(QStringLiteral("uiLanguages"), system.uiLanguages().join(u','));
    out.insert(QStringLiteral("application"), loaded.application);
    out.insert(QStringLiteral("qt"), loaded.qt);
    std::fputs(QJsonDocument(out).toJson(QJsonDocument::Compact).constData(), stdout);
    return 0;
}

void report(const QStringList &problems)
{
    for (const QString &problem : problems)
        qWarning().noquote() << problem;
}

constexpr char kProbeArgument[] = "--locale-probe";

} // namespace

class TestTranslations final : public QObject
{
    Q_OBJECT
private:
    QString m_source; // the source tree: translations/*.ts, gui/

    QStringList tsFiles() const
    {
        return {m_source + QStringLiteral("/translations/re6st-tray_fr.ts"),
                m_source + QStringLiteral("/translations/re6st-tray_de.ts")};
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_source = qEnvironmentVariable("RE6ST_SOURCE_DIR", QStringLiteral(RE6ST_SOURCE_DIR_FALLBACK));
        QVERIFY2(QFileInfo::exists(m_source + QStringLiteral("/translations/re6st-tray_fr.ts")),
                 qPrintable(QStringLiteral("no translations/ under %1: set RE6ST_SOURCE_DIR").arg(m_source)));
    }

    void cleanup()
    {
        Translations::remove();
        QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    }

    void embeddedLanguages()
    {
        QCOMPARE(Translations::available(), (QStringList{QStringLiteral("de"), QStringLiteral("fr")}));
    }

    void widgetsTranslated_data()
    {
        QTest::addColumn<QLocale>("locale");
        QTest::addColumn<QString>("open");     // tray menu
        QTest::addColumn<QString>("overview"); // main window tab
        QTest::addColumn<QString>("routes");   // main window tab
        QTest::addColumn<QString>("title");    // wizard
        QTest::addColumn<QString>("next");     // Qt's own QWizard button (qtbase_*.qm)
        QTest::addColumn<QString>("cancel");
        QTest::newRow("fr_FR") << QLocale(QLocale::French, QLocale::France) << QStringLiteral("Ouvrir la fenêtre re6st")
                               << QStringLiteral("Vue d'ensemble") << QStringLiteral("Routes")
                               << QStringLiteral("Rejoindre un réseau re6st") << QStringLiteral("Suivant")
                               << QStringLiteral("Annuler");
        QTest::newRow("fr_CA") << QLocale(QLocale::French, QLocale::Canada) << QStringLiteral("Ouvrir la fenêtre re6st")
                               << QStringLiteral("Vue d'ensemble") << QStringLiteral("Routes")
                               << QStringLiteral("Rejoindre un réseau re6st") << QStringLiteral("Suivant")
                               << QStringLiteral("Annuler");
        QTest::newRow("de_DE") << QLocale(QLocale::German, QLocale::Germany) << QStringLiteral("re6st-Fenster öffnen")
                               << QStringLiteral("Übersicht") << QStringLiteral("Routen")
                               << QStringLiteral("Einem re6st-Netzwerk beitreten") << QStringLiteral("Weiter")
                               << QStringLiteral("Abbrechen");
        QTest::newRow("en_US") << QLocale(QLocale::English, QLocale::UnitedStates) << QStringLiteral("Open re6st window")
                               << QStringLiteral("Overview") << QStringLiteral("Routes")
                               << QStringLiteral("Join a re6st network") << QStringLiteral("Next")
                               << QStringLiteral("Cancel");
    }

    void widgetsTranslated()
    {
        QFETCH(QLocale, locale);
        QFETCH(QString, open);
        QFETCH(QString, overview);
        QFETCH(QString, routes);
        QFETCH(QString, title);
        QFETCH(QString, next);
        QFETCH(QString, cancel);

        QLocale::setDefault(locale);
        const Translations::Result loaded = Translations::install(QLocale());
        const bool english = locale.language() == QLocale::English;
        QCOMPARE(loaded.application.isEmpty(), english);
        if (!english)
            QVERIFY2(loaded.application.startsWith(QLatin1String(":/i18n/re6st-tray_")), qPrintable(loaded.application));

        Gui gui;
        QCOMPARE(gui.tray.openAction()->text(), open);
        QCOMPARE(gui.window.tabs()->tabText(MainWindow::OverviewTab), overview);
        QCOMPARE(gui.window.tabs()->tabText(MainWindow::RoutesTab), routes);
        QCOMPARE(gui.wizard.windowTitle(), title);

        // Qt's strings: only where Debian's qt6-translations-l10n is installed.
        const QString qtCatalogue = QLibraryInfo::path(QLibraryInfo::TranslationsPath)
                                    + QStringLiteral("/qtbase_%1.qm").arg(QLocale::languageToCode(locale.language()));
        if (english || !QFileInfo::exists(qtCatalogue)) {
            if (!english)
                qWarning("%s missing (Debian: qt6-translations-l10n): Qt's own buttons stay English", qPrintable(qtCatalogue));
            QVERIFY(loaded.qt.isEmpty() || english);
            return;
        }
        QCOMPARE(loaded.qt, qtCatalogue);
        const QString nextText = gui.wizard.buttonText(QWizard::NextButton);
        QVERIFY2(nextText.contains(next), qPrintable(nextText));
        QCOMPARE(gui.wizard.buttonText(QWizard::CancelButton), cancel);
    }

    // Back to English after remove(); a second install replaces the first.
    void switchLanguages()
    {
        Translations::install(QLocale(QLocale::German, QLocale::Germany));
        Translations::install(QLocale(QLocale::French, QLocale::France));
        QCOMPARE(TrayIcon::tr("Quit"), QStringLiteral("Quitter"));
        Translations::remove();
        QCOMPARE(TrayIcon::tr("Quit"), QStringLiteral("Quit"));
        // A language we do not translate: English, and Qt's strings not mixed in.
        const Translations::Result spanish = Translations::install(QLocale(QLocale::Spanish, QLocale::Spain));
        QVERIFY(spanish.application.isEmpty());
        QVERIFY(spanish.qt.isEmpty());
        QCOMPARE(QCoreApplication::translate("QWizard", "Cancel"), QStringLiteral("Cancel"));
    }

    // What main.cpp does, in a process whose only locale setting is LANG=fr_FR.UTF-8
    // (the fr_FR locale need not be generated: Qt reads the variables itself).
    void followsSystemLocale_data()
    {
        QTest::addColumn<QString>("lang");
        QTest::addColumn<QString>("system");
        QTest::addColumn<QString>("open");
        QTest::addColumn<QString>("tab");
        QTest::newRow("fr") << QStringLiteral("fr_FR.UTF-8") << QStringLiteral("fr_FR")
                            << QStringLiteral("Ouvrir la fenêtre re6st") << QStringLiteral("Vue d'ensemble");
        QTest::newRow("de") << QStringLiteral("de_DE.UTF-8") << QStringLiteral("de_DE")
                            << QStringLiteral("re6st-Fenster öffnen") << QStringLiteral("Übersicht");
        QTest::newRow("C") << QStringLiteral("C.UTF-8") << QStringLiteral("C")
                           << QStringLiteral("Open re6st window") << QStringLiteral("Overview");
    }

    void followsSystemLocale()
    {
        QFETCH(QString, lang);
        QFETCH(QString, system);
        QFETCH(QString, open);
        QFETCH(QString, tab);

        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        for (const char *name : {"LC_ALL", "LC_MESSAGES", "LANGUAGE"})
            env.remove(QString::fromLatin1(name));
        env.insert(QStringLiteral("LANG"), lang);
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
        QProcess probe;
        probe.setProcessEnvironment(env);
        probe.start(QCoreApplication::applicationFilePath(), {QString::fromLatin1(kProbeArgument)});
        QVERIFY2(probe.waitForFinished(60000), "the locale probe did not finish within 60 s");
        const QByteArray output = probe.readAllStandardOutput();
        QVERIFY2(probe.exitStatus() == QProcess::NormalExit && probe.exitCode() == 0,
                 qPrintable(QString::fromUtf8(probe.readAllStandardError())));
        const QJsonObject seen = QJsonDocument::fromJson(output).object();
        QVERIFY2(!seen.isEmpty(), output.constData());
        QCOMPARE(seen.value(QLatin1String("system")).toString(), system);
        QCOMPARE(seen.value(QLatin1String("open")).toString(), open);
        QCOMPARE(seen.value(QLatin1String("tab")).toString(), tab);
    }

    // Every message of both .ts files translated: none unfinished, vanished or obsolete,
    // the same placeholders as its source, an accelerator where the source has one.
    void tsFilesComplete_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("language");
        QTest::newRow("fr") << tsFiles().at(0) << QStringLiteral("fr");
        QTest::newRow("de") << tsFiles().at(1) << QStringLiteral("de");
    }

    void tsFilesComplete()
    {
        QFETCH(QString, path);
        QFETCH(QString, language);
        const TsFile ts = readTs(path);
        QVERIFY2(ts.error.isEmpty(), qPrintable(ts.error));
        QVERIFY2(ts.language.startsWith(language), qPrintable(ts.language));
        QVERIFY2(ts.messages.size() > 100, qPrintable(QString::number(ts.messages.size())));

        QStringList problems;
        for (const Message &m : ts.messages) {
            if (m.type == QLatin1String("vanished") || m.type == QLatin1String("obsolete")) {
                problems << QStringLiteral("%1: no longer in gui/ (run `ninja update_translations`)").arg(m.describe());
                continue;
            }
            if (m.type == QLatin1String("unfinished") || m.translations.isEmpty()
                || std::any_of(m.translations.cbegin(), m.translations.cend(), [](const QString &t) { return t.isEmpty(); })) {
                problems << QStringLiteral("%1: not translated").arg(m.describe());
                continue;
            }
            for (const QString &t : m.translations) {
                if (placeholders(t) != placeholders(m.source))
                    problems << QStringLiteral("%1: placeholders %2 in the translation, %3 in the source")
                                    .arg(m.describe(), placeholders(t).join(u' '), placeholders(m.source).join(u' '));
                if (hasAccelerator(t) != hasAccelerator(m.source))
                    problems << QStringLiteral("%1: keyboard accelerator (&) lost or added: \"%2\"").arg(m.describe(), t);
            }
        }
        report(problems); // QtTest truncates long failure messages: one warning per problem
        QVERIFY2(problems.isEmpty(), qPrintable(QStringLiteral("%1 of %2 messages of %3 need work (listed above)")
                                                    .arg(problems.size()).arg(ts.messages.size()).arg(path)));
    }

    // lupdate over today's gui/ (into copies) finds nothing the .ts files lack or keep for
    // nothing: a new tr() string without its French and German translations fails here.
    void lupdateFindsNothingNew()
    {
        const QString lupdate = findLupdate();
        if (lupdate.isEmpty())
            QSKIP("lupdate not found (Debian: qt6-l10n-tools; or set RE6ST_LUPDATE)");
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QStringList copies;
        for (const QString &ts : tsFiles()) {
            const QString copy = dir.filePath(QFileInfo(ts).fileName());
            QVERIFY(QFile::copy(ts, copy));
            QFile::setPermissions(copy, QFile::ReadOwner | QFile::WriteOwner);
            copies << copy;
        }
        // The same invocation as the update_translations target (translations/CMakeLists.txt).
        QProcess run;
        run.setWorkingDirectory(m_source);
        run.start(lupdate, QStringList{QStringLiteral("-locations"), QStringLiteral("none"), QStringLiteral("-no-obsolete"),
                                       m_source + QStringLiteral("/gui"), QStringLiteral("-ts")}
                               + copies);
        QVERIFY2(run.waitForFinished(120000), "lupdate did not finish within 120 s");
        QVERIFY2(run.exitStatus() == QProcess::NormalExit && run.exitCode() == 0,
                 qPrintable(QString::fromUtf8(run.readAllStandardError() + run.readAllStandardOutput())));

        QStringList problems;
        for (int i = 0; i < copies.size(); ++i) {
            const TsFile before = readTs(tsFiles().at(i));
            const TsFile after = readTs(copies.at(i));
            QVERIFY2(before.error.isEmpty() && after.error.isEmpty(), qPrintable(before.error + after.error));
            std::map<QString, const Message *> known;
            for (const Message &m : before.messages)
                known[m.key()] = &m;
            const QString name = QFileInfo(copies.at(i)).fileName();
            for (const Message &m : after.messages) {
                if (known.erase(m.key()) == 0)
                    problems << QStringLiteral("%1: new string %2, not translated").arg(name, m.describe());
            }
            for (const auto &[key, m] : known)
                problems << QStringLiteral("%1: %2 is no longer in gui/").arg(name, m->describe());
        }
        report(problems);
        QVERIFY2(problems.isEmpty(),
                 qPrintable(QStringLiteral("translations/*.ts are out of date with gui/ (%1 differences listed above): "
                                           "run `ninja update_translations`, translate the new messages in both files "
                                           "(linguist), and rebuild.")
                                .arg(problems.size())));
    }
};

int main(int argc, char *argv[])
{
    if (argc > 1 && qstrcmp(argv[1], kProbeArgument) == 0)
        return localeProbe(argc, argv);
    QApplication app(argc, argv);
    TestTranslations test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_translations.moc"
