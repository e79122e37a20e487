// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/TunnelManager.h"
#include "core/Addressing.h"
#include <algorithm>

namespace re6st {

using tunnel::Action;
using tunnel::CachedPeer;
using Kind = tunnel::Action::Kind;

namespace {

QString cn(const QByteArray &bits)
{
    return addressing::cnFromBits(bits);
}

Action make(Kind kind, const QByteArray &prefix, const QString &reason)
{
    Action a;
    a.kind = kind;
    a.prefix = prefix;
    a.reason = reason;
    return a;
}

template<typename Set> QList<QByteArray> sortedList(const Set &set)
{
    QList<QByteArray> out(set.cbegin(), set.cend());
    std::sort(out.begin(), out.end()); // QSet order depends on the hash seed
    return out;
}

} // namespace

// Working copy of the snapshot's mutable parts during one call.
struct TunnelManager::Step
{
    const Snapshot &s;
    QList<Action> out;
    QMap<QByteArray, QString> connections; // prefix -> iface
    QSet<QString> usedIfaces;
    QStringList freeIfaces;
    QHash<QByteArray, QString> lastIfaces; // prefix -> tap of its last tunnel

    explicit Step(const Snapshot &snapshot)
        : s(snapshot), freeIfaces(snapshot.freeInterfaces), lastIfaces(snapshot.lastInterfaces)
    {
        for (const tunnel::ClientTunnel &t : s.tunnels) {
            connections.insert(t.prefix, t.iface);
            usedIfaces.insert(t.iface);
        }
        for (const QString &f : freeIfaces) usedIfaces.insert(f);
    }
    QString takeIface(const QByteArray &prefix)
    {
        // The peer's previous tap first (same MAC, same link-local address).
        if (const QString last = lastIfaces.value(prefix); !last.isEmpty() && freeIfaces.removeOne(last))
            return last;
        if (!freeIfaces.isEmpty()) return freeIfaces.takeFirst();
        for (int n = 1;; ++n) { // §3.1: re6stnet1 … re6stnet<client_count>
            const QString name = QStringLiteral("re6stnet%1").arg(n);
            if (!usedIfaces.contains(name)) {
                usedIfaces.insert(name);
                return name;
            }
        }
    }
    void close(const QByteArray &prefix, const QString &reason)
    {
        Action a = make(Kind::CloseTunnel, prefix, reason);
        a.iface = connections.take(prefix);
        if (!a.iface.isEmpty()) {
            freeIfaces << a.iface; // §3.7: tap back to the free list
            lastIfaces.insert(prefix, a.iface);
        }
        out << a;
    }
    std::optional<QString> cachedAddress(const QByteArray &prefix) const // §7.2 getAddress
    {
        for (const CachedPeer &p : s.cache)
            if (p.prefix == prefix && !p.failed) return p.address;
        return std::nullopt;
    }
};

TunnelManager::TunnelManager(tunnel::Config config, QRandomGenerator rng, qint64 now)
    : m_config(std::move(config)),
      m_rng(rng)
{
    m_state.nextTunnelRefresh = now + m_config.tunnelRefreshMs;
    m_state.nextNetconfCheck = now + tunnel::kNetconfCheckMs;
}

QList<QByteArray> TunnelManager::shuffled(QList<QByteArray> list)
{
    std::sort(list.begin(), list.end());
    for (qsizetype i = list.size() - 1; i > 0; --i)
        list.swapItemsAt(i, qsizetype(m_rng.bounded(quint32(i + 1))));
    return list;
}

QList<PeerAddress> TunnelManager::usableAddresses(const QString &addressString) const
{
    QList<PeerAddress> out;
    const QString ours = m_config.ourCountry;
    const bool oursListed = !ours.isEmpty() && m_config.sameCountry.contains(ours);
    for (const PeerAddress &a : PeerAddress::parseList(addressString)) {
        QString proto = a.proto;
        if (proto == QLatin1String("udp4")) proto = QStringLiteral("udp");
        if (proto == QLatin1String("tcp4")) proto = QStringLiteral("tcp");
        if (!PeerAddress::isKnownProto(a.proto) || m_config.disabledProtocols.contains(proto)) continue;
        if (!m_config.sameCountry.isEmpty()) { // §5.10; unknown countries pass
            QString country = a.country;
            if (country.isEmpty() && m_config.geoip) country = m_config.geoip(a.ip);
            if (!country.isEmpty()
                && ((oursListed && country != ours) || (!oursListed && m_config.sameCountry.contains(country))))
                continue;
        }
        out << a;
        if (out.size() == tunnel::kMaxAttemptAddresses) break;
    }
    return out;
}

// §5.4 make_tunnel
bool TunnelManager::makeTunnel(Step &st, const QByteArray &prefix, const QString &address, const QString &why)
{
    if (prefix == m_config.ourPrefix || st.s.served.contains(prefix) || st.connections.contains(prefix))
        return false;
    const QList<PeerAddress> addresses = usableAddresses(address);
    st.out << make(Kind::MarkPeerUnreachable, prefix, QStringLiteral("connecting to %1").arg(cn(prefix)));
    if (addresses.isEmpty()) return false;
    Action a = make(Kind::OpenTunnel, prefix, QStringLiteral("new tunnel to %1 (%2)").arg(cn(prefix), why));
    a.iface = st.takeIface(prefix);
    a.addresses = addresses;
    st.connections.insert(prefix, a.iface);
    st.out << a;
    m_state.nextTunnelRefresh = st.s.now + m_config.tunnelRefreshMs; // §5.2: reset on each start
    return true;
}

// §5.4 clean_dead_connections; true if an established tunnel died.
bool TunnelManager::cleanDeadConnections(Step &st)
{
    bool died = false;
    QList<tunnel::ClientTunnel> tunnels = st.s.tunnels;
    std::sort(tunnels.begin(), tunnels.end(), [](auto &a, auto &b) { return a.prefix < b.prefix; });
    for (const tunnel::ClientTunnel &t : tunnels) {
        if (!t.exited) continue;
        if (t.connected) {
            died = true;
            st.close(t.prefix, QStringLiteral("tunnel to %1 died").arg(cn(t.prefix)));
        } else if (!t.remainingAddresses.isEmpty()) {
            Action a = make(Kind::RetryTunnel, t.prefix,
                            QStringLiteral("connection to %1 failed, trying its next address").arg(cn(t.prefix)));
            a.iface = t.iface;
            a.addresses = t.remainingAddresses;
            st.out << a;
            m_state.nextTunnelRefresh = st.s.now + m_config.tunnelRefreshMs;
        } else {
            // The peer stays try=1 in the cache for the lifetime of the process (§5.11).
            st.close(t.prefix, QStringLiteral("no address of %1 works").arg(cn(t.prefix)));
        }
    }
    return died;
}

// §5.7: the node with the smaller prefix drops its client tunnel.
void TunnelManager::resolveDuplicates(Step &st)
{
    for (const QByteArray &p : sortedList(st.s.served)) {
        if (!st.connections.contains(p) || !(m_config.ourPrefix < p)) continue;
        st.close(p, QStringLiteral("%1 also connected to our server: dropping our duplicate client tunnel").arg(cn(p)));
        st.out << make(Kind::MarkPeerReachable, p, QStringLiteral("duplicate tunnel to %1 resolved").arg(cn(p)));
    }
}

QList<Action> TunnelManager::refresh(const Snapshot &s)
{
    Step st(s);
    const bool died = cleanDeadConnections(st);
    resolveDuplicates(st);
    if (m_config.clientCount > 0
        && (died || s.now > m_state.nextTunnelRefresh || !m_state.killers.isEmpty() || makeNewTunnels(st, false))) {
        st.out << make(Kind::RequestDump, {}, QStringLiteral("routes needed"));
    } else {
        Action a = make(Kind::ScheduleNext, {}, QStringLiteral("periodic refresh"));
        a.when = s.now + tunnel::kRefreshPeriodMs;
        st.out << a;
    }
    return st.out;
}

QList<Action> TunnelManager::babelDump(const Snapshot &s)
{
    Step st(s);
    // §5.12: the registry node never runs the hourly self-check.
    if (!m_config.isRegistryNode() && s.now > m_state.nextNetconfCheck) {
        st.out << make(Kind::CheckNetworkConfig, {}, QStringLiteral("hourly network configuration check"));
        m_state.nextNetconfCheck = s.now + tunnel::kNetconfCheckMs;
    }
    m_state.killersAfterDump(m_config, s, st.out);
    if (m_config.clientCount > 0) {
        if (s.now > m_state.nextTunnelRefresh) {
            removeSomeTunnels(st);
            m_state.nextTunnelRefresh = s.now + m_config.tunnelRefreshMs;
        }
        makeNewTunnels(st, true);
    }
    Action a = make(Kind::ScheduleNext, {}, QStringLiteral("periodic refresh"));
    a.when = s.now + tunnel::kRefreshPeriodMs;
    st.out << a;
    return st.out;
}

// §5.5 make_new_tunnels; returns true when a dump is needed first.
bool TunnelManager::makeNewTunnels(Step &st, bool routeDumped)
{
    const int count = m_config.clientCount - int(st.connections.size());
    if (count <= 0) return false;
    m_state.connecting.clear();
    const BabelDump::Topology &t = st.s.topology;
    if (!routeDumped) {
        if (!m_state.distantPeers || m_state.distantPeers->size() < count || (m_state.disconnected && st.s.now > m_state.disconnected))
            return true;
        fillTunnels(st, count);
        return false;
    }
    // Distant peers popped from the end: --neighbour ones last in the list (§5.2, §5.9).
    QList<QByteArray> distant = shuffled(sortedList(t.distantPeers()));
    std::stable_partition(distant.begin(), distant.end(),
                          [this](const QByteArray &p) { return !m_config.neighbours.contains(p); });
    m_state.distantPeers = distant;
    if (m_config.isRegistryNode()) {
        if (distant.isEmpty()) m_state.distantPeers = std::nullopt; // bootstrap from cache (§5.12)
    } else if (t.peers.contains(m_config.registryPrefix) || st.connections.contains(m_config.registryPrefix)
               || st.s.served.contains(m_config.registryPrefix)) {
        m_state.disconnected = 0;
        st.out << make(Kind::EnsureRegistrySession, m_config.registryPrefix,
                       QStringLiteral("connected to the network: keep a session with the registry node"));
    } else if (st.s.now > m_state.disconnected) {
        const QString why = QStringLiteral("No route to registry (%1 peers, %2 distant)")
                                .arg(t.peers.size()).arg(distant.size());
        m_state.disconnected = st.s.now
            + m_config.timeoutMs() * (1 + qint64(m_rng.bounded(quint32(t.peers.size() + 1))));
        m_state.distantPeers = std::nullopt;
        if (!t.peers.isEmpty()) { // on an island with others: ask the registry (answer: bootstrapPeer())
            m_pending = Pending::Island;
            m_islandDistant = distant;
            st.out << make(Kind::AskBootstrapPeer, {}, why);
            return false;
        }
    }
    fillTunnels(st, count);
    return false;
}

QList<Action> TunnelManager::bootstrapPeer(const Snapshot &s, const std::optional<CachedPeer> &peer)
{
    Step st(s);
    const Pending pending = std::exchange(m_pending, Pending::None);
    int count = m_config.clientCount - int(st.connections.size());
    if (pending == Pending::None || count <= 0) return st.out;
    const QString why = QStringLiteral("bootstrap peer from the registry");
    if (pending == Pending::Island) {
        if (!peer) {
            m_state.distantPeers = m_islandDistant; // registry dead? assume connected
            fillTunnels(st, count);
            reachOutOfIsland(st);
            return st.out;
        }
        if (!s.topology.peers.contains(peer->prefix)) {
            count -= makeTunnel(st, peer->prefix, peer->address, why);
            if (count == 0) return st.out;
        }
        fillTunnels(st, count);
        return st.out;
    }
    if (peer && makeTunnel(st, peer->prefix, peer->address, why)) return st.out;
    lastResort(st);
    return st.out;
}

// Tail of §5.5: from distant peers, or bootstrap from the cache.
void TunnelManager::fillTunnels(Step &st, int count)
{
    const QSet<QByteArray> &peers = st.s.topology.peers;
    if (m_state.distantPeers && !m_state.distantPeers->isEmpty()) {
        if (st.s.served.isEmpty()) // nobody connects to us: NATed (§5.11)
            count = std::max(0, std::min(tunnel::kNatClientLimit, m_config.clientCount) - int(st.connections.size()));
        while (count > 0 && !m_state.distantPeers->isEmpty()) {
            const QByteArray p = m_state.distantPeers->takeLast();
            if (p == m_config.ourPrefix || st.connections.contains(p) || st.s.served.contains(p)) continue;
            if (const auto addr = st.cachedAddress(p)) {
                count -= makeTunnel(st, p, *addr, QStringLiteral("distant peer"));
            } else if (st.s.sessions.contains(p)) { // §5.5: sendto() succeeded
                st.out << make(Kind::SendAddressRequest, p, QStringLiteral("asking %1 for its address").arg(cn(p)));
                m_state.connecting.insert(p);
                --count;
            } else {
                // §6.3: sendto() without a connected session sends a hello and drops the
                // request; the slot goes to the next distant peer.
                st.out << make(Kind::SendAddressRequest, p,
                               QStringLiteral("no session with %1 yet: hello sent, no address asked").arg(cn(p)));
            }
        }
        return;
    }
    if (m_state.distantPeers) return; // empty list: nothing to do until the next dump
    QList<QByteArray> candidates;
    QHash<QByteArray, QString> addressOf;
    for (const CachedPeer &p : st.s.cache)
        if (!p.failed && p.prefix != m_config.ourPrefix) {
            candidates << p.prefix;
            addressOf.insert(p.prefix, p.address);
        }
    int created = 0;
    bool hadCandidate = false;
    for (const QByteArray &p : shuffled(candidates)) {
        if (peers.contains(p)) continue;
        hadCandidate = true;
        if (makeTunnel(st, p, addressOf.value(p), QStringLiteral("bootstrap from cache")) && ++created == count)
            return;
    }
    if (created || !peers.isEmpty()) return;
    if (!hadCandidate && !m_config.isRegistryNode()) {
        m_pending = Pending::LastResort;
        st.out << make(Kind::AskBootstrapPeer, {}, QStringLiteral("no usable peer in cache"));
        return;
    }
    lastResort(st);
}

// Beyond §5.5, where upstream stops at "registry dead? assume connected": an
// island whose links to the rest of the network all went down (a hub node
// restarting, its clients' reconnection racing its servers) would then never
// look outside again while the registry is down. At most once per back-off
// period (the caller's), one tunnel within the client limit goes to a cached
// peer outside the island: a try=0 one first, else the failed one tried least
// recently (lastResort's turns). While the island stays the same, the attempts
// space out (timeout, doubled each time, at most kMaxOutsideDelayTimeouts
// timeouts): most often the only peer outside is the dead registry node.
void TunnelManager::reachOutOfIsland(Step &st)
{
    const QSet<QByteArray> &island = st.s.topology.peers;
    if (island != m_state.outsideIsland) {
        m_state.outsideIsland = island;
        m_state.outsideDelay = 0;
        m_state.nextOutsideAttempt = 0;
    }
    if (st.s.now < m_state.nextOutsideAttempt) return;
    int limit = m_config.clientCount;
    if (st.s.served.isEmpty()) limit = std::min(tunnel::kNatClientLimit, limit); // §5.11
    if (int(st.connections.size() + m_state.connecting.size()) >= limit) return;
    const qint64 longest = tunnel::kMaxOutsideDelayTimeouts * m_config.timeoutMs();
    m_state.outsideDelay = m_state.outsideDelay ? std::min(2 * m_state.outsideDelay, longest) : m_config.timeoutMs();
    m_state.nextOutsideAttempt = st.s.now + m_state.outsideDelay;
    QList<QByteArray> fresh;
    QHash<QByteArray, QString> addressOf;
    for (const CachedPeer &p : st.s.cache)
        if (!p.failed && p.prefix != m_config.ourPrefix && !island.contains(p.prefix)) {
            fresh << p.prefix;
            addressOf.insert(p.prefix, p.address);
        }
    const QString why = QStringLiteral("outside the island, registry unreachable");
    for (const QByteArray &p : shuffled(fresh))
        if (makeTunnel(st, p, addressOf.value(p), why)) return;
    lastResort(st, island, why);
}

void TunnelManager::lastResort(Step &st, const QSet<QByteArray> &skip, const QString &why)
{
    QList<QByteArray> failed; // last chance: peers that failed before (§5.11)
    QHash<QByteArray, QString> failedAddress;
    for (const CachedPeer &p : st.s.cache)
        if (p.failed && p.prefix != m_config.ourPrefix && !skip.contains(p.prefix)) {
            failed << p.prefix;
            failedAddress.insert(p.prefix, p.address);
        }
    // Least recently tried first (never tried: 0), ties in random order.
    QList<QByteArray> order = shuffled(failed);
    std::stable_sort(order.begin(), order.end(), [this](const QByteArray &a, const QByteArray &b) {
        return m_state.lastResortTried.value(a) < m_state.lastResortTried.value(b);
    });
    for (const QByteArray &p : order)
        if (makeTunnel(st, p, failedAddress.value(p), why)) {
            m_state.lastResortTried.insert(p, ++m_state.lastResortRound);
            return;
        }
}

// §5.6 remove_some_tunnels
void TunnelManager::removeSomeTunnels(Step &st)
{
    QList<QByteArray> candidates;
    for (auto it = st.connections.cbegin(); it != st.connections.cend(); ++it)
        if (!m_state.killers.contains(it.key())) candidates << it.key(); // sorted (QMap)
    const int threshold = (!st.s.served.isEmpty() || m_state.disconnected) ? m_config.clientCount
                                                                     : std::min(tunnel::kNatClientLimit, m_config.clientCount);
    const bool allNeighbours = std::all_of(candidates.cbegin(), candidates.cend(),
                                           [this](const QByteArray &p) { return m_config.neighbours.contains(p); });
    if (candidates.isEmpty() || candidates.size() < threshold || allNeighbours) return;
    // Score: () if not identified, else (is_neighbour, destinations routed via it); lowest loses.
    const BabelDump::Topology &t = st.s.topology;
    const auto score = [&](const QByteArray &p) -> std::pair<int, int> {
        if (!t.direct.contains(p)) return {-1, 0};
        return {m_config.neighbours.contains(p) ? 1 : 0, int(t.routedVia.value(p).size())};
    };
    const QByteArray victim = *std::min_element(candidates.cbegin(), candidates.cend(),
                                                [&](auto &a, auto &b) { return score(a) < score(b); });
    m_state.startKiller(m_config, st.s, victim, true, st.out);
}

QList<Action> TunnelManager::peerMessage(const Snapshot &s, const QByteArray &prefix, quint8 code,
                                         const QByteArray &body)
{
    Step st(s);
    if (m_config.clientCount <= 0) return st.out; // §5.8: no tunnel manager, codes ignored
    switch (code) {
    case PeerPayload::Address:
        if (!body.isEmpty() && m_state.connecting.remove(prefix))
            makeTunnel(st, prefix, QString::fromUtf8(body), QStringLiteral("address received"));
        break;
    case PeerPayload::TunnelKillRequest:
        if (s.served.contains(prefix) && !m_state.killers.contains(prefix))
            m_state.startKiller(m_config, s, prefix, false, st.out);
        break;
    case PeerPayload::TunnelKillReady:
        if (m_state.killReady(m_config, s.now, prefix) && st.connections.contains(prefix))
            st.close(prefix, QStringLiteral("%1 is ready: closing the least useful tunnel").arg(cn(prefix)));
        break;
    default:
        break;
    }
    return st.out;
}

bool TunnelManager::clientConnect(const Snapshot &s, const QByteArray &prefix, bool revoked, QList<Action> *out)
{
    if (revoked) return false;
    Snapshot with = s;
    with.served.insert(prefix);
    Step st(with);
    resolveDuplicates(st);
    if (out) *out << st.out;
    return true;
}

QList<Action> TunnelManager::clientDisconnect(const Snapshot &s, const QByteArray &prefix)
{
    m_state.servedPeerGone(m_config, s.now, prefix);
    return {};
}

QList<Action> TunnelManager::routeUp(const Snapshot &s, const QByteArray &prefix, bool revoked, int addressIndex,
                                     const PeerAddress &address)
{
    Step st(s);
    if (revoked) {
        st.close(prefix, QStringLiteral("certificate of %1 is revoked").arg(cn(prefix)));
    } else if (addressIndex > 0) {
        Action a = make(Kind::SetPreferredAddress, prefix, QStringLiteral("%1 reached on a later address").arg(cn(prefix)));
        a.addresses = {address};
        st.out << a;
    } else {
        st.out << make(Kind::MarkPeerReachable, prefix, QStringLiteral("connected to %1").arg(cn(prefix)));
    }
    return st.out;
}

} // namespace re6st
