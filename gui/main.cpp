// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-tray: the desktop face of a re6st node (issue 5). Runs as the desktop user and
// talks to re6stnet only over the system bus (dbus/org.re6st.Node1.xml).
#include "TrayApplication.h"

#include <QApplication>
#include <QDBusConnection>
#include <QSystemTrayIcon>

int main(int argc, char *argv[])
{
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("re6st-tray"));
    QApplication::setApplicationDisplayName(QObject::tr("re6st"));
    QApplication::setApplicationVersion(QStringLiteral(RE6ST_VERSION));

    re6st::gui::TrayApplication tray(QDBusConnection::systemBus());
    QObject::connect(&tray, &re6st::gui::TrayApplication::quitRequested, &app, &QApplication::quit);
    tray.start(QSystemTrayIcon::isSystemTrayAvailable());
    return app.exec();
}
