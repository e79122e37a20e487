// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeOptions.h"

#include "core/Addressing.h"
#include "core/ArgParser.h"
#include "core/IpLiteral.h"
#include "core/LoopbackEndpoint.h"
#include "core/OptionFile.h"
#include "core/RegularFile.h"
#include "core/crypto/DhParameters.h"

#include <QHostAddress>
#include <QRegularExpression>
#include <QUrl>

namespace re6st::daemon {
namespace {

enum Id {
    Version, Ip, Registry, Log, Run, State, Verbose, Interface, MainInterface, Multicast, Up,
    Daemon, Test, Console, Country, BabelArg, Default, Table, Gateway, OpenVpnArg, OvpnLog, Pp,
    Dh, Ca, Cert, Key, ClientCount, MaxClients, RemoteGateway, DisableProto, Client, Neighbour,
    DBusService, NoDBus, ConfigDir, Metrics, Help,
};

const QStringList kProtocols{QStringLiteral("udp"), QStringLiteral("tcp"), QStringLiteral("udp6"),
                             QStringLiteral("tcp6")};

const ArgParser &parser()
{
    // Order = --help order (upstream groups: general, routing, tunnelling).
    static const ArgParser p({
        {Version, QStringLiteral("-V"), QStringLiteral("--version"), 0, {}, QStringLiteral("Show the version and exit.")},
        {Ip, {}, QStringLiteral("--ip"), 1, QStringLiteral("ADDR"), QStringLiteral("Repeatable. Address advertised to other nodes: IPv4 or IPv6 literal, host name, or 'upnp'/'any' (alone) for IPv4. 'upnp' maps the IPv4 server ports on the UPnP gateway (IGD) and advertises its external address and ports, deleting the mappings at exit; 'any' learns our IPv4 from peers. Default (no IPv4 given): UPnP, learning from peers until a gateway answers (retried every 60 s).")},
        {Registry, {}, QStringLiteral("--registry"), 1, QStringLiteral("URL"), QStringLiteral("Registry HTTP(S) URL (required).")},
        {Log, QStringLiteral("-l"), QStringLiteral("--log"), 1, QStringLiteral("DIR"), QStringLiteral("Log directory (default /var/log/re6stnet).")},
        {Run, QStringLiteral("-r"), QStringLiteral("--run"), 1, QStringLiteral("DIR"), QStringLiteral("Runtime directory, removed at exit (default /var/run/re6stnet).")},
        {State, QStringLiteral("-s"), QStringLiteral("--state"), 1, QStringLiteral("DIR"), QStringLiteral("State directory: cache.db, babeld.state, dh.pem (default /var/lib/re6stnet).")},
        {Verbose, QStringLiteral("-v"), QStringLiteral("--verbose"), 1, QStringLiteral("LEVEL"), QStringLiteral("0 off, 1 warning, 2 info (default), 3 debug, 4 trace.")},
        {Interface, QStringLiteral("-i"), QStringLiteral("--interface"), 1, QStringLiteral("IFACE"), QStringLiteral("Repeatable. Extra interface for Babel (LAN discovery of re6st nodes).")},
        {MainInterface, QStringLiteral("-I"), QStringLiteral("--main-interface"), 1, QStringLiteral("IFACE"), QStringLiteral("Interface receiving the node's re6st address (default lo).")},
        {Multicast, QStringLiteral("-m"), QStringLiteral("--multicast"), 0, {}, QStringLiteral("Multicast routing with pim-dm: not implemented yet (accepted, a warning is logged).")},
        {Up, {}, QStringLiteral("--up"), 1, QStringLiteral("CMD"), QStringLiteral("Shell command run once initialisation is complete; failure stops the daemon.")},
        {Daemon, {}, QStringLiteral("--daemon"), 1, QStringLiteral("CMD"), QStringLiteral("Repeatable. Like --up but run in background and stopped at exit.")},
        {Test, {}, QStringLiteral("--test"), 1, QStringLiteral("EXPR"), QStringLiteral("Upstream's Python test expression: refused with an error (re6st-qt cannot evaluate Python).")},
        {Console, {}, QStringLiteral("--console"), 1, QStringLiteral("SOCK"), QStringLiteral("Python debug console of upstream: accepted and ignored (a warning is logged).")},
        {Country, {}, QStringLiteral("--country"), 1, QStringLiteral("CC"), QStringLiteral("Country code added to our addresses (default: asked to the registry when same_country is set).")},
        {BabelArg, QStringLiteral("-B"), {}, 1, QStringLiteral("ARG"), QStringLiteral("Repeatable. Extra argument for babeld.")},
        {Default, QStringLiteral("-D"), QStringLiteral("--default"), 0, {}, QStringLiteral("Obsolete, ignored.")},
        {Table, {}, QStringLiteral("--table"), 1, QStringLiteral("N"), QStringLiteral("Obsolete, only 0 accepted.")},
        {Gateway, {}, QStringLiteral("--gateway"), 0, {}, QStringLiteral("Export our default route into the re6st network.")},
        {OpenVpnArg, QStringLiteral("-O"), {}, 1, QStringLiteral("ARG"), QStringLiteral("Repeatable. Extra argument for every OpenVPN, e.g. -O--verb -O3 (arguments after -- are appended too).")},
        {OvpnLog, {}, QStringLiteral("--ovpnlog"), 0, {}, QStringLiteral("Each OpenVPN logs to <log>/<iface>.log.")},
        {Pp, {}, QStringLiteral("--pp"), 2, QStringLiteral("PORT PROTO"), QStringLiteral("Repeatable. Port and protocol (udp, tcp, udp6, tcp6) of our OpenVPN servers, by preference (default: 1194 tcp, and 1194 udp when udp is not disabled).")},
        {Dh, {}, QStringLiteral("--dh"), 1, QStringLiteral("FILE"), QStringLiteral("DH parameters for OpenVPN servers (default: fetched from the registry into <state>/dh.pem).")},
        {Ca, {}, QStringLiteral("--ca"), 1, QStringLiteral("FILE"), QStringLiteral("CA certificate (required); its serial gives the network prefix.")},
        {Cert, {}, QStringLiteral("--cert"), 1, QStringLiteral("FILE"), QStringLiteral("Node certificate (required); its CN gives our prefix.")},
        {Key, {}, QStringLiteral("--key"), 1, QStringLiteral("FILE"), QStringLiteral("Node private key, PEM unencrypted (required).")},
        {ClientCount, {}, QStringLiteral("--client-count"), 1, QStringLiteral("N"), QStringLiteral("Client tunnels to open (default: network parameter client_count); 0 = serve only.")},
        {MaxClients, {}, QStringLiteral("--max-clients"), 1, QStringLiteral("N"), QStringLiteral("Clients per OpenVPN server (default: network parameter max_clients); 0 = no server.")},
        {RemoteGateway, {}, QStringLiteral("--remote-gateway"), 1, QStringLiteral("GW"), QStringLiteral("Repeatable. Gateway for host routes to IPv4 tunnel endpoints (round-robin).")},
        {DisableProto, {}, QStringLiteral("--disable-proto"), 1, QStringLiteral("PROTO"), QStringLiteral("Repeatable. Protocol not used: no client tunnel over it and no default server for it; none, udp, tcp, udp6, tcp6 (default udp, udp6; none disables nothing).")},
        {Client, {}, QStringLiteral("--client"), 1, QStringLiteral("HOST,PORT,PROTO[;...]"), QStringLiteral("Run a single OpenVPN client to these remotes, no server nor tunnel manager.")},
        {Neighbour, {}, QStringLiteral("--neighbour"), 1, QStringLiteral("CN"), QStringLiteral("Repeatable. Peer (CN form, e.g. 3/16) to prefer and keep when refreshing tunnels.")},
        // re6st-qt extensions (not in upstream re6stnet).
        {DBusService, {}, QStringLiteral("--dbus-service"), 0, {}, QStringLiteral("re6st-qt: run as the D-Bus service started on demand: use <config-dir>/re6stnet.conf when it exists, otherwise wait for an enrollment over D-Bus (re6stctl enroll, re6st-tray).")},
        {NoDBus, {}, QStringLiteral("--no-dbus"), 0, {}, QStringLiteral("re6st-qt: do not offer the D-Bus API (org.re6st.Node) on the system bus.")},
        {ConfigDir, {}, QStringLiteral("--config-dir"), 1, QStringLiteral("DIR"), QStringLiteral("re6st-qt: where enrollment over D-Bus writes re6stnet.conf and the certificate files (default /etc/re6stnet).")},
        {Metrics, {}, QStringLiteral("--metrics"), 1, QStringLiteral("ADDR:PORT"), QStringLiteral("re6st-qt: serve Prometheus metrics at http://ADDR:PORT/metrics; ADDR must be a loopback address (e.g. 127.0.0.1:9326). Off by default.")},
        {Help, QStringLiteral("-h"), QStringLiteral("--help"), 0, {}, QStringLiteral("Show this help and exit.")},
    });
    return p;
}

std::optional<qint64> parseInt(const QString &text)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok) return std::nullopt;
    return v;
}

enum class IpKind { Ipv4, Ipv6, Keyword, HostName, Invalid };

IpKind classifyIp(const QString &value)
{
    if (value == QLatin1String("any") || value == QLatin1String("upnp")) return IpKind::Keyword;
    // Written in full only: QHostAddress would take "1.2.3" for 1.2.0.3 (audit F2).
    const QHostAddress address = IpLiteral::parse(value);
    if (!address.isNull())
        return address.protocol() == QAbstractSocket::IPv4Protocol ? IpKind::Ipv4 : IpKind::Ipv6;
    // "300.1.1.1", "10", "0x7f.1": a mistyped address, never a host name.
    if (IpLiteral::looksNumeric(value)) return IpKind::Invalid;
    // A host name is resolved later (the seed man page uses `--ip re6st.example.com`).
    static const QRegularExpression hostName(QStringLiteral(
        "^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?$"));
    return hostName.match(value).hasMatch() ? IpKind::HostName : IpKind::Invalid;
}

// --client HOST,PORT,PROTO[;...] (§1.1): empty when every remote is well formed, else
// what is wrong with the first bad one. Strict, unlike PeerAddress::parseList, which
// skips bad entries of network data (§6.6): here a typo must not drop a remote silently.
QString clientError(const QString &value)
{
    static const QStringList protocols = kProtocols + QStringList{QStringLiteral("udp4"), QStringLiteral("tcp4")};
    for (const QString &entry : value.split(u';')) {
        const QStringList f = entry.split(u',');
        QString why;
        if (f.size() != 3) {
            why = QStringLiteral("expected 3 fields separated by commas, got %1").arg(f.size());
        } else if (const IpKind kind = classifyIp(f[0]); kind == IpKind::Invalid || kind == IpKind::Keyword) {
            why = QStringLiteral("'%1' is not an IP address or a host name").arg(f[0]);
        } else {
            static const QRegularExpression digits(QStringLiteral("^[0-9]{1,5}$"));
            const bool portOk = digits.match(f[1]).hasMatch() && f[1].toInt() >= 1 && f[1].toInt() <= 65535;
            if (!portOk)
                why = QStringLiteral("port '%1' is not a number from 1 to 65535").arg(f[1]);
            else if (!protocols.contains(f[2]))
                why = QStringLiteral("protocol '%1' is not one of %2").arg(f[2], protocols.join(QLatin1String(", ")));
        }
        if (!why.isEmpty())
            return QStringLiteral("argument --client: '%1' is not HOST,PORT,PROTO: %2 (e.g. --client "
                                  "192.0.2.1,1194,tcp; separate remotes with ';')").arg(entry.left(200), why);
    }
    return {};
}

} // namespace

QString NodeOptions::checkDhFile(const QString &path)
{
    QString why;
    const std::optional<QByteArray> pem = RegularFile::read(path, &why);
    if (!pem) return QStringLiteral("--dh: cannot read %1: %2").arg(path, why);
    // What OpenVPN's --dh takes, read by OpenSSL as the registry reads its own --dh.
    if (!crypto::DhParameters::isPem(*pem))
        return QStringLiteral("--dh: %1 is not PEM DH parameters (make them with `openssl dhparam -out %1 2048`, "
                              "or leave --dh out to get them from the registry)").arg(path);
    return {};
}

bool NodeOptions::isOptionString(const QString &option)
{
    return parser().isOptionString(option);
}

QString NodeOptions::usage()
{
    return QStringLiteral("usage: re6stnet [-h] [-V] --registry URL --ca FILE --cert FILE --key FILE "
                          "[--dh FILE] [--ip ADDR] [options...] [@OPTIONFILE] [-- OPENVPN-ARGS...]\n"
                          "       re6stnet --dbus-service [--config-dir DIR] [options...]");
}

QString NodeOptions::helpText()
{
    return usage() + QStringLiteral(
               "\n\nre6stnet: node of a resilient, scalable IPv6 network (OpenVPN tunnels routed by Babel).\n"
               "Arguments @FILE read options from FILE, one 'name [value...]' per line ('#' starts a "
               "comment line; 'O--verb' gives -O--verb).\n\n")
        + parser().optionsHelp();
}

QString NodeOptions::versionText()
{
    return QStringLiteral(RE6ST_VERSION);
}

NodeOptions::Result NodeOptions::parseCommandLine(const QStringList &args)
{
    QString error;
    const auto expanded = OptionFile::expand(args, &NodeOptions::isOptionString, &error);
    if (!expanded) {
        Result result;
        result.error = error;
        return result;
    }
    return parse(*expanded);
}

NodeOptions::Result NodeOptions::parse(const QStringList &args)
{
    Result result;
    const ArgParser::Result tokens = parser().parse(args);
    if (!tokens.error.isEmpty()) {
        result.error = tokens.error;
        return result;
    }
    NodeOptions o;
    QStringList givenDisabled;
    for (const ArgParser::Occurrence &occ : tokens.occurrences) {
        const QString v = occ.values.value(0);
        auto intValue = [&](qint64 min, qint64 max, const QString &value) -> std::optional<int> {
            const auto n = parseInt(value);
            if (!n) {
                result.error = QStringLiteral("argument %1: invalid int value: '%2'").arg(occ.name, value);
                return std::nullopt;
            }
            if (*n < min || *n > max) {
                result.error = QStringLiteral("argument %1: %2 is out of range [%3, %4]")
                                   .arg(occ.name, value).arg(min).arg(max);
                return std::nullopt;
            }
            return int(*n);
        };
        switch (Id(occ.id)) {
        case Version: result.version = true; return result;
        case Help: result.help = true; return result;
        case Ip:
            if (classifyIp(v) == IpKind::Invalid) {
                result.error = QStringLiteral("argument --ip: '%1' is not an IP address, a host name, "
                                              "'any' or 'upnp' (write IPv4 addresses in full, e.g. 192.0.2.1)")
                                   .arg(v.left(200));
                return result;
            }
            o.ip += v;
            break;
        case Registry: {
            const QUrl url(v, QUrl::StrictMode);
            const QString scheme = url.scheme().toLower();
            if (!url.isValid() || (scheme != QLatin1String("http") && scheme != QLatin1String("https"))
                || url.host().isEmpty()) {
                result.error = QStringLiteral("argument --registry: '%1' is not an http:// or https:// URL, "
                                              "e.g. --registry http://re6st.example.com/").arg(v);
                return result;
            }
            o.registry = v;
            break;
        }
        case Log: o.log = v; break;
        case Run: o.run = v; break;
        case State: o.state = v; break;
        case Verbose: {
            const auto n = intValue(0, 1 << 30, v);
            if (!n) return result;
            o.verbose = *n;
            break;
        }
        case Interface: o.interfaces += v; break;
        case MainInterface: o.mainInterface = v; break;
        case Multicast: o.multicast = true; break;
        case Up: o.up = v; break;
        case Daemon: o.daemons += v; break;
        case Test: o.test = v; break;
        case Console: o.console = v; break;
        case Country: o.country = v; break;
        case BabelArg: o.babelArgs += v; break;
        case Default: o.defaultRoute = true; break;
        case Table: {
            const auto n = parseInt(v);
            if (!n || *n != 0) {
                result.error = QStringLiteral("argument --table: only 0 is accepted (obsolete option); "
                                              "remove it");
                return result;
            }
            break;
        }
        case Gateway: o.gateway = true; break;
        case OpenVpnArg: o.openvpnArgs += v; break;
        case OvpnLog: o.ovpnlog = true; break;
        case Pp: {
            const auto port = intValue(1, 65535, occ.values.value(0));
            if (!port) return result;
            const QString proto = occ.values.value(1);
            if (!kProtocols.contains(proto)) {
                result.error = QStringLiteral("argument --pp: invalid protocol '%1' (choose from udp, tcp, "
                                              "udp6, tcp6)").arg(proto);
                return result;
            }
            o.pp.append({*port, proto});
            o.ppGiven = true;
            break;
        }
        case Dh: o.dh = v; break;
        case Ca: o.ca = v; break;
        case Cert: o.cert = v; break;
        case Key: o.key = v; break;
        case ClientCount: {
            const auto n = intValue(0, 1 << 16, v);
            if (!n) return result;
            o.clientCount = *n;
            break;
        }
        case MaxClients: {
            const auto n = intValue(0, 1 << 16, v);
            if (!n) return result;
            o.maxClients = *n;
            break;
        }
        case RemoteGateway:
            if (IpLiteral::parse(v).protocol() != QAbstractSocket::IPv4Protocol) {
                result.error = QStringLiteral("argument --remote-gateway: '%1' is not an IPv4 address "
                                              "(e.g. --remote-gateway 192.0.2.254)").arg(v.left(200));
                return result;
            }
            o.remoteGateways += v;
            break;
        case DisableProto:
            if (v != QLatin1String("none") && !kProtocols.contains(v)) {
                result.error = QStringLiteral("argument --disable-proto: invalid choice '%1' (choose from "
                                              "none, udp, tcp, udp6, tcp6)").arg(v);
                return result;
            }
            givenDisabled += v;
            break;
        case Client:
            if (v.trimmed().isEmpty()) {
                result.error = QStringLiteral("argument --client: expected HOST,PORT,PROTO[;...]");
                return result;
            }
            if (const QString error = clientError(v); !error.isEmpty()) {
                result.error = error;
                return result;
            }
            o.client = v;
            break;
        case Neighbour:
            if (!addressing::bitsFromCn(v)) {
                result.error = QStringLiteral("argument --neighbour: '%1' is not a prefix in CN form "
                                              "(<number>/<length>, e.g. 3/16)").arg(v);
                return result;
            }
            o.neighbours += v;
            break;
        case DBusService: o.dbusService = true; break;
        case NoDBus: o.noDbus = true; break;
        case ConfigDir: o.configDir = v; break;
        case Metrics: {
            if (!LoopbackEndpoint::parse(v)) {
                result.error = LoopbackEndpoint::usageError(QStringLiteral("--metrics"), v);
                return result;
            }
            o.metrics = v;
            break;
        }
        }
    }
    // The man page's `[-- [openvpn-options...]]`: passed to every OpenVPN after -O values.
    o.openvpnArgs += tokens.afterDoubleDash;

    QStringList missing;
    if (o.registry.isEmpty()) missing += QStringLiteral("--registry");
    if (o.ca.isEmpty()) missing += QStringLiteral("--ca");
    if (o.cert.isEmpty()) missing += QStringLiteral("--cert");
    if (o.key.isEmpty()) missing += QStringLiteral("--key");
    if (!missing.isEmpty() && !o.dbusService) {
        result.error = QStringLiteral("the following arguments are required: %1 (re6st-conf writes them "
                                      "into re6stnet.conf: use @re6stnet.conf)").arg(missing.join(QLatin1String(", ")));
        return result;
    }

    int ipv4Like = 0;
    bool keyword = false;
    for (const QString &ip : std::as_const(o.ip)) {
        const IpKind kind = classifyIp(ip);
        if (kind == IpKind::Keyword) keyword = true;
        if (kind == IpKind::Keyword || kind == IpKind::Ipv4) ++ipv4Like;
    }
    if (keyword && ipv4Like > 1) {
        result.error = QStringLiteral("argument --ip can be given only once with 'any' or 'upnp' value");
        return result;
    }

    // §2.4 step 6: given list, ('udp', 'udp6') by default, nothing if `none` is given.
    if (givenDisabled.contains(QLatin1String("none")))
        o.disableProto.clear();
    else if (givenDisabled.isEmpty())
        o.disableProto = {QStringLiteral("udp"), QStringLiteral("udp6")};
    else {
        givenDisabled.removeDuplicates();
        o.disableProto = givenDisabled;
    }
    if (o.ppGiven) {
        for (const PortProto &pp : std::as_const(o.pp))
            if (o.disableProto.contains(pp.proto)) {
                result.error = QStringLiteral("argument --pp: protocol %1 is disabled (--disable-proto, default "
                                              "udp udp6); use another protocol or --disable-proto none").arg(pp.proto);
                return result;
            }
    } else {
        for (const QString &proto : {QStringLiteral("udp"), QStringLiteral("tcp")})
            if (!o.disableProto.contains(proto)) o.pp.append({1194, proto});
    }
    result.options = o;
    return result;
}

} // namespace re6st::daemon
