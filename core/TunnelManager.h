// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/TunnelState.h"
#include <QRandomGenerator>
#include <optional>

namespace re6st {

// Client-tunnel decisions of node-protocol.md §5 as a functional core: every entry
// point takes a Snapshot of the world and returns the actions for the shell to run.
// Its own memory is §5.2's (TunnelState); randomness comes from the injected generator.
class TunnelManager final
{
public:
    using Action = tunnel::Action;
    using Snapshot = tunnel::Snapshot;

    TunnelManager(tunnel::Config config, QRandomGenerator rng, qint64 now);

    QList<Action> refresh(const Snapshot &s);   // every 5 s (§5.3 refresh)
    QList<Action> babelDump(const Snapshot &s); // after each dump (§5.3 babel_dump)
    // Peer-protocol codes 1 (address reply), 2 and 3 received from `prefix` (§5.8, §6.6).
    QList<Action> peerMessage(const Snapshot &s, const QByteArray &prefix, quint8 code, const QByteArray &body);
    // Answer to AskBootstrapPeer: the registry's peer, or nullopt if none/failure.
    QList<Action> bootstrapPeer(const Snapshot &s, const std::optional<tunnel::CachedPeer> &peer);
    // Server client-connect (§3.5): false = reject (revoked); duplicates per §5.7.
    bool clientConnect(const Snapshot &s, const QByteArray &prefix, bool revoked, QList<Action> *out);
    QList<Action> clientDisconnect(const Snapshot &s, const QByteArray &prefix); // aborts a kill
    // Client route-up (§5.4): `addressIndex` = position of `address` in the tried list.
    QList<Action> routeUp(const Snapshot &s, const QByteArray &prefix, bool revoked, int addressIndex,
                          const PeerAddress &address);
    // Addresses of `addressString` usable for a tunnel: enabled protocols, §5.10 country filter;
    // the first kMaxAttemptAddresses of them, in the peer's order.
    QList<PeerAddress> usableAddresses(const QString &addressString) const;

    const tunnel::TunnelState &state() const { return m_state; }
    qint64 nextTunnelRefresh() const { return m_state.nextTunnelRefresh; }
    qint64 disconnectedUntil() const { return m_state.disconnected; }
    QList<tunnel::Killer> killers() const { return m_state.killers.values(); }
    QSet<QByteArray> connecting() const { return m_state.connecting; }
    const tunnel::Config &config() const { return m_config; }
    void setNeighbours(const QSet<QByteArray> &prefixes) { m_config.neighbours = prefixes; } // §5.9, D-Bus

private:
    struct Step;
    enum class Pending { None, Island, LastResort };
    bool makeNewTunnels(Step &st, bool routeDumped);
    void fillTunnels(Step &st, int count);
    void lastResort(Step &st, const QSet<QByteArray> &skip = {}, const QString &why = QStringLiteral("last resort"));
    void reachOutOfIsland(Step &st);
    bool makeTunnel(Step &st, const QByteArray &prefix, const QString &address, const QString &why);
    bool cleanDeadConnections(Step &st);
    void resolveDuplicates(Step &st);
    void removeSomeTunnels(Step &st);
    QList<QByteArray> shuffled(QList<QByteArray> list);

    tunnel::Config m_config;
    QRandomGenerator m_rng;
    tunnel::TunnelState m_state;
    QList<QByteArray> m_islandDistant; // distant peers of the dump that asked for a bootstrap peer
    Pending m_pending = Pending::None;
};

} // namespace re6st
