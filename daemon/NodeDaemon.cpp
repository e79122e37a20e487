// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeDaemon.h"

#include "core/Addressing.h"
#include "core/BabelArguments.h"
#include "core/OpenVpnArguments.h"
#include "core/RegistryClient.h"
#include "core/UpnpPlan.h"
#include "core/crypto/SubjectEntry.h"
#include "daemon/BabelControl.h"
#include "daemon/BabelProcess.h"
#include "daemon/ClientModeTunnel.h"
#include "daemon/NetworkConfigSync.h"
#include "daemon/NodeEnvironment.h"
#include "daemon/ParentDeath.h"
#include "daemon/PeerCache.h"
#include "daemon/PeerEndpoint.h"
#include "daemon/RestartRules.h"
#include "daemon/ServerTunnels.h"
#include "daemon/TunnelDriver.h"
#include "daemon/UpnpForwarder.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDeadlineTimer>
#include <QDir>
#include <QFileInfo>
#include <QHostAddress>
#include <QHostInfo>
#include <QSaveFile>
#include <QLoggingCategory>

#include <cstdlib>
#include <sys/utsname.h>

Q_LOGGING_CATEGORY(lcNode, "re6st.node")

namespace re6st::daemon {

namespace {
const QString Udp = QStringLiteral("udp"), Tcp = QStringLiteral("tcp"), Udp6 = QStringLiteral("udp6"),
              Tcp6 = QStringLiteral("tcp6");
bool isIpv6Proto(const QString &p) { return p == Udp6 || p == Tcp6; }
QList<UpnpPlan::Rule> portProtos(const QList<NodeOptions::PortProto> &pp)
{
    QList<UpnpPlan::Rule> out;
    for (const NodeOptions::PortProto &p : pp) out << UpnpPlan::Rule{quint16(p.port), p.proto};
    return out;
}
int intParam(const QVariantMap &c, const char *key, int fallback)
{
    bool ok = false;
    const int v = c.value(QLatin1String(key)).toInt(&ok);
    return ok ? v : fallback;
}
} // namespace

NodeDaemon::NodeDaemon(NodeOptions options, NodeIdentity identity, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_identity(std::move(identity))
{
    connect(&m_renewTimer, &RenewalTimer::due, this, [this] {
        qCInfo(lcNode) << "certificate renewal is due: restarting";
        shutdown(0, true);
    });
}

NodeDaemon::~NodeDaemon()
{
    shutdown(0);
}

void NodeDaemon::fail(const QString &message)
{
    qCCritical(lcNode).noquote() << message;
    m_lastError = message;
    shutdown(1);
}

void NodeDaemon::start()
{
    // §2.4 step 2: state directory; step 4: cache and network configuration.
    if (!QDir().mkpath(m_options.state)) return fail(QStringLiteral("cannot create the state directory %1; check --state").arg(m_options.state));
    QString error;
    m_cache = PeerCache::open(QDir(m_options.state).filePath(QStringLiteral("cache.db")), m_identity.prefix, &error);
    if (!m_cache) return fail(QStringLiteral("cannot open the peer cache: %1").arg(error));
    m_registry = new RegistryClient(QUrl(m_options.registry), this);
    if (!m_registry->isValid()) return fail(QStringLiteral("--registry: %1").arg(m_registry->urlError()));
    m_registry->setIdentity(m_identity.prefix, m_identity.key, m_identity.ca);

    NetworkConfigSync::Options so;
    so.caPath = m_options.ca;
    so.certPath = m_options.cert;
    so.stateDir = m_options.state;
    so.dhPath = m_options.dh;
    m_sync = new NetworkConfigSync(so, m_identity, m_cache.get(), m_registry, this);
    connect(m_sync, &NetworkConfigSync::ready, this, &NodeDaemon::onConfigReady);
    connect(m_sync, &NetworkConfigSync::renewed, this, [this] {
        qCInfo(lcNode) << "certificate files renewed: restarting to use them";
        shutdown(0, true);
    });
    connect(m_sync, &NetworkConfigSync::fatal, this, &NodeDaemon::fail);
    connect(m_sync, &NetworkConfigSync::changed, this, &NodeDaemon::onConfigChanged);
    // Every exchange says whether the registry answers (the config fetch, but
    // also renewal, getCa, getDh and the tunnel manager's getBootstrapPeer).
    connect(m_registry, &RegistryClient::exchanged, this, [this](bool reached) {
        if (reached == m_registryReachable) return;
        m_registryReachable = reached;
        Q_EMIT statusChanged();
    });
    qCInfo(lcNode).noquote() << "node" << addressing::cnFromBits(m_identity.prefix) << "subnet" << m_identity.subnet
                             << "network" << m_identity.networkCidr;
    m_sync->start();
}

void NodeDaemon::onConfigReady(const QVariantMap &config)
{
    if (m_stopping || m_running) return;
    QString error;
    if (!setUp(config, &error)) return fail(error);
}

bool NodeDaemon::setUp(const QVariantMap &config, QString *error)
{
    m_config = config;
    const QByteArray registryPrefix = config.value(QStringLiteral("registry_prefix")).toByteArray();
    if (!readParameters(config, error)) return false;
    // §2.4 steps 8–9: advertised addresses, environment.
    resolveAddresses();
    for (const auto &[name, value] : NodeEnvironment::variables(m_options.mainInterface, m_identity))
        qputenv(name.toUtf8().constData(), value.toUtf8());
    // §2.4 step 10: run directory, 0700.
    m_runDir = QDir(m_options.run).absolutePath();
    if (!QDir().mkpath(m_runDir)
        || !QFile::setPermissions(m_runDir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner)) {
        *error = QStringLiteral("cannot create the run directory %1; check --run").arg(m_runDir);
        return false;
    }
    m_runDirCreated = true;

    if (!createEndpoint(registryPrefix, error)) return false;
    m_babelControl = new BabelControl(QDir(m_runDir).filePath(QStringLiteral("babeld.sock")), this);
    const OpenVpnArguments::Common common = openVpnCommon();
    createTunnelDriver(registryPrefix, common);
    createServers(common);
    if (!m_options.client.isEmpty()) {
        const auto remotes = ClientModeTunnel::parseRemotes(m_options.client, m_disabled, error);
        if (!remotes) return false;
        m_clientMode = new ClientModeTunnel(common, *remotes, m_runDir, this);
        connect(m_clientMode, &ClientModeTunnel::connectedChanged, this, &NodeDaemon::statusChanged);
    }
    m_running = true;
    if (m_servers) m_sync->ensureDh([this](const QString &dhFile) { finishStart(dhFile); });
    else finishStart({});
    return true;
}

// §2.4 steps 5–7 and §2.5: what the network parameters and the kernel decide.
bool NodeDaemon::readParameters(const QVariantMap &config, QString *error)
{
    m_hello = qMax(1, intParam(config, "hello", 15));
    const int netClientCount = intParam(config, "client_count", 10);
    m_clientCount = m_options.client.isEmpty() ? m_options.clientCount.value_or(netClientCount) : 0;
    m_maxClients = m_options.maxClients.value_or(intParam(config, "max_clients", 2 * netClientCount));
    if (!m_options.client.isEmpty()) m_maxClients = 0;
    m_disabled = m_options.disableProto;
    if (intParam(config, "min_protocol", 1) > RestartRules::kProtocol) {
        *error = QStringLiteral("this network needs protocol %1 but re6st-qt speaks %2: upgrade re6st-qt")
                     .arg(intParam(config, "min_protocol", 1)).arg(RestartRules::kProtocol);
        return false;
    }
    if (intParam(config, "protocol", RestartRules::kProtocol) > RestartRules::kProtocol)
        qCWarning(lcNode) << "a newer version of re6stnet is available on this network";
    // §2.4 step 7.
    m_subtrees = m_net.hasIpv6Subtrees();
    if (!m_subtrees) {
        qCWarning(lcNode) << (m_options.gateway ? "the kernel has no IPv6 subtrees: routes of other networks will be ignored"
                                                : "the kernel has no IPv6 subtrees: this node won't route internet traffic; "
                                                  "make sure you don't already have a default route");
        for (const QString &p : {Tcp6, Udp6})
            if (!m_disabled.contains(p)) m_disabled << p;
    }
    // §2.5 IPv4 payload: network params ipv4 "A.B.C.D/N" and ipv4_sublen.
    m_ipv4Network = config.value(QStringLiteral("ipv4")).toString();
    if (!m_ipv4Network.isEmpty()) {
        bool ok = false;
        const quint64 subjectSerial =
            crypto::subjectUniqueValue(m_identity.cert.subject(), "serialNumber").toULongLong(&ok);
        if (ok) m_ipv4 = addressing::ipv4Payload(m_ipv4Network, intParam(config, "ipv4_sublen", -1), subjectSerial);
        if (!m_ipv4) {
            qCWarning(lcNode) << "IPv4 payload disabled due to wrong network parameters";
            m_ipv4Network.clear();
        }
    }
    if (m_options.multicast) qCWarning(lcNode) << "-m: multicast routing (pim-dm) is not implemented yet; ignored";
    if (!m_options.console.isEmpty()) qCWarning(lcNode) << "--console: no debug console in re6st-qt; ignored";
    return true;
}

// §2.4 step 11: the peer protocol on UDP 326.
bool NodeDaemon::createEndpoint(const QByteArray &registryPrefix, QString *error)
{
    m_context.certificate = m_identity.cert;
    m_context.key = m_identity.key;
    m_context.ca = m_identity.ca;
    m_context.networkVersion = m_config.value(QStringLiteral("version")).toByteArray();
    m_context.initialKey = PeerSession::generateSecret();
    m_endpoint = new PeerEndpoint(&m_context, m_identity.network, m_identity.prefix, this);
    QString bindError;
    if (!m_endpoint->bind(QHostAddress::AnyIPv6, 326, &bindError)) {
        *error = QStringLiteral("cannot listen on UDP port 326: %1; is another re6stnet running?").arg(bindError);
        return false;
    }
    m_endpoint->setRegistryPrefix(registryPrefix);
    // Code 4 (§6.6): "<version>, <system>-<release>-<machine>", like upstream's platform string.
    struct utsname uts = {};
    ::uname(&uts);
    m_endpoint->setNodeInfo(NodeOptions::versionText(), QStringLiteral("%1-%2-%3").arg(QString::fromLocal8Bit(uts.sysname),
                                                                                         QString::fromLocal8Bit(uts.release),
                                                                                         QString::fromLocal8Bit(uts.machine)));
    applyCrl();
    publishAddresses();
    // Certificate serials of the peers we talked to: setCrl() drops revoked
    // records, but their tunnels must still be found and closed (§7.5).
    connect(m_endpoint, &PeerEndpoint::sessionOpened, this, [this](const QByteArray &prefix) {
        if (const PeerSession *s = m_endpoint->session(prefix); s && s->hasCertificate())
            m_peerSerials.insert(prefix, s->serial());
    });
    connect(m_endpoint, &PeerEndpoint::newerVersion, this, [this] { m_sync->scheduleFetch(1000); });
    connect(m_endpoint, &PeerEndpoint::localVersionNotice, this, [this] { m_sync->scheduleFetch(1000); });
    connect(m_endpoint, &PeerEndpoint::remoteLog, this, [](const QByteArray &prefix, const QString &text) {
        qCInfo(lcNode).noquote() << addressing::cnFromBits(prefix) + QStringLiteral(":") << text;
    });

    return true;
}

OpenVpnArguments::Common NodeDaemon::openVpnCommon() const
{
    // §3.2
    OpenVpnArguments::Common common;
    // After an upgrade /proc/self/exe reads "<path> (deleted)": the new binary at
    // the same path does the same job.
    QString self = QCoreApplication::applicationFilePath();
    if (self.endsWith(QLatin1String(" (deleted)"))) self.chop(10);
    common.upCommand = self + QStringLiteral(" --ovpn-up");
    common.tlsVerifyCommand = self + QStringLiteral(" --ovpn-tls-verify ") + crlFile();
    common.pathEnv = qEnvironmentVariable("PATH");
    common.extraArguments = m_options.openvpnArgs;
    common.ca = QFileInfo(m_options.ca).absoluteFilePath();
    common.cert = QFileInfo(m_options.cert).absoluteFilePath();
    common.key = QFileInfo(m_options.key).absoluteFilePath();
    common.encrypt = m_config.value(QStringLiteral("encrypt")).toBool();
    common.timeout = 4 * m_hello;
    common.ipv4 = m_ipv4;
    return common;
}

// The tunnel manager (§5): full when client_count > 0 and not --client.
void NodeDaemon::createTunnelDriver(const QByteArray &registryPrefix, const OpenVpnArguments::Common &common)
{
    TunnelDriver::Settings ts;
    ts.config.ourPrefix = m_identity.prefix;
    ts.config.registryPrefix = registryPrefix;
    ts.config.clientCount = m_clientCount;
    ts.config.maxClients = m_maxClients;
    ts.config.tunnelRefreshMs = qint64(intParam(m_config, "tunnel_refresh", 300)) * 1000;
    ts.config.helloMs = qint64(m_hello) * 1000;
    for (const QString &n : std::as_const(m_options.neighbours))
        if (const auto bits = addressing::bitsFromCn(n)) ts.config.neighbours.insert(*bits);
    ts.config.sameCountry = m_config.value(QStringLiteral("same_country")).toStringList();
    ts.config.ourCountry = m_options.country;
    ts.config.disabledProtocols = m_disabled;
    ts.network = m_identity.network;
    ts.common = common;
    ts.runDir = m_runDir;
    if (m_options.ovpnlog) ts.logDir = m_options.log;
    ts.remoteGateways = m_options.remoteGateways;
    TunnelDriver::Hooks hooks;
    hooks.served = [this] {
        QSet<QByteArray> out;
        if (m_servers)
            for (auto it = m_servers->served().cbegin(); it != m_servers->served().cend(); ++it) out.insert(it.key());
        return out;
    };
    hooks.revoked = [this](const QByteArray &prefix) -> std::optional<bool> {
        const auto it = m_peerSerials.constFind(prefix);
        if (it == m_peerSerials.cend()) return std::nullopt;
        return isRevoked(*it);
    };
    m_driver = new TunnelDriver(ts, hooks, m_cache.get(), m_endpoint, m_babelControl, m_registry, m_identity.key, this);
    connect(m_driver, &TunnelDriver::networkConfigCheck, this,
            [this](bool routed) { m_sync->periodicCheck(routed, QDateTime::currentSecsSinceEpoch()); });
    // §3.5/§9.1: our outside address, voted by the servers; never inside the overlay.
    QList<ExternalAddressVote::Subnet> overlay{QHostAddress::parseSubnet(m_identity.networkCidr)};
    if (!m_ipv4Network.isEmpty()) overlay << QHostAddress::parseSubnet(m_ipv4Network);
    m_externalVote = ExternalAddressVote(overlay);
    connect(m_driver, &TunnelDriver::externalIpLearnt, this, &NodeDaemon::learnExternalIp);
    connect(m_driver, &TunnelDriver::externalIpWithdrawn, this, [this](const QByteArray &server) {
        m_externalVote.withdraw(server);
        for (const bool v6 : {false, true}) applyExternalIp(v6);
    });
    connect(m_driver, &TunnelDriver::tunnelsChanged, this, &NodeDaemon::statusChanged);
    m_endpoint->setTopologySource([this] { return m_driver->topologyAnswer(); });
}

// §2.4 step 13: one OpenVPN server per protocol (started once the DH file is known).
void NodeDaemon::createServers(const OpenVpnArguments::Common &common)
{
    if (m_maxClients <= 0 || !m_options.client.isEmpty()) return;
    ServerTunnels::Settings ss;
    QSet<QString> seen;
    for (const NodeOptions::PortProto &pp : std::as_const(m_options.pp)) {
        if (seen.contains(pp.proto)) continue; // one server per protocol, first port wins (§1.1)
        seen.insert(pp.proto);
        ss.servers << ServerTunnels::Listen{pp.proto, pp.port};
    }
    ss.common = common;
    ss.maxClients = m_maxClients;
    ss.runDir = m_runDir;
    if (m_options.ovpnlog) ss.logDir = m_options.log;
    m_servers = new ServerTunnels(ss, m_identity.network, this);
    m_servers->setAdmit([this](const QByteArray &prefix, qint64 serial, const QString &) {
        if (isRevoked(serial)) {
            qCInfo(lcNode).noquote() << "refusing revoked" << addressing::cnFromBits(prefix);
            return false;
        }
        return m_driver->admitClient(prefix, false);
    });
    connect(m_servers, &ServerTunnels::clientDisconnected, this, [this](const QByteArray &prefix, const QString &iface) {
        if (const QString ip = m_servedFrom[prefix].take(iface); !ip.isNull()) m_driver->releaseServedRemote(ip);
        if (m_servedFrom[prefix].isEmpty()) m_servedFrom.remove(prefix);
        m_driver->clientDisconnected(prefix);
        Q_EMIT statusChanged();
    });
    connect(m_servers, &ServerTunnels::clientConnected, this,
            [this](const QByteArray &prefix, const QString &iface, qint64, const QString &ip) {
                QString &held = m_servedFrom[prefix][iface];
                if (!held.isNull()) m_driver->releaseServedRemote(held); // a reconnection without disconnect
                held = ip.isNull() ? QStringLiteral("") : ip;
                m_driver->holdServedRemote(held);
                Q_EMIT statusChanged();
            });
}

// §2.4 steps 13–18, once the DH file is known (servers need it).
void NodeDaemon::finishStart(const QString &dhFile)
{
    if (m_stopping) return;
    QString why;
    if (!startServers(dhFile, &why) || !addRoutes(&why) || !startBabel(&why)) return fail(why);
    runUpCommand();
}

// §2.4 step 18, once --up has succeeded: --daemon commands, then the tunnels.
void NodeDaemon::completeStart()
{
    QString why;
    if (!startDaemonCommands(&why)) return fail(why);
    m_driver->start();
    m_up = true;
    Q_EMIT statusChanged();
    m_renewTimer.start(m_sync->nextRenewal());
    qCInfo(lcNode).noquote() << QStringLiteral("re6stnet is up: %1 on %2, %3 client tunnels, servers: %4, advertising %5")
                                    .arg(m_identity.ip, m_options.mainInterface)
                                    .arg(m_clientCount)
                                    .arg(m_servers ? m_servers->interfaces().join(QLatin1Char(',')) : QStringLiteral("none"),
                                         !m_servers             ? QStringLiteral("nothing (no servers)")
                                         : m_addresses.isEmpty() ? QStringLiteral("nothing yet (learnt from peers)")
                                                                 : PeerAddress::dumpList(m_addresses));
}

bool NodeDaemon::startServers(const QString &dhFile, QString *error)
{
    if (m_clientMode && !m_clientMode->start(error)) return false; // §2.4 step 13, --client
    if (!m_servers) return true;
    if (dhFile.isEmpty()) {
        *error = QStringLiteral("no DH parameters for the OpenVPN servers; give --dh FILE");
        return false;
    }
    m_servers->setDhFile(dhFile);
    return m_servers->start(error);
}

bool NodeDaemon::addRoutes(QString *error)
{
    const int len = int(m_identity.subnetBits().size());
    const QString dev = m_options.mainInterface;
    // §2.4 step 14: our address on the main interface.
    if (!m_net.change({QStringLiteral("-6"), QStringLiteral("addr"), QStringLiteral("replace"),
                       QStringLiteral("%1/%2").arg(m_identity.ip).arg(len), QStringLiteral("dev"), dev},
                      {QStringLiteral("-6"), QStringLiteral("addr"), QStringLiteral("del"),
                       QStringLiteral("%1/%2").arg(m_identity.ip).arg(len), QStringLiteral("dev"), dev},
                      error))
        return false;
    // Our subnet as a static route, the one babeld redistributes (§4.2).
    if (!m_net.change({QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("replace"), m_identity.subnet,
                       QStringLiteral("dev"), dev, QStringLiteral("proto"), QStringLiteral("static")},
                      {QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("del"), m_identity.subnet,
                       QStringLiteral("dev"), dev},
                      error))
        return false;
    // §2.4 step 15.
    if (dev == QLatin1String("lo"))
        m_net.run({QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("del"), QStringLiteral("fe80::/64"),
                   QStringLiteral("dev"), QStringLiteral("lo")});
    // §2.5: IPv4 payload routes.
    if (m_ipv4 && !addIpv4Routes(error)) return false;
    // §2.4 step 16: unknown re6st destinations are unreachable, never the default route.
    return m_net.change({QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("replace"),
                         QStringLiteral("unreachable"), m_identity.networkCidr, QStringLiteral("proto"),
                         QStringLiteral("static")},
                        {QStringLiteral("-6"), QStringLiteral("route"), QStringLiteral("del"),
                         QStringLiteral("unreachable"), m_identity.networkCidr},
                        error);
}

bool NodeDaemon::addIpv4Routes(QString *error)
{
    const QString dev = m_options.mainInterface;
    if (!m_net.change({QStringLiteral("-4"), QStringLiteral("route"), QStringLiteral("replace"), QStringLiteral("unreachable"),
                       m_ipv4Network, QStringLiteral("proto"), QStringLiteral("static")},
                      {QStringLiteral("-4"), QStringLiteral("route"), QStringLiteral("del"), QStringLiteral("unreachable"),
                       m_ipv4Network},
                      error))
        return false;
    if (m_clientCount > 0) return true; // tunnels carry it (OpenVPN --ifconfig)
    // Base manager: the address on the main interface (/32), and on lo our block unreachable.
    if (!m_net.change({QStringLiteral("-4"), QStringLiteral("addr"), QStringLiteral("replace"), m_ipv4->address,
                       QStringLiteral("dev"), dev},
                      {QStringLiteral("-4"), QStringLiteral("addr"), QStringLiteral("del"), m_ipv4->address + QStringLiteral("/32"),
                       QStringLiteral("dev"), dev},
                      error))
        return false;
    if (dev != QLatin1String("lo")) return true;
    const int n = m_ipv4->prefixLength;
    const quint32 mask = n == 0 ? 0 : quint32(0xffffffffu) << (32 - n);
    const QString block = QStringLiteral("%1/%2").arg(QHostAddress(QHostAddress(m_ipv4->address).toIPv4Address() & mask).toString()).arg(n);
    return m_net.change({QStringLiteral("-4"), QStringLiteral("route"), QStringLiteral("replace"), QStringLiteral("unreachable"),
                         block, QStringLiteral("proto"), QStringLiteral("static")},
                        {QStringLiteral("-4"), QStringLiteral("route"), QStringLiteral("del"), QStringLiteral("unreachable"), block},
                        error);
}

bool NodeDaemon::startBabel(QString *error)
{
    // §4.2 with the stock-babeld adaptations of §4.5.
    BabelArguments::Options b;
    b.network = m_identity.network;
    b.prefix = m_identity.prefix;
    b.hello = m_hello;
    b.hmacSign = m_config.value(QStringLiteral("babel_hmac_sign")).toByteArray();
    if (m_config.contains(QStringLiteral("babel_hmac_accept")))
        b.hmacAccept = m_config.value(QStringLiteral("babel_hmac_accept")).toByteArray();
    b.babelDefault = m_config.value(QStringLiteral("babel_default")).toString();
    b.ipv4 = m_ipv4;
    b.gateway = m_options.gateway;
    b.ipv6Subtrees = m_subtrees;
    b.logFile = QDir(m_options.log).absoluteFilePath(QStringLiteral("babeld.log"));
    b.stateFile = QDir(m_options.state).absoluteFilePath(QStringLiteral("babeld.state"));
    b.controlSocket = QDir(m_runDir).filePath(QStringLiteral("babeld.sock"));
    b.extraArguments = m_options.babelArgs;
    b.lanInterfaces = m_options.interfaces;
    if (!m_options.client.isEmpty()) b.tunnelInterfaces << QStringLiteral("re6stnet");
    if (m_servers) b.tunnelInterfaces << m_servers->interfaces();
    b.tunnelInterfaces << m_driver->clientInterfaces();
    const auto argv = BabelArguments::build(b, error);
    if (!argv) return false;
    m_babel = new BabelProcess(this);
    m_babel->setCommand(QStringLiteral("babeld"), *argv);
    m_babel->setStaleFiles({b.controlSocket});
    connect(m_babel, &BabelProcess::died, this, [](int code, const QString &why) {
        qCWarning(lcNode).noquote() << "babeld died (" << code << why << "); restarting it";
    });
    if (!m_babel->start() && !m_babel->isRunning()) {
        *error = QStringLiteral("cannot start babeld: %1; is babeld installed?").arg(m_babel->lastError());
        return false;
    }
    m_babelControl->start();
    return true;
}

// §2.4 step 18: upstream runs --up synchronously and blocks until it returns. Here the
// start waits for it just the same (nothing after step 18 happens before it succeeds),
// but the event loop keeps running: a slow or hung --up no longer freezes the D-Bus
// API, and a Stop meanwhile ends it (shutdown()).
void NodeDaemon::runUpCommand()
{
    if (m_options.up.isEmpty()) return completeStart();
    m_upCommand = new QProcess(this);
    m_upCommand->setProcessChannelMode(QProcess::ForwardedChannels);
    terminateWithParent(*m_upCommand);
    connect(m_upCommand, &QProcess::errorOccurred, this, [this](QProcess::ProcessError e) {
        if (e != QProcess::FailedToStart || m_stopping) return;
        fail(QStringLiteral("cannot run the --up command (%1): %2").arg(m_upCommand->errorString(), m_options.up));
    });
    connect(m_upCommand, &QProcess::finished, this, [this](int code, QProcess::ExitStatus status) {
        if (m_stopping) return;
        if (status != QProcess::NormalExit || code != 0) {
            const QString how = status == QProcess::NormalExit ? QStringLiteral("with status %1").arg(code)
                                                               : QStringLiteral("on a signal");
            return fail(QStringLiteral("--up command failed %1: %2").arg(how, m_options.up));
        }
        completeStart();
    });
    qCInfo(lcNode).noquote() << "running the --up command:" << m_options.up;
    m_upCommand->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), m_options.up});
}

bool NodeDaemon::startDaemonCommands(QString *error)
{
    for (const QString &cmd : std::as_const(m_options.daemons)) {
        auto *p = new QProcess(this);
        p->setProcessChannelMode(QProcess::ForwardedChannels);
        terminateWithParent(*p);
        p->start(QStringLiteral("/bin/sh"), {QStringLiteral("-c"), cmd});
        if (!p->waitForStarted(5000)) {
            *error = QStringLiteral("cannot start --daemon command: %1").arg(cmd);
            return false;
        }
        m_daemons << p;
    }
    return true;
}

void NodeDaemon::resolveAddresses()
{
    // §9.1: servers' ports per family; explicit --ip are fixed, others learnt.
    QStringList v4, v6;
    bool upnp = false, any = false;
    for (const QString &ip : std::as_const(m_options.ip)) {
        if (ip == QLatin1String("any")) {
            any = true;
            continue;
        }
        if (ip == QLatin1String("upnp")) {
            upnp = true;
            continue;
        }
        QList<QHostAddress> resolved;
        const QHostAddress literal(ip);
        if (!literal.isNull()) {
            resolved << literal;
        } else {
            const QHostInfo info = QHostInfo::fromName(ip); // the man page's `--ip re6st.example.com`
            if (info.error() != QHostInfo::NoError)
                qCWarning(lcNode).noquote() << "--ip" << ip << "does not resolve:" << info.errorString()
                                            << "- it is not advertised";
            resolved = info.addresses();
        }
        for (const QHostAddress &a : std::as_const(resolved))
            (a.protocol() == QAbstractSocket::IPv4Protocol ? v4 : v6) << a.toString();
    }
    m_learnIpv4 = v4.isEmpty();
    m_learnIpv6 = v6.isEmpty();
    m_addresses.clear();
    if (m_maxClients <= 0 || !m_options.client.isEmpty()) return; // no servers: nothing to advertise
    for (const NodeOptions::PortProto &pp : std::as_const(m_options.pp)) {
        const QStringList &ips = isIpv6Proto(pp.proto) ? v6 : v4;
        for (const QString &ip : ips)
            m_addresses << PeerAddress{ip, quint16(pp.port), pp.proto, m_options.country};
    }
    // §9.1: `upnp`, or no IPv4 given at all: map our IPv4 server ports on the IGD.
    if (upnp || (v4.isEmpty() && !any)) startUpnp();
}

void NodeDaemon::startUpnp()
{
    if (m_upnp) return;
    UpnpForwarder::Settings settings;
    settings.rules = UpnpPlan::rules(portProtos(m_options.pp));
    if (settings.rules.isEmpty()) return; // no IPv4 server to map
    m_upnp = new UpnpForwarder(settings, this);
    connect(m_upnp, &UpnpForwarder::changed, this, [this] {
        replaceAddresses(false,
                         UpnpPlan::ipv4Addresses(portProtos(m_options.pp), m_upnp->externalIp(), m_learntIpv4,
                                                 m_upnp->mappings(), m_options.country),
                         "with UPnP");
    });
    m_upnp->start();
}

// §3.5, §5.11: each server's pushed external_ip is one vote (ExternalAddressVote);
// an explicit --ip of that family wins, as upstream.
void NodeDaemon::learnExternalIp(const QByteArray &server, const QString &ip)
{
    const QHostAddress a(ip);
    if (a.isNull() || m_maxClients <= 0 || !m_options.client.isEmpty()) return;
    const bool v6 = a.protocol() == QAbstractSocket::IPv6Protocol;
    if (v6 ? !m_learnIpv6 : !m_learnIpv4) return;
    if (!m_externalVote.report(server, ip)) {
        qCDebug(lcNode).noquote() << addressing::cnFromBits(server) << "pushed an unusable external_ip:" << ip.left(64);
        return;
    }
    applyExternalIp(v6);
}

void NodeDaemon::applyExternalIp(bool v6)
{
    const QHostAddress a = m_externalVote.current(v6);
    if (a.isNull() || (v6 ? !m_learnIpv6 : !m_learnIpv4)) return;
    QList<PeerAddress> learnt;
    if (v6) {
        for (const NodeOptions::PortProto &pp : std::as_const(m_options.pp))
            if (isIpv6Proto(pp.proto)) learnt << PeerAddress{a.toString(), quint16(pp.port), pp.proto, m_options.country};
    } else { // §9.1: with UPnP, the mappings' external ports (and the IGD's address if usable)
        m_learntIpv4 = a.toString();
        learnt = UpnpPlan::ipv4Addresses(portProtos(m_options.pp), m_upnp ? m_upnp->externalIp() : QString(), m_learntIpv4,
                                         m_upnp ? m_upnp->mappings() : QList<UpnpPlan::Mapping>{}, m_options.country);
    }
    // replaceAddresses logs a change once, at INFO.
    const QByteArray origin = QStringLiteral("learnt from servers (%1 of %2 agree)")
                                  .arg(m_externalVote.support(a)).arg(m_externalVote.reporters(v6)).toUtf8();
    replaceAddresses(v6, learnt, origin.constData());
}

void NodeDaemon::replaceAddresses(bool ipv6, const QList<PeerAddress> &entries, const char *origin)
{
    QList<PeerAddress> next;
    for (const PeerAddress &p : std::as_const(m_addresses))
        if (isIpv6Proto(p.proto) != ipv6) next << p;
    next << entries;
    if (next == m_addresses) return;
    m_addresses = next;
    qCInfo(lcNode).noquote() << QStringLiteral("our address, %1: %2")
                                    .arg(QLatin1String(origin),
                                         m_addresses.isEmpty() ? QStringLiteral("nothing") : PeerAddress::dumpList(m_addresses));
    publishAddresses();
}

void NodeDaemon::publishAddresses()
{
    if (m_endpoint) m_endpoint->setOwnAddresses(m_addresses);
    if (m_cache && !m_addresses.isEmpty()) m_cache->setOwnAddress(PeerAddress::dumpList(m_addresses));
}

QString NodeDaemon::crlFile() const
{
    return QDir(m_runDir).filePath(QStringLiteral("crl"));
}

bool NodeDaemon::isRevoked(qint64 serial) const
{
    return m_context.crl.contains(serial);
}

void NodeDaemon::applyCrl()
{
    QList<qint64> crl;
    for (const QVariant &v : m_config.value(QStringLiteral("crl")).toList()) crl << v.toLongLong();
    if (m_endpoint) m_endpoint->setCrl(crl);
    else m_context.crl = crl;
    // For OpenVPN's --tls-verify hook (main.cpp): one decimal serial per line.
    QSaveFile file(crlFile());
    if (file.open(QIODevice::WriteOnly)) {
        for (qint64 serial : std::as_const(crl)) file.write(QByteArray::number(serial) + '\n');
        if (!file.commit()) qCWarning(lcNode).noquote() << "cannot write" << crlFile() << ":" << file.errorString();
    }
}

void NodeDaemon::onConfigChanged(const QVariantMap &config, const QStringList &changed)
{
    if (!m_running || m_stopping) return;
    const QList<qint64> oldCrl = m_context.crl;
    m_config = config;
    qCInfo(lcNode).noquote() << "network configuration changed:" << changed.join(QStringLiteral(", "));
    applyCrl();
    m_endpoint->setNetworkVersion(config.value(QStringLiteral("version")).toByteArray());
    broadcastVersion(); // §7.6
    RestartRules::Context ctx;
    ctx.hasClientTunnels = m_clientCount > 0;
    if (m_servers) ctx.servedSerials = m_servers->servedSerials();
    RestartRules::Decision d = RestartRules::decide(changed, config, ctx);
    if (isRevoked(m_identity.cert.serialDecimal().toLongLong())) { // §8: renewal is forced at the next start
        d.restart = true;
        d.reasons << QStringLiteral("our certificate is revoked");
        d.delayMs = qMax(d.delayMs, 1000);
    }
    bool crlGrew = false;
    for (qint64 serial : std::as_const(m_context.crl)) crlGrew = crlGrew || !oldCrl.contains(serial);
    m_driver->closeRevoked(crlGrew);
    if (d.restart) {
        qCInfo(lcNode).noquote() << "restarting in" << d.delayMs << "ms:" << d.reasons.join(QStringLiteral(", "));
        QTimer::singleShot(d.delayMs, this, [this] { shutdown(0, true); });
    }
}

void NodeDaemon::broadcastVersion()
{
    QList<QByteArray> neighbours = m_driver ? m_driver->topology().direct.keys() : QList<QByteArray>{};
    if (m_endpoint && !neighbours.isEmpty()) m_endpoint->broadcastVersion(neighbours);
}

void NodeDaemon::shutdown(int exitCode, bool restart)
{
    if (m_stopping) return;
    m_stopping = true;
    m_renewTimer.stop();
    // §2.6, in order: babeld first (it retracts its routes), client tunnels,
    // --daemon commands, routes and address, servers, UDP socket, run dir, cache.
    if (m_babelControl) m_babelControl->stop();
    if (m_babel) m_babel->stopAndWait();
    if (m_driver) m_driver->stop();
    QList<QProcess *> commands = m_daemons;
    if (m_upCommand) commands << m_upCommand; // a Stop while --up still runs ends it
    // §1.1: SIGTERM, then SIGKILL after 5 s; all at once, with one deadline.
    for (QProcess *p : std::as_const(commands))
        if (p->state() != QProcess::NotRunning) p->terminate();
    const QDeadlineTimer deadline(5000);
    for (QProcess *p : std::as_const(commands)) {
        if (p->state() == QProcess::NotRunning) continue;
        if (!p->waitForFinished(int(qMax<qint64>(0, deadline.remainingTime())))) {
            p->kill();
            p->waitForFinished(2000);
        }
    }
    m_net.undoAll();
    if (m_servers) m_servers->stop();
    if (m_clientMode) m_clientMode->stop();
    if (m_endpoint) m_endpoint->close();
    if (m_upnp) m_upnp->stop(); // §2.6: our UPnP mappings are deleted at exit
    if (m_runDirCreated && !m_runDir.isEmpty()) QDir(m_runDir).removeRecursively();
    if (m_cache && m_running) m_cache->keepPeers(m_clientCount);
    qCInfo(lcNode) << (restart ? "stopped, restarting" : "stopped");
    QMetaObject::invokeMethod(this, [this, exitCode, restart] { Q_EMIT finished(exitCode, restart); },
                              Qt::QueuedConnection);
}

} // namespace re6st::daemon
