// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/BabelRecords.h"

#include "daemon/NodeStatus.h"

namespace re6st::daemon {

QVariantMap BabelRecords::route(const babel::Route &r)
{
    return NodeStatus::routeRecord(r.prefix, r.from.isEmpty() ? QStringLiteral("::/0") : r.from, r.via, r.interface,
                                   quint32(qMax(0, r.metric)), r.installed);
}

QVariantMap BabelRecords::neighbour(const babel::Neighbour &n)
{
    return NodeStatus::neighbourRecord(n.address, n.interface, n.rtt, quint32(qMax(0, n.cost)), n.reach);
}

} // namespace re6st::daemon
