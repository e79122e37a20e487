// SPDX-License-Identifier: GPL-2.0-or-later
#include "PeerReach.h"

#include "core/PeerRoute.h"

namespace re6st::gui {

PeerReach::Reach PeerReach::of(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                               const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours)
{
    const PeerRoute r = PeerRoute::find(prefix, address, tunnels, routes, neighbours);
    auto text = [](const QVariantMap &record, const char *key) { return record.value(QLatin1String(key)).toString(); };
    Reach reach;
    reach.rttMs = r.rttMs;
    switch (r.kind) {
    case PeerRoute::Kind::Direct:
        reach.kind = Kind::Direct;
        reach.how = tr("direct tunnel (%1)").arg(text(r.tunnel, "interface"));
        break;
    case PeerRoute::Kind::Routed:
        reach.kind = Kind::Routed;
        reach.how = tr("via %1 (%2)").arg(text(r.route, "next_hop"), text(r.route, "interface"));
        break;
    case PeerRoute::Kind::Unknown:
        reach.how = tr("unknown");
        break;
    }
    return reach;
}

} // namespace re6st::gui
