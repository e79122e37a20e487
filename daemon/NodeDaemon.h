// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/Addressing.h"
#include "core/ExternalAddressVote.h"
#include "core/OpenVpnArguments.h"
#include "core/PeerPayload.h"
#include "core/PeerSession.h"
#include "daemon/NodeIdentity.h"
#include "daemon/NodeOptions.h"
#include "daemon/RenewalTimer.h"
#include "daemon/SystemNetwork.h"

#include <QHash>
#include <QMap>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QTimer>
#include <QVariantMap>
#include <memory>
#include <optional>

namespace re6st {
class RegistryClient;
}

namespace re6st::daemon {

class BabelControl;
class BabelProcess;
class ClientModeTunnel;
class NetworkConfigSync;
class NodeStatus;
class PeerCache;
class PeerEndpoint;
class ServerTunnels;
class TunnelDriver;
class UpnpForwarder;

// One run of the node daemon `re6stnet`: the startup sequence of
// node-protocol.md §2.4, the wiring between its parts while running, and the
// cleanup of §2.6. finished() tells main() how to end: exit status, and
// whether to re-exec itself (restart conditions of §1.4 / §7.5 / §8).
class NodeDaemon final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeDaemon)
public:
    NodeDaemon(NodeOptions options, NodeIdentity identity, QObject *parent = nullptr);
    ~NodeDaemon() override;

    void start();
    // Full cleanup (§2.6), then finished(exitCode, restart). Idempotent.
    void shutdown(int exitCode, bool restart = false);

    // Addresses advertised to peers (§9.1), for logs and tests.
    QList<PeerAddress> advertisedAddresses() const { return m_addresses; }

    // For the D-Bus API (NodeService): what the node shows, and what a user may change.
    void fillStatus(NodeStatus &status) const; // NodeDaemonStatus.cpp
    bool isUp() const { return m_up; }          // §2.4 done (tunnel manager started)
    QString lastError() const { return m_lastError; }
    bool isStopping() const { return m_stopping; } // shutdown() ran; finished() is on its way
    enum class KillResult { Killed, NotFound, NotRunning };
    KillResult killTunnel(const QString &ifaceOrPrefix); // client tap or peer prefix (CN form)
    QStringList neighbours() const { return m_options.neighbours; }
    void setNeighbours(const QStringList &prefixes); // CN form, validated by the caller
    bool reloadConfig();                              // false: not started yet
    struct Counters
    {
        quint64 receivedDatagrams = 0;
        QMap<QString, quint64> droppedDatagrams; // PeerEndpoint reasons
        int babelRestarts = 0;
        std::optional<quint64> openvpnServerRestarts; // none without servers
    };
    Counters counters() const;

Q_SIGNALS:
    void finished(int exitCode, bool restart);
    // Something the D-Bus API shows changed (tunnel up/down, registry reached, ...).
    void statusChanged();

private:
    void onConfigReady(const QVariantMap &config);
    bool setUp(const QVariantMap &config, QString *error);
    bool readParameters(const QVariantMap &config, QString *error);
    bool createEndpoint(const QByteArray &registryPrefix, QString *error);
    OpenVpnArguments::Common openVpnCommon() const;
    void createTunnelDriver(const QByteArray &registryPrefix, const OpenVpnArguments::Common &common);
    void createServers(const OpenVpnArguments::Common &common);
    void finishStart(const QString &dhFile);
    bool startServers(const QString &dhFile, QString *error);
    bool addRoutes(QString *error);
    bool addIpv4Routes(QString *error);
    bool startBabel(QString *error);
    void runUpCommand();
    bool startDaemonCommands(QString *error);
    void completeStart();
    void resolveAddresses();
    void learnExternalIp(const QByteArray &server, const QString &ip);
    void applyExternalIp(bool ipv6);
    void startUpnp();                                                    // §9.1, §9.2
    void replaceAddresses(bool ipv6, const QList<PeerAddress> &entries, const char *origin);
    void publishAddresses();
    void onConfigChanged(const QVariantMap &config, const QStringList &changed);
    void broadcastVersion();
    void applyCrl();
    bool isRevoked(qint64 serial) const;
    QString crlFile() const; // <run>/crl, read by the --tls-verify hook
    void fail(const QString &message);

    NodeOptions m_options;
    NodeIdentity m_identity;
    QVariantMap m_config;
    SystemNetwork m_net;
    std::unique_ptr<PeerCache> m_cache;
    RegistryClient *m_registry = nullptr;
    NetworkConfigSync *m_sync = nullptr;
    PeerContext m_context;
    PeerEndpoint *m_endpoint = nullptr;
    BabelProcess *m_babel = nullptr;
    BabelControl *m_babelControl = nullptr;
    ServerTunnels *m_servers = nullptr;
    ClientModeTunnel *m_clientMode = nullptr; // --client (§3.6)
    TunnelDriver *m_driver = nullptr;
    QHash<QByteArray, QHash<QString, QString>> m_servedFrom; // served client prefix -> server iface -> trusted_ip (§9.4)
    UpnpForwarder *m_upnp = nullptr; // `--ip upnp` or no IPv4 given, with IPv4 servers
    QList<QProcess *> m_daemons; // --daemon commands
    QProcess *m_upCommand = nullptr; // --up, while it runs (§2.4 step 18)
    RenewalTimer m_renewTimer;

    // Derived at setUp (§2.4 steps 5–10).
    int m_hello = 15;
    int m_clientCount = 10;
    int m_maxClients = 20;
    bool m_subtrees = true;
    std::optional<addressing::Ipv4Payload> m_ipv4; // §2.5
    QString m_ipv4Network;
    QStringList m_disabled;
    QList<PeerAddress> m_addresses;
    QHash<QByteArray, qint64> m_peerSerials; // from peer-protocol sessions
    bool m_learnIpv4 = true, m_learnIpv6 = true;
    ExternalAddressVote m_externalVote; // servers' external_ip reports (§3.5, §5.11)
    QString m_learntIpv4; // its IPv4 winner, for UPnP (§9.1)
    QString m_runDir;
    bool m_running = false, m_stopping = false, m_runDirCreated = false;
    bool m_up = false;
    // Until an exchange fails: a start from a valid cached config asks the
    // registry nothing (node-protocol.md §7.4), and "unreachable" would be a guess.
    bool m_registryReachable = true;
    QString m_lastError;
};

} // namespace re6st::daemon
