// SPDX-License-Identifier: GPL-2.0-or-later
// TrayIcon and MainWindow against the real daemon::DBusService on a private bus used as
// the system bus: the tray state follows the daemon (connected → registry unreachable →
// stopped → daemon gone → back), notifications, refused Start/Stop shown to the user,
// copy address, and the window's tabs.
#include "EnrollWizard.h"
#include "GuiTestBus.h"
#include "MainWindow.h"
#include "NodeModel.h"
#include "PeersModel.h"
#include "RoutesModel.h"
#include "TrayApplication.h"
#include "TrayIcon.h"
#include "TunnelsModel.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QGuiApplication>
#include <QMessageBox>
#include <QSystemTrayIcon>
#include <QTabWidget>
#include <QTableView>
#include <QtTest>

using namespace re6st::gui;
using re6st::daemon::NodeStatus;

class TestTrayIcon final : public QObject
{
    Q_OBJECT
private:
    re6st::test::GuiTestBus m_daemon;
    std::unique_ptr<NodeModel> m_node;
    std::unique_ptr<PeersModel> m_peers;
    std::unique_ptr<TunnelsModel> m_tunnels;
    std::unique_ptr<RoutesModel> m_routes;
    std::unique_ptr<TrayIcon> m_tray;
    std::unique_ptr<MainWindow> m_window;
    std::unique_ptr<QSignalSpy> m_startupNotifications; // from the tray's construction on

    QString trayState() const { return NodeState::id(m_tray->state()); }

    void setState(NodeStatus::State state)
    {
        m_daemon.status.state = state;
        m_daemon.refresh();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_daemon.status = re6st::test::GuiTestBus::connectedStatus();
        const QString error = m_daemon.start();
        if (error.startsWith(QLatin1String("skip: ")))
            QSKIP(qPrintable(error.mid(6)));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_node = std::make_unique<NodeModel>(QDBusConnection::systemBus());
        m_peers = std::make_unique<PeersModel>(m_node.get());
        m_tunnels = std::make_unique<TunnelsModel>(m_node.get());
        m_routes = std::make_unique<RoutesModel>(m_node.get());
        m_tray = std::make_unique<TrayIcon>(m_node.get());
        m_startupNotifications = std::make_unique<QSignalSpy>(m_tray.get(), &TrayIcon::notified);
        m_window = std::make_unique<MainWindow>(m_node.get(), m_peers.get(), m_tunnels.get(), m_routes.get());
    }

    void cleanupTestCase()
    {
        m_window.reset();
        m_startupNotifications.reset();
        m_tray.reset();
        m_routes.reset();
        m_tunnels.reset();
        m_peers.reset();
        m_node.reset();
        m_daemon.stop();
    }

    void init()
    {
        // Every test starts from a connected node.
        QTRY_VERIFY_WITH_TIMEOUT(m_node->servicePresent(), 10000);
        m_daemon.status = re6st::test::GuiTestBus::connectedStatus();
        m_daemon.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("connected"), 10000);
    }

    void startupIsNotANotification()
    {
        // The tray was built before the first answer; showing "connected" then is no news.
        QCOMPARE(trayState(), QStringLiteral("connected"));
        QVERIFY(m_startupNotifications->isEmpty());
        const QString tip = m_tray->systemTrayIcon()->toolTip();
        QVERIFY2(tip.contains(QLatin1String("2001:db8:42:1::1")), qPrintable(tip));
        QVERIFY2(tip.contains(TrayIcon::tr("Peers: %1, tunnels: %2").arg(2).arg(1)), qPrintable(tip));
        QVERIFY(!m_tray->systemTrayIcon()->icon().isNull());
    }

    void followsTheDaemon()
    {
        QSignalSpy notified(m_tray.get(), &TrayIcon::notified);
        const QImage connectedIcon = m_tray->systemTrayIcon()->icon().pixmap(32, 32).toImage();

        m_daemon.status.registryReachable = false;
        setState(NodeStatus::State::RegistryUnreachable);
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("registry-unreachable"), 10000);
        QVERIFY(notified.isEmpty()); // the mesh is still up
        QVERIFY(m_tray->systemTrayIcon()->icon().pixmap(32, 32).toImage() != connectedIcon);
        QCOMPARE(m_window->headline(), NodeState::title(NodeState::Tray::RegistryUnreachable));

        setState(NodeStatus::State::Stopped);
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("stopped"), 10000);
        QCOMPARE(notified.size(), 1);
        QCOMPARE(notified.at(0).at(0).toString(), TrayIcon::tr("re6st connection lost"));
        QVERIFY(m_tray->startAction()->isEnabled());
        QVERIFY(!m_tray->stopAction()->isEnabled());

        m_daemon.stopService();
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("daemon-not-running"), 10000);
        QVERIFY(!m_tray->startAction()->isEnabled());
        QVERIFY(!m_tray->copyAddressAction()->isEnabled());
        QVERIFY(!m_tray->systemTrayIcon()->toolTip().contains(QLatin1String("2001:db8")));
        QCOMPARE(m_window->headline(), NodeState::title(NodeState::Tray::DaemonNotRunning));

        m_daemon.status = re6st::test::GuiTestBus::connectedStatus();
        const QString error = m_daemon.startService();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("connected"), 10000);
        QCOMPARE(notified.size(), 2);
        QCOMPARE(notified.at(1).at(0).toString(), TrayIcon::tr("re6st connection restored"));
        QCOMPARE(m_tray->systemTrayIcon()->icon().pixmap(32, 32).toImage(), connectedIcon);
    }

    void warnsBeforeTheCertificateExpires()
    {
        QSignalSpy notified(m_tray.get(), &TrayIcon::notified);
        m_daemon.status.certificateNotAfter = QDateTime::currentSecsSinceEpoch() + 3 * 24 * 3600;
        m_daemon.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("certificate-expiring"), 10000);
        QCOMPARE(notified.size(), 1);
        QCOMPARE(notified.at(0).at(0).toString(), TrayIcon::tr("re6st certificate expiring soon"));
    }

    void notEnrolled()
    {
        m_daemon.status.enrolled = false;
        setState(NodeStatus::State::Stopped);
        QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("not-enrolled"), 10000);
        QVERIFY(!m_tray->startAction()->isEnabled());
    }

    // No polkit on the private bus: the daemon refuses; the user sees why, non-modally.
    void refusedActionsAreShown_data()
    {
        QTest::addColumn<bool>("start");
        QTest::newRow("start") << true;
        QTest::newRow("stop") << false;
    }
    void refusedActionsAreShown()
    {
        QFETCH(bool, start);
        if (start) {
            setState(NodeStatus::State::Stopped);
            QTRY_COMPARE_WITH_TIMEOUT(trayState(), QStringLiteral("stopped"), 10000);
        }
        QAction *action = start ? m_tray->startAction() : m_tray->stopAction();
        QVERIFY(action->isEnabled());
        QSignalSpy shown(m_tray.get(), &TrayIcon::messageShown);
        m_daemon.controller.calls.clear();
        action->trigger();
        QTRY_COMPARE_WITH_TIMEOUT(shown.size(), 1, 15000);
        const QString text = shown.at(0).at(0).toString();
        QVERIFY2(text.contains(QLatin1String("polkit")), qPrintable(text));
        QVERIFY(m_tray->messageBox());
        QVERIFY(m_tray->messageBox()->isVisible());
        QVERIFY(!m_tray->messageBox()->isModal());
        QCOMPARE(m_tray->messageBox()->icon(), QMessageBox::Warning);
        QCOMPARE(m_tray->messageBox()->text(), text);
        QVERIFY2(m_tray->messageBox()->windowTitle().contains(start ? TrayIcon::tr("Start") : TrayIcon::tr("Stop")),
                 qPrintable(m_tray->messageBox()->windowTitle()));
        QVERIFY(m_daemon.controller.calls.isEmpty()); // refused before the node was touched
        m_tray->messageBox()->close();
        QTRY_VERIFY(!m_tray->messageBox());
    }

    void joinOpensTheWizard()
    {
        QSignalSpy shown(m_tray.get(), &TrayIcon::messageShown);
        QSignalSpy opened(m_tray.get(), &TrayIcon::wizardOpened);
        m_tray->joinAction()->trigger();
        QCOMPARE(opened.size(), 1);
        QCOMPARE(shown.size(), 0);
        QPointer<EnrollWizard> wizard = m_tray->wizard();
        QVERIFY(wizard);
        QVERIFY(wizard->isVisible());
        QCOMPARE(wizard->currentId(), int(EnrollWizard::RegistryPageId));
        m_tray->joinAction()->trigger(); // the same wizard again, not a second one
        QCOMPARE(m_tray->wizard(), wizard.data());
        wizard->reject();
        QTRY_VERIFY(!wizard);
        QVERIFY(!m_tray->wizard());
    }

    void copiesTheAddress()
    {
        QGuiApplication::clipboard()->clear();
        m_tray->copyAddressAction()->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("2001:db8:42:1::1"));
        QGuiApplication::clipboard()->clear();
        QVERIFY(m_window->copyAddressAction()->isEnabled());
        m_window->copyAddressAction()->trigger();
        QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("2001:db8:42:1::1"));
    }

    void openWindowIsRequested()
    {
        QSignalSpy open(m_tray.get(), &TrayIcon::openWindowRequested);
        m_tray->openAction()->trigger();
        QCOMPARE(open.size(), 1);
        QSignalSpy quit(m_tray.get(), &TrayIcon::quitRequested);
        m_tray->quitAction()->trigger();
        QCOMPARE(quit.size(), 1);
    }

    void windowShowsTheNode()
    {
        m_window->show();
        QVERIFY(QTest::qWaitForWindowExposed(m_window.get()));
        QCOMPARE(m_window->tabs()->count(), 5);
        QCOMPARE(m_window->headline(), NodeState::title(NodeState::Tray::Connected));
        QAbstractItemModel *overview = m_window->table(MainWindow::OverviewTab)->model();
        QCOMPARE(overview->data(overview->index(NodeModel::AddressRow, NodeModel::ValueColumn)).toString(),
                 QStringLiteral("2001:db8:42:1::1"));
        QTRY_COMPARE_WITH_TIMEOUT(m_window->table(MainWindow::PeersTab)->model()->rowCount(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_window->table(MainWindow::TunnelsTab)->model()->rowCount(), 1, 10000);
        QTableView *routes = m_window->table(MainWindow::RoutesTab);
        QTRY_COMPARE_WITH_TIMEOUT(routes->model()->rowCount(), 2, 10000);
        QVERIFY(routes->isSortingEnabled());
        const int metric = RoutesModel::MetricColumn;
        routes->sortByColumn(metric, Qt::DescendingOrder);
        QCOMPARE(routes->model()->data(routes->model()->index(0, metric)).toString(), QStringLiteral("512"));
        routes->sortByColumn(metric, Qt::AscendingOrder);
        QCOMPARE(routes->model()->data(routes->model()->index(0, metric)).toString(), QStringLiteral("256"));
        // With RE6ST_GUI_ARTIFACTS=DIR: a picture of each tab (offscreen rendering).
        if (const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS"); !dir.isEmpty())
            for (int tab = 0; tab < m_window->tabs()->count(); ++tab) {
                m_window->tabs()->setCurrentIndex(tab);
                QVERIFY(m_window->grab().save(dir + QStringLiteral("/window-tab%1.png").arg(tab)));
            }
        m_window->close();
    }

    // No tray host (as on this offscreen platform): the window opens, closing it quits.
    void windowInsteadOfAMissingTray()
    {
        QVERIFY(!QSystemTrayIcon::isSystemTrayAvailable());
        TrayApplication app(QDBusConnection::systemBus());
        QVERIFY(!app.window()->isVisible());
        app.start(QSystemTrayIcon::isSystemTrayAvailable());
        QVERIFY(app.window()->isVisible());
        QVERIFY(!app.tray()->systemTrayIcon()->isVisible());
        QVERIFY(QApplication::quitOnLastWindowClosed());
        QTRY_COMPARE_WITH_TIMEOUT(app.window()->headline(), NodeState::title(NodeState::Tray::Connected), 10000);
        QSignalSpy quit(&app, &TrayApplication::quitRequested);
        app.tray()->quitAction()->trigger();
        QCOMPARE(quit.size(), 1);
    }
};

QTEST_MAIN(TestTrayIcon)
#include "tst_trayicon.moc"
