// SPDX-License-Identifier: GPL-2.0-or-later
// NodeStatus: the snapshot behind org.re6st.Node1 (dbus/org.re6st.Node1.xml).
#include "../../daemon/NodeStatus.h"

#include <QtTest>

using re6st::daemon::NodeStatus;

class TestNodeStatus final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void stateNamesRoundTrip()
    {
        using S = NodeStatus::State;
        const QList<std::pair<S, QString>> names{
            {S::Stopped, QStringLiteral("stopped")}, {S::Starting, QStringLiteral("starting")},
            {S::Connecting, QStringLiteral("connecting")}, {S::Connected, QStringLiteral("connected")},
            {S::RegistryUnreachable, QStringLiteral("registry-unreachable")}, {S::Stopping, QStringLiteral("stopping")},
            {S::Error, QStringLiteral("error")}};
        for (const auto &[state, name] : names) {
            QCOMPARE(NodeStatus::toString(state), name);
            QCOMPARE(NodeStatus::stateFromString(name), std::optional<S>(state));
        }
        QVERIFY(!NodeStatus::stateFromString(QStringLiteral("Connected")));
        QVERIFY(!NodeStatus::stateFromString(QString()));
    }

    void equalSnapshotsHaveNoChanges()
    {
        NodeStatus a;
        a.prefix = QStringLiteral("1/16");
        a.peers = {NodeStatus::peerRecord(QStringLiteral("2/16"), QStringLiteral("2001:db8::2"), {}, 10, 5, true)};
        const NodeStatus b = a;
        QVERIFY(NodeStatus::changedProperties(a, b).isEmpty());
        QCOMPARE(NodeStatus::changedRecords(a, b), int(NodeStatus::NoRecords));
    }

    void everyPropertyIsDiffed()
    {
        const NodeStatus a;
        NodeStatus b;
        b.state = NodeStatus::State::Error;
        b.stateDetail = QStringLiteral("x");
        b.prefix = QStringLiteral("1/16");
        b.address = QStringLiteral("2001:db8::1");
        b.subnet = QStringLiteral("2001:db8::/64");
        b.network = QStringLiteral("2001:db8::/48");
        b.registry = QStringLiteral("http://10.42.0.1/");
        b.registryReachable = true;
        b.certificateNotAfter = 1;
        b.nextRenewal = 2;
        b.peerCount = 3;
        b.tunnelCount = 4;
        b.protocolVersion = 10;
        b.version = QStringLiteral("0.1.0");
        b.enrolled = true;
        b.configDirectory = QStringLiteral("/etc/re6stnet");
        b.neighbourPrefixes = {QStringLiteral("2/16")};
        const QStringList changed = NodeStatus::changedProperties(a, b);
        // Every D-Bus property, and only those, in a stable order.
        QCOMPARE(changed.size(), 17);
        QStringList sorted = changed;
        sorted.sort();
        QCOMPARE(sorted, QStringList(b.properties().keys()));
        QCOMPARE(changed.first(), QStringLiteral("State"));
    }

    void onlyChangedPropertiesAreListed()
    {
        NodeStatus a;
        a.peerCount = 2;
        NodeStatus b = a;
        b.peerCount = 3;
        b.registryReachable = true;
        QCOMPARE(NodeStatus::changedProperties(a, b),
                 (QStringList{QStringLiteral("RegistryReachable"), QStringLiteral("PeerCount")}));
        b.babelReachable = true; // not a property
        QCOMPARE(NodeStatus::changedProperties(a, b).size(), 2);
    }

    void propertyValuesHaveWireTypes()
    {
        NodeStatus s;
        s.certificateNotAfter = 4102444800;
        const QVariantMap p = s.properties();
        QCOMPARE(p.value(QStringLiteral("State")).toString(), QStringLiteral("stopped"));
        QCOMPARE(p.value(QStringLiteral("CertificateNotAfter")).metaType(), QMetaType::fromType<qlonglong>());
        QCOMPARE(p.value(QStringLiteral("CertificateNotAfter")).toLongLong(), 4102444800LL);
        QCOMPARE(p.value(QStringLiteral("PeerCount")).metaType(), QMetaType::fromType<uint>());
        QCOMPARE(p.value(QStringLiteral("RegistryReachable")).metaType(), QMetaType::fromType<bool>());
    }

    void recordListsAreDiffedSeparately()
    {
        NodeStatus a;
        a.babelReachable = true;
        NodeStatus b = a;
        b.tunnels = {NodeStatus::tunnelRecord(QStringLiteral("re6stnet1"), QStringLiteral("2/16"),
                                              QStringLiteral("udp"), false, 7, 1, 2)};
        QCOMPARE(NodeStatus::changedRecords(a, b), int(NodeStatus::TunnelRecords));
        NodeStatus c = b;
        c.tunnels[0][QStringLiteral("rx_bytes")] = QVariant::fromValue<qulonglong>(99);
        QCOMPARE(NodeStatus::changedRecords(b, c), int(NodeStatus::NoRecords)); // counters only: no signal
        c.tunnels[0][QStringLiteral("since")] = QVariant::fromValue<qlonglong>(8);
        QCOMPARE(NodeStatus::changedRecords(b, c), int(NodeStatus::TunnelRecords));
        NodeStatus d = a;
        d.peers = {NodeStatus::peerRecord(QStringLiteral("2/16"), {}, {}, 10, 0, false)};
        d.neighbours = {NodeStatus::neighbourRecord(QStringLiteral("fe80::1"), QStringLiteral("eth0"), 1.5, 96, 0xffff)};
        QCOMPARE(NodeStatus::changedRecords(a, d), int(NodeStatus::PeerRecords | NodeStatus::NeighbourRecords));
        NodeStatus e = a;
        e.babelReachable = false; // Routes()/Neighbours() now answer an error
        QCOMPARE(NodeStatus::changedRecords(a, e), int(NodeStatus::RouteRecords | NodeStatus::NeighbourRecords));
    }

    void recordsHaveContractKeysAndTypes()
    {
        const QVariantMap t = NodeStatus::tunnelRecord(QStringLiteral("re6stnet1"), QStringLiteral("2/16"),
                                                       QStringLiteral("tcp6"), true, 7, Q_UINT64_C(5000000000), 2);
        QCOMPARE(QStringList(t.keys()), (QStringList{QStringLiteral("direction"), QStringLiteral("interface"),
                                                     QStringLiteral("peer"), QStringLiteral("protocol"),
                                                     QStringLiteral("rx_bytes"), QStringLiteral("since"),
                                                     QStringLiteral("tx_bytes")}));
        QCOMPARE(t.value(QStringLiteral("direction")).toString(), QStringLiteral("client"));
        QCOMPARE(t.value(QStringLiteral("rx_bytes")).metaType(), QMetaType::fromType<qulonglong>());
        QCOMPARE(t.value(QStringLiteral("rx_bytes")).toULongLong(), Q_UINT64_C(5000000000));
        QCOMPARE(t.value(QStringLiteral("since")).metaType(), QMetaType::fromType<qlonglong>());
        const QVariantMap n = NodeStatus::neighbourRecord(QStringLiteral("fe80::1"), QStringLiteral("eth0"), 1.5, 96, 0xfff0);
        QCOMPARE(n.value(QStringLiteral("reach")).metaType(), QMetaType::fromType<ushort>());
        QCOMPARE(n.value(QStringLiteral("rtt_ms")).metaType(), QMetaType::fromType<double>());
        const QVariantMap r = NodeStatus::routeRecord(QStringLiteral("2001:db8::/64"), QStringLiteral("::/0"),
                                                      QStringLiteral("fe80::1"), QStringLiteral("eth0"), 256, false);
        QCOMPARE(r.value(QStringLiteral("metric")).metaType(), QMetaType::fromType<uint>());
        QCOMPARE(r.value(QStringLiteral("installed")).toBool(), false);
        const QVariantMap p = NodeStatus::peerRecord(QStringLiteral("2/16"), {}, QStringLiteral("FR"), 10, 5, true);
        QCOMPARE(p.size(), 6);
        QCOMPARE(p.value(QStringLiteral("protocol")).metaType(), QMetaType::fromType<uint>());
    }
};

QTEST_GUILESS_MAIN(TestNodeStatus)
#include "tst_nodestatus.moc"
