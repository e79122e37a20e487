// SPDX-License-Identifier: GPL-2.0-or-later
// GatewayRouteTable: the --remote-gateway reference counts of node-protocol.md §9.4.
#include "core/GatewayRouteTable.h"
#include <QTest>

using re6st::GatewayRouteTable;
using Kind = GatewayRouteTable::Change::Kind;

class tst_GatewayRouteTable final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void inertWithoutGateways()
    {
        GatewayRouteTable t;
        QVERIFY(!t.isEnabled());
        QVERIFY(!t.holdForTunnel("10.0.0.1"));
        t.holdForServedClient("10.0.0.1");
        QCOMPARE(t.holders("10.0.0.1"), 0);
        QVERIFY(!t.release("10.0.0.1"));
        QVERIFY(t.releaseAll().isEmpty());
    }

    void gatewaysInTurnAndSharedRemotes()
    {
        GatewayRouteTable t({"192.168.1.1", "192.168.2.1"});
        QCOMPARE(t.holdForTunnel("10.0.0.1"), (GatewayRouteTable::Change{Kind::Add, "10.0.0.1", "192.168.1.1"}));
        QCOMPARE(t.holdForTunnel("10.0.0.2"), (GatewayRouteTable::Change{Kind::Add, "10.0.0.2", "192.168.2.1"}));
        QCOMPARE(t.holdForTunnel("10.0.0.3"), (GatewayRouteTable::Change{Kind::Add, "10.0.0.3", "192.168.1.1"}));
        // A second tunnel to the same remote: counted, no second route.
        QVERIFY(!t.holdForTunnel("10.0.0.2"));
        QCOMPARE(t.holders("10.0.0.2"), 2);
        QVERIFY(!t.release("10.0.0.2")); // one tunnel left: the route stays
        QCOMPARE(t.release("10.0.0.2"), (GatewayRouteTable::Change{Kind::Delete, "10.0.0.2", "192.168.2.1"}));
        QCOMPARE(t.holders("10.0.0.2"), 0);
        QVERIFY(!t.release("10.0.0.2")); // an extra release changes nothing
        // IPv6 and host names are not routed (IPv4 remotes only).
        QVERIFY(!t.holdForTunnel("2001:db8::1"));
        QVERIFY(!t.holdForTunnel("example.com"));
        QCOMPARE(t.holders("2001:db8::1"), 0);
    }

    void servedClientsCountWithoutRoute()
    {
        GatewayRouteTable t({"192.168.1.1"});
        t.holdForServedClient("10.0.0.9");
        QCOMPARE(t.holders("10.0.0.9"), 1);
        // Our tunnel to an address a client is served from adds no route (§9.4).
        QVERIFY(!t.holdForTunnel("10.0.0.9"));
        QCOMPARE(t.gatewayOf("10.0.0.9"), QString());
        QVERIFY(!t.release("10.0.0.9"));
        QVERIFY(!t.release("10.0.0.9")); // last holder, never routed: nothing to delete
        // Routed first, then a served client from there: the route stays until both go.
        QVERIFY(t.holdForTunnel("10.0.0.8"));
        t.holdForServedClient("10.0.0.8");
        QVERIFY(!t.release("10.0.0.8"));
        QCOMPARE(t.release("10.0.0.8"), (GatewayRouteTable::Change{Kind::Delete, "10.0.0.8", "192.168.1.1"}));
    }

    void releaseAllDeletesEveryRoute()
    {
        GatewayRouteTable t({"192.168.1.1", "192.168.2.1"});
        QVERIFY(t.holdForTunnel("10.0.0.1"));
        QVERIFY(t.holdForTunnel("10.0.0.2"));
        QVERIFY(!t.holdForTunnel("10.0.0.2"));
        t.holdForServedClient("10.0.0.3");
        const auto all = t.releaseAll();
        QCOMPARE(all.size(), 2);
        QVERIFY(all.contains(GatewayRouteTable::Change{Kind::Delete, "10.0.0.1", "192.168.1.1"}));
        QVERIFY(all.contains(GatewayRouteTable::Change{Kind::Delete, "10.0.0.2", "192.168.2.1"}));
        QCOMPARE(t.holders("10.0.0.2"), 0);
        QVERIFY(!t.release("10.0.0.1"));
    }
};

QTEST_GUILESS_MAIN(tst_GatewayRouteTable)
#include "tst_gatewayroutetable.moc"
