// SPDX-License-Identifier: GPL-2.0-or-later
// The window's periodic refresh (audit F3) against the real daemon::DBusService on a
// private bus used as the system bus: byte counters, last_seen and rtt_ms change
// without a *Changed signal (dbus/org.re6st.Node1.xml); the window on screen shows the
// new values in place (selection and sort order kept, no reset), and nothing polls
// while it is hidden or minimised.
#include "GuiTestBus.h"
#include "MainWindow.h"
#include "NeighbourhoodView.h"
#include "NodeModel.h"
#include "PeersModel.h"
#include "RoutesModel.h"
#include "TunnelsModel.h"
#include "ValueText.h"
#include "WindowRefresh.h"
#include "node1proxy.h"

#include <QDBusPendingCallWatcher>
#include <QItemSelectionModel>
#include <QLocale>
#include <QTableView>
#include <QtTest>

#include <functional>

using namespace re6st::gui;
using re6st::daemon::NodeStatus;

namespace {
constexpr int kRx = 5; // TunnelsModel's columns
constexpr int kTx = 6;
constexpr int kBound = 3 * WindowRefresh::kInterval; // generous: one period is enough

QString cell(const QTableView *view, int row, int column)
{
    return view->model()->index(row, column).data().toString();
}
// The row of the tunnel to `peer` in the Tunnels tab, however it is sorted.
int rowOf(const QTableView *view, const QString &peer)
{
    for (int row = 0; row < view->model()->rowCount(); ++row)
        if (cell(view, row, 1) == peer)
            return row;
    return -1;
}
QString ms(double value)
{
    return RoutesModel::tr("%1 ms").arg(QLocale().toString(value, 'f', 1));
}
} // namespace

class TestWindowRefresh final : public QObject
{
    Q_OBJECT
private:
    // The tray's objects (TrayApplication), the window never shown at first.
    struct Tray
    {
        NodeModel node{QDBusConnection::systemBus()};
        PeersModel peers{&node};
        TunnelsModel tunnels{&node};
        RoutesModel routes{&node};
        MainWindow window{&node, &peers, &tunnels, &routes};
    };
    re6st::test::GuiTestBus m_daemon;
    std::unique_ptr<Tray> m_tray;
    NodeModel *m_node = nullptr;
    TunnelsModel *m_tunnels = nullptr;
    MainWindow *m_window = nullptr;

    // Changes what the daemon answers without any *Changed signal, as a counter or
    // an rtt moving does.
    void quietly(const std::function<void(NodeStatus &)> &change)
    {
        const NodeStatus before = m_daemon.status;
        change(m_daemon.status);
        QCOMPARE(NodeStatus::changedRecords(before, m_daemon.status), int(NodeStatus::NoRecords));
        m_daemon.refresh();
    }
    // Waits until every call made so far on the bus is answered (the bus keeps the
    // order of one connection's calls and replies).
    void settle()
    {
        QDBusPendingCallWatcher watcher(m_node->proxy()->asyncCall(QStringLiteral("Tunnels")));
        QTRY_VERIFY_WITH_TIMEOUT(watcher.isFinished(), 10000);
        QCoreApplication::processEvents();
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_daemon.status = re6st::test::GuiTestBus::connectedStatus();
        // A second tunnel: a client of our server, so that sorting has something to keep.
        m_daemon.status.tunnels << NodeStatus::tunnelRecord(QStringLiteral("re6stnet-udp"), QStringLiteral("3/16"),
                                                            QStringLiteral("udp"), false, 1700000200, 100, 200);
        const QString error = m_daemon.start();
        if (error.startsWith(QLatin1String("skip: ")))
            QSKIP(qPrintable(error.mid(6)));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        m_tray = std::make_unique<Tray>();
        m_node = &m_tray->node;
        m_tunnels = &m_tray->tunnels;
        m_window = &m_tray->window;
        QTRY_COMPARE_WITH_TIMEOUT(m_tunnels->rowCount(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tray->routes.rowCount(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tray->peers.rowCount(), 2, 10000);
    }

    void cleanupTestCase()
    {
        m_tray.reset();
        m_daemon.stop();
    }

    // Never shown: no timer, no call; the counters stay as first read.
    void hiddenWindowDoesNotPoll()
    {
        QSignalSpy due(m_window->refresher(), &WindowRefresh::due);
        QVERIFY(!m_window->isVisible());
        QVERIFY(!m_window->refresher()->isActive());
        quietly([](NodeStatus &s) {
            s.tunnels[0][QStringLiteral("rx_bytes")] = QVariant::fromValue<qulonglong>(6000000000);
        });
        settle();
        QCOMPARE(due.size(), 0);
        QCOMPARE(m_tunnels->data(m_tunnels->index(0, kRx), RecordsModel::SortRole).toULongLong(),
                 Q_UINT64_C(5000000000));
    }

    // Shown: what changed while hidden at once, then every few seconds, in place.
    void shownWindowFollowsVolatileValues()
    {
        QTableView *view = m_window->table(MainWindow::TunnelsTab);
        m_window->show();
        QVERIFY(m_window->refresher()->isActive());
        QTRY_COMPARE_WITH_TIMEOUT(cell(view, rowOf(view, QStringLiteral("2/16")), kRx), ValueText::bytes(6000000000),
                                  kBound);

        // Sorted by peer, descending (3/16 first), with 3/16 selected.
        view->sortByColumn(1, Qt::DescendingOrder);
        QCOMPARE(cell(view, 0, 1), QStringLiteral("3/16"));
        view->selectRow(0);
        QSignalSpy reset(m_tunnels, &QAbstractItemModel::modelReset);
        QSignalSpy changed(m_tunnels, &QAbstractItemModel::dataChanged);
        quietly([](NodeStatus &s) {
            s.tunnels[1][QStringLiteral("tx_bytes")] = QVariant::fromValue<qulonglong>(7000000);
        });
        QTRY_COMPARE_WITH_TIMEOUT(cell(view, 0, kTx), ValueText::bytes(7000000), kBound);
        QCOMPARE(cell(view, 0, 1), QStringLiteral("3/16"));
        QCOMPARE(view->selectionModel()->selectedRows().size(), 1);
        QCOMPARE(view->selectionModel()->selectedRows().first().row(), 0);
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1); // that row only

        // A refresh that brings nothing new touches nothing.
        QSignalSpy due(m_window->refresher(), &WindowRefresh::due);
        QVERIFY(due.wait(kBound));
        settle();
        QCOMPARE(reset.size(), 0);
        QCOMPARE(changed.size(), 1);
    }

    // last_seen (Peers()) and rtt_ms (Neighbours()) raise no signal either; an rtt_ms
    // babeld does not know (absent) is unknown, not 0 ms.
    void lastSeenAndRtt()
    {
        QVERIFY(m_window->isVisible());
        QTableView *peers = m_window->table(MainWindow::PeersTab);
        QTableView *routes = m_window->table(MainWindow::RoutesTab);
        QTRY_COMPARE_WITH_TIMEOUT(cell(peers, 0, PeersModel::RttColumn), ms(12.5), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(routes, 0, RoutesModel::RttColumn), ms(12.5), 10000);
        quietly([](NodeStatus &s) {
            s.peers[0][QStringLiteral("last_seen")] = QVariant::fromValue<qlonglong>(1700000999);
            s.neighbours[0][QStringLiteral("rtt_ms")] = 30.0;
        });
        QTRY_COMPARE_WITH_TIMEOUT(cell(peers, 0, PeersModel::LastSeenColumn),
                                  ValueText::time(1700000999, RecordsModel::tr("never")), kBound);
        QTRY_COMPARE_WITH_TIMEOUT(cell(peers, 0, PeersModel::RttColumn), ms(30), kBound);
        QTRY_COMPARE_WITH_TIMEOUT(cell(routes, 0, RoutesModel::RttColumn), ms(30), kBound);
        const NeighbourhoodView *picture = m_window->neighbourhood();
        QTRY_VERIFY_WITH_TIMEOUT(picture->graph().describe(1).contains(QLocale().toString(30.0, 'f', 1)), kBound);

        quietly([](NodeStatus &s) { s.neighbours[0].remove(QStringLiteral("rtt_ms")); });
        QTRY_COMPARE_WITH_TIMEOUT(cell(peers, 0, PeersModel::RttColumn), QString(), kBound);
        QTRY_COMPARE_WITH_TIMEOUT(cell(routes, 0, RoutesModel::RttColumn), QString(), kBound);
    }

    // Hidden again, or minimised: the polling stops.
    void stopsWhenHiddenOrMinimised()
    {
        QVERIFY(m_window->refresher()->isActive());
        m_window->hide();
        QVERIFY(!m_window->refresher()->isActive());
        m_window->showMinimized();
        QVERIFY(!m_window->refresher()->isActive());
        m_window->showNormal();
        QVERIFY(m_window->refresher()->isActive());
        m_window->close();
        QVERIFY(!m_window->refresher()->isActive());
    }
};

QTEST_MAIN(TestWindowRefresh)
#include "tst_windowrefresh.moc"
