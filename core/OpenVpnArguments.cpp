// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OpenVpnArguments.h"

#include <QHostAddress>

namespace re6st {

namespace {

const QString Udp = QStringLiteral("udp"), Tcp = QStringLiteral("tcp"), Udp6 = QStringLiteral("udp6"),
              Tcp6 = QStringLiteral("tcp6");

bool fail(QString *error, const QString &message)
{
    if (error) *error = message;
    return false;
}

bool knownProto(const QString &p) { return p == Udp || p == Tcp || p == Udp6 || p == Tcp6; }

// §3.4: client link MTU per UDP flavour (TCP: none).
int clientLinkMtu(const QString &proto) { return proto == Udp ? 1432 : proto == Udp6 ? 1450 : 0; }
// link MTU - tap MTU of an OpenVPN 2.6.14 client with the null cipher and SHA1
// auth (its log: link_mtu 1432 -> "Data Channel MTU parms [ … tun_mtu:1407 … ]").
constexpr int LinkOverhead26 = 25;

bool validCommon(const OpenVpnArguments::Common &c, QString *error)
{
    if (c.device.isEmpty() || c.device.toUtf8().size() > 15 || c.device.contains(QLatin1Char(' ')))
        return fail(error, QStringLiteral("invalid tap name '%1'; use a Linux interface name").arg(c.device));
    if (c.ca.isEmpty() || c.cert.isEmpty() || c.key.isEmpty())
        return fail(error, QStringLiteral("OpenVPN needs --ca, --cert and --key files; check the node configuration"));
    if (c.timeout <= 0)
        return fail(error, QStringLiteral("tunnel timeout must be positive; fix the network parameter 'hello'"));
    if (c.ipv4) {
        const QHostAddress a(c.ipv4->address);
        if (a.protocol() != QAbstractSocket::IPv4Protocol || c.ipv4->prefixLength < 1 || c.ipv4->prefixLength > 32)
            return fail(error, QStringLiteral("invalid IPv4 payload %1/%2; check network parameters ipv4/ipv4_sublen")
                                   .arg(c.ipv4->address).arg(c.ipv4->prefixLength));
    }
    return true;
}

// §3.4 --remote <IP>: the host comes from a peer's address string (§6.6), so it must be
// an IP literal or a host name, nothing OpenVPN could read as an option ("--up …").
bool plausibleHost(const QString &host)
{
    if (host.isEmpty() || host.size() > 253) return false;
    for (const QChar c : host)
        if (c.unicode() >= 128 || !(c.isLetterOrNumber() || c == QLatin1Char('-') || c == QLatin1Char('.') || c == QLatin1Char(':')))
            return false;
    if (!QHostAddress(host).isNull()) return true; // IP literal (a scope's '%' is refused above)
    return host.front().isLetterOrNumber() && !host.contains(QLatin1Char(':')); // host name
}

bool validRemote(const OpenVpnArguments::Remote &r, QString *error)
{
    if (!plausibleHost(r.host))
        return fail(error, QStringLiteral("peer address '%1' is neither an IP address nor a host name; "
                                          "it will be skipped").arg(r.host.left(64)));
    if (r.port < 1 || r.port > 65535)
        return fail(error, QStringLiteral("peer port %1 is out of range; the peer advertises a bad address").arg(r.port));
    if (!knownProto(r.proto))
        return fail(error, QStringLiteral("unknown protocol '%1'; use udp, tcp, udp6 or tcp6").arg(r.proto));
    return true;
}

QStringList head(const OpenVpnArguments::Common &c)
{
    QStringList a{QStringLiteral("--dev-type"), QStringLiteral("tap"), QStringLiteral("--dev"), c.device,
                  QStringLiteral("--persist-tun"), QStringLiteral("--persist-key"),
                  QStringLiteral("--script-security"), QStringLiteral("2")};
    if (!c.upCommand.isEmpty()) a << QStringLiteral("--up") << c.upCommand;
    if (!c.pathEnv.isEmpty()) a << QStringLiteral("--setenv") << QStringLiteral("PATH") << c.pathEnv;
    if (!c.tlsVerifyCommand.isEmpty()) a << QStringLiteral("--tls-verify") << c.tlsVerifyCommand;
    return a;
}

QStringList tail(const OpenVpnArguments::Common &c)
{
    QStringList a = c.extraArguments;
    a << QStringLiteral("--ca") << c.ca << QStringLiteral("--cert") << c.cert << QStringLiteral("--key") << c.key;
    if (c.ipv4)
        a << QStringLiteral("--ifconfig") << c.ipv4->address << OpenVpnArguments::dottedMask(c.ipv4->prefixLength);
    if (!c.logFile.isEmpty()) a << QStringLiteral("--log-append") << c.logFile;
    if (!c.encrypt) {
        // §3.8. Upstream: "--cipher none --ncp-disable" (2.4). OpenVPN 2.6 rejects
        // --ncp-disable and ignores --cipher in TLS mode (man openvpn, --cipher), so
        // the data channel would silently be negotiated to AES-GCM. Instead:
        //  * --cipher none: same OCC options string as 2.4 peers (no warnings);
        //  * --data-ciphers none first: our nodes negotiate the null cipher, and a
        //    2.4 peer with --ncp-disable (which announces "cipher none" by OCC) is
        //    accepted; AES-GCM remains allowed for 2.6 peers that do not offer none;
        //  * --data-ciphers-fallback none: peers that negotiate nothing at all.
        a << QStringLiteral("--cipher") << QStringLiteral("none")
          << QStringLiteral("--data-ciphers") << QStringLiteral("none:AES-256-GCM:AES-128-GCM:?CHACHA20-POLY1305")
          << QStringLiteral("--data-ciphers-fallback") << QStringLiteral("none");
    }
    return a;
}

// What a client takes from its server's PUSH_REPLY (audit finding: with a bare
// --client, i.e. --pull, any member we tunnel to could push route-ipv6 2000::/3,
// redirect-gateway def1 ipv6, ifconfig, dhcp-option, dns… and OpenVPN installed them,
// taking over our non-re6st traffic). --pull-filter matches the start of each pushed
// option, the first matching filter wins, an unmatched option is accepted (man
// openvpn, --pull-filter). So we accept only:
//  * "setenv-safe external_ip <ip>": the one thing a re6st server pushes, which
//    clients MUST accept (node-protocol.md §3.5; OPENVPN_external_ip);
//  * what an OpenVPN 2.4–2.6 server in --mode server without --server pushes by
//    itself (push.c prepare_push_reply): peer-id, cipher (NCP, checked by the client
//    against its own --data-ciphers, §3.8), key-derivation and protocol-flags (TLS-EKM,
//    cc-exit), tun-mtu (2.6 pushable MTU, §3.3/§3.8), and push-continuation (a reply
//    split in parts: ignoring it would end the push at the first part). Measured,
//    2.6.14 server to 2.6.14 client: "peer-id 0", "cipher none", "protocol-flags
//    cc-exit tls-ekm dyn-tls-crypt", "tun-mtu 1407" (tst_openvpn_pushfilter_lab);
// and ignore everything else (route*, ifconfig*, redirect-*, dhcp-option, dns, block-*,
// register-dns, setenv, comp*/compress, inactive, ping*, topology, auth-token, and
// whatever a later OpenVPN makes pushable) with a catch-all: the empty prefix matches
// every option. "ignore", not "reject": a peer pushing more (e.g. an upstream node
// whose admin added a --push) still gives a working re6st tunnel. OpenVPN logs each
// dropped option as "Pushed option removed by filter: '…'".
QStringList pullFilters()
{
    QStringList a;
    for (const char *prefix : {"setenv-safe external_ip ", "peer-id ", "cipher ", "key-derivation ", "protocol-flags ",
                               "tun-mtu ", "push-continuation "})
        a << QStringLiteral("--pull-filter") << QStringLiteral("accept") << QString::fromLatin1(prefix);
    a << QStringLiteral("--pull-filter") << QStringLiteral("ignore") << QString();
    return a;
}

} // namespace

QString OpenVpnArguments::dottedMask(int prefixLength)
{
    const int n = qBound(0, prefixLength, 32);
    const quint32 mask = n == 0 ? 0 : quint32(0xffffffffu) << (32 - n);
    return QHostAddress(mask).toString();
}

std::optional<QStringList> OpenVpnArguments::server(const Server &s, QString *error)
{
    if (!validCommon(s.common, error)) return std::nullopt;
    if (!knownProto(s.proto)) {
        fail(error, QStringLiteral("unknown server protocol '%1'; use udp, tcp, udp6 or tcp6 in --pp").arg(s.proto));
        return std::nullopt;
    }
    if (s.port < 1 || s.port > 65535) {
        fail(error, QStringLiteral("server port %1 is out of range; fix --pp").arg(s.port));
        return std::nullopt;
    }
    if (s.maxClients < 1) {
        fail(error, QStringLiteral("max-clients must be at least 1 to run a server"));
        return std::nullopt;
    }
    if (s.dhFile.isEmpty()) {
        fail(error, QStringLiteral("OpenVPN servers need DH parameters; give --dh or let the node fetch them"));
        return std::nullopt;
    }
    QStringList a = head(s.common);
    a << QStringLiteral("--tls-server") << QStringLiteral("--mode") << QStringLiteral("server");
    if (!s.clientConnectCommand.isEmpty()) a << QStringLiteral("--client-connect") << s.clientConnectCommand;
    if (!s.clientDisconnectCommand.isEmpty()) a << QStringLiteral("--client-disconnect") << s.clientDisconnectCommand;
    a << QStringLiteral("--dh") << s.dhFile << QStringLiteral("--max-clients") << QString::number(s.maxClients)
      << QStringLiteral("--port") << QString::number(s.port) << QStringLiteral("--proto");
    // §3.3: protocol names.
    if (s.proto == Udp) a << QStringLiteral("udp4");
    else if (s.proto == Udp6) a << Udp6;
    else if (s.proto == Tcp) a << QStringLiteral("tcp-server");
    else a << QStringLiteral("tcp6-server");
    // UDP MTU, §3.3 + §3.8. Upstream gives 2.4.7 servers "--link-mtu <client's + 93>"
    // so both ends get the same tap MTU. Measured with 2.6.14: a server ignores that
    // for its tap (1500) and pushes "tun-mtu 1500" to 2.6 clients, which then exceed
    // the client link MTU. So we set the tap MTU itself to what a 2.6 client derives
    // from its --link-mtu (1432 -> 1407, 1450 -> 1425): the pushed value then
    // matches, and both taps have that MTU (checked with a real server/client pair).
    if (const int mtu = clientLinkMtu(s.proto))
        a << QStringLiteral("--tun-mtu") << QString::number(mtu - LinkOverhead26) << QStringLiteral("--mtu-disc")
          << QStringLiteral("yes");
    a << QStringLiteral("--ping-exit") << QString::number(s.common.timeout);
    a << tail(s.common);
    return a;
}

std::optional<QStringList> OpenVpnArguments::client(const Client &c, QString *error)
{
    if (!validCommon(c.common, error) || !validRemote(c.remote, error)) return std::nullopt;
    if (!addressing::bitsFromCn(c.serverCn)) {
        fail(error, QStringLiteral("peer CN '%1' is not of the form <int>/<len>").arg(c.serverCn));
        return std::nullopt;
    }
    if (c.connectRetryMax < 1) {
        fail(error, QStringLiteral("connect-retry-max must be at least 1"));
        return std::nullopt;
    }
    QStringList a = head(c.common);
    a << QStringLiteral("--nobind") << QStringLiteral("--client") << QStringLiteral("--remote") << c.remote.host
      << QString::number(c.remote.port) << (c.remote.proto == Udp ? QStringLiteral("udp4") : c.remote.proto);
    if (const int mtu = clientLinkMtu(c.remote.proto))
        a << QStringLiteral("--link-mtu") << QString::number(mtu) << QStringLiteral("--mtu-disc") << QStringLiteral("yes");
    a << QStringLiteral("--verify-x509-name") << c.serverCn << QStringLiteral("name")
      << QStringLiteral("--resolv-retry") << QStringLiteral("0")
      << QStringLiteral("--connect-retry-max") << QString::number(c.connectRetryMax)
      << QStringLiteral("--tls-exit") << QStringLiteral("--remap-usr1") << QStringLiteral("SIGTERM")
      << QStringLiteral("--ping-exit") << QString::number(c.common.timeout);
    // Mesh tunnel (§3.4): the server is whichever member we picked at random, so
    // nothing it pushes may touch our routes or addresses. Our filters come BEFORE
    // the -O args (tail), so they win over any --pull-filter of the admin: -O applies
    // to every tunnel and server (§1.1), and an "accept route" meant for a --client
    // gateway would let every peer route our traffic. --route-nopull on top: even
    // an option our filters let through cannot carry routes, dhcp-option or dns
    // (man openvpn, --route-nopull).
    a << QStringLiteral("--route-nopull") << pullFilters();
    if (!c.routeUpCommand.isEmpty()) a << QStringLiteral("--route-up") << c.routeUpCommand;
    a << tail(c.common);
    return a;
}

std::optional<QStringList> OpenVpnArguments::clientMode(const Common &common, const QList<Remote> &remotes,
                                                        QString *error)
{
    if (!validCommon(common, error)) return std::nullopt;
    if (remotes.isEmpty()) {
        fail(error, QStringLiteral("--client needs at least one remote whose protocol is not disabled"));
        return std::nullopt;
    }
    for (const Remote &r : remotes)
        if (!validRemote(r, error)) return std::nullopt;
    const int mtu = clientLinkMtu(remotes.first().proto);
    for (const Remote &r : remotes)
        if (clientLinkMtu(r.proto) != mtu) {
            // §3.6: one MTU class per process (upstream crashes here).
            fail(error, QStringLiteral("--client remotes mix protocols with different MTUs (udp, udp6, tcp); "
                                       "give only one kind"));
            return std::nullopt;
        }
    QStringList a = head(common);
    a << QStringLiteral("--nobind") << QStringLiteral("--client");
    for (const Remote &r : remotes)
        a << QStringLiteral("--remote") << r.host << QString::number(r.port)
          << (r.proto == Udp ? QStringLiteral("udp4") : r.proto);
    if (mtu) a << QStringLiteral("--link-mtu") << QString::number(mtu) << QStringLiteral("--mtu-disc") << QStringLiteral("yes");
    a << QStringLiteral("--ping-restart") << QString::number(common.timeout);
    a << tail(common);
    // --client mode (§3.6): same filters as a mesh tunnel (§3.4), but AFTER the -O
    // args: here the admin chose the servers, so an earlier "-O --pull-filter -O
    // accept -O <prefix>" of his wins (first match) and can take, say, a route from
    // his own gateway. For the same reason no --route-nopull here (it could not be
    // undone by -O); without an admin filter, our catch-all drops routes anyway.
    a << pullFilters();
    return a;
}

QStringList OpenVpnArguments::makeTap(const QString &device)
{
    return {QStringLiteral("--mktun"), QStringLiteral("--verb"), QStringLiteral("0"), QStringLiteral("--dev"), device,
            QStringLiteral("--dev-type"), QStringLiteral("tap")};
}

QStringList OpenVpnArguments::removeTap(const QString &device)
{
    return {QStringLiteral("--rmtun"), QStringLiteral("--verb"), QStringLiteral("0"), QStringLiteral("--dev"), device,
            QStringLiteral("--dev-type"), QStringLiteral("tap")};
}

} // namespace re6st
