// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "NodeState.h"

#include <QMessageBox>
#include <QObject>
#include <QPointer>

class QAction;
class QMenu;

class QSystemTrayIcon;
class QTimer;

namespace re6st::gui {

class EnrollWizard;
class NodeModel;

// The tray icon: one icon per NodeState, a tooltip with our address and the numbers of
// peers and tunnels, the menu (open window, join a network…, start/stop, copy my address,
// quit) and notifications when the mesh connection is lost or restored and when the
// certificate is about to expire. Failed actions are shown in a non-modal message box;
// "Join a network…" opens the enrollment wizard (EnrollWizard).
class TrayIcon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TrayIcon)
public:
    explicit TrayIcon(NodeModel *node, QObject *parent = nullptr);
    ~TrayIcon() override;

    NodeState::Tray state() const { return m_state; }
    QSystemTrayIcon *systemTrayIcon() const { return m_tray; }
    QMenu *menu() const { return m_menu; }
    QAction *openAction() const { return m_open; }
    QAction *joinAction() const { return m_join; }
    QAction *startAction() const { return m_start; }
    QAction *stopAction() const { return m_stop; }
    QAction *copyAddressAction() const { return m_copy; }
    QAction *quitAction() const { return m_quit; }
    QMessageBox *messageBox() const { return m_box; } // the last one shown, while open
    EnrollWizard *wizard() const; // the enrollment wizard, while open

    void show(); // only where a tray host exists

Q_SIGNALS:
    void openWindowRequested();
    void quitRequested();
    void stateChanged(re6st::gui::NodeState::Tray state);
    void notified(const QString &title, const QString &message);
    void messageShown(const QString &text); // an error or information box opened
    void wizardOpened(re6st::gui::EnrollWizard *wizard); // "Join a network…"

public Q_SLOTS:
    void update();
    void openWizard(); // the enrollment wizard (issue 5 §2)

private:
    void notify(const QString &title, const QString &message);
    void showMessage(const QString &title, const QString &text, bool error);

    NodeModel *m_node;
    QSystemTrayIcon *m_tray = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_open = nullptr;
    QAction *m_join = nullptr;
    QAction *m_start = nullptr;
    QAction *m_stop = nullptr;
    QAction *m_copy = nullptr;
    QAction *m_quit = nullptr;
    QTimer *m_clock = nullptr; // certificate expiry moves with time alone
    QPointer<QMessageBox> m_box;
    QPointer<EnrollWizard> m_wizard;
    NodeState::Tray m_state = NodeState::Tray::DaemonNotRunning;
    bool m_baseline = false; // the state shown comes from an answer of the bus
};

} // namespace re6st::gui
