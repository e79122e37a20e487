// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/NodeStatus.h"

#include <QByteArray>
#include <QHash>
#include <QMap>
#include <QString>
#include <optional>

namespace re6st::daemon {

// Counters of the node that NodeStatus does not carry (metrics only).
struct NodeCounters
{
    quint64 peerDatagramsReceived = 0;          // PeerEndpoint::stats().received
    QMap<QString, quint64> peerDatagramsDropped; // PeerEndpoint::stats().dropped
    quint64 babeldRestarts = 0;                 // BabelProcess::restartCount()
    std::optional<quint64> openvpnServerRestarts; // unset: not known (no sample written)
};

// re6stnet's Prometheus text (core/MetricsCatalog.h, NodeCatalog) from a
// NodeStatus snapshot and NodeCounters. Pure except for one piece of state:
// tunnel byte counts reset when a tunnel closes, so re6st_node_tunnel_bytes_total
// accumulates the growth of each tunnel (interface, peer, since) seen by
// observe()/render(). Bytes a tunnel moved after its last observation are not
// counted: call observe() whenever a fresh status with tunnel records exists.
// The status must carry tunnel records (NodeStatus::TunnelRecords) for the
// per-direction tunnel gauges and the byte counters, route records
// (RouteRecords) for re6st_node_routes.
class NodeMetrics final
{
public:
    void observe(const NodeStatus &status);
    // Calls observe(status), then renders every NodeCatalog family.
    QByteArray render(const NodeStatus &status, const NodeCounters &counters);

    quint64 rxBytes() const { return m_rx; }
    quint64 txBytes() const { return m_tx; }

private:
    struct Seen
    {
        quint64 rx = 0;
        quint64 tx = 0;
    };
    QHash<QString, Seen> m_seen; // tunnel key -> last byte counts
    quint64 m_rx = 0;
    quint64 m_tx = 0;
};

} // namespace re6st::daemon
