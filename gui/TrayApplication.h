// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusConnection>
#include <QObject>

namespace re6st::gui {

class MainWindow;
class NodeModel;
class PeersModel;
class RoutesModel;
class TrayIcon;
class TunnelsModel;

// re6st-tray put together: one NodeModel and the record models shared by the tray icon
// and the window. Where no tray host exists, the window is the UI (never a silent exit).
class TrayApplication final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayApplication)
public:
    explicit TrayApplication(const QDBusConnection &bus, QObject *parent = nullptr);
    ~TrayApplication() override;

    // Shows the tray icon when `trayAvailable` (QSystemTrayIcon::isSystemTrayAvailable()),
    // else opens the window and lets closing it quit.
    void start(bool trayAvailable);

    NodeModel *node() const { return m_node; }
    TrayIcon *tray() const { return m_tray; }
    MainWindow *window() const { return m_window; }

public Q_SLOTS:
    void openWindow();

Q_SIGNALS:
    void quitRequested();

private:
    NodeModel *m_node;
    PeersModel *m_peers;
    TunnelsModel *m_tunnels;
    RoutesModel *m_routes;
    TrayIcon *m_tray;
    MainWindow *m_window; // owned: deleted in the destructor (a QWidget has no QObject parent)
};

} // namespace re6st::gui
