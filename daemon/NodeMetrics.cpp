// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeMetrics.h"

#include "core/MetricsCatalog.h"
#include "core/PrometheusText.h"

namespace re6st::daemon {

namespace {

QString tunnelKey(const QVariantMap &tunnel)
{
    return tunnel.value(QStringLiteral("interface")).toString() + QLatin1Char('\n')
        + tunnel.value(QStringLiteral("peer")).toString() + QLatin1Char('\n')
        + QString::number(tunnel.value(QStringLiteral("since")).toLongLong());
}

} // namespace

void NodeMetrics::observe(const NodeStatus &status)
{
    QHash<QString, Seen> seen;
    seen.reserve(status.tunnels.size());
    for (const QVariantMap &tunnel : status.tunnels) {
        const QString key = tunnelKey(tunnel);
        const Seen now{tunnel.value(QStringLiteral("rx_bytes")).toULongLong(),
                       tunnel.value(QStringLiteral("tx_bytes")).toULongLong()};
        const Seen before = m_seen.value(key);
        // A count that went down is a new tunnel under the same key: all of it is new.
        m_rx += now.rx >= before.rx ? now.rx - before.rx : now.rx;
        m_tx += now.tx >= before.tx ? now.tx - before.tx : now.tx;
        seen.insert(key, now);
    }
    m_seen = std::move(seen);
}

QByteArray NodeMetrics::render(const NodeStatus &status, const NodeCounters &counters)
{
    using namespace re6st::metrics;
    observe(status);
    PrometheusText t;
    t.family(BuildInfo);
    t.sample(BuildInfo, {RE6ST_VERSION, "re6stnet"}, quint64(1));
    t.family(NodeUp);
    t.sample(NodeUp, quint64(1));

    t.family(NodeState);
    for (const NodeStatus::State state :
         {NodeStatus::State::Stopped, NodeStatus::State::Starting, NodeStatus::State::Connecting,
          NodeStatus::State::Connected, NodeStatus::State::RegistryUnreachable, NodeStatus::State::Stopping,
          NodeStatus::State::Error})
        t.sample(NodeState, {NodeStatus::toString(state).toUtf8()}, quint64(state == status.state ? 1 : 0));

    quint64 client = 0, server = 0;
    for (const QVariantMap &tunnel : status.tunnels)
        (tunnel.value(QStringLiteral("direction")).toString() == QLatin1String("server") ? server : client)++;
    // tunnelCount also counts tunnels without a record (--client mode): ours, so client.
    if (status.tunnelCount > quint32(status.tunnels.size())) client += status.tunnelCount - quint32(status.tunnels.size());
    t.family(NodeTunnels);
    t.sample(NodeTunnels, {"client"}, client);
    t.sample(NodeTunnels, {"server"}, server);
    t.family(NodePeers);
    t.sample(NodePeers, quint64(status.peerCount));
    t.family(NodeTunnelBytes);
    t.sample(NodeTunnelBytes, {"rx"}, m_rx);
    t.sample(NodeTunnelBytes, {"tx"}, m_tx);

    t.family(NodePeerDatagramsReceived);
    t.sample(NodePeerDatagramsReceived, counters.peerDatagramsReceived);
    t.family(NodePeerDatagramsDropped);
    for (auto it = counters.peerDatagramsDropped.cbegin(); it != counters.peerDatagramsDropped.cend(); ++it)
        t.sample(NodePeerDatagramsDropped, {it.key().toUtf8()}, it.value());
    t.family(NodeBabeldRestarts);
    t.sample(NodeBabeldRestarts, counters.babeldRestarts);
    t.family(NodeOpenVpnServerRestarts);
    if (counters.openvpnServerRestarts) t.sample(NodeOpenVpnServerRestarts, *counters.openvpnServerRestarts);

    t.family(NodeRegistryReachable);
    t.sample(NodeRegistryReachable, quint64(status.registryReachable ? 1 : 0));
    t.family(NodeBabelReachable);
    t.sample(NodeBabelReachable, quint64(status.babelReachable ? 1 : 0));
    t.family(NodeRoutes);
    if (status.babelReachable) {
        quint64 installed = 0;
        for (const QVariantMap &route : status.routes)
            if (route.value(QStringLiteral("installed")).toBool()) ++installed;
        t.sample(NodeRoutes, {"true"}, installed);
        t.sample(NodeRoutes, {"false"}, quint64(status.routes.size()) - installed);
    }
    t.family(NodeCertificateNotAfter);
    t.sample(NodeCertificateNotAfter, double(status.certificateNotAfter));
    t.family(NodeCertificateRenewal);
    t.sample(NodeCertificateRenewal, double(status.nextRenewal));
    return t.take();
}

} // namespace re6st::daemon
