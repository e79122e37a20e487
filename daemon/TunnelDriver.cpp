// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/TunnelDriver.h"

#include "core/Addressing.h"
#include "core/RegistryClient.h"
#include "daemon/BabelControl.h"
#include "daemon/OpenVpnProcess.h"
#include "daemon/ParentDeath.h"
#include "daemon/PeerCache.h"
#include "daemon/PeerEndpoint.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QLoggingCategory>
#include <QProcess>
#include <QRandomGenerator>

Q_LOGGING_CATEGORY(lcTunnels, "re6st.tunnels")

namespace re6st::daemon {

using tunnel::Action;
using Kind = tunnel::Action::Kind;

struct TunnelDriver::Tunnel
{
    QByteArray prefix;
    QString iface;
    OpenVpnProcess *process = nullptr;
    QList<PeerAddress> tried;     // addresses started so far, current last
    QList<PeerAddress> remaining; // not tried yet
    bool connected = false;
    bool exited = false;
    qint64 startedAt = 0; // unix seconds at (re)start: route-up older than this is stale (§3.5)
    qint64 connectedAt = 0; // unix seconds of the last route-up
    TapTraffic traffic;     // the tap's counters at the last route-up (the tap served earlier tunnels)
    QString gatewayRoute;   // --remote-gateway: the IPv4 this tunnel holds in m_gatewayRoutes (§9.4), released once
};

namespace {
QString cn(const QByteArray &bits) { return addressing::cnFromBits(bits); }
bool isIpv4(const QString &ip) { return QHostAddress(ip).protocol() == QAbstractSocket::IPv4Protocol; }

quint64 tapCounter(const QString &iface, const char *name)
{
    QFile f(QStringLiteral("/sys/class/net/%1/statistics/%2").arg(iface, QLatin1String(name)));
    return f.open(QIODevice::ReadOnly) ? f.readAll().trimmed().toULongLong() : 0;
}

TapTraffic::Counters tapCounters(const QString &iface)
{
    return {tapCounter(iface, "rx_bytes"), tapCounter(iface, "tx_bytes")};
}
} // namespace

QString TunnelDriver::openVpnProto(const QString &proto)
{
    if (proto == QLatin1String("udp4")) return QStringLiteral("udp");
    if (proto == QLatin1String("tcp4")) return QStringLiteral("tcp");
    return proto;
}

TunnelDriver::TunnelDriver(Settings settings, Hooks hooks, PeerCache *cache, PeerEndpoint *endpoint,
                           BabelControl *babel, RegistryClient *registry, crypto::RsaKey nodeKey, QObject *parent)
    : QObject(parent),
      m_settings(std::move(settings)),
      m_hooks(std::move(hooks)),
      m_cache(cache),
      m_endpoint(endpoint),
      m_babel(babel),
      m_registry(registry),
      m_nodeKey(std::move(nodeKey)),
      m_manager(m_settings.config, QRandomGenerator(QRandomGenerator::system()->generate()), 0),
      m_gatewayRoutes(m_settings.remoteGateways)
{
    m_clock.start();
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &TunnelDriver::refresh);
    connect(m_babel, &BabelControl::dumped, this, [this](const BabelControl::Tables &t) {
        onDumped(t.valid, t.neighbours, t.routes);
    });
    // §6.6 code 1 reply, §5.8 codes 2/3.
    connect(m_endpoint, &PeerEndpoint::addressReply, this, [this](const QByteArray &prefix, const QString &addresses) {
        if (m_stopped) return;
        // §6.6: nodes send code 1 with a body only to answer a request, so a reply we did
        // not ask for is a member writing into our cache (a transaction each, `try` reset
        // to 0 for a peer found unreachable, §5.11): ignored. An answer is taken once.
        const auto asked = m_addressAsked.constFind(prefix);
        if (asked == m_addressAsked.cend() || now() - *asked > kAddressReplyWindowMs) {
            qCDebug(lcTunnels).noquote() << "ignoring an address from" << cn(prefix) << "that we did not ask for";
            return;
        }
        m_addressAsked.erase(asked);
        m_cache->addPeer(prefix, addresses);
        run(m_manager.peerMessage(snapshot(), prefix, PeerPayload::Address, addresses.toUtf8()));
    });
    connect(m_endpoint, &PeerEndpoint::tunnelKillRequest, this, [this](const QByteArray &prefix) {
        if (!m_stopped) run(m_manager.peerMessage(snapshot(), prefix, PeerPayload::TunnelKillRequest, {}));
    });
    connect(m_endpoint, &PeerEndpoint::tunnelKillReady, this, [this](const QByteArray &prefix) {
        if (!m_stopped) run(m_manager.peerMessage(snapshot(), prefix, PeerPayload::TunnelKillReady, {}));
    });
}

TunnelDriver::~TunnelDriver()
{
    stop();
}

QStringList TunnelDriver::clientInterfaces() const
{
    QStringList out;
    for (int i = 1; i <= m_settings.config.clientCount; ++i) out << QStringLiteral("re6stnet%1").arg(i);
    return out;
}

void TunnelDriver::start()
{
    m_stopped = false;
    refresh();
}

tunnel::Snapshot TunnelDriver::snapshot() const
{
    tunnel::Snapshot s;
    s.now = now();
    s.topology = m_topology;
    for (const auto &t : m_tunnels) {
        tunnel::ClientTunnel c;
        c.prefix = t->prefix;
        c.iface = t->iface;
        c.connected = t->connected;
        c.exited = t->exited;
        c.remainingAddresses = t->remaining;
        s.tunnels << c;
    }
    if (m_hooks.served) s.served = m_hooks.served();
    if (m_endpoint)
        for (const QByteArray &p : m_endpoint->knownPeers())
            if (m_endpoint->isConnected(p)) s.sessions.insert(p);
    for (int failed = 0; failed <= 1; ++failed)
        for (const auto &[prefix, address] : m_cache->getPeerList(failed))
            s.cache << tunnel::CachedPeer{prefix, address, failed == 1};
    s.freeInterfaces = m_freeTaps;
    s.lastInterfaces = m_lastTaps;
    return s;
}

void TunnelDriver::refresh()
{
    if (m_stopped) return;
    if (m_settings.config.clientCount <= 0) {
        // Base manager: no client tunnels, but dumps still feed the version
        // broadcast (§7.6) and the netconf check.
        m_waitingDump = true;
        m_babel->requestDump();
        return;
    }
    run(m_manager.refresh(snapshot()));
}

void TunnelDriver::onDumped(bool valid, const QList<babel::Neighbour> &neighbours, const QList<babel::Route> &routes)
{
    if (m_stopped) return;
    m_topology = BabelDump::topology(neighbours, routes, m_settings.network);
    for (const QString &w : std::as_const(m_topology.warnings)) qCDebug(lcTunnels).noquote() << w;
    if (valid) ++m_dumps;
    Q_EMIT dumped();
    if (!m_waitingDump) return;
    m_waitingDump = false;
    if (m_settings.config.clientCount <= 0) {
        m_refreshTimer.start(tunnel::kRefreshPeriodMs);
        return;
    }
    run(m_manager.babelDump(snapshot()));
}

void TunnelDriver::run(const QList<Action> &actions)
{
    for (const Action &a : actions) {
        if (m_stopped) return;
        execute(a);
    }
}

void TunnelDriver::execute(const Action &a)
{
    // Opening and closing are logged once, at info level, below.
    const bool loggedBelow = a.kind == Kind::OpenTunnel || a.kind == Kind::CloseTunnel;
    if (a.kind != Kind::ScheduleNext && a.kind != Kind::RequestDump && !loggedBelow && !a.reason.isEmpty())
        qCDebug(lcTunnels).noquote() << a.reason;
    switch (a.kind) {
    case Kind::OpenTunnel:
        qCInfo(lcTunnels).noquote() << a.reason << "on" << a.iface;
        openTunnel(a.iface, a.prefix, a.addresses, false);
        break;
    case Kind::RetryTunnel:
        openTunnel(a.iface, a.prefix, a.addresses, true);
        break;
    case Kind::CloseTunnel:
        qCInfo(lcTunnels).noquote() << a.reason;
        closeTunnel(a.iface);
        break;
    case Kind::SendAddressRequest:
        // Sent as data only with a live session (§6.3); otherwise only a hello went out.
        if (m_endpoint->send(a.prefix, PeerPayload(PeerPayload::Address, {}).encode())) {
            m_addressAsked.removeIf([t = now()](QHash<QByteArray, qint64>::iterator it) {
                return t - *it > kAddressReplyWindowMs;
            });
            m_addressAsked.insert(a.prefix, now());
        }
        break;
    case Kind::SendKillRequest:
        m_endpoint->send(a.prefix, PeerPayload(PeerPayload::TunnelKillRequest, {}).encode());
        break;
    case Kind::SendKillReady:
        m_endpoint->send(a.prefix, PeerPayload(PeerPayload::TunnelKillReady, {}).encode());
        break;
    case Kind::EnsureRegistrySession:
        m_endpoint->send(a.prefix, std::nullopt);
        break;
    case Kind::AskBootstrapPeer:
        qCInfo(lcTunnels).noquote() << a.reason << "- asking the registry for a bootstrap peer";
        askBootstrapPeer();
        break;
    case Kind::MarkPeerUnreachable:
        m_cache->connecting(a.prefix, 1);
        break;
    case Kind::MarkPeerReachable:
        m_cache->connecting(a.prefix, 0);
        break;
    case Kind::SetPreferredAddress:
        m_cache->addPeer(a.prefix, PeerAddress::dumpList(a.addresses), true);
        break;
    case Kind::SetCostMultiplier:
        break; // stock babeld has no cost multipliers (§4.5): handshake without locking
    case Kind::CheckNetworkConfig:
        Q_EMIT networkConfigCheck(m_topology.peers.contains(m_settings.config.registryPrefix));
        break;
    case Kind::RequestDump:
        m_waitingDump = true;
        m_babel->requestDump();
        break;
    case Kind::ScheduleNext:
        m_refreshTimer.start(int(qBound<qint64>(0, a.when - now(), tunnel::kRefreshPeriodMs * 10)));
        break;
    }
}

bool TunnelDriver::ensureTap(const QString &iface)
{
    if (m_createdTaps.contains(iface)) return true;
    // §3.1: taps made by openvpn --mktun, kept for reuse until exit.
    QProcess p;
    terminateWithParent(p);
    p.setProcessChannelMode(QProcess::MergedChannels);
    const QStringList cmd = m_settings.openvpnCommand + OpenVpnArguments::makeTap(iface);
    p.start(cmd.first(), cmd.mid(1));
    if (!p.waitForFinished(15000) || p.exitCode() != 0) {
        qCWarning(lcTunnels).noquote() << "cannot create tap" << iface << ":" << QString::fromLocal8Bit(p.readAll()).trimmed();
        return false;
    }
    m_createdTaps.insert(iface);
    disableDad(iface);
    return true;
}

void TunnelDriver::disableDad(const QString &iface)
{
    // Local only (upstream writes no sysctl, §2.4): a tap's link-local address is
    // unique (its random MAC) and DAD would keep it tentative ~1.5 s after each
    // "up", so babeld's first hello could not leave and the peer would count a
    // missed hello. Read-only /proc/sys (ProtectKernelTunables=) just keeps DAD.
    QFile f(QStringLiteral("/proc/sys/net/ipv6/conf/%1/accept_dad").arg(iface));
    if (!f.open(QIODevice::WriteOnly) || f.write("0\n") != 2)
        qCDebug(lcTunnels).noquote() << "cannot turn DAD off on" << iface << ":" << f.errorString();
}

void TunnelDriver::openTunnel(const QString &iface, const QByteArray &prefix, const QList<PeerAddress> &addresses,
                              bool retry)
{
    std::shared_ptr<Tunnel> t = m_tunnels.value(iface);
    if (!retry || !t) {
        m_freeTaps.removeAll(iface);
        if (t) closeTunnel(iface);
        t = std::make_shared<Tunnel>();
        t->prefix = prefix;
        t->iface = iface;
        m_tunnels.insert(iface, t);
    }
    t->exited = false;
    t->connected = false;
    if (addresses.isEmpty() || !ensureTap(iface)) {
        t->exited = true;
        t->remaining.clear();
        return;
    }
    const PeerAddress address = addresses.first();
    t->tried << address;
    t->remaining = addresses.mid(1);
    if (!t->gatewayRoute.isEmpty()) removeGatewayRoute(std::exchange(t->gatewayRoute, QString()));
    if (m_gatewayRoutes.isEnabled() && isIpv4(address.ip)) {
        addGatewayRoute(address.ip);
        t->gatewayRoute = address.ip;
    }

    OpenVpnArguments::Client c;
    c.common = m_settings.common;
    c.common.device = iface;
    if (!m_settings.logDir.isEmpty()) c.common.logFile = QDir(m_settings.logDir).filePath(iface + QStringLiteral(".log"));
    c.remote.host = address.ip;
    c.remote.port = address.port;
    c.remote.proto = openVpnProto(address.proto);
    c.serverCn = cn(prefix);
    QString error;
    const auto argv = OpenVpnArguments::client(c, &error);
    if (!t->process) {
        t->process = new OpenVpnProcess(OpenVpnProcess::Role::Client, this);
        t->process->setCommand(m_settings.openvpnCommand);
        Tunnel *raw = t.get();
        connect(t->process, &OpenVpnProcess::connected, this, [this, raw](qint64 time, const QString &externalIp) {
            if (!externalIp.isEmpty()) Q_EMIT externalIpLearnt(raw->prefix, externalIp);
            if (m_stopped || time < raw->startedAt || raw->exited) return; // stale notification (§3.5)
            raw->connected = true;
            raw->connectedAt = QDateTime::currentSecsSinceEpoch();
            raw->traffic.start(tapCounters(raw->iface)); // the record's `since` restarts: so do its bytes
            Q_EMIT tunnelsChanged();
            qCInfo(lcTunnels).noquote() << "tunnel to" << cn(raw->prefix) << "on" << raw->iface << "is up";
            const bool revoked = m_hooks.revoked && m_hooks.revoked(raw->prefix).value_or(false);
            run(m_manager.routeUp(snapshot(), raw->prefix, revoked, int(raw->tried.size()) - 1, raw->tried.last()));
        });
        connect(t->process, &OpenVpnProcess::finished, this, [this, raw](qint64, int code, bool crashed) {
            raw->exited = true;
            Q_EMIT externalIpWithdrawn(raw->prefix);
            Q_EMIT tunnelsChanged();
            setLinkDown(raw->iface);
            if (!raw->gatewayRoute.isEmpty()) removeGatewayRoute(std::exchange(raw->gatewayRoute, QString()));
            if (m_stopped) return;
            qCDebug(lcTunnels).noquote() << "OpenVPN to" << cn(raw->prefix) << "on" << raw->iface
                                         << (crashed ? "killed" : "exited") << code << raw->process->lastOutput().right(300).replace(QLatin1Char('\n'), QLatin1String(" | "));
            if (raw->connected && !m_refreshTimer.isActive()) return;
            // A dead established tunnel or a failed attempt: let the manager react now (§5.3).
            if (!m_waitingDump) {
                m_refreshTimer.stop();
                refresh();
            }
        });
    }
    if (!argv) {
        qCWarning(lcTunnels).noquote() << "tunnel to" << cn(prefix) << ":" << error;
        t->exited = true;
        return;
    }
    t->startedAt = QDateTime::currentSecsSinceEpoch() - 1;
    const QString socket = QDir(m_settings.runDir).filePath(iface + QStringLiteral(".mgmt"));
    if (!t->process->start(*argv, socket, &error)) {
        qCWarning(lcTunnels).noquote() << "cannot start OpenVPN to" << cn(prefix) << ":" << error;
        t->exited = true;
    }
}

QList<TunnelDriver::TunnelInfo> TunnelDriver::tunnels() const
{
    QList<TunnelInfo> out;
    // Tunnels are shared_ptr: traffic.since() may rebase a tap made anew (TapTraffic).
    for (const auto &t : m_tunnels) {
        if (t->exited) continue;
        const PeerAddress current = t->tried.value(t->tried.size() - 1);
        out << TunnelInfo{t->iface, t->prefix, openVpnProto(current.proto), t->connected,
                          t->connected ? t->connectedAt : t->startedAt,
                          t->connected ? t->traffic.since(tapCounters(t->iface)) : TapTraffic::Counters{}};
    }
    return out;
}

QString TunnelDriver::interfaceOf(const QByteArray &prefix) const
{
    for (const auto &t : m_tunnels)
        if (t->prefix == prefix && !t->exited) return t->iface;
    return {};
}

bool TunnelDriver::killTunnel(const QString &iface)
{
    const std::shared_ptr<Tunnel> t = m_tunnels.value(iface);
    if (!t || t->exited || !t->process) return false;
    qCInfo(lcTunnels).noquote() << "killing the tunnel to" << cn(t->prefix) << "on" << iface << "(requested over D-Bus)";
    t->remaining.clear(); // no retry on another address: the manager decides what next
    t->process->stop(5000);
    return true;
}

void TunnelDriver::setNeighbours(const QSet<QByteArray> &prefixes)
{
    m_settings.config.neighbours = prefixes;
    m_manager.setNeighbours(prefixes);
}

void TunnelDriver::closeTunnel(const QString &iface)
{
    const std::shared_ptr<Tunnel> t = m_tunnels.take(iface);
    if (!iface.isEmpty() && !m_freeTaps.contains(iface)) m_freeTaps << iface; // §3.7: tap reused
    if (t && !iface.isEmpty()) {
        if (m_lastTaps.size() >= 4096) m_lastTaps.clear(); // a hint only: bounded
        m_lastTaps.insert(t->prefix, iface);
    }
    if (!t || !t->process) return;
    t->exited = true;
    OpenVpnProcess *p = t->process;
    p->disconnect(this);
    Q_EMIT externalIpWithdrawn(t->prefix); // finished() will not tell
    setLinkDown(iface);
    if (!t->gatewayRoute.isEmpty()) removeGatewayRoute(std::exchange(t->gatewayRoute, QString()));
    if (p->isRunning()) {
        connect(p, &OpenVpnProcess::finished, p, &QObject::deleteLater);
        p->stop(5000);
    } else {
        p->deleteLater();
    }
}

// The tap survives its OpenVPN (--persist-tun): set it down at once so babeld
// drops the routes through it now instead of after several lost hellos (§5.4).
void TunnelDriver::setLinkDown(const QString &iface)
{
    if (iface.isEmpty()) return;
    m_system.run({QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("dev"), iface, QStringLiteral("down")});
}

void TunnelDriver::askBootstrapPeer()
{
    m_registry->getBootstrapPeer([this](const RegistryClient::Result &r) {
        if (m_stopped) return;
        std::optional<tunnel::CachedPeer> peer;
        if (r.kind == RegistryClient::Result::Kind::Body && !r.body.isEmpty()) {
            // R§6: RSA-encrypted "<prefix bits> <address string>".
            const auto plain = m_nodeKey.decrypt(r.body);
            const int space = plain ? int(plain->indexOf(' ')) : -1;
            const bool decrypted = space > 0 && addressing::isBitString(plain->left(space));
            // The address is the one the peer gave the registry (§6.8): as untrusted as a code 1 answer.
            const QString address = decrypted ? PeerAddress::dumpList(PeerAddress::parseUntrusted(
                                                    QString::fromUtf8(plain->mid(space + 1))))
                                              : QString();
            if (!address.isEmpty()) {
                peer = tunnel::CachedPeer{plain->left(space), address, false};
                m_cache->addPeer(peer->prefix, peer->address);
                qCInfo(lcTunnels).noquote() << "registry proposes" << cn(peer->prefix) << "at" << peer->address;
            } else if (decrypted) {
                qCWarning(lcTunnels).noquote() << "getBootstrapPeer: no usable address for" << cn(plain->left(space));
            } else {
                qCWarning(lcTunnels) << "getBootstrapPeer: undecryptable answer; is the registry of this network?";
            }
        } else if (r.noResult() || r.forbidden()) {
            qCInfo(lcTunnels).noquote() << "getBootstrapPeer failed:" << r.message << "- registry dead? assuming connected";
        }
        run(m_manager.bootstrapPeer(snapshot(), peer));
    });
}

bool TunnelDriver::admitClient(const QByteArray &prefix, bool revoked)
{
    if (m_settings.config.clientCount <= 0) return !revoked;
    QList<Action> out;
    const bool ok = m_manager.clientConnect(snapshot(), prefix, revoked, &out);
    // Run after the caller recorded the client (served set), on the next turn.
    QMetaObject::invokeMethod(this, [this, out] { run(out); }, Qt::QueuedConnection);
    return ok;
}

void TunnelDriver::clientDisconnected(const QByteArray &prefix)
{
    if (m_settings.config.clientCount > 0) run(m_manager.clientDisconnect(snapshot(), prefix));
}

void TunnelDriver::closeRevoked(bool unknownToo)
{
    if (!m_hooks.revoked) return;
    const auto tunnels = m_tunnels;
    for (const auto &t : tunnels) {
        const std::optional<bool> revoked = m_hooks.revoked(t->prefix);
        if (revoked.value_or(unknownToo)) {
            qCInfo(lcTunnels).noquote() << "closing the tunnel to" << cn(t->prefix)
                                        << (revoked ? "(revoked)" : "(serial unknown: reconnecting through the CRL check)");
            closeTunnel(t->iface);
        }
    }
}

QByteArray TunnelDriver::topologyAnswer() const
{
    QStringList clients, served;
    for (const auto &t : m_tunnels) clients << cn(t->prefix);
    if (m_hooks.served)
        for (const QByteArray &p : m_hooks.served()) served << cn(p);
    clients.sort();
    served.sort();
    return PeerPayload::topology(clients, served);
}

QList<QByteArray> TunnelDriver::connectedPeers() const
{
    QList<QByteArray> out;
    for (const auto &t : m_tunnels)
        if (t->connected && !t->exited) out << t->prefix;
    return out;
}

void TunnelDriver::addGatewayRoute(const QString &ip)
{
    applyGatewayChange(m_gatewayRoutes.holdForTunnel(ip));
}

void TunnelDriver::removeGatewayRoute(const QString &ip)
{
    applyGatewayChange(m_gatewayRoutes.release(ip));
}

void TunnelDriver::holdServedRemote(const QString &ip)
{
    m_gatewayRoutes.holdForServedClient(ip);
}

void TunnelDriver::releaseServedRemote(const QString &ip)
{
    removeGatewayRoute(ip);
}

void TunnelDriver::applyGatewayChange(const std::optional<GatewayRouteTable::Change> &change)
{
    if (!change) return;
    // §9.4: errors of `ip route del` are ignored (logged by SystemNetwork).
    const bool add = change->kind == GatewayRouteTable::Change::Kind::Add;
    m_system.run({QStringLiteral("-4"), QStringLiteral("route"), add ? QStringLiteral("add") : QStringLiteral("del"),
                  change->ip + QStringLiteral("/32"), QStringLiteral("via"), change->gateway});
}

void TunnelDriver::stop()
{
    if (m_stopped) return;
    m_stopped = true;
    m_refreshTimer.stop();
    QList<OpenVpnProcess *> running;
    for (const auto &t : std::as_const(m_tunnels))
        if (t->process && t->process->isRunning()) {
            t->process->stop(5000);
            running << t->process;
        }
    // §3.7: SIGKILL after 5 s, one deadline for all (not 5 s more per stuck process).
    const QDeadlineTimer deadline(5000);
    for (OpenVpnProcess *p : running) p->waitStopped(deadline);
    for (const auto &t : std::as_const(m_tunnels))
        if (!t->gatewayRoute.isEmpty()) removeGatewayRoute(std::exchange(t->gatewayRoute, QString()));
    for (const auto &change : m_gatewayRoutes.releaseAll()) applyGatewayChange(change); // also those served clients held
    m_tunnels.clear();
    for (const QString &tap : std::as_const(m_createdTaps)) {
        QProcess p;
        const QStringList cmd = m_settings.openvpnCommand + OpenVpnArguments::removeTap(tap);
        p.start(cmd.first(), cmd.mid(1));
        p.waitForFinished(10000);
    }
    m_createdTaps.clear();
    m_freeTaps.clear();
}

} // namespace re6st::daemon
