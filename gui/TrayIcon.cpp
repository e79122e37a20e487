// SPDX-License-Identifier: GPL-2.0-or-later
#include "TrayIcon.h"

#include "EnrollWizard.h"
#include "NodeModel.h"
#include "TrayIconSet.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDBusConnection>
#include <QMenu>
#include <QMessageBox>
#include <QSystemTrayIcon>
#include <QTimer>

namespace re6st::gui {

TrayIcon::TrayIcon(NodeModel *node, QObject *parent)
    : QObject(parent), m_node(node), m_tray(new QSystemTrayIcon(this)), m_menu(new QMenu)
{
    m_open = m_menu->addAction(tr("Open re6st window"), this, &TrayIcon::openWindowRequested);
    m_join = m_menu->addAction(tr("Join a network…"), this, &TrayIcon::openWizard);
    m_menu->addSeparator();
    m_start = m_menu->addAction(tr("Start"), m_node, &NodeModel::start);
    m_stop = m_menu->addAction(tr("Stop"), m_node, &NodeModel::stop);
    m_copy = m_menu->addAction(tr("Copy my address"), this, [this] {
        QGuiApplication::clipboard()->setText(m_node->address());
    });
    m_menu->addSeparator();
    m_quit = m_menu->addAction(tr("Quit"), this, &TrayIcon::quitRequested);
    m_tray->setContextMenu(m_menu);
    connect(m_tray, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
        if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
            Q_EMIT openWindowRequested();
    });
    connect(m_node, &NodeModel::changed, this, &TrayIcon::update);
    connect(m_node, &NodeModel::actionFinished, this, [this](const QString &action, const QString &failure) {
        if (!failure.isEmpty())
            showMessage(tr("%1 failed").arg(action), failure, true);
    });
    m_clock = new QTimer(this);
    m_clock->setInterval(3600 * 1000);
    connect(m_clock, &QTimer::timeout, this, &TrayIcon::update);
    m_clock->start();
    update();
}

TrayIcon::~TrayIcon()
{
    delete m_wizard;
    delete m_box;
    delete m_menu;
}

EnrollWizard *TrayIcon::wizard() const
{
    return m_wizard;
}

void TrayIcon::openWizard()
{
    // One wizard at a time; it talks to the daemon on the system bus, like NodeModel.
    if (!m_wizard) {
        m_wizard = new EnrollWizard(QDBusConnection::systemBus());
        m_wizard->setAttribute(Qt::WA_DeleteOnClose);
        connect(m_wizard, &QWizard::finished, m_wizard, &QObject::deleteLater);
    }
    m_wizard->show();
    m_wizard->raise();
    m_wizard->activateWindow();
    Q_EMIT wizardOpened(m_wizard);
}

void TrayIcon::show()
{
    m_tray->show();
}

void TrayIcon::update()
{
    const NodeState::Tray previous = m_state;
    m_state = m_node->tray();
    m_tray->setIcon(TrayIconSet::icon(m_state, TrayIconSet::variantFor(QGuiApplication::palette())));

    QStringList tip{tr("re6st: %1").arg(NodeState::title(m_state))};
    if (!m_node->address().isEmpty())
        tip << tr("Address: %1").arg(m_node->address());
    if (m_node->servicePresent())
        tip << tr("Peers: %1, tunnels: %2").arg(m_node->peerCount()).arg(m_node->tunnelCount());
    if (!m_node->busError().isEmpty()) // no bus, or the daemon's status cannot be read now
        tip << m_node->busError();
    m_tray->setToolTip(tip.join(u'\n'));

    m_start->setEnabled(NodeState::canStart(m_state));
    m_stop->setEnabled(NodeState::canStop(m_state));
    m_copy->setEnabled(!m_node->address().isEmpty());

    // No notification for what the first answer of the bus shows (start of the session).
    const bool baseline = m_baseline;
    m_baseline = m_node->known();
    if (previous == m_state)
        return;
    Q_EMIT stateChanged(m_state);
    if (!baseline)
        return;
    if (NodeState::meshUp(previous) && !NodeState::meshUp(m_state))
        notify(tr("re6st connection lost"), NodeState::title(m_state) + u'\n' + NodeState::advice(m_state));
    else if (!NodeState::meshUp(previous) && NodeState::meshUp(m_state))
        notify(tr("re6st connection restored"), NodeState::title(m_state));
    if (m_state == NodeState::Tray::CertificateExpiring)
        notify(tr("re6st certificate expiring soon"), NodeState::advice(m_state));
}

void TrayIcon::notify(const QString &title, const QString &message)
{
    if (m_tray->isVisible())
        m_tray->showMessage(title, message.trimmed(), m_tray->icon());
    Q_EMIT notified(title, message.trimmed());
}

void TrayIcon::showMessage(const QString &title, const QString &text, bool error)
{
    // Non-modal: the tray must keep working, and tests must not block on it.
    delete m_box;
    m_box = new QMessageBox(error ? QMessageBox::Warning : QMessageBox::Information, title, text, QMessageBox::Ok);
    m_box->setTextFormat(Qt::PlainText); // the daemon's error message (audit F7)
    m_box->setAttribute(Qt::WA_DeleteOnClose);
    m_box->setModal(false);
    m_box->show();
    Q_EMIT messageShown(text);
}

} // namespace re6st::gui
