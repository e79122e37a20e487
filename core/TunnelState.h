// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/TunnelPlan.h"
#include <QHash>
#include <QMap>
#include <optional>

namespace re6st::tunnel {

inline constexpr int kSoftLockMultiplier = 4096; // §5.8 (Nexedi babeld only)
inline constexpr int kHardLockMultiplier = 0;

// §5.8 TunnelKiller, exposed for inspection and tests.
struct Killer
{
    enum class State { Start, SoftLocking, HardLocking, Locked, Unlocking };
    QByteArray prefix;
    bool client = true;
    State state = State::Start;
    qint64 deadline = 0;
    QString neighbour; // "address%iface" once locking started
    int savedMultiplier = 0;
};

// node-protocol.md §5.2: what the tunnel manager remembers between calls (the rest of
// §5.2, connections and served, comes with each Snapshot), plus the §5.8 TunnelKiller
// state machines it drives. A plain value: copy it to save or compare a manager's memory.
struct TunnelState final
{
    qint64 nextTunnelRefresh = 0;
    qint64 nextNetconfCheck = 0;
    qint64 disconnected = 0; // 0: registry routed; else next bootstrap attempt time
    std::optional<QList<QByteArray>> distantPeers{QList<QByteArray>{}}; // nullopt: bootstrap from cache
    QSet<QByteArray> connecting; // asked for their address (code 1) this round
    QMap<QByteArray, Killer> killers;
    // §5.5 last chance: when each failed peer was last tried (a counter, not a time), so
    // that the least recently tried goes first. Upstream picks at random; with the
    // registry down, a node whose cache holds one dead and one restarted peer could then
    // retry the dead one many rounds in a row (seen in lab_registry_down: 4 of 5 picks).
    QHash<QByteArray, quint64> lastResortTried;
    quint64 lastResortRound = 0;
    // Beyond §5.5 (TunnelManager::reachOutOfIsland): the island last reached out of and
    // when the next attempt may start. The delay doubles while the island stays the same
    // (the peer outside is most likely just the dead registry node) and starts again
    // from nothing when it changes (a part of the mesh has just been cut off).
    QSet<QByteArray> outsideIsland;
    qint64 outsideDelay = 0;
    qint64 nextOutsideAttempt = 0;

    // §5.8: starts a handshake with `prefix` (client: our tunnel to it; server: its tunnel to us).
    void startKiller(const Config &c, const Snapshot &s, const QByteArray &prefix, bool client, QList<Action> &out);
    // After each dump (§5.3): expire, abort handshakes whose tunnel is gone, advance the others.
    void killersAfterDump(const Config &c, const Snapshot &s, QList<Action> &out);
    // Code 3 received: true if our client killer for `prefix` was locked (close the tunnel now).
    bool killReady(const Config &c, qint64 now, const QByteArray &prefix);
    // Client disconnected from our server: abort the server-side handshake.
    void servedPeerGone(const Config &c, qint64 now, const QByteArray &prefix);

private:
    void advance(const Config &c, const Snapshot &s, Killer &k, QList<Action> &out);
    void abort(const Config &c, qint64 now, Killer &k);
};

} // namespace re6st::tunnel
