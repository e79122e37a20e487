// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PeerRoute.h"

#include <QHostAddress>

#include <algorithm>

namespace re6st {

namespace {
QString text(const QVariantMap &record, const char *key)
{
    return record.value(QLatin1String(key)).toString();
}

const QVariantMap *bestRoute(const QList<QVariantMap> &routes, const QString &address)
{
    const QHostAddress host(address);
    if (host.isNull())
        return nullptr;
    const QVariantMap *best = nullptr;
    int bestLength = -1;
    bool bestSourceless = false;
    for (const QVariantMap &r : routes) {
        if (!r.value(QStringLiteral("installed")).toBool())
            continue;
        const auto subnet = QHostAddress::parseSubnet(text(r, "destination"));
        if (subnet.first.isNull() || !host.isInSubnet(subnet))
            continue;
        const QString source = text(r, "source");
        const bool sourceless = source.isEmpty() || source == QLatin1String("::/0");
        if (subnet.second > bestLength || (subnet.second == bestLength && sourceless && !bestSourceless)) {
            best = &r;
            bestLength = subnet.second;
            bestSourceless = sourceless;
        }
    }
    return best;
}

// babel's neighbour at the other end of `tunnel`, the tunnel to the peer at
// `address`. A client tunnel's interface (a tap of its own) has a single babel
// neighbour: the peer. A server's (re6stnet-tcp, re6stnet-udp) is shared by every
// client of that server, and babel may know only some of them yet (just
// connected, babeld down on their side), so a lone neighbour there may be another
// client: there the neighbour is the next hop of the installed route to the peer's
// address through that interface (none: unknown, rather than another peer's).
PeerRoute::Neighbour tunnelNeighbour(const QVariantMap &tunnel, const QString &address,
                                     const QList<QVariantMap> &tunnels, const QList<QVariantMap> &routes,
                                     const QList<QVariantMap> &neighbours)
{
    const QString interface = text(tunnel, "interface");
    const auto onInterface = std::count_if(neighbours.cbegin(), neighbours.cend(),
                                           [&](const QVariantMap &n) { return text(n, "interface") == interface; });
    const auto sharing = std::count_if(tunnels.cbegin(), tunnels.cend(),
                                       [&](const QVariantMap &t) { return text(t, "interface") == interface; });
    // direction: "client" (we connected: our own tap) or "server" (dbus/org.re6st.Node1.xml, Tunnels()).
    const bool ownInterface = text(tunnel, "direction") == QLatin1String("client") || sharing <= 1;
    if (onInterface <= 1 && ownInterface)
        return PeerRoute::neighbourOn(neighbours, interface, {});
    const QVariantMap *route = bestRoute(routes, address);
    if (!route || text(*route, "interface") != interface || text(*route, "next_hop").isEmpty())
        return {};
    return PeerRoute::neighbourOn(neighbours, interface, text(*route, "next_hop"));
}
} // namespace

PeerRoute::Neighbour PeerRoute::neighbourOn(const QList<QVariantMap> &neighbours, const QString &interface,
                                            const QString &address)
{
    for (const QVariantMap &n : neighbours) {
        if (text(n, "interface") != interface)
            continue;
        if (!address.isEmpty() && QHostAddress(text(n, "address")) != QHostAddress(address))
            continue;
        Neighbour out;
        out.address = text(n, "address");
        // rtt_ms may be absent while babeld has no valid measurement (dbus/org.re6st.Node1.xml,
        // Neighbours()): unknown, never 0. `>= 0` also turns NaN into unknown.
        const QVariant rtt = n.value(QStringLiteral("rtt_ms"));
        if (rtt.isValid() && rtt.toDouble() >= 0)
            out.rttMs = rtt.toDouble();
        return out;
    }
    return {};
}

PeerRoute PeerRoute::find(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                          const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours)
{
    PeerRoute out;
    if (!prefix.isEmpty())
        for (const QVariantMap &t : tunnels)
            if (text(t, "peer") == prefix) {
                out.kind = Kind::Direct;
                out.tunnel = t;
                out.neighbour = tunnelNeighbour(t, address, tunnels, routes, neighbours);
                out.rttMs = out.neighbour.rttMs;
                return out;
            }
    if (const QVariantMap *route = bestRoute(routes, address)) {
        out.kind = Kind::Routed;
        out.route = *route;
        const QString nextHop = text(*route, "next_hop");
        if (!nextHop.isEmpty() && QHostAddress(nextHop) == QHostAddress(address))
            out.rttMs = neighbourOn(neighbours, text(*route, "interface"), nextHop).rttMs;
    }
    return out;
}

} // namespace re6st
