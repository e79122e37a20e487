// SPDX-License-Identifier: GPL-2.0-or-later
// NodeModel and the record models against the real daemon::DBusService on a private
// bus used as the system bus: they populate, follow the daemon's change signals, empty
// when it leaves the bus and recover when it returns.
#include "GuiTestBus.h"
#include "NodeModel.h"
#include "PeerReach.h"
#include "PeersModel.h"
#include "RecordsSortProxy.h"
#include "RoutesModel.h"
#include "TunnelsModel.h"
#include "ValueText.h"

#include <QLocale>
#include <QSortFilterProxyModel>
#include <QtTest>

using namespace re6st::gui;
using re6st::daemon::NodeStatus;

class TestGuiModels final : public QObject
{
    Q_OBJECT
private:
    re6st::test::GuiTestBus m_daemon;
    std::unique_ptr<NodeModel> m_node;
    std::unique_ptr<PeersModel> m_peers;
    std::unique_ptr<TunnelsModel> m_tunnels;
    std::unique_ptr<RoutesModel> m_routes;

    static QString cell(const QAbstractItemModel &model, int row, int column, int role = Qt::DisplayRole)
    {
        return model.data(model.index(row, column), role).toString();
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
    }

    void cleanupTestCase()
    {
        m_routes.reset();
        m_tunnels.reset();
        m_peers.reset();
        m_node.reset();
        m_daemon.stop();
    }

    void populatesFromTheDaemon()
    {
        QTRY_VERIFY_WITH_TIMEOUT(m_node->servicePresent(), 10000);
        QCOMPARE(m_node->address(), QStringLiteral("2001:db8:42:1::1"));
        QCOMPARE(NodeState::id(m_node->tray()), QStringLiteral("connected"));
        QCOMPARE(cell(*m_node, NodeModel::AddressRow, NodeModel::ValueColumn), QStringLiteral("2001:db8:42:1::1"));
        QCOMPARE(cell(*m_node, NodeModel::NetworkRow, NodeModel::ValueColumn), QStringLiteral("2001:db8:42::/48"));
        QCOMPARE(cell(*m_node, NodeModel::PeersRow, NodeModel::ValueColumn), QStringLiteral("2"));
        QCOMPARE(cell(*m_node, NodeModel::RegistryReachableRow, NodeModel::ValueColumn), ValueText::tr("yes"));

        QTRY_COMPARE_WITH_TIMEOUT(m_peers->rowCount(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tunnels->rowCount(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_routes->rowCount(), 2, 10000);
        QCOMPARE(m_peers->columnCount(), 7);
        QCOMPARE(cell(*m_peers, 0, PeersModel::PrefixColumn), QStringLiteral("2/16"));
        QCOMPARE(cell(*m_peers, 0, PeersModel::CountryColumn), QStringLiteral("FR"));
        QCOMPARE(cell(*m_peers, 1, PeersModel::CountryColumn), PeersModel::tr("unknown"));
        // How each peer is reached: our tunnel to 2/16 (babel's rtt on it), 3/16 through it.
        QTRY_COMPARE_WITH_TIMEOUT(cell(*m_peers, 0, PeersModel::ReachColumn),
                                  PeerReach::tr("direct tunnel (%1)").arg(QStringLiteral("re6stnet1")), 10000);
        QTRY_COMPARE_WITH_TIMEOUT(cell(*m_peers, 0, PeersModel::RttColumn),
                                  PeersModel::tr("%1 ms").arg(QLocale().toString(12.5, 'f', 1)), 10000);
        QCOMPARE(cell(*m_peers, 1, PeersModel::ReachColumn),
                 PeerReach::tr("via %1 (%2)").arg(QStringLiteral("fe80::2"), QStringLiteral("re6stnet1")));
        QCOMPARE(cell(*m_peers, 1, PeersModel::RttColumn), QString());
        QCOMPARE(cell(*m_tunnels, 0, 3), TunnelsModel::tr("outgoing"));
        // Raw values for sorting keep the contract's types (t: 5 GB does not fit 32 bits).
        QCOMPARE(m_tunnels->data(m_tunnels->index(0, 5), RecordsModel::SortRole).toULongLong(),
                 Q_UINT64_C(5000000000));
        QVERIFY(m_peers->errorText().isEmpty());
    }

    void sortsNumerically()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_routes->rowCount(), 2, 10000);
        QSortFilterProxyModel sorted;
        sorted.setSourceModel(m_routes.get());
        sorted.setSortRole(RecordsModel::SortRole);
        sorted.sort(RoutesModel::MetricColumn, Qt::DescendingOrder);
        QCOMPARE(cell(sorted, 0, RoutesModel::MetricColumn), QStringLiteral("512"));
        sorted.sort(RoutesModel::MetricColumn, Qt::AscendingOrder);
        QCOMPARE(cell(sorted, 0, RoutesModel::MetricColumn), QStringLiteral("256"));
        // babel's rtt to the next hop (Neighbours()).
        QTRY_COMPARE_WITH_TIMEOUT(cell(sorted, 0, RoutesModel::RttColumn),
                                  RoutesModel::tr("%1 ms").arg(QLocale().toString(12.5, 'f', 1)), 10000);
    }

    void followsChanges()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_peers->rowCount(), 2, 10000);
        m_daemon.status.peers.append(NodeStatus::peerRecord(QStringLiteral("4/16"), QStringLiteral("2001:db8:42:4::1"),
                                                            QStringLiteral("DE"), 10, 1700000200, false));
        m_daemon.status.peerCount = 3;
        m_daemon.status.address = QStringLiteral("2001:db8:42:1::2");
        m_daemon.status.tunnels.clear();
        m_daemon.status.tunnelCount = 0;
        m_daemon.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(m_peers->rowCount(), 3, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tunnels->rowCount(), 0, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_node->address(), QStringLiteral("2001:db8:42:1::2"), 10000);
        QCOMPARE(m_node->peerCount(), 3u);
        QCOMPARE(cell(*m_peers, 2, PeersModel::CountryColumn), QStringLiteral("DE"));
        // The tunnel to 2/16 closed: it is now reached through babel's route.
        QTRY_COMPARE_WITH_TIMEOUT(cell(*m_peers, 0, PeersModel::ReachColumn),
                                  PeerReach::tr("via %1 (%2)").arg(QStringLiteral("fe80::2"), QStringLiteral("re6stnet1")),
                                  10000);
        QCOMPARE(cell(*m_peers, 2, PeersModel::ReachColumn), PeerReach::tr("unknown"));
    }

    // babeld not answering: the routes table empties and says why.
    void routesErrorIsExplained()
    {
        QTRY_COMPARE_WITH_TIMEOUT(m_routes->rowCount(), 2, 10000);
        m_daemon.status.babelReachable = false;
        m_daemon.refresh();
        QTRY_VERIFY_WITH_TIMEOUT(!m_routes->errorText().isEmpty(), 10000);
        QCOMPARE(m_routes->rowCount(), 0);
        QVERIFY2(m_routes->errorText().contains(QLatin1String("babeld")), qPrintable(m_routes->errorText()));
        m_daemon.status.babelReachable = true;
        m_daemon.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(m_routes->rowCount(), 2, 10000);
        QVERIFY(m_routes->errorText().isEmpty());
    }

    void daemonLeavesAndComesBack()
    {
        QTRY_VERIFY_WITH_TIMEOUT(m_node->servicePresent(), 10000);
        QSignalSpy presence(m_node.get(), &NodeModel::servicePresenceChanged);
        m_daemon.stopService();
        QTRY_VERIFY_WITH_TIMEOUT(!m_node->servicePresent(), 10000);
        QCOMPARE(NodeState::id(m_node->tray()), QStringLiteral("daemon-not-running"));
        QVERIFY(m_node->address().isEmpty());
        QCOMPARE(m_peers->rowCount(), 0);
        QCOMPARE(m_tunnels->rowCount(), 0);
        QCOMPARE(m_routes->rowCount(), 0);
        QCOMPARE(cell(*m_node, NodeModel::PeersRow, NodeModel::ValueColumn), ValueText::tr("unknown"));

        m_daemon.status = re6st::test::GuiTestBus::connectedStatus();
        m_daemon.status.state = NodeStatus::State::Connecting;
        const QString error = m_daemon.startService();
        QVERIFY2(error.isEmpty(), qPrintable(error));
        QTRY_VERIFY_WITH_TIMEOUT(m_node->servicePresent(), 10000);
        QCOMPARE(NodeState::id(m_node->tray()), QStringLiteral("connecting"));
        QTRY_COMPARE_WITH_TIMEOUT(m_peers->rowCount(), 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tunnels->rowCount(), 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_routes->rowCount(), 2, 10000);
        QCOMPARE(presence.size(), 2);
    }

    // Prefixes sort by their bits, as re6stctl sorts them (2/16 before 10/16, not as
    // text); protocol 0 (no session with the peer yet) is unknown, not version 0.
    void prefixOrderAndUnknownProtocol()
    {
        QTRY_VERIFY_WITH_TIMEOUT(m_node->servicePresent(), 10000);
        m_daemon.status.peers.append(NodeStatus::peerRecord(QStringLiteral("10/16"), QStringLiteral("2001:db8:42:a::1"),
                                                            QString(), 0, 0, false));
        m_daemon.status.tunnels.append(NodeStatus::tunnelRecord(QStringLiteral("re6stnet2"), QStringLiteral("10/16"),
                                                                QStringLiteral("udp"), true, 1700000300, 0, 0));
        m_daemon.refresh();
        QTRY_COMPARE_WITH_TIMEOUT(m_peers->rowCount(), 3, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(m_tunnels->rowCount(), 2, 10000);
        RecordsSortProxy peers(m_peers.get());
        peers.sort(PeersModel::PrefixColumn, Qt::AscendingOrder);
        QCOMPARE(cell(peers, 0, PeersModel::PrefixColumn), QStringLiteral("2/16"));
        QCOMPARE(cell(peers, 1, PeersModel::PrefixColumn), QStringLiteral("3/16"));
        QCOMPARE(cell(peers, 2, PeersModel::PrefixColumn), QStringLiteral("10/16"));
        QCOMPARE(cell(peers, 2, PeersModel::ProtocolColumn), PeersModel::tr("unknown"));
        QCOMPARE(cell(peers, 0, PeersModel::ProtocolColumn), QStringLiteral("10"));
        RecordsSortProxy tunnels(m_tunnels.get());
        tunnels.sort(1, Qt::DescendingOrder); // peer
        QCOMPARE(cell(tunnels, 0, 1), QStringLiteral("10/16"));
        QCOMPARE(cell(tunnels, 1, 1), QStringLiteral("2/16"));
        // Other columns keep the raw values' order.
        tunnels.sort(4, Qt::DescendingOrder); // since
        QCOMPARE(cell(tunnels, 0, 1), QStringLiteral("10/16"));
        tunnels.sort(4, Qt::AscendingOrder);
        QCOMPARE(cell(tunnels, 0, 1), QStringLiteral("2/16"));
    }

    // No bus at all (no dbus-daemon on the machine): "daemon not running", with the reason.
    void withoutABus()
    {
        const QString name = QStringLiteral("re6st-test-nobus");
        {
            NodeModel node(QDBusConnection::connectToBus(QStringLiteral("unix:path=/nonexistent/bus"), name));
            QVERIFY(node.known());
            QVERIFY(!node.servicePresent());
            QCOMPARE(NodeState::id(node.tray()), QStringLiteral("daemon-not-running"));
            QVERIFY(!node.busError().isEmpty());
            QSignalSpy finished(&node, &NodeModel::actionFinished);
            node.start();
            QCOMPARE(finished.size(), 1);
            QCOMPARE(finished.at(0).at(1).toString(), node.busError());
        }
        QDBusConnection::disconnectFromBus(name);
    }
};

QTEST_MAIN(TestGuiModels)
#include "tst_guimodels.moc"
