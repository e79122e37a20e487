// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/DoctorChecks.h"
#include "core/FirewallRules.h"
#include "core/TextChars.h"

#include <QDateTime>
#include <QMap>
#include <QRegularExpression>

namespace re6st::doctor {

namespace {

using Status = DoctorFinding::Status;

DoctorFinding finding(const char *check, Status status, const QString &summary, const QString &detail = {},
                      const QString &fix = {})
{
    DoctorFinding f;
    f.check = QLatin1String(check);
    f.status = status;
    f.summary = summary;
    f.detail = detail;
    f.fix = fix;
    return f;
}

QString listed(const QStringList &names, int max = 6)
{
    if (names.size() <= max) return names.join(QStringLiteral(", "));
    return names.mid(0, max).join(QStringLiteral(", ")) + QStringLiteral(" and %1 more").arg(names.size() - max);
}

QString sysctlPersist(const QString &key, const QString &value)
{
    return QStringLiteral("echo '%1 = %2' >> /etc/sysctl.d/90-re6st.conf").arg(key, value);
}

// "major.minor[.patch]" after `prefix` in `text`.
std::optional<QList<int>> versionOf(const QString &text, const QString &pattern)
{
    const QRegularExpressionMatch m = QRegularExpression(pattern).match(text);
    if (!m.hasMatch()) return std::nullopt;
    return QList<int>{m.captured(1).toInt(), m.captured(2).toInt(), m.captured(3).toInt()};
}

// ---- firewall -----------------------------------------------------------------

struct Rulesets
{
    QList<FirewallRules> rules;
    QStringList unreadable; // why some could not be read
    bool anyTool = false;
};

Rulesets rulesets(const DoctorFacts &f, int family)
{
    Rulesets r;
    std::optional<FirewallRules> nft;
    if (f.nftJson) {
        r.anyTool = true;
        QString error;
        nft = FirewallRules::fromNftJson(*f.nftJson, &error);
        if (!nft) r.unreadable << error;
    } else if (!f.nftSkip.isEmpty()) {
        r.anyTool = true;
        r.unreadable << f.nftSkip;
    }
    const std::optional<QString> &save = family == 4 ? f.iptablesSave : f.ip6tablesSave;
    if (save) {
        r.anyTool = true;
        QString error;
        if (auto rules = FirewallRules::fromIptablesSave(*save, family, &error)) {
            // iptables-nft tables are in the nft ruleset too, with less detail there.
            if (nft && FirewallRules::iptablesSaveIsNftBackend(*save))
                nft->removeTables(family == 4 ? QStringLiteral("ip") : QStringLiteral("ip6"), rules->tables());
            r.rules << *rules;
        } else {
            r.unreadable << error;
        }
    }
    if (nft) r.rules.prepend(*nft);
    if (!save && !f.iptablesSkip.isEmpty()) {
        r.anyTool = true;
        // Without nft we cannot tell iptables-nft rules from legacy ones: unreadable.
        if (!f.nftJson) r.unreadable << f.iptablesSkip;
    }
    r.unreadable.removeDuplicates();
    return r;
}

struct PacketCase
{
    FirewallPacket packet;
    QString label; // interface, or "1194/udp"
};

// Evaluates every packet in every ruleset; one finding.
DoctorFinding firewallFinding(const char *check, const DoctorFacts &f, int family, const QList<PacketCase> &cases,
                              const QString &what, const QString &why)
{
    const Rulesets sets = rulesets(f, family);
    if (!sets.anyTool)
        return finding(check, Status::Ok, QStringLiteral("%1: no firewall (neither nft nor iptables is installed)").arg(what));
    if (sets.rules.isEmpty())
        return finding(check, Status::Skipped, QStringLiteral("%1: the firewall rules could not be read").arg(what),
                       sets.unreadable.join(QStringLiteral("; ")));

    struct Group
    {
        FirewallVerdict verdict;
        QStringList labels;
    };
    QList<Group> dropped, unknown;
    auto add = [](QList<Group> &groups, const FirewallVerdict &v, const QString &label) {
        for (Group &g : groups)
            if (g.verdict.where == v.where && g.verdict.rule == v.rule) {
                if (!g.labels.contains(label)) g.labels << label;
                return;
            }
        groups.append({v, {label}});
    };
    for (const FirewallRules &rules : sets.rules)
        for (const PacketCase &c : cases)
            for (const FirewallVerdict &v : rules.evaluateChains(c.packet)) {
                if (v.kind == FirewallVerdict::Kind::Dropped) add(dropped, v, c.label);
                else if (v.kind == FirewallVerdict::Kind::Unknown) add(unknown, v, c.label);
            }

    auto explain = [](const QList<Group> &groups, const char *verb) {
        QStringList lines, fixes;
        for (const Group &g : groups) {
            QString line = QStringLiteral("%1 %2 it (%3): %4").arg(g.verdict.where, QLatin1String(verb),
                                                                   listed(g.labels), g.verdict.rule);
            if (!g.verdict.remove.isEmpty()) line += QStringLiteral("; or delete that rule: ") + g.verdict.remove;
            lines << line;
            if (!fixes.contains(g.verdict.allow)) fixes << g.verdict.allow;
        }
        return QPair<QStringList, QStringList>(lines, fixes);
    };
    QStringList notes = sets.unreadable;
    if (!dropped.isEmpty()) {
        QStringList labels;
        for (const Group &g : dropped)
            for (const QString &l : g.labels)
                if (!labels.contains(l)) labels << l;
        const auto [lines, fixes] = explain(dropped, "drops");
        return finding(check, Status::Problem, QStringLiteral("the firewall drops %1 (%2)").arg(what, listed(labels)),
                       (lines + QStringList{why} + notes).join(u'\n'), fixes.join(u'\n'));
    }
    if (!unknown.isEmpty()) {
        QStringList labels;
        for (const Group &g : unknown)
            for (const QString &l : g.labels)
                if (!labels.contains(l)) labels << l;
        const auto [lines, fixes] = explain(unknown, "may drop");
        return finding(check, Status::Warning,
                       QStringLiteral("the firewall may drop %1 (%2): a rule depends on what doctor cannot see").arg(what, listed(labels)),
                       (lines + QStringList{why} + notes).join(u'\n'), fixes.join(u'\n'));
    }
    QString summary = QStringLiteral("the firewall accepts %1").arg(what);
    if (!notes.isEmpty()) return finding(check, Status::Warning, summary + QStringLiteral(" (rules partly unreadable)"), notes.join(u'\n'));
    return finding(check, Status::Ok, summary);
}

} // namespace

QList<DoctorFinding> DoctorChecks::run(const DoctorFacts &f)
{
    return {sourceRouting(f), ipv6Forwarding(f), acceptRa(f), networkManager(f), babelPort(f),
            openvpnPorts(f),  openvpn(f),        babeld(f),   certificate(f),    registry(f)};
}

// node-protocol.md §2.4 step 7: re6stnet tries `ip -6 route add unreachable ::/128 from ::/128`.
DoctorFinding DoctorChecks::sourceRouting(const DoctorFacts &f)
{
    const char *id = check::SourceRouting;
    if (!f.ipv6Subtrees)
        return finding(id, Status::Skipped, QStringLiteral("source routing (IPv6 subtrees) not checked"), f.ipv6SubtreesSkip);
    if (*f.ipv6Subtrees)
        return finding(id, Status::Ok, QStringLiteral("the kernel has IPv6 subtrees (source-specific routes)"), f.ipv6SubtreesHow);
    const QString effect = f.gateway
        ? QStringLiteral("As a gateway, this node ignores the routes of other networks.")
        : QStringLiteral("This node cannot use re6st gateways to the internet (it must not have another default route), "
                         "and never tunnels over IPv6 (udp6/tcp6 are disabled).");
    return finding(id, Status::Warning, QStringLiteral("the kernel has no IPv6 subtrees: source routing is unavailable"),
                   f.ipv6SubtreesHow + u'\n' + effect,
                   QStringLiteral("boot a kernel built with CONFIG_IPV6_SUBTREES=y (Debian's kernels are)"));
}

// babeld switches forwarding on when it starts (node-protocol.md §2.4, last note).
DoctorFinding DoctorChecks::ipv6Forwarding(const DoctorFacts &f)
{
    const char *id = check::Ipv6Forwarding;
    if (!f.ipv6Forwarding)
        return finding(id, Status::Skipped, QStringLiteral("IPv6 forwarding not checked"), f.ipv6ForwardingSkip);
    if (*f.ipv6Forwarding != 0)
        return finding(id, Status::Ok, QStringLiteral("IPv6 forwarding is on (net.ipv6.conf.all.forwarding = %1)").arg(*f.ipv6Forwarding));
    if (!f.nodeRunning)
        return finding(id, Status::Ok, QStringLiteral("IPv6 forwarding is off; babeld switches it on when re6stnet starts"));
    const QString key = QStringLiteral("net.ipv6.conf.all.forwarding");
    return finding(id, Status::Problem, QStringLiteral("IPv6 forwarding is off while the node runs"),
                   QStringLiteral("net.ipv6.conf.all.forwarding = 0: this node drops the packets it should route between its "
                                  "peers and tunnels. babeld switched it on at start; something (a sysctl.d file, a network "
                                  "manager, an administrator) switched it off again."),
                   QStringLiteral("sysctl -w %1=1\n%2").arg(key, sysctlPersist(key, QStringLiteral("1"))));
}

// re6stnet(8): with forwarding on, the kernel ignores router advertisements unless accept_ra = 2.
DoctorFinding DoctorChecks::acceptRa(const DoctorFacts &f)
{
    const char *id = check::AcceptRa;
    if (!f.interfaces)
        return finding(id, Status::Skipped, QStringLiteral("accept_ra not checked"), f.interfacesSkip);
    QStringList bad, fixes, ok;
    for (const DoctorFacts::Interface &i : *f.interfaces) {
        if (!i.routerAdvertised || i.name == QLatin1String("lo") || i.name.startsWith(QLatin1String("re6stnet"))) continue;
        if (i.acceptRa == 2) {
            ok << i.name;
            continue;
        }
        if (!i.acceptRa) continue;
        bad << QStringLiteral("%1 (accept_ra = %2)").arg(i.name).arg(*i.acceptRa);
        const QString key = QStringLiteral("net.ipv6.conf.%1.accept_ra").arg(i.name);
        fixes << QStringLiteral("sysctl -w %1=2").arg(key) << sysctlPersist(key, QStringLiteral("2"));
    }
    if (!bad.isEmpty())
        return finding(id, Status::Problem,
                       QStringLiteral("router advertisements will be ignored on %1").arg(listed(bad)),
                       QStringLiteral("These interfaces get their IPv6 address or default route by SLAAC. With IPv6 forwarding "
                                      "on (babeld switches it on), the kernel ignores router advertisements unless accept_ra "
                                      "is 2: the address and default route expire and the tunnels to peers break."),
                       fixes.join(u'\n'));
    if (ok.isEmpty())
        return finding(id, Status::Ok, QStringLiteral("no interface is configured by router advertisements"));
    return finding(id, Status::Ok, QStringLiteral("accept_ra = 2 on %1 (SLAAC works while forwarding)").arg(listed(ok)));
}

// re6stnet(8): NetworkManager connections need ipv6.ignore-auto-routes and ipv6.never-default.
DoctorFinding DoctorChecks::networkManager(const DoctorFacts &f)
{
    const char *id = check::NetworkManager;
    if (!f.networkManagerSkip.isEmpty() || !f.networkManager)
        return finding(id, Status::Skipped, QStringLiteral("NetworkManager not checked"),
                       f.networkManagerSkip.isEmpty() ? QStringLiteral("NetworkManager integration not available") : f.networkManagerSkip);
    if (!*f.networkManager) return finding(id, Status::Ok, QStringLiteral("NetworkManager is not running"));
    const QList<QVariantMap> conflicts = f.conflicts.value_or(QList<QVariantMap>{});
    if (conflicts.isEmpty())
        return finding(id, Status::Ok, QStringLiteral("no NetworkManager connection conflicts with re6st"));
    // One fix per connection: every property it gets wrong.
    QStringList order, lines;
    QMap<QString, QStringList> settings;
    QMap<QString, QString> names;
    // Connection names are anyone's (a Wi-Fi SSID, a user's private connection): escaped,
    // they cannot add lines to the report or reach the terminal as escapes (audit F8).
    const auto field = [](const QVariantMap &c, const char *key) {
        return text::escaped(c.value(QLatin1String(key)).toString());
    };
    for (const QVariantMap &c : conflicts) {
        const QString uuid = field(c, "connection");
        const QString problem = c.value(QStringLiteral("problem")).toString();
        if (!order.contains(uuid)) order << uuid;
        QString name = field(c, "name");
        const QString iface = field(c, "interface");
        if (!iface.isEmpty()) name += QStringLiteral(" (%1)").arg(iface);
        names[uuid] = name;
        lines << QStringLiteral("%1: %2").arg(name, field(c, "detail"));
        const QString setting = problem == QLatin1String("auto-routes") ? QStringLiteral("ipv6.ignore-auto-routes yes")
                              : problem == QLatin1String("default-route") ? QStringLiteral("ipv6.never-default yes")
                                                                          : QString();
        if (!setting.isEmpty() && !settings[uuid].contains(setting)) settings[uuid] << setting;
    }
    QStringList fixes, shown;
    for (const QString &uuid : order) {
        shown << names.value(uuid);
        if (!settings.value(uuid).isEmpty())
            fixes << QStringLiteral("nmcli connection modify %1 %2").arg(uuid, settings.value(uuid).join(u' '));
    }
    lines << QStringLiteral("re6st-tray's \"Fix\" button does the same through the daemon; reactivate an active connection "
                            "(nmcli connection up UUID) for the change to apply.");
    return finding(id, Status::Problem,
                   QStringLiteral("%1 NetworkManager connection(s) conflict with re6st: %2").arg(order.size()).arg(listed(shown)),
                   lines.join(u'\n'), fixes.join(u'\n'));
}

// node-protocol.md §9.7: UDP 6696 from fe80::/10 on all Babel interfaces.
DoctorFinding DoctorChecks::babelPort(const DoctorFacts &f)
{
    QList<PacketCase> cases;
    for (const QString &iface : f.babelInterfaces) {
        PacketCase c;
        c.packet.family = 6;
        c.packet.protocol = QStringLiteral("udp");
        c.packet.port = kBabelPort;
        c.packet.source = QHostAddress(QStringLiteral("fe80::1"));
        c.packet.sourceNet = QStringLiteral("fe80::/10");
        c.packet.interface = iface;
        c.label = iface;
        cases << c;
    }
    if (cases.isEmpty())
        return finding(check::BabelPort, Status::Skipped, QStringLiteral("Babel port not checked"),
                       QStringLiteral("no Babel interface is known"));
    return firewallFinding(check::BabelPort, f, 6, cases, QStringLiteral("Babel (UDP 6696 from fe80::/10)"),
                           QStringLiteral("Babel neighbours exchange hellos and routes on UDP port 6696 from link-local "
                                          "addresses (node-protocol.md §9.7): without them this node learns no route."));
}

// node-protocol.md §9.7: the OpenVPN server ports (--pp).
DoctorFinding DoctorChecks::openvpnPorts(const DoctorFacts &f)
{
    const char *id = check::OpenVpnPorts;
    if (f.serverPorts.isEmpty())
        return finding(id, Status::Ok, QStringLiteral("no OpenVPN server runs on this node (nothing to open)"));
    QString summary;
    DoctorFinding worst = finding(id, Status::Ok, {});
    QStringList what;
    for (int family : {4, 6}) {
        QList<PacketCase> cases;
        QStringList ports;
        for (const auto &[port, proto] : f.serverPorts) {
            const bool v6 = proto.endsWith(u'6');
            if ((family == 6) != v6) continue;
            const QString label = QStringLiteral("%1/%2").arg(port).arg(proto);
            if (ports.contains(label)) continue;
            ports << label;
            const QStringList ifaces = f.uplinks.isEmpty() ? QStringList{QString()} : f.uplinks;
            for (const QString &iface : ifaces) {
                PacketCase c;
                c.packet.family = family;
                c.packet.protocol = v6 ? proto.chopped(1) : proto;
                c.packet.port = port;
                c.packet.interface = iface;
                c.label = label;
                cases << c;
            }
        }
        if (cases.isEmpty()) continue;
        what << ports;
        const DoctorFinding one = firewallFinding(
            id, f, family, cases, QStringLiteral("OpenVPN server ports"),
            QStringLiteral("Peers open their tunnels to these ports (--pp, node-protocol.md §9.7); "
                           "a filtered server port leaves this node with client tunnels only."));
        auto rank = [](Status s) {
            return s == Status::Problem ? 3 : s == Status::Warning ? 2 : s == Status::Skipped ? 1 : 0;
        };
        if (worst.summary.isEmpty() || rank(one.status) > rank(worst.status)) {
            worst = one;
        } else if (rank(one.status) == rank(worst.status) && one.status != Status::Ok) {
            worst.detail += u'\n' + one.detail;
            if (!one.fix.isEmpty()) worst.fix += (worst.fix.isEmpty() ? QString() : QStringLiteral("\n")) + one.fix;
        }
    }
    if (worst.status == Status::Ok) worst.summary = QStringLiteral("the firewall accepts the OpenVPN server ports (%1)").arg(listed(what));
    return worst;
}

// Our OpenVPN command lines (core/OpenVpnArguments.cpp) replace upstream's
// `--ncp-disable` (refused by 2.6) with --data-ciphers / --data-ciphers-fallback,
// which appeared in OpenVPN 2.5: older versions exit with "Unrecognized option"
// (node-protocol.md §3, §3.8). The server tap MTU is computed for 2.6's overhead: 2.5
// works, with a slightly different MTU (warning).
DoctorFinding DoctorChecks::openvpn(const DoctorFacts &f)
{
    const char *id = check::OpenVpn;
    if (!f.openvpnVersion) {
        if (!f.openvpnSkip.isEmpty()) return finding(id, Status::Skipped, QStringLiteral("openvpn not checked"), f.openvpnSkip);
        return finding(id, Status::Problem, QStringLiteral("openvpn is not installed"),
                       QStringLiteral("re6stnet runs one OpenVPN per tunnel and per server."),
                       QStringLiteral("apt install openvpn"));
    }
    const auto v = versionOf(*f.openvpnVersion, QStringLiteral("OpenVPN (\\d+)\\.(\\d+)(?:\\.(\\d+))?"));
    if (!v)
        return finding(id, Status::Warning, QStringLiteral("openvpn's version is unknown"),
                       QStringLiteral("`openvpn --version` printed: %1").arg(f.openvpnVersion->left(120).trimmed()),
                       QStringLiteral("apt install openvpn (2.6 or later)"));
    const QString version = QStringLiteral("%1.%2.%3").arg(v->at(0)).arg(v->at(1)).arg(v->at(2));
    if (std::pair(v->at(0), v->at(1)) < std::pair(kOpenVpnMajor, kOpenVpnMinor))
        return finding(id, Status::Problem, QStringLiteral("openvpn %1 is too old: re6st-qt needs 2.5 or later").arg(version),
                       QStringLiteral("Unencrypted tunnels (the default) use --data-ciphers and --data-ciphers-fallback, "
                                      "which OpenVPN %1 does not know: every tunnel would fail to start "
                                      "(node-protocol.md §3.8).").arg(version),
                       QStringLiteral("apt install openvpn (2.6 or later; Debian 12 has 2.6)"));
    if (v->at(0) == 2 && v->at(1) == 5)
        return finding(id, Status::Warning, QStringLiteral("openvpn %1 works; 2.6 is recommended").arg(version),
                       QStringLiteral("re6st-qt computes the UDP tunnel MTU for OpenVPN 2.6's overhead (node-protocol.md §3.8)."),
                       QStringLiteral("apt install openvpn (2.6 or later)"));
    return finding(id, Status::Ok, QStringLiteral("openvpn %1").arg(version));
}

// node-protocol.md §4.1/§4.5: re6st's babeld command line (key type blake2s128,
// src-prefix redistribute filters, pref-src install filters, ipv6-subtrees, RTT
// options) and the local interface re6st-qt reads were verified against babeld
// 1.12.1; upstream moved to that syntax with its 1.12.1 fork, older versions use
// another HMAC syntax and refuse the command line.
DoctorFinding DoctorChecks::babeld(const DoctorFacts &f)
{
    const char *id = check::Babeld;
    if (!f.babeldVersion) {
        if (!f.babeldSkip.isEmpty()) return finding(id, Status::Skipped, QStringLiteral("babeld not checked"), f.babeldSkip);
        return finding(id, Status::Problem, QStringLiteral("babeld is not installed"),
                       QStringLiteral("re6stnet routes with babeld."), QStringLiteral("apt install babeld"));
    }
    const auto v = versionOf(*f.babeldVersion, QStringLiteral("babeld-(\\d+)\\.(\\d+)(?:\\.(\\d+))?"));
    if (!v)
        return finding(id, Status::Warning, QStringLiteral("babeld's version is unknown"),
                       QStringLiteral("`babeld -V` printed: %1").arg(f.babeldVersion->left(120).trimmed()),
                       QStringLiteral("apt install babeld (1.12 or later)"));
    const QString version = QStringLiteral("%1.%2.%3").arg(v->at(0)).arg(v->at(1)).arg(v->at(2));
    if (std::pair(v->at(0), v->at(1)) < std::pair(kBabeldMajor, kBabeldMinor))
        return finding(id, Status::Problem, QStringLiteral("babeld %1 is too old: re6st needs 1.12 or later").arg(version),
                       QStringLiteral("re6st's babeld configuration (RFC 8967 keys \"type blake2s128\", source-specific "
                                      "filters, pref-src) is babeld 1.12 syntax (node-protocol.md §4.1, §4.5)."),
                       QStringLiteral("apt install babeld (Debian 12 has 1.12.1)"));
    return finding(id, Status::Ok, QStringLiteral("babeld %1").arg(version));
}

// node-protocol.md §8: the node renews its certificate 30 days before it expires.
DoctorFinding DoctorChecks::certificate(const DoctorFacts &f)
{
    const char *id = check::Certificate;
    const QString enroll = f.registryUrl.isEmpty() ? QStringLiteral("re6stctl enroll REGISTRY_URL")
                                                   : QStringLiteral("re6stctl enroll %1").arg(f.registryUrl);
    if (f.certPath.isEmpty())
        return finding(id, Status::Problem, QStringLiteral("no certificate: the node is not enrolled"),
                       QStringLiteral("re6stnet.conf names no cert file."), enroll);
    if (!f.certSkip.isEmpty())
        return finding(id, Status::Skipped, QStringLiteral("certificate %1 not checked").arg(f.certPath), f.certSkip);
    if (!f.certError.isEmpty() || !f.certNotAfter)
        return finding(id, Status::Problem, QStringLiteral("certificate %1 is missing or unreadable").arg(f.certPath),
                       f.certError, enroll);
    const QString date = QDateTime::fromSecsSinceEpoch(*f.certNotAfter, Qt::UTC).toString(Qt::ISODate);
    const qint64 left = *f.certNotAfter - f.now;
    if (left <= 0)
        return finding(id, Status::Problem, QStringLiteral("certificate %1 expired on %2").arg(f.certPath, date),
                       QStringLiteral("Peers refuse an expired certificate. re6stnet renews it at start while the registry "
                                      "still accepts it (node-protocol.md §8)."),
                       QStringLiteral("systemctl restart re6stnet   # renews it if the registry is reachable\n%1 --replace   # otherwise")
                           .arg(enroll));
    const qint64 days = left / 86400;
    if (days < kCertificateWarningDays)
        return finding(id, Status::Warning, QStringLiteral("certificate %1 expires in %2 day(s), on %3").arg(f.certPath).arg(days).arg(date),
                       QStringLiteral("re6stnet renews its certificate 30 days before it expires (node-protocol.md §8); "
                                      "that has not happened yet: is the registry reachable?"),
                       QStringLiteral("systemctl restart re6stnet   # retries the renewal now"));
    return finding(id, Status::Ok, QStringLiteral("certificate valid until %1 (%2 days)").arg(date).arg(days));
}

DoctorFinding DoctorChecks::registry(const DoctorFacts &f)
{
    const char *id = check::Registry;
    if (f.registryUrl.isEmpty())
        return finding(id, Status::Skipped, QStringLiteral("registry not checked"),
                       f.registrySkip.isEmpty() ? QStringLiteral("no registry URL is configured") : f.registrySkip);
    if (!f.registryReachable)
        return finding(id, Status::Skipped, QStringLiteral("registry %1 not checked").arg(f.registryUrl), f.registrySkip);
    if (*f.registryReachable)
        return finding(id, Status::Ok, QStringLiteral("registry %1 answers").arg(f.registryUrl));
    QString url = f.registryUrl;
    if (!url.endsWith(u'/')) url += u'/';
    return finding(id, Status::Problem, QStringLiteral("registry %1 does not answer").arg(f.registryUrl),
                   (f.registryDetail.isEmpty() ? QString() : f.registryDetail + u'\n')
                       + QStringLiteral("Without the registry, new nodes cannot join, certificates are not renewed and the "
                                        "network configuration is not refreshed (node-protocol.md §7.7)."),
                   QStringLiteral("curl -sS %1getCa   # must print the CA; else fix the URL (registry in re6stnet.conf), "
                                  "DNS, routes or proxy").arg(url));
}

} // namespace re6st::doctor
