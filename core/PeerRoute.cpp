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

// rtt of babel's neighbour on `interface` (at `address` when given). A tunnel
// interface has a single babel neighbour: the peer at its other end.
double neighbourRtt(const QList<QVariantMap> &neighbours, const QString &interface, const QString &address)
{
    for (const QVariantMap &n : neighbours) {
        if (text(n, "interface") != interface)
            continue;
        if (!address.isEmpty() && QHostAddress(text(n, "address")) != QHostAddress(address))
            continue;
        const QVariant rtt = n.value(QStringLiteral("rtt_ms"));
        if (rtt.isValid())
            return rtt.toDouble();
    }
    return -1;
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

// rtt of the peer at the other end of the tunnel on `interface`. A client
// tunnel's interface has a single babel neighbour; a server's (re6stnet-tcp,
// re6stnet-udp) is shared by every client of that server, so there the
// neighbour is the next hop of the installed route to the peer's address
// through that interface (none: unknown, rather than another peer's rtt).
double tunnelRtt(const QList<QVariantMap> &neighbours, const QList<QVariantMap> &routes, const QString &interface,
                 const QString &address)
{
    const auto onInterface = std::count_if(neighbours.cbegin(), neighbours.cend(),
                                           [&](const QVariantMap &n) { return text(n, "interface") == interface; });
    if (onInterface <= 1) return neighbourRtt(neighbours, interface, {});
    const QVariantMap *route = bestRoute(routes, address);
    if (!route || text(*route, "interface") != interface || text(*route, "next_hop").isEmpty()) return -1;
    return neighbourRtt(neighbours, interface, text(*route, "next_hop"));
}
} // namespace

PeerRoute PeerRoute::find(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                          const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours)
{
    PeerRoute out;
    if (!prefix.isEmpty())
        for (const QVariantMap &t : tunnels)
            if (text(t, "peer") == prefix) {
                out.kind = Kind::Direct;
                out.tunnel = t;
                out.rttMs = tunnelRtt(neighbours, routes, text(t, "interface"), address);
                return out;
            }
    if (const QVariantMap *route = bestRoute(routes, address)) {
        out.kind = Kind::Routed;
        out.route = *route;
        const QString nextHop = text(*route, "next_hop");
        if (!nextHop.isEmpty() && QHostAddress(nextHop) == QHostAddress(address))
            out.rttMs = neighbourRtt(neighbours, text(*route, "interface"), nextHop);
    }
    return out;
}

} // namespace re6st
