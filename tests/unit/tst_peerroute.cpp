// SPDX-License-Identifier: GPL-2.0-or-later
// PeerRoute: how a peer is reached, from the D-Bus records (dbus/org.re6st.Node1.xml).
#include "core/PeerRoute.h"

#include <QtTest>

using re6st::PeerRoute;

namespace {
QVariantMap tunnel(const char *iface, const char *peer, const char *direction = nullptr)
{
    QVariantMap t{{QStringLiteral("interface"), QLatin1String(iface)}, {QStringLiteral("peer"), QLatin1String(peer)}};
    if (direction)
        t.insert(QStringLiteral("direction"), QLatin1String(direction));
    return t;
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

    // Two clients on one server interface, babel up with only one of them yet: the
    // lone neighbour is no reason to give its rtt to the other client (audit F9).
    void sharedServerInterfaceWithOneNeighbourYet()
    {
        const QList<QVariantMap> tunnels{tunnel("re6stnet-udp", "2/16", "server"),
                                         tunnel("re6stnet-udp", "3/16", "server")};
        const QList<QVariantMap> routes{route("2001:db8:42:2::/64", "::/0", "fe80::2", "re6stnet-udp", true)};
        const QList<QVariantMap> neighbours{neighbour("fe80::2", "re6stnet-udp", 2.5)};
        const PeerRoute known = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"), tunnels,
                                                routes, neighbours);
        QCOMPARE(known.kind, PeerRoute::Kind::Direct);
        QCOMPARE(known.rttMs, 2.5);
        QCOMPARE(known.neighbour.address, QStringLiteral("fe80::2"));
        const PeerRoute other = PeerRoute::find(QStringLiteral("3/16"), QStringLiteral("2001:db8:42:3::1"), tunnels,
                                                routes, neighbours);
        QCOMPARE(other.kind, PeerRoute::Kind::Direct);
        QCOMPARE(other.rttMs, -1.0);
        QVERIFY(other.neighbour.address.isEmpty());
    }

    // A server with a single client, or a client tunnel (its own tap): the only
    // neighbour on the interface is the peer, even before babel installed a route.
    void loneNeighbourOnAnUnsharedInterface()
    {
        const QList<QVariantMap> neighbours{neighbour("fe80::2", "re6stnet-udp", 2.5),
                                            neighbour("fe80::5", "re6stnet5", 5.0)};
        const PeerRoute server = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"),
                                                 {tunnel("re6stnet-udp", "2/16", "server")}, {}, neighbours);
        QCOMPARE(server.rttMs, 2.5);
        const PeerRoute client = PeerRoute::find(QStringLiteral("5/16"), QStringLiteral("2001:db8:42:5::1"),
                                                 {tunnel("re6stnet5", "5/16", "client")}, {}, neighbours);
        QCOMPARE(client.rttMs, 5.0);
        QCOMPARE(client.neighbour.address, QStringLiteral("fe80::5"));
    }

    // rtt_ms absent (babeld has no measurement yet) or negative: unknown, never 0.
    void missingOrNegativeRttIsUnknown()
    {
        QVariantMap silent = neighbour("fe80::2", "re6stnet2", 0);
        silent.remove(QStringLiteral("rtt_ms"));
        const PeerRoute absent = PeerRoute::find(QStringLiteral("2/16"), QStringLiteral("2001:db8:42:2::1"),
                                                 {tunnel("re6stnet2", "2/16", "client")}, {}, {silent});
        QCOMPARE(absent.rttMs, -1.0);
        QCOMPARE(absent.neighbour.address, QStringLiteral("fe80::2")); // the neighbour is known all the same
        QCOMPARE(PeerRoute::neighbourOn({neighbour("fe80::2", "re6stnet2", -1)}, QStringLiteral("re6stnet2"), {}).rttMs,
                 -1.0);
        QCOMPARE(PeerRoute::neighbourOn({neighbour("fe80::2", "re6stnet2", 0.5)}, QStringLiteral("re6stnet2"),
                                        QStringLiteral("fe80:0::2"))
                     .rttMs,
                 0.5);
        QVERIFY(PeerRoute::neighbourOn({neighbour("fe80::2", "re6stnet2", 0.5)}, QStringLiteral("re6stnet3"), {})
                    .address.isEmpty());
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
