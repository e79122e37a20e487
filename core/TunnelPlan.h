// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/BabelDump.h"
#include "core/PeerPayload.h"
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>
#include <functional>

// Inputs and outputs of the tunnel manager's decision core (node-protocol.md §5):
// plain values, no I/O. Times are milliseconds on any monotonic clock chosen by the shell.
namespace re6st::tunnel {

// node-protocol.md §5.1
inline constexpr qint64 kRefreshPeriodMs = 5'000;
inline constexpr qint64 kNetconfCheckMs = 3'600'000;
inline constexpr int kNatClientLimit = 2;     // §5.11: nobody connects to us
inline constexpr int kMaxOutsideDelayTimeouts = 16; // reachOutOfIsland: at most every 16 timeouts
// Local bound, not in §5: addresses one attempt walks (§5.4, one OpenVPN each, in the
// peer's order, §5.5). A node advertises one entry per server (--pp entry) and address
// of its family (§9.1), a handful; more would let one peer's answer (§6.6 code 1) point
// a client slot at dozens of third-party hosts, one after the other.
inline constexpr int kMaxAttemptAddresses = 8;

struct Config
{
    QByteArray ourPrefix;      // bit string
    QByteArray registryPrefix; // network param registry_prefix (§5.12)
    int clientCount = 10;      // network param client_count (0: no tunnel manager)
    int maxClients = 20;       // per OpenVPN server; enforced by OpenVPN (§3.3), informative here
    qint64 tunnelRefreshMs = 300'000; // network param tunnel_refresh
    qint64 helloMs = 15'000;          // network param hello; timeout = 4 x hello
    QSet<QByteArray> neighbours;      // --neighbour prefixes (§5.9)
    QStringList sameCountry;          // network param same_country (§5.10)
    QString ourCountry;               // 4th field of our own addresses, empty if unknown
    QStringList disabledProtocols{QStringLiteral("udp"), QStringLiteral("udp6")}; // §9.5
    // true with Nexedi's babeld (cost multipliers, §5.8); false = stock babeld 1.12.1:
    // codes 2/3 are still exchanged, then the tunnel is killed without locking (§4.5).
    bool babelCostMultiplier = false;
    // Optional local GeoIP lookup for addresses without a country (§5.10); may be empty.
    std::function<QString(const QString &ip)> geoip;

    qint64 timeoutMs() const { return 4 * helloMs; }
    qint64 killDeadlineMs() const { return 2 * timeoutMs(); }
    bool isRegistryNode() const { return !registryPrefix.isEmpty() && ourPrefix == registryPrefix; }
};

// One client OpenVPN we started (§5.2 connections).
struct ClientTunnel
{
    QByteArray prefix;
    QString iface;
    bool connected = false; // route-up received (§3.5)
    bool exited = false;    // its OpenVPN process has exited (§5.4)
    QList<PeerAddress> remainingAddresses; // not tried yet, next first
};

// A row of the peer cache (§7.1/§7.2).
struct CachedPeer
{
    QByteArray prefix;
    QString address;     // address string "IP,PORT,PROTO[,CC];..."
    bool failed = false; // volatile try = 1
};

struct Snapshot
{
    qint64 now = 0;
    BabelDump::Topology topology;       // from the last dump (§4.4)
    QSet<QString> lockedNeighbours;     // "address%iface" with cost multiplier 0 (fork only)
    QHash<QString, int> costMultipliers; // "address%iface" -> current value (fork only)
    QList<ClientTunnel> tunnels;
    QSet<QByteArray> served;            // peers connected to our servers
    QSet<QByteArray> sessions;          // peers with a connected peer-protocol session (§6.3-6.4)
    QList<CachedPeer> cache;
    QStringList freeInterfaces;         // client taps created earlier and now unused
    // Tap of each peer's last client tunnel (local only, not in §5): a new tunnel to
    // that peer takes it again if free, so the peer's babeld sees the same
    // link-local neighbour come back instead of waiting for the old one to time out.
    QHash<QByteArray, QString> lastInterfaces;
};

struct Action
{
    enum class Kind {
        OpenTunnel,          // start OpenVPN to prefix on iface, addresses[0] first
        RetryTunnel,         // restart the exited OpenVPN on iface with addresses[0]
        CloseTunnel,         // stop the client tunnel on iface
        SendAddressRequest,  // peer protocol code 1, empty body (§6.6)
        SendKillRequest,     // code 2 (§5.8)
        SendKillReady,       // code 3 (§5.8)
        EnsureRegistrySession, // sendto(registry, None) (§5.5)
        AskBootstrapPeer,    // registry getBootstrapPeer; answer via bootstrapPeer()
        MarkPeerUnreachable, // cache connecting(prefix, 1)
        MarkPeerReachable,   // cache connecting(prefix, 0)
        SetPreferredAddress, // cache addPeer(prefix, addresses, set_preferred=True)
        SetCostMultiplier,   // babeld (fork): neighbour address%iface -> costMultiplier
        CheckNetworkConfig,  // §7.4 hourly check
        RequestDump,         // ask babeld for a dump; answer via babelDump()
        ScheduleNext,        // call refresh() at `when`
    };
    Kind kind = Kind::ScheduleNext;
    QByteArray prefix;
    QString iface;
    QList<PeerAddress> addresses;
    QString neighbour; // "address%iface" for SetCostMultiplier
    int costMultiplier = 0;
    qint64 when = 0;
    QString reason; // human-readable, for logs
};

} // namespace re6st::tunnel
