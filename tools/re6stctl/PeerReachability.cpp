// SPDX-License-Identifier: GPL-2.0-or-later
#include "PeerReachability.h"

#include <QHostAddress>

namespace re6st::ctl {

namespace {
QString str(const QVariantMap &m, const char *key)
{
    return m.value(QLatin1String(key)).toString();
}
} // namespace

// rtt of babel's neighbour on `interface` (and at `address` when given). A tunnel
// interface has a single babel neighbour: the peer at its other end.
double PeerReachability::neighbourRtt(const QString &interface, const QString &address) const
{
    for (const QVariantMap &n : m_neighbours) {
        if (str(n, "interface") != interface)
            continue;
        if (!address.isEmpty() && QHostAddress(str(n, "address")) != QHostAddress(address))
            continue;
        const QVariant rtt = n.value(QStringLiteral("rtt_ms"));
        if (rtt.isValid())
            return rtt.toDouble();
    }
    return -1;
}

// The installed route with the longest destination containing `address`, preferring
// routes without a source prefix ("::/0").
const QVariantMap *PeerReachability::bestRoute(const QString &address) const
{
    const QHostAddress host(address);
    if (host.isNull())
        return nullptr;
    const QVariantMap *best = nullptr;
    int bestLength = -1;
    bool bestSourceless = false;
    for (const QVariantMap &r : m_routes) {
        if (!r.value(QStringLiteral("installed")).toBool())
            continue;
        const auto subnet = QHostAddress::parseSubnet(str(r, "destination"));
        if (subnet.first.isNull() || !host.isInSubnet(subnet))
            continue;
        const QString source = str(r, "source");
        const bool sourceless = source.isEmpty() || source == QLatin1String("::/0");
        if (subnet.second > bestLength || (subnet.second == bestLength && sourceless && !bestSourceless)) {
            best = &r;
            bestLength = subnet.second;
            bestSourceless = sourceless;
        }
    }
    return best;
}

PeerReachability::Reach PeerReachability::reach(const QString &prefix, const QString &address) const
{
    Reach result;
    if (!prefix.isEmpty()) {
        for (const QVariantMap &t : m_tunnels) {
            if (str(t, "peer") != prefix)
                continue;
            const QString iface = str(t, "interface");
            result.how = QStringLiteral("direct (%1, %2 %3)")
                             .arg(iface.isEmpty() ? QStringLiteral("-") : iface,
                                  str(t, "direction").isEmpty() ? QStringLiteral("-") : str(t, "direction"),
                                  str(t, "protocol").isEmpty() ? QStringLiteral("-") : str(t, "protocol"));
            result.rttMs = neighbourRtt(iface, {});
            return result;
        }
    }
    if (const QVariantMap *route = bestRoute(address)) {
        const QString nextHop = str(*route, "next_hop");
        const QString iface = str(*route, "interface");
        result.how = QStringLiteral("via %1 on %2")
                         .arg(nextHop.isEmpty() ? QStringLiteral("-") : nextHop,
                              iface.isEmpty() ? QStringLiteral("-") : iface);
        // babel keeps no end-to-end rtt: only a route straight to the peer has one.
        if (!nextHop.isEmpty() && QHostAddress(nextHop) == QHostAddress(address))
            result.rttMs = neighbourRtt(iface, nextHop);
    }
    return result;
}

} // namespace re6st::ctl
