// SPDX-License-Identifier: GPL-2.0-or-later
#include "PeerReachability.h"

#include "ValueFormat.h"
#include "core/PeerRoute.h"

namespace re6st::ctl {

namespace {
QString orDash(const QVariantMap &m, const char *key)
{
    return ValueFormat::text(m.value(QLatin1String(key)).toString());
}
} // namespace

PeerReachability::Reach PeerReachability::reach(const QString &prefix, const QString &address) const
{
    const PeerRoute r = PeerRoute::find(prefix, address, m_tunnels, m_routes, m_neighbours);
    Reach result;
    result.rttMs = r.rttMs;
    switch (r.kind) {
    case PeerRoute::Kind::Direct:
        result.how = QStringLiteral("direct (%1, %2 %3)")
                         .arg(orDash(r.tunnel, "interface"), orDash(r.tunnel, "direction"), orDash(r.tunnel, "protocol"));
        break;
    case PeerRoute::Kind::Routed:
        result.how = QStringLiteral("via %1 on %2").arg(orDash(r.route, "next_hop"), orDash(r.route, "interface"));
        break;
    case PeerRoute::Kind::Unknown:
        break;
    }
    return result;
}

} // namespace re6st::ctl
