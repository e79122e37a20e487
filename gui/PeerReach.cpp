// SPDX-License-Identifier: GPL-2.0-or-later
#include "PeerReach.h"

#include <QHostAddress>

namespace re6st::gui {

namespace {
QString text(const QVariantMap &record, const char *key)
{
    return record.value(QLatin1String(key)).toString();
}

double rttOn(const QString &interface, const QString &nextHop, const QList<QVariantMap> &neighbours)
{
    for (const QVariantMap &n : neighbours)
        if (text(n, "interface") == interface && (nextHop.isEmpty() || text(n, "address") == nextHop))
            return n.value(QStringLiteral("rtt_ms")).toDouble();
    return -1;
}
} // namespace

PeerReach::Reach PeerReach::of(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                               const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours)
{
    Reach reach;
    for (const QVariantMap &t : tunnels)
        if (text(t, "peer") == prefix) {
            reach.kind = Kind::Direct;
            reach.how = tr("direct tunnel (%1)").arg(text(t, "interface"));
            reach.rttMs = rttOn(text(t, "interface"), {}, neighbours);
            return reach;
        }
    // The most specific installed route covering the peer's address (as the kernel picks).
    const QHostAddress host(address);
    const QVariantMap *best = nullptr;
    int bestLength = -1;
    for (const QVariantMap &r : routes) {
        if (!r.value(QStringLiteral("installed")).toBool() || host.isNull())
            continue;
        const auto subnet = QHostAddress::parseSubnet(text(r, "destination"));
        if (subnet.first.isNull() || !host.isInSubnet(subnet) || subnet.second <= bestLength)
            continue;
        best = &r;
        bestLength = subnet.second;
    }
    if (best) {
        reach.kind = Kind::Routed;
        reach.how = tr("via %1 (%2)").arg(text(*best, "next_hop"), text(*best, "interface"));
        return reach;
    }
    reach.how = tr("unknown");
    return reach;
}

} // namespace re6st::gui
