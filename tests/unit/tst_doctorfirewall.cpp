// SPDX-License-Identifier: GPL-2.0-or-later
// FirewallRules (issue 6 §2): real `nft -j list ruleset` and iptables-save outputs,
// captured in a network namespace with nftables 1.0.6 / iptables 1.8.9 (Debian 12),
// evaluated for the packets re6st needs (node-protocol.md §9.7).
#include "core/FirewallRules.h"

#include <QtTest>

using namespace re6st::doctor;
using Kind = FirewallVerdict::Kind;

namespace {

// nft -j list ruleset after `nft -f` of:
//   table inet filter {
//     chain input {
//       type filter hook input priority 0; policy drop;
//       ct state established,related accept
//       ct state invalid drop
//       iifname "lo" accept
//       meta l4proto ipv6-icmp accept
//       tcp dport { 22, 1194 } accept
//     }
//   }

const QByteArray kNft_a = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 1}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 2, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": ["established", "related"]}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 3, "expr": [{"match": {"op": "in", "left": {"ct": {"key": "state"}}, "right": "invalid"}}, {"drop": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 4, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "ipv6-icmp"}}, {"accept": null}]}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": {"set": [22, 1194]}}}, {"accept": null}]}}]})json";

// nft -j list ruleset after `nft -f` of:
//   table ip6 t {
//     set babelports { type inet_service; elements = { 6696 } }
//     chain input {
//       type filter hook input priority 0; policy accept;
//       iifname "re6stnet*" jump tunnels
//       udp dport @babelports counter drop
//     }
//     chain tunnels {
//       ip6 saddr fe80::/10 udp dport 6696 accept
//     }
//   }

const QByteArray kNft_b = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip6", "name": "t", "handle": 2}}, {"set": {"family": "ip6", "name": "babelports", "table": "t", "type": "inet_service", "handle": 3, "elem": [6696]}}, {"chain": {"family": "ip6", "table": "t", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}, {"chain": {"family": "ip6", "table": "t", "name": "tunnels", "handle": 2}}, {"rule": {"family": "ip6", "table": "t", "chain": "input", "handle": 4, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "re6stnet*"}}, {"jump": {"target": "tunnels"}}]}}, {"rule": {"family": "ip6", "table": "t", "chain": "input", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": "@babelports"}}, {"counter": {"packets": 0, "bytes": 0}}, {"drop": null}]}}, {"rule": {"family": "ip6", "table": "t", "chain": "tunnels", "handle": 6, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "ip6", "field": "saddr"}}, "right": {"prefix": {"addr": "fe80::", "len": 10}}}}, {"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 6696}}, {"accept": null}]}}]})json";

// nft -j list ruleset after `nft -f` of:
//   table inet fw {
//     chain pre {
//       type filter hook prerouting priority -300; policy accept;
//       fib daddr type != local drop
//     }
//     chain input {
//       type filter hook input priority 0; policy accept;
//       meta l4proto vmap { tcp : jump tcpchk, udp : accept }
//     }
//     chain tcpchk {
//       tcp dport 1194 reject
//     }
//   }

const QByteArray kNft_c = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "fw", "handle": 3}}, {"chain": {"family": "inet", "table": "fw", "name": "pre", "handle": 1, "type": "filter", "hook": "prerouting", "prio": -300, "policy": "accept"}}, {"chain": {"family": "inet", "table": "fw", "name": "input", "handle": 2, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}, {"chain": {"family": "inet", "table": "fw", "name": "tcpchk", "handle": 3}}, {"rule": {"family": "inet", "table": "fw", "chain": "pre", "handle": 4, "expr": [{"match": {"op": "!=", "left": {"fib": {"result": "type", "flags": ["daddr"]}}, "right": "local"}}, {"drop": null}]}}, {"rule": {"family": "inet", "table": "fw", "chain": "input", "handle": 6, "expr": [{"vmap": {"key": {"meta": {"key": "l4proto"}}, "data": {"set": [["tcp", {"jump": {"target": "tcpchk"}}], ["udp", {"accept": null}]]}}}]}}, {"rule": {"family": "inet", "table": "fw", "chain": "tcpchk", "handle": 7, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "tcp", "field": "dport"}}, "right": 1194}}, {"reject": {"type": "icmpx", "expr": "port-unreachable"}}]}}]})json";


const QByteArray kNft_d = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "ip6", "name": "filter", "handle": 4}}, {"chain": {"family": "ip6", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 2, "expr": [{"xt": {"type": "match", "name": "conntrack"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 3, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "iifname"}}, "right": "lo"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 4, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "ipv6-icmp"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 5, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 6696}}, {"xt": {"type": "match", "name": "comment"}}, {"counter": {"packets": 0, "bytes": 0}}, {"xt": {"type": "target", "name": "REJECT"}}]}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 6, "expr": [{"match": {"op": "==", "left": {"meta": {"key": "l4proto"}}, "right": "tcp"}}, {"xt": {"type": "match", "name": "multiport"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}]})json";


const QByteArray kNft_empty = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}]})json";

const QString kSave_d = QStringLiteral(R"save(# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Nov 26 19:51:42 2026
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A INPUT -i lo -j ACCEPT
-A INPUT -p ipv6-icmp -j ACCEPT
-A INPUT -p udp -m udp --dport 6696 -m comment --comment "no babel here" -j REJECT --reject-with icmp6-port-unreachable
-A INPUT -p tcp -m multiport --dports 22,1190:1200 -j ACCEPT
COMMIT
# Completed on Thu Nov 26 19:51:42 2026
)save");

const QString kSave_e = QStringLiteral(R"save(# Generated by iptables-save v1.8.9 on Thu Nov 26 19:51:43 2026
*filter
:INPUT DROP [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:re6st - [0:0]
-A INPUT -i up0 -j re6st
-A re6st -p tcp -m tcp --dport 1194 -j ACCEPT
-A re6st -p udp -m udp --dport 1194 -j RETURN
COMMIT
# Completed on Thu Nov 26 19:51:43 2026
)save");

const QString kSave_f = QStringLiteral(R"save(# Generated by ip6tables-save v1.8.9 on Thu Nov 26 19:51:43 2026
*raw
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
-A PREROUTING -p udp -m udp --dport 6696 -j DROP
COMMIT
# Completed on Thu Nov 26 19:51:43 2026
)save");

FirewallPacket babel(const QString &iface, const QString &source = QStringLiteral("fe80::1"))
{
    FirewallPacket p;
    p.family = 6;
    p.protocol = QStringLiteral("udp");
    p.port = 6696;
    p.source = QHostAddress(source);
    p.sourceNet = QStringLiteral("fe80::/10");
    p.interface = iface;
    return p;
}

FirewallPacket server(int family, const QString &proto, int port, const QString &iface = {})
{
    FirewallPacket p;
    p.family = family;
    p.protocol = proto;
    p.port = port;
    p.interface = iface;
    return p;
}

FirewallRules nft(const QByteArray &json)
{
    QString error;
    const auto rules = FirewallRules::fromNftJson(json, &error);
    if (!rules) qFatal("fixture does not parse: %s", qPrintable(error));
    return *rules;
}

FirewallRules save(const QString &text, int family)
{
    QString error;
    const auto rules = FirewallRules::fromIptablesSave(text, family, &error);
    if (!rules) qFatal("fixture does not parse: %s", qPrintable(error));
    return *rules;
}

} // namespace

class TestDoctorFirewall final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void policyDropWithoutAccept()
    {
        const FirewallRules r = nft(kNft_a);
        QCOMPARE(r.baseChainCount(6), 1);
        QCOMPARE(r.baseChainCount(4), 1);
        const FirewallVerdict v = r.evaluate(babel(QStringLiteral("re6stnet1")));
        QCOMPARE(v.kind, Kind::Dropped);
        QCOMPARE(v.rule, QStringLiteral("policy drop"));
        QCOMPARE(v.where, QStringLiteral("nftables table inet filter, chain input"));
        QCOMPARE(v.allow, QStringLiteral("nft insert rule inet filter input ip6 saddr fe80::/10 udp dport 6696 accept"));
        QVERIFY(v.remove.isEmpty());
        // iifname "lo" accept: decided before the policy.
        QCOMPARE(r.evaluate(babel(QStringLiteral("lo"))).kind, Kind::Accepted);
        // tcp dport { 22, 1194 } accept; udp 1194 falls to the policy.
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1194, QStringLiteral("up0"))).kind, Kind::Accepted);
        QCOMPARE(r.evaluate(server(6, QStringLiteral("tcp"), 1194)).kind, Kind::Accepted);
        const FirewallVerdict udp = r.evaluate(server(4, QStringLiteral("udp"), 1194, QStringLiteral("up0")));
        QCOMPARE(udp.kind, Kind::Dropped);
        QCOMPARE(udp.allow, QStringLiteral("nft insert rule inet filter input udp dport 1194 accept"));
        // Any interface: iifname "lo" may accept it, so the policy's drop is not certain.
        QCOMPARE(r.evaluate(server(4, QStringLiteral("udp"), 1194)).kind, Kind::Unknown);
    }

    void namedSetJumpAndReturn()
    {
        const FirewallRules r = nft(kNft_b);
        QCOMPARE(r.evaluate(babel(QStringLiteral("re6stnet-tcp"))).kind, Kind::Accepted);
        const FirewallVerdict eth = r.evaluate(babel(QStringLiteral("eth0")));
        QCOMPARE(eth.kind, Kind::Dropped);
        QCOMPARE(eth.rule, QStringLiteral("udp dport 6696 drop (handle 5)"));
        QCOMPARE(eth.remove, QStringLiteral("nft delete rule ip6 t input handle 5"));
        QCOMPARE(eth.allow, QStringLiteral("nft insert rule ip6 t input ip6 saddr fe80::/10 udp dport 6696 accept"));
        // Not link-local: the tunnels chain returns, the set drops it.
        QCOMPARE(r.evaluate(babel(QStringLiteral("re6stnet1"), QStringLiteral("2001:db8::1"))).kind, Kind::Dropped);
        // Other ports and IPv4 pass (ip6 table only).
        QCOMPARE(r.evaluate(server(6, QStringLiteral("udp"), 1194, QStringLiteral("eth0"))).kind, Kind::Accepted);
        QCOMPARE(r.evaluate(server(4, QStringLiteral("udp"), 6696, QStringLiteral("eth0"))).kind, Kind::Accepted);
        QCOMPARE(r.baseChainCount(4), 0);
    }

    void verdictMapRejectAndUnknownMatch()
    {
        const FirewallRules r = nft(kNft_c);
        const QList<FirewallVerdict> chains = r.evaluateChains(server(4, QStringLiteral("tcp"), 1194, QStringLiteral("up0")));
        QCOMPARE(chains.size(), 2);
        // prerouting first (priority -300): `fib daddr type != local drop` cannot be evaluated.
        QCOMPARE(chains.at(0).where, QStringLiteral("nftables table inet fw, chain pre"));
        QCOMPARE(chains.at(0).kind, Kind::Unknown);
        QVERIFY2(chains.at(0).rule.contains(QLatin1String("fib")), qPrintable(chains.at(0).rule));
        // input: meta l4proto vmap { tcp : jump tcpchk } -> tcp dport 1194 reject.
        QCOMPARE(chains.at(1).kind, Kind::Dropped);
        QVERIFY2(chains.at(1).rule.contains(QLatin1String("reject")), qPrintable(chains.at(1).rule));
        QVERIFY2(chains.at(1).rule.contains(QLatin1String("in chain tcpchk")), qPrintable(chains.at(1).rule));
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1194, QStringLiteral("up0"))).kind, Kind::Dropped);
        // udp : accept in the map, the prerouting rule stays uncertain.
        const QList<FirewallVerdict> udp = r.evaluateChains(server(4, QStringLiteral("udp"), 1194, QStringLiteral("up0")));
        QCOMPARE(udp.at(1).kind, Kind::Accepted);
        QCOMPARE(r.evaluate(server(4, QStringLiteral("udp"), 1194, QStringLiteral("up0"))).kind, Kind::Unknown);
        // tcp 22: the tcpchk chain returns, the policy accepts.
        QCOMPARE(r.evaluateChains(server(4, QStringLiteral("tcp"), 22, QStringLiteral("up0"))).at(1).kind, Kind::Accepted);
    }

    void iptablesNftSeenByNft()
    {
        // ip6tables-nft rules in nft's view: `xt conntrack` hides its states.
        const FirewallRules r = nft(kNft_d);
        const FirewallVerdict v = r.evaluate(babel(QStringLiteral("re6stnet1")));
        QCOMPARE(v.kind, Kind::Unknown);
        QVERIFY(FirewallRules::iptablesSaveIsNftBackend(kSave_d));
        QVERIFY(!FirewallRules::iptablesSaveIsNftBackend(kSave_e));
    }

    void ip6tablesSave()
    {
        const FirewallRules r = save(kSave_d, 6);
        QCOMPARE(r.tables(), QStringList{QStringLiteral("filter")});
        const FirewallVerdict v = r.evaluate(babel(QStringLiteral("re6stnet1")));
        QCOMPARE(v.kind, Kind::Dropped);
        QCOMPARE(v.where, QStringLiteral("ip6tables table filter, chain INPUT"));
        QCOMPARE(v.remove, QStringLiteral("ip6tables -D INPUT -p udp -m udp --dport 6696 -m comment --comment 'no babel here' "
                                          "-j REJECT --reject-with icmp6-port-unreachable"));
        QCOMPARE(v.allow, QStringLiteral("ip6tables -I INPUT -s fe80::/10 -p udp -m udp --dport 6696 -j ACCEPT"));
        QCOMPARE(r.evaluate(babel(QStringLiteral("lo"))).kind, Kind::Accepted);
        // -m multiport --dports 22,1190:1200
        QCOMPARE(r.evaluate(server(6, QStringLiteral("tcp"), 1194, QStringLiteral("eth0"))).kind, Kind::Accepted);
        QCOMPARE(r.evaluate(server(6, QStringLiteral("tcp"), 1201, QStringLiteral("eth0"))).kind, Kind::Dropped);
        // The policy of another family's table does not apply.
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1201, QStringLiteral("eth0"))).kind, Kind::Accepted);
    }

    void iptablesLegacyUserChain()
    {
        const FirewallRules r = save(kSave_e, 4);
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1194, QStringLiteral("up0"))).kind, Kind::Accepted);
        const FirewallVerdict udp = r.evaluate(server(4, QStringLiteral("udp"), 1194, QStringLiteral("up0")));
        QCOMPARE(udp.kind, Kind::Dropped); // RETURN, then the policy
        QCOMPARE(udp.rule, QStringLiteral("policy drop"));
        QCOMPARE(udp.allow, QStringLiteral("iptables -I INPUT -p udp -m udp --dport 1194 -j ACCEPT"));
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1194, QStringLiteral("eth1"))).kind, Kind::Dropped);
        // Unknown interface: -i up0 may lead to the accept.
        QCOMPARE(r.evaluate(server(4, QStringLiteral("tcp"), 1194)).kind, Kind::Unknown);
    }

    void iptablesRawPrerouting()
    {
        const FirewallRules r = save(kSave_f, 6);
        const FirewallVerdict v = r.evaluate(babel(QStringLiteral("re6stnet1")));
        QCOMPARE(v.kind, Kind::Dropped);
        QCOMPARE(v.where, QStringLiteral("ip6tables table raw, chain PREROUTING"));
        QCOMPARE(v.remove, QStringLiteral("ip6tables -t raw -D PREROUTING -p udp -m udp --dport 6696 -j DROP"));
        QCOMPARE(v.allow, QStringLiteral("ip6tables -t raw -I PREROUTING -s fe80::/10 -p udp -m udp --dport 6696 -j ACCEPT"));
    }

    void emptyRuleset()
    {
        const FirewallRules r = nft(kNft_empty);
        QCOMPARE(r.baseChainCount(6), 0);
        QCOMPARE(r.evaluate(babel(QStringLiteral("re6stnet1"))).kind, Kind::Accepted);
        QVERIFY(r.evaluateChains(babel(QStringLiteral("re6stnet1"))).isEmpty());
    }

    void negationsAndSources()
    {
        const QString text = QStringLiteral(
            "*filter\n:INPUT ACCEPT [0:0]\n"
            "-A INPUT ! -s fe80::/10 -p udp -m udp --dport 6696 -j DROP\n"
            "-A INPUT ! -i re6stnet+ -p udp -m udp --dport 6696 -j DROP\nCOMMIT\n");
        const FirewallRules r = save(text, 6);
        QCOMPARE(r.evaluate(babel(QStringLiteral("re6stnet3"))).kind, Kind::Accepted);
        QCOMPARE(r.evaluate(babel(QStringLiteral("eth0"))).kind, Kind::Dropped);
        QCOMPARE(r.evaluate(babel(QStringLiteral("re6stnet3"), QStringLiteral("2001:db8::2"))).kind, Kind::Dropped);
    }

    void badInput()
    {
        QString error;
        QVERIFY(!FirewallRules::fromNftJson("Error: Could not process rule: Operation not permitted", &error));
        QVERIFY2(error.contains(QLatin1String("nft")), qPrintable(error));
        QVERIFY(!FirewallRules::fromNftJson(R"({"something": []})", &error));
        QVERIFY(!FirewallRules::fromIptablesSave(QStringLiteral("-A INPUT -j DROP\n"), 6, &error));
        QVERIFY2(error.contains(QLatin1String("line 1")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestDoctorFirewall)
#include "tst_doctorfirewall.moc"
