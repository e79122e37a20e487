// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-tray: the desktop face of a re6st node (issue 5). Runs as the desktop user and
// talks to re6stnet only over the system bus (dbus/org.re6st.Node1.xml).
#include "MainWindow.h"
#include "TrayApplication.h"
#include "TrayLog.h"
#include "Translations.h"
#include "WindowScreenshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDBusConnection>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <cstdio>

int main(int argc, char *argv[])
{
    re6st::gui::TrayLog::install(); // escaped: messages quote the daemon and the registry
    QApplication app(argc, argv);
    re6st::gui::Translations::install(); // the desktop's language (QLocale::system())
    QApplication::setApplicationName(QStringLiteral("re6st-tray"));
    QApplication::setApplicationDisplayName(QObject::tr("re6st"));
    QApplication::setApplicationVersion(QStringLiteral(RE6ST_VERSION));
    // The Wayland app id / X11 class must name dist/desktop/org.re6st.Tray.desktop.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.re6st.Tray"));

    // --window TAB opens the window at start; --screenshot DIR saves it once populated (tests).
    QCommandLineParser options;
    options.setApplicationDescription(QObject::tr("The re6st node in the system tray."));
    options.addHelpOption();
    options.addVersionOption();
    const QStringList tabNames{QStringLiteral("overview"), QStringLiteral("peers"), QStringLiteral("tunnels"),
                               QStringLiteral("routes"), QStringLiteral("neighbourhood")};
    const QCommandLineOption windowOption(
        QStringLiteral("window"),
        QObject::tr("Open the window at start, on TAB (%1).").arg(tabNames.join(QStringLiteral(", "))),
        QObject::tr("TAB"));
    const QCommandLineOption screenshotOption(
        QStringLiteral("screenshot"),
        QObject::tr("Once the window shows a running node, save a PNG of each tab and window.txt into DIR."),
        QObject::tr("DIR"));
    const QCommandLineOption nodesOption(
        QStringLiteral("screenshot-nodes"),
        QObject::tr("With --screenshot: wait for at least N other nodes in the neighbourhood (default 1)."),
        QObject::tr("N"), QStringLiteral("1"));
    options.addOptions({windowOption, screenshotOption, nodesOption});
    options.process(app);
    const qsizetype tab = options.isSet(windowOption) ? tabNames.indexOf(options.value(windowOption)) : 0;
    if (tab < 0) {
        fprintf(stderr, "%s\n", qPrintable(QObject::tr("Unknown tab \"%1\": use one of %2.")
                                               .arg(options.value(windowOption), tabNames.join(QStringLiteral(", ")))));
        return 2;
    }

    re6st::gui::TrayApplication tray(QDBusConnection::systemBus());
    QObject::connect(&tray, &re6st::gui::TrayApplication::quitRequested, &app, &QApplication::quit);
    tray.start(QSystemTrayIcon::isSystemTrayAvailable());
    if (options.isSet(windowOption) || options.isSet(screenshotOption)) {
        tray.window()->tabs()->setCurrentIndex(int(tab));
        tray.openWindow();
    }
    if (options.isSet(screenshotOption))
        new re6st::gui::WindowScreenshot(&tray, options.value(screenshotOption), options.value(nodesOption).toInt(), &tray);
    return app.exec();
}
