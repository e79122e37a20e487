// SPDX-License-Identifier: GPL-2.0-or-later
#include "TrayApplication.h"

#include "ConflictsPanel.h"
#include "MainWindow.h"
#include "NodeModel.h"
#include "PeersModel.h"
#include "RoutesModel.h"
#include "TrayIcon.h"
#include "TunnelsModel.h"

#include <QApplication>

namespace re6st::gui {

TrayApplication::TrayApplication(const QDBusConnection &bus, QObject *parent)
    : QObject(parent),
      m_node(new NodeModel(bus, this)),
      m_peers(new PeersModel(m_node, this)),
      m_tunnels(new TunnelsModel(m_node, this)),
      m_routes(new RoutesModel(m_node, this)),
      m_tray(new TrayIcon(m_node, this)),
      m_window(new MainWindow(m_node, m_peers, m_tunnels, m_routes))
{
    m_window->addOverviewPanel(new ConflictsPanel(bus));
    connect(m_tray, &TrayIcon::openWindowRequested, this, &TrayApplication::openWindow);
    connect(m_tray, &TrayIcon::quitRequested, this, &TrayApplication::quitRequested);
}

TrayApplication::~TrayApplication()
{
    delete m_window;
}

void TrayApplication::start(bool trayAvailable)
{
    if (trayAvailable) {
        // Closing the window leaves the tray running.
        QApplication::setQuitOnLastWindowClosed(false);
        m_tray->show();
        return;
    }
    // No tray host (plain X session, some Wayland desktops): the window is the UI, and
    // closing it quits.
    QApplication::setQuitOnLastWindowClosed(true);
    openWindow();
}

void TrayApplication::openWindow()
{
    m_window->show();
    m_window->raise();
    m_window->activateWindow();
}

} // namespace re6st::gui
