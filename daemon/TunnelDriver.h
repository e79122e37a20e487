// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/BabelDump.h"
#include "core/OpenVpnArguments.h"
#include "core/GatewayRouteTable.h"
#include "core/TapTraffic.h"
#include "core/TunnelManager.h"
#include "core/crypto/RsaKey.h"
#include "daemon/SystemNetwork.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>
#include <optional>
#include <memory>

namespace re6st {
class OpenVpnProcess;
class RegistryClient;
}

namespace re6st::daemon {

class BabelControl;
class PeerCache;
class PeerEndpoint;

// The imperative shell around core/TunnelManager (node-protocol.md §5): builds
// its Snapshots from babeld dumps, the cache, our client OpenVPNs and the served
// set, and carries out the Actions it returns (OpenVPN clients on re6stnet1…N,
// peer-protocol messages, cache updates, bootstrap requests to the registry).
class TunnelDriver final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(TunnelDriver)
public:
    struct Settings
    {
        tunnel::Config config;
        QByteArray network;               // bits
        OpenVpnArguments::Common common;  // device set per tunnel
        QString runDir;                   // management sockets
        QString logDir;                   // non-empty with --ovpnlog
        QStringList openvpnCommand{QStringLiteral("openvpn")};
        QStringList remoteGateways;       // §9.4
    };
    struct Hooks
    {
        std::function<QSet<QByteArray>()> served;           // peers connected to our servers
        // Server certificate of `prefix` in the CRL (§5.4)? nullopt: its serial is unknown.
        std::function<std::optional<bool>(const QByteArray &prefix)> revoked;
    };

    TunnelDriver(Settings settings, Hooks hooks, PeerCache *cache, PeerEndpoint *endpoint, BabelControl *babel,
                 RegistryClient *registry, crypto::RsaKey nodeKey, QObject *parent = nullptr);
    ~TunnelDriver() override;

    // Client tap names given to babeld at start (§3.1): re6stnet1 … re6stnet<client_count>.
    QStringList clientInterfaces() const;
    void start();
    void stop(); // §2.6: stop every client OpenVPN, remove the taps

    // Server side (§3.5): false = reject. Duplicates are resolved here (§5.7).
    bool admitClient(const QByteArray &prefix, bool revoked);
    void clientDisconnected(const QByteArray &prefix);
    // §9.4: a client served from `ip` (its trusted_ip) holds that address in the
    // --remote-gateway count without a route; released when it disconnects.
    void holdServedRemote(const QString &ip);
    void releaseServedRemote(const QString &ip);
    // §7.5: close client tunnels whose server serial is now revoked; with
    // `unknownToo`, also those whose server serial we never learnt (they reconnect
    // through OpenVPN's --tls-verify CRL check).
    void closeRevoked(bool unknownToo);

    const BabelDump::Topology &topology() const { return m_topology; }
    bool hasDump() const { return m_dumps > 0; }
    QByteArray topologyAnswer() const; // code 5 body (§6.6)
    QList<QByteArray> connectedPeers() const; // prefixes of our established client tunnels
    int tunnelCount() const { return int(m_tunnels.size()); }
    struct TunnelInfo
    {
        QString iface;
        QByteArray prefix;
        QString proto;        // of the address in use, as openVpnProto() spells it
        bool connected = false;
        qint64 since = 0;     // Unix s of route-up (connected) or of the last start
        TapTraffic::Counters bytes; // tap bytes since route-up (0 while not connected)
    };
    QList<TunnelInfo> tunnels() const; // reads the taps' kernel counters
    // A peer's address protocol as OpenVPN and the D-Bus contract (dbus/org.re6st.Node1.xml)
    // name it: udp4 -> udp, tcp4 -> tcp (PeerAddress accepts both spellings); others unchanged.
    static QString openVpnProto(const QString &proto);
    // Stops the client OpenVPN on `iface` without trying other addresses; the manager
    // sees a dead tunnel and may open another later. False: no such client tunnel.
    bool killTunnel(const QString &iface);
    QString interfaceOf(const QByteArray &prefix) const; // client tunnel to prefix, or empty
    void setNeighbours(const QSet<QByteArray> &prefixes);
    const TunnelManager &manager() const { return m_manager; }

Q_SIGNALS:
    void networkConfigCheck(bool registryRouted); // §7.4.3, after a dump, when due
    void externalIpLearnt(const QByteArray &server, const QString &ip); // pushed by a server (§3.5, §9.1)
    void externalIpWithdrawn(const QByteArray &server); // its tunnel ended: its report no longer holds
    void dumped();                                 // a babeld dump was processed
    void tunnelsChanged();                         // a client tunnel came up or went down

private:
    struct Tunnel;
    qint64 now() const { return m_clock.elapsed(); }
    tunnel::Snapshot snapshot() const;
    void run(const QList<tunnel::Action> &actions);
    void execute(const tunnel::Action &a);
    void refresh();
    void onDumped(bool valid, const QList<babel::Neighbour> &neighbours, const QList<babel::Route> &routes);
    void openTunnel(const QString &iface, const QByteArray &prefix, const QList<PeerAddress> &addresses, bool retry);
    void closeTunnel(const QString &iface);
    bool ensureTap(const QString &iface);
    void disableDad(const QString &iface);
    void setLinkDown(const QString &iface);
    void askBootstrapPeer();
    void addGatewayRoute(const QString &ip);
    void removeGatewayRoute(const QString &ip);
    void applyGatewayChange(const std::optional<GatewayRouteTable::Change> &change);

    Settings m_settings;
    Hooks m_hooks;
    PeerCache *m_cache;
    PeerEndpoint *m_endpoint;
    BabelControl *m_babel;
    RegistryClient *m_registry;
    crypto::RsaKey m_nodeKey;
    QElapsedTimer m_clock;
    TunnelManager m_manager;
    QMap<QString, std::shared_ptr<Tunnel>> m_tunnels; // iface -> tunnel
    QStringList m_freeTaps;
    QHash<QByteArray, QString> m_lastTaps; // prefix -> tap of its last client tunnel (Snapshot::lastInterfaces)
    QSet<QString> m_createdTaps;
    QTimer m_refreshTimer;
    BabelDump::Topology m_topology;
    SystemNetwork m_system; // `ip` for tap state and --remote-gateway routes (no undo list)
    GatewayRouteTable m_gatewayRoutes; // --remote-gateway, §9.4
    // §6.6 code 1 requests that went out as data: prefix -> now(). Only their answers,
    // within the §6.4 liveness window, reach the cache (§7.2) and the manager.
    static constexpr qint64 kAddressReplyWindowMs = 60'000;
    QHash<QByteArray, qint64> m_addressAsked;
    int m_dumps = 0;
    bool m_waitingDump = false;
    bool m_stopped = false;
};

} // namespace re6st::daemon
