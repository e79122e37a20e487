// SPDX-License-Identifier: GPL-2.0-or-later
// PeerRoute: how a peer is reached, from the D-Bus records (dbus/org.re6st.Node1.xml).
#include "core/PeerRoute.h"

#include <QtTest>

using re6st::PeerRoute;

namespace {
QVariantMap tunnel(const char *iface, const char *peer)
{
    return {{QStringLiteral("interface"), QLatin1String(iface)}, {QStringLiteral("peer"), QLatin1String(peer)}};
}
QVariantMap route(const char *destination, const char *source, const char *nextHop, const char *iface, bool installed)
{
    return {{QStringLiteral("destination"), QLatin1String(destination)}, {QStringLiteral("source"), QLatin1String(source)},
            {QStringLiteral("next_hop"), QLatin1String(nextHop)}, {QStringLiteral("interface"), QLatin1String(iface)},
            {QStringLiteral("installed"), installed}};
}
QVariantMap neighbour(const char *address, const char *iface, double rtt)
{
    return {{QStringLiteral("address"), QLatin1String(address)}, {QStringLiteral("interface"), QLatin1String(iface)},
            {QStringLiteral("rtt_ms"), rtt}};
}
} // namespace

class TestPeerRoute final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void directTunnelWinsWithItsNeighbourRtt()
    {
        const PeerRoute r = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"),
                                            {tunnel("re6stnet1", "3/16"), tunnel("re6stnet2", "2/16")},
                                            {route("2001:db8:42:2::/64", "::/0", "fe80::9", "re6stnet1", true)},
                                            {neighbour("fe80::2", "re6stnet2", 12.5)});
        QCOMPARE(r.kind, PeerRoute::Kind::Direct);
        QCOMPARE(r.tunnel.value(QStringLiteral("interface")).toString(), QStringLiteral("re6stnet2"));
        QCOMPARE(r.rttMs, 12.5);
    }

    // A server's interface is shared by its clients: each peer gets the rtt of
    // the neighbour its route goes through, never another client's.
    void sharedServerInterfaceRttPerPeer()
    {
        const QList<QVariantMap> tunnels{tunnel("re6stnet-tcp", "2/16"), tunnel("re6stnet-tcp", "3/16"),
                                         tunnel("re6stnet-tcp", "4/16")};
        const QList<QVariantMap> routes{route("2001:db8:42:2::/64", "::/0", "fe80::2", "re6stnet-tcp", true),
                                        route("2001:db8:42:3::/64", "::/0", "fe80::3", "re6stnet-tcp", true),
                                        route("2001:db8:42:4::/64", "::/0", "fe80::9", "re6stnet1", true)};
        const QList<QVariantMap> neighbours{neighbour("fe80::3", "re6stnet-tcp", 7.5),
                                            neighbour("fe80::2", "re6stnet-tcp", 2.5),
                                            neighbour("fe80::9", "re6stnet1", 1.0)};
        auto rtt = [&](const char *prefix, const char *address) {
            const PeerRoute r = PeerRoute::find(QLatin1String(prefix), QLatin1String(address), tunnels, routes, neighbours);
            [&] { QCOMPARE(r.kind, PeerRoute::Kind::Direct); }();
            return r.rttMs;
        };
        QCOMPARE(rtt("2/16", "2001:db8:42:2::1"), 2.5);
        QCOMPARE(rtt("3/16", "2001:db8:42:3::1"), 7.5);
        QCOMPARE(rtt("4/16", "2001:db8:42:4::1"), -1.0); // its route goes elsewhere: unknown
    }

    void mostSpecificInstalledSourcelessRoute()
    {
        const QList<QVariantMap> routes{
            route("2001:db8:42::/48", "::/0", "fe80::1", "re6stnet1", true),
            route("2001:db8:42:2::/64", "2001:db8:42::/48", "fe80::3", "re6stnet3", true),
            route("2001:db8:42:2::/64", "::/0", "fe80::2", "re6stnet2", true),
            route("2001:db8:42:2::/80", "::/0", "fe80::4", "re6stnet4", false), // not installed
        };
        const PeerRoute r = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"), {}, routes,
                                            {neighbour("fe80::2", "re6stnet2", 3)});
        QCOMPARE(r.kind, PeerRoute::Kind::Routed);
        QCOMPARE(r.route.value(QStringLiteral("next_hop")).toString(), QStringLiteral("fe80::2"));
        QCOMPARE(r.rttMs, -1.0); // babel knows the rtt to fe80::2, not to the peer behind it
    }

    void peerThatIsTheNextHopHasAnRtt()
    {
        const PeerRoute r = PeerRoute::find(QString(), QStringLiteral("fe80::2"), {},
                                            {route("fe80::/64", "::/0", "fe80::2", "eth0", true)},
                                            {neighbour("fe80::2", "eth0", 0.8)});
        QCOMPARE(r.kind, PeerRoute::Kind::Routed);
        QCOMPARE(r.rttMs, 0.8);
    }

    void unknownWithoutTunnelOrRoute()
    {
        const PeerRoute r = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("not an address"), {tunnel("re6stnet1", "3/16")},
                                            {route("::/0", "::/0", "fe80::1", "re6stnet1", true)}, {});
        QCOMPARE(r.kind, PeerRoute::Kind::Unknown);
        QCOMPARE(r.rttMs, -1.0);
    }
};

QTEST_GUILESS_MAIN(TestPeerRoute)
#include "tst_peerroute.moc"
