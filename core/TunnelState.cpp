// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/TunnelState.h"
#include "core/Addressing.h"

namespace re6st::tunnel {

namespace {

Action costAction(const Killer &k, int value, const QString &reason)
{
    Action a;
    a.kind = Action::Kind::SetCostMultiplier;
    a.prefix = k.prefix;
    a.neighbour = k.neighbour;
    a.costMultiplier = value;
    a.reason = reason;
    return a;
}

} // namespace

void TunnelState::startKiller(const Config &c, const Snapshot &s, const QByteArray &prefix, bool client,
                              QList<Action> &out)
{
    Killer k;
    k.prefix = prefix;
    k.client = client;
    k.deadline = s.now + c.killDeadlineMs();
    advance(c, s, killers.insert(prefix, k).value(), out);
}

void TunnelState::killersAfterDump(const Config &c, const Snapshot &s, QList<Action> &out)
{
    QSet<QByteArray> connections;
    for (const ClientTunnel &t : s.tunnels) connections.insert(t.prefix);
    for (const QByteArray &p : killers.keys()) {
        Killer &k = killers[p];
        if (s.now > k.deadline) {
            const QString who = addressing::cnFromBits(p);
            if (c.babelCostMultiplier && !k.neighbour.isEmpty())
                out << costAction(k, k.savedMultiplier,
                                  k.state == Killer::State::Unlocking
                                      ? QStringLiteral("unlocking routes via %1").arg(who)
                                      : QStringLiteral("Abort destruction of tunnel to %1").arg(who));
            killers.remove(p);
        } else if (k.state != Killer::State::Unlocking && !(k.client ? connections : s.served).contains(p)) {
            abort(c, s.now, k); // §5.8 step 5: tunnel killed or client disconnected
        } else {
            advance(c, s, k, out);
        }
    }
}

bool TunnelState::killReady(const Config &c, qint64 now, const QByteArray &prefix)
{
    const auto it = killers.find(prefix);
    if (it == killers.end() || !it->client || it->state != Killer::State::Locked) return false;
    abort(c, now, *it);
    return true;
}

void TunnelState::servedPeerGone(const Config &c, qint64 now, const QByteArray &prefix)
{
    const auto it = killers.find(prefix);
    if (it != killers.end() && !it->client && it->state != Killer::State::Unlocking) abort(c, now, *it);
}

// §5.8 steps 1-3. Without cost multipliers (stock babeld, §4.5) codes 2/3 are sent at once.
void TunnelState::advance(const Config &c, const Snapshot &s, Killer &k, QList<Action> &out)
{
    const QString who = addressing::cnFromBits(k.prefix);
    const auto locked = [&] {
        k.state = Killer::State::Locked;
        k.deadline = s.now + c.killDeadlineMs();
        Action a;
        a.kind = k.client ? Action::Kind::SendKillRequest : Action::Kind::SendKillReady;
        a.prefix = k.prefix;
        a.reason = k.client ? QStringLiteral("asking %1 to let us close our tunnel to it").arg(who)
                            : QStringLiteral("ready for %1 to close its tunnel to us").arg(who);
        out << a;
    };
    const BabelDump::Topology &t = s.topology;
    switch (k.state) {
    case Killer::State::Start:
        if (!c.babelCostMultiplier) {
            const QByteArray prefix = k.prefix;
            const bool server = !k.client;
            locked();
            if (server) killers.remove(prefix); // nothing to unlock later
            return;
        }
        if (!t.direct.contains(k.prefix)) return; // retried at every dump until the deadline
        k.neighbour = t.direct.value(k.prefix).address + QLatin1Char('%') + t.direct.value(k.prefix).interface;
        k.savedMultiplier = s.costMultipliers.value(k.neighbour, 0);
        out << costAction(k, kSoftLockMultiplier, QStringLiteral("soft-locking routes via %1").arg(who));
        k.state = Killer::State::SoftLocking;
        return;
    case Killer::State::SoftLocking:
        if (t.direct.contains(k.prefix) || t.unidentifiedRouteCount) return;
        out << costAction(k, kHardLockMultiplier, QStringLiteral("hard-locking routes via %1").arg(who));
        k.state = Killer::State::HardLocking;
        return;
    case Killer::State::HardLocking:
        if (s.lockedNeighbours.contains(k.neighbour)) locked();
        else k.deadline = 0; // abort at the next dump
        return;
    case Killer::State::Locked:
    case Killer::State::Unlocking:
        return;
    }
}

// §5.8 step 5: unlock at the renewed deadline, or forget at once if nothing was locked.
void TunnelState::abort(const Config &c, qint64 now, Killer &k)
{
    if (!c.babelCostMultiplier || k.neighbour.isEmpty()) {
        const QByteArray prefix = k.prefix; // k lives in the map
        killers.remove(prefix);
        return;
    }
    k.state = Killer::State::Unlocking;
    k.deadline = now + c.killDeadlineMs();
}

} // namespace re6st::tunnel
