// SPDX-License-Identifier: GPL-2.0-or-later
// NodeDaemon's face towards the D-Bus API (dbus/org.re6st.Node1.xml): the status
// snapshot and the few things a user may change while it runs.
#include "daemon/NodeDaemon.h"

#include "core/Addressing.h"
#include "core/PeerSession.h"
#include "daemon/BabelControl.h"
#include "daemon/BabelRecords.h"
#include "daemon/BabelProcess.h"
#include "daemon/ClientModeTunnel.h"
#include "daemon/NetworkConfigSync.h"
#include "daemon/NodeStatus.h"
#include "daemon/PeerCache.h"
#include "daemon/PeerEndpoint.h"
#include "daemon/RestartRules.h"
#include "daemon/ServerTunnels.h"
#include "daemon/TunnelDriver.h"

#include <QLoggingCategory>
#include <QSet>

Q_DECLARE_LOGGING_CATEGORY(lcNode)

namespace re6st::daemon {

namespace {
QString cn(const QByteArray &bits) { return addressing::cnFromBits(bits); }
} // namespace

void NodeDaemon::fillStatus(NodeStatus &s) const
{
    s.prefix = cn(m_identity.prefix);
    s.address = m_identity.ip;
    s.subnet = m_identity.subnet;
    s.network = m_identity.networkCidr;
    s.registry = m_options.registry;
    s.registryReachable = m_registryReachable;
    s.certificateNotAfter = m_identity.cert.notAfter();
    s.nextRenewal = m_sync ? m_sync->nextRenewal() : 0;
    s.neighbourPrefixes = m_options.neighbours;
    s.protocolVersion = RestartRules::kProtocol;

    // Tunnels: our clients (one tap each) and the peers connected to our servers.
    QSet<QByteArray> tunnelled;
    if (m_driver)
        for (const TunnelDriver::TunnelInfo &t : m_driver->tunnels()) {
            if (!t.connected) continue;
            tunnelled.insert(t.prefix);
            // Bytes since route-up: the tap also carried earlier tunnels (TapTraffic).
            s.tunnels << NodeStatus::tunnelRecord(t.iface, cn(t.prefix), t.proto, true, t.since, t.bytes.rx,
                                                  t.bytes.tx);
        }
    if (m_servers)
        for (const ServerTunnels::ClientInfo &c : m_servers->clients()) {
            tunnelled.insert(c.prefix);
            // The server tap is shared: per-client bytes come from OpenVPN's bytecount.
            s.tunnels << NodeStatus::tunnelRecord(c.iface, cn(c.prefix), c.proto, false, c.since, c.rxBytes, c.txBytes);
        }
    // --client: one tunnel, peer unknown to us (no record), counted only once OpenVPN
    // is connected so that State stays "connecting" while it fails to reach a server.
    const bool clientModeUp = m_clientMode && m_clientMode->isConnected();

    // Peers: the cache (addresses, countries) and the peer-protocol sessions.
    QMap<QByteArray, QString> country;
    if (m_cache)
        for (int failed = 0; failed <= 1; ++failed)
            for (const auto &[prefix, address] : m_cache->getPeerList(failed)) {
                const QList<PeerAddress> list = PeerAddress::parseList(address);
                country.insert(prefix, list.isEmpty() ? QString() : list.first().country);
            }
    QSet<QByteArray> prefixes(country.keyBegin(), country.keyEnd());
    if (m_endpoint)
        for (const QByteArray &p : m_endpoint->knownPeers()) prefixes.insert(p);
    prefixes.unite(tunnelled);
    prefixes.remove(QByteArray());
    prefixes.remove(m_identity.prefix);
    QList<QByteArray> sorted(prefixes.begin(), prefixes.end());
    std::sort(sorted.begin(), sorted.end());
    for (const QByteArray &p : std::as_const(sorted)) {
        const PeerSession *session = m_endpoint ? m_endpoint->session(p) : nullptr;
        s.peers << NodeStatus::peerRecord(cn(p), addressing::ipv6FromBits(m_identity.network + p, true).value_or(QString()),
                                          country.value(p), session ? quint32(session->protocol()) : 0,
                                          session ? session->lastReceivedMs() / 1000 : 0, tunnelled.contains(p));
    }

    // Routes and neighbours: babeld's tables (monitor feed).
    if (m_babelControl) {
        const BabelControl::Tables t = m_babelControl->tables();
        s.babelReachable = t.valid || m_babelControl->isReady();
        for (const babel::Route &r : t.routes) s.routes << BabelRecords::route(r);
        for (const babel::Neighbour &n : t.neighbours) s.neighbours << BabelRecords::neighbour(n);
    }
    s.peerCount = quint32(s.peers.size());
    s.tunnelCount = quint32(s.tunnels.size() + (clientModeUp ? 1 : 0));

    using State = NodeStatus::State;
    if (m_stopping) { // until finished(): OpenVPN, babeld and the routes are being cleaned up (§2.6)
        s.state = m_lastError.isEmpty() ? State::Stopping : State::Error;
        s.stateDetail = m_lastError.isEmpty() ? QStringLiteral("closing the tunnels and stopping babeld") : m_lastError;
    } else if (!m_up) {
        s.state = State::Starting;
        s.stateDetail = m_running ? QStringLiteral("starting OpenVPN servers and babeld")
                                  : QStringLiteral("waiting for the network configuration from the registry");
    } else if (s.tunnelCount == 0) {
        s.state = State::Connecting;
        s.stateDetail = QStringLiteral("no tunnel is up yet; peers are being contacted");
    } else if (!m_registryReachable) {
        s.state = State::RegistryUnreachable;
        s.stateDetail = QStringLiteral("the mesh is up but the registry %1 did not answer the last request; "
                                       "certificate renewal and new peers wait for it").arg(m_options.registry);
    } else {
        s.state = State::Connected;
    }
}

NodeDaemon::KillResult NodeDaemon::killTunnel(const QString &ifaceOrPrefix)
{
    if (!m_up || m_stopping) return KillResult::NotRunning;
    if (m_driver && m_driver->killTunnel(ifaceOrPrefix)) return KillResult::Killed;
    const auto bits = addressing::bitsFromCn(ifaceOrPrefix);
    if (!bits) return KillResult::NotFound;
    bool killed = false;
    if (m_driver) {
        const QString iface = m_driver->interfaceOf(*bits);
        killed = !iface.isEmpty() && m_driver->killTunnel(iface);
    }
    if (m_servers && m_servers->killClient(*bits)) {
        qCInfo(lcNode).noquote() << "disconnecting" << ifaceOrPrefix << "from our servers (requested over D-Bus)";
        killed = true;
    }
    return killed ? KillResult::Killed : KillResult::NotFound;
}

void NodeDaemon::setNeighbours(const QStringList &prefixes)
{
    m_options.neighbours = prefixes;
    QSet<QByteArray> bits;
    for (const QString &p : prefixes)
        if (const auto b = addressing::bitsFromCn(p)) bits.insert(*b);
    if (m_driver) m_driver->setNeighbours(bits);
    qCInfo(lcNode).noquote() << "neighbours now:" << (prefixes.isEmpty() ? QStringLiteral("none") : prefixes.join(u' '));
}

bool NodeDaemon::reloadConfig()
{
    if (!m_sync || !m_running || m_stopping) return false;
    qCInfo(lcNode) << "fetching the network configuration (requested over D-Bus)";
    m_sync->scheduleFetch(0);
    return true;
}

NodeDaemon::Counters NodeDaemon::counters() const
{
    Counters c;
    if (m_endpoint) {
        c.receivedDatagrams = m_endpoint->stats().received;
        c.droppedDatagrams = m_endpoint->stats().dropped;
    }
    if (m_servers) c.openvpnServerRestarts = quint64(m_servers->restartCount());
    if (m_babel) c.babelRestarts = m_babel->restartCount();
    return c;
}

} // namespace re6st::daemon
