// SPDX-License-Identifier: GPL-2.0-or-later
// DoctorChecks (issue 6 §2): every check's verdicts from facts, with the exact fixes;
// DoctorFinding's D-Bus form (dbus/org.re6st.Doctor1.xml); DoctorConfig (re6stnet.conf).
#include "core/DoctorChecks.h"
#include "core/DoctorConfig.h"

#include <QtTest>

using namespace re6st::doctor;
using Status = DoctorFinding::Status;

namespace {

constexpr qint64 kNow = 1790000000; // 2026-09-21

// A healthy host: every check ok.
DoctorFacts healthy()
{
    DoctorFacts f;
    f.now = kNow;
    f.ipv6Subtrees = true;
    f.ipv6SubtreesHow = QStringLiteral("`ip -6 route add unreachable ::/128 from ::/128` works");
    f.ipv6Forwarding = 1;
    f.nodeRunning = true;
    f.interfaces = QList<DoctorFacts::Interface>{{QStringLiteral("lo"), 1, false}, {QStringLiteral("eth0"), 2, true}};
    f.networkManager = false;
    f.conflicts = QList<QVariantMap>{};
    f.babelInterfaces = {QStringLiteral("re6stnet-tcp"), QStringLiteral("re6stnet1"), QStringLiteral("re6stnet2")};
    f.serverPorts = {{1194, QStringLiteral("tcp")}};
    f.uplinks = {QStringLiteral("eth0")};
    f.nftJson = QByteArray(R"({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}]})");
    f.openvpnVersion = QStringLiteral("OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO]\nlibrary versions: ...");
    f.babeldVersion = QStringLiteral("babeld-1.12.1\n");
    f.certPath = QStringLiteral("/etc/re6stnet/cert.crt");
    f.certNotAfter = kNow + 200 * 86400;
    f.registryUrl = QStringLiteral("http://re6st.example.com/");
    f.registryReachable = true;
    return f;
}

// nft -j list ruleset of: table inet filter { chain input { type filter hook input
// priority 0; policy accept; udp dport 6696 drop } } (nftables 1.0.6).
const QByteArray kDropBabel = R"json({"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}}, {"table": {"family": "inet", "name": "filter", "handle": 7}}, {"chain": {"family": "inet", "table": "filter", "name": "input", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "accept"}}, {"rule": {"family": "inet", "table": "filter", "chain": "input", "handle": 2, "expr": [{"match": {"op": "==", "left": {"payload": {"protocol": "udp", "field": "dport"}}, "right": 6696}}, {"drop": null}]}}]})json";

} // namespace

class TestDoctorChecks final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void healthyHostIsOk()
    {
        const QList<DoctorFinding> all = DoctorChecks::run(healthy());
        QStringList ids;
        for (const DoctorFinding &f : all) {
            ids << f.check;
            QVERIFY2(f.status == Status::Ok, qPrintable(f.check + QStringLiteral(": ") + f.summary + u' ' + f.detail));
            QVERIFY2(f.fix.isEmpty(), qPrintable(f.check));
        }
        QCOMPARE(ids, (QStringList{"source-routing", "ipv6-forwarding", "accept-ra", "networkmanager", "babel-port",
                                   "openvpn-ports", "openvpn", "babeld", "certificate", "registry"}));
        QVERIFY(!DoctorFinding::hasProblem(all));
    }

    void findingOnTheBus()
    {
        DoctorFinding f = DoctorChecks::ipv6Forwarding([] { auto x = healthy(); x.ipv6Forwarding = 0; return x; }());
        const QVariantMap m = f.toVariantMap();
        QCOMPARE(m.keys(), (QStringList{"check", "detail", "fix", "status", "summary"}));
        for (const QVariant &v : m) QCOMPARE(v.metaType(), QMetaType::fromType<QString>());
        QCOMPARE(m.value("status").toString(), QStringLiteral("problem"));
        const auto back = DoctorFinding::fromVariantMap(m);
        QVERIFY(back);
        QCOMPARE(back->fix, f.fix);
        QCOMPARE(back->status, Status::Problem);
        QVariantMap bad = m;
        bad.insert("status", "broken");
        QVERIFY(!DoctorFinding::fromVariantMap(bad));
        bad = m;
        bad.remove("fix");
        QVERIFY(!DoctorFinding::fromVariantMap(bad));
    }

    void sourceRouting()
    {
        DoctorFacts f = healthy();
        f.ipv6Subtrees = false;
        f.ipv6SubtreesHow = QStringLiteral("`ip -6 route add unreachable ::/128 from ::/128` fails: RTNETLINK answers: Operation not supported");
        DoctorFinding r = DoctorChecks::sourceRouting(f);
        QCOMPARE(r.status, Status::Warning);
        QVERIFY(r.detail.contains(QLatin1String("Operation not supported")));
        QVERIFY(r.detail.contains(QLatin1String("udp6/tcp6")));
        QVERIFY(r.fix.contains(QLatin1String("CONFIG_IPV6_SUBTREES=y")));
        f.gateway = true;
        QVERIFY(DoctorChecks::sourceRouting(f).detail.contains(QLatin1String("gateway")));
        f.ipv6Subtrees.reset();
        f.ipv6SubtreesSkip = QStringLiteral("needs root");
        r = DoctorChecks::sourceRouting(f);
        QCOMPARE(r.status, Status::Skipped);
        QCOMPARE(r.detail, QStringLiteral("needs root"));
    }

    void forwarding()
    {
        DoctorFacts f = healthy();
        f.ipv6Forwarding = 0;
        DoctorFinding r = DoctorChecks::ipv6Forwarding(f);
        QCOMPARE(r.status, Status::Problem);
        QCOMPARE(r.fix, QStringLiteral("sysctl -w net.ipv6.conf.all.forwarding=1\n"
                                       "echo 'net.ipv6.conf.all.forwarding = 1' >> /etc/sysctl.d/90-re6st.conf"));
        f.nodeRunning = false; // babeld switches it on at start
        QCOMPARE(DoctorChecks::ipv6Forwarding(f).status, Status::Ok);
        f.ipv6Forwarding.reset();
        f.ipv6ForwardingSkip = QStringLiteral("no IPv6");
        QCOMPARE(DoctorChecks::ipv6Forwarding(f).status, Status::Skipped);
    }

    void acceptRa()
    {
        DoctorFacts f = healthy();
        f.interfaces = QList<DoctorFacts::Interface>{{QStringLiteral("eth0"), 1, true},
                                                     {QStringLiteral("wlan0"), 1, false},
                                                     {QStringLiteral("re6stnet1"), 1, true},
                                                     {QStringLiteral("eth1"), 0, true}};
        DoctorFinding r = DoctorChecks::acceptRa(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY2(r.summary.contains(QLatin1String("eth0 (accept_ra = 1)")), qPrintable(r.summary));
        QVERIFY2(r.summary.contains(QLatin1String("eth1 (accept_ra = 0)")), qPrintable(r.summary));
        QVERIFY(!r.summary.contains(QLatin1String("wlan0")));
        QVERIFY(!r.summary.contains(QLatin1String("re6stnet1")));
        QVERIFY(r.fix.startsWith(QLatin1String("sysctl -w net.ipv6.conf.eth0.accept_ra=2\n"
                                               "echo 'net.ipv6.conf.eth0.accept_ra = 2' >> /etc/sysctl.d/90-re6st.conf\n"
                                               "sysctl -w net.ipv6.conf.eth1.accept_ra=2")));
        f.interfaces = QList<DoctorFacts::Interface>{{QStringLiteral("eth0"), 1, false}};
        r = DoctorChecks::acceptRa(f);
        QCOMPARE(r.status, Status::Ok);
        QVERIFY(r.summary.contains(QLatin1String("no interface")));
        f.interfaces.reset();
        QCOMPARE(DoctorChecks::acceptRa(f).status, Status::Skipped);
    }

    void networkManager()
    {
        DoctorFacts f = healthy();
        f.networkManager = true;
        auto conflict = [](const char *uuid, const char *name, const char *problem) {
            return QVariantMap{{"connection", QString::fromLatin1(uuid)}, {"name", QString::fromLatin1(name)},
                               {"interface", QStringLiteral("eth0")}, {"problem", QString::fromLatin1(problem)},
                               {"detail", QStringLiteral("routes from router advertisements override re6st's")},
                               {"fix", QStringLiteral("set ipv6.ignore-auto-routes")}};
        };
        f.conflicts = QList<QVariantMap>{conflict("1111-aa", "Wired", "auto-routes"), conflict("1111-aa", "Wired", "default-route"),
                                         conflict("2222-bb", "Cafe", "default-route")};
        DoctorFinding r = DoctorChecks::networkManager(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY2(r.summary.startsWith(QLatin1String("2 NetworkManager connection(s)")), qPrintable(r.summary));
        QCOMPARE(r.fix, QStringLiteral("nmcli connection modify 1111-aa ipv6.ignore-auto-routes yes ipv6.never-default yes\n"
                                       "nmcli connection modify 2222-bb ipv6.never-default yes"));
        // F8: a name (a Wi-Fi SSID, a user's connection) cannot add lines or send escapes.
        QVariantMap forged = conflict("3333-cc", "x", "auto-routes");
        forged["name"] = QStringLiteral("Cafe\nPROBLEM  forged\x1b[8m\u202e");
        f.conflicts = QList<QVariantMap>{forged};
        r = DoctorChecks::networkManager(f);
        QCOMPARE(r.summary, QStringLiteral("1 NetworkManager connection(s) conflict with re6st: "
                                           "Cafe\\x0aPROBLEM  forged\\x1b[8m\\u202e (eth0)"));
        QVERIFY2(r.detail.startsWith(QStringLiteral("Cafe\\x0aPROBLEM  forged\\x1b[8m\\u202e (eth0): routes from")),
                 qPrintable(r.detail));
        QCOMPARE(r.detail.count(u'\n'), 1); // the name's line and the closing advice
        f.conflicts = QList<QVariantMap>{};
        QCOMPARE(DoctorChecks::networkManager(f).status, Status::Ok);
        f.networkManager = false;
        QVERIFY(DoctorChecks::networkManager(f).summary.contains(QLatin1String("not running")));
        f.networkManager.reset();
        f.conflicts.reset();
        r = DoctorChecks::networkManager(f);
        QCOMPARE(r.status, Status::Skipped);
        QCOMPARE(r.detail, QStringLiteral("NetworkManager integration not available"));
    }

    void babelPortDropped()
    {
        DoctorFacts f = healthy();
        f.nftJson = kDropBabel;
        const DoctorFinding r = DoctorChecks::babelPort(f);
        QCOMPARE(r.status, Status::Problem);
        QCOMPARE(r.summary, QStringLiteral("the firewall drops Babel (UDP 6696 from fe80::/10) (re6stnet-tcp, re6stnet1, re6stnet2)"));
        QVERIFY2(r.detail.contains(QLatin1String("nftables table inet filter, chain input drops it")), qPrintable(r.detail));
        QVERIFY2(r.detail.contains(QLatin1String("udp dport 6696 drop (handle 2)")), qPrintable(r.detail));
        QVERIFY2(r.detail.contains(QLatin1String("nft delete rule inet filter input handle 2")), qPrintable(r.detail));
        QCOMPARE(r.fix, QStringLiteral("nft insert rule inet filter input ip6 saddr fe80::/10 udp dport 6696 accept"));
        // The same rule does not touch the OpenVPN server port.
        QCOMPARE(DoctorChecks::openvpnPorts(f).status, Status::Ok);
    }

    void firewallFromIptablesLegacy()
    {
        DoctorFacts f = healthy();
        f.nftJson.reset(); // no nft installed
        f.ip6tablesSave = QStringLiteral("# Generated by ip6tables-save v1.8.9 on Thu Nov 26 19:51:43 2026\n*filter\n"
                                         ":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                                         "-A INPUT -s fe80::/10 -p udp -m udp --dport 6696 -j ACCEPT\nCOMMIT\n");
        f.iptablesSave = QStringLiteral("# Generated by iptables-save v1.8.9 on Thu Nov 26 19:51:43 2026\n*filter\n"
                                        ":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n");
        QCOMPARE(DoctorChecks::babelPort(f).status, Status::Ok);
        const DoctorFinding r = DoctorChecks::openvpnPorts(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY2(r.summary.contains(QLatin1String("1194/tcp")), qPrintable(r.summary));
        QVERIFY2(r.detail.contains(QLatin1String("iptables table filter, chain INPUT drops it (1194/tcp): policy drop")), qPrintable(r.detail));
        QCOMPARE(r.fix, QStringLiteral("iptables -I INPUT -p tcp -m tcp --dport 1194 -j ACCEPT"));
        // udp6 server: the IPv6 table accepts only Babel.
        f.serverPorts = {{1194, QStringLiteral("tcp")}, {1195, QStringLiteral("udp6")}};
        const DoctorFinding both = DoctorChecks::openvpnPorts(f);
        QCOMPARE(both.status, Status::Problem);
        QVERIFY2(both.fix.contains(QLatin1String("ip6tables -I INPUT -p udp -m udp --dport 1195 -j ACCEPT")), qPrintable(both.fix));
    }

    void iptablesNftPrefersSaveText()
    {
        // ip6tables-nft: nft shows `xt conntrack` (cannot tell), ip6tables-save the states.
        DoctorFacts f = healthy();
        f.nftJson = QByteArray(R"json({"nftables": [{"metainfo": {"version": "1.0.6", "json_schema_version": 1}}, {"table": {"family": "ip6", "name": "filter", "handle": 4}}, {"chain": {"family": "ip6", "table": "filter", "name": "INPUT", "handle": 1, "type": "filter", "hook": "input", "prio": 0, "policy": "drop"}}, {"rule": {"family": "ip6", "table": "filter", "chain": "INPUT", "handle": 2, "expr": [{"xt": {"type": "match", "name": "conntrack"}}, {"counter": {"packets": 0, "bytes": 0}}, {"accept": null}]}}]})json");
        f.ip6tablesSave = QStringLiteral("# Generated by ip6tables-save v1.8.9 (nf_tables) on Thu Nov 26 19:51:42 2026\n*filter\n"
                                         ":INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                                         "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n");
        const DoctorFinding r = DoctorChecks::babelPort(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY2(r.detail.startsWith(QLatin1String("ip6tables table filter, chain INPUT drops it")), qPrintable(r.detail));
        QCOMPARE(r.fix, QStringLiteral("ip6tables -I INPUT -s fe80::/10 -p udp -m udp --dport 6696 -j ACCEPT"));
        // Without the save text: only nft's view, which cannot tell.
        f.ip6tablesSave.reset();
        QCOMPARE(DoctorChecks::babelPort(f).status, Status::Warning);
    }

    void firewallUnreadable()
    {
        DoctorFacts f = healthy();
        f.nftJson.reset();
        f.nftSkip = QStringLiteral("reading the nftables rules needs root");
        f.iptablesSkip = QStringLiteral("reading the iptables rules needs root");
        DoctorFinding r = DoctorChecks::babelPort(f);
        QCOMPARE(r.status, Status::Skipped);
        QVERIFY(r.detail.contains(QLatin1String("needs root")));
        QCOMPARE(DoctorChecks::openvpnPorts(f).status, Status::Skipped);
        f.nftSkip.clear();
        f.iptablesSkip.clear(); // no tool at all: nothing filters
        QCOMPARE(DoctorChecks::babelPort(f).status, Status::Ok);
        f.nftJson = QByteArray("not json");
        QCOMPARE(DoctorChecks::babelPort(f).status, Status::Skipped);
        f.serverPorts.clear();
        QCOMPARE(DoctorChecks::openvpnPorts(f).status, Status::Ok);
    }

    void openvpnVersions_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("status");
        QTest::newRow("2.6.14") << "OpenVPN 2.6.14 x86_64-pc-linux-gnu [SSL (OpenSSL)]" << int(Status::Ok);
        QTest::newRow("2.7") << "OpenVPN 2.7_beta1 x86_64" << int(Status::Ok);
        QTest::newRow("2.5.1") << "OpenVPN 2.5.1 x86_64-pc-linux-gnu" << int(Status::Warning);
        QTest::newRow("2.4.7") << "OpenVPN 2.4.7 x86_64-pc-linux-gnu [SSL (OpenSSL)]" << int(Status::Problem);
        QTest::newRow("garbage") << "openvpn: unrecognized" << int(Status::Warning);
    }
    void openvpnVersions()
    {
        QFETCH(QString, output);
        QFETCH(int, status);
        DoctorFacts f = healthy();
        f.openvpnVersion = output;
        const DoctorFinding r = DoctorChecks::openvpn(f);
        QCOMPARE(int(r.status), status);
        if (r.status != Status::Ok) QVERIFY(r.fix.startsWith(QLatin1String("apt install openvpn")));
    }
    void openvpnMissing()
    {
        DoctorFacts f = healthy();
        f.openvpnVersion.reset();
        const DoctorFinding r = DoctorChecks::openvpn(f);
        QCOMPARE(r.status, Status::Problem);
        QCOMPARE(r.fix, QStringLiteral("apt install openvpn"));
    }

    void babeldVersions_data()
    {
        QTest::addColumn<QString>("output");
        QTest::addColumn<int>("status");
        QTest::newRow("1.12.1") << "babeld-1.12.1\n" << int(Status::Ok);
        QTest::newRow("nxd fork") << "babeld-1.12.1-nxd3\n" << int(Status::Ok);
        QTest::newRow("1.13") << "babeld-1.13.1" << int(Status::Ok);
        QTest::newRow("1.9.1 fork") << "babeld-1.9.1+hmac-nxd3" << int(Status::Problem);
        QTest::newRow("1.8") << "babeld-1.8.4" << int(Status::Problem);
        QTest::newRow("garbage") << "babeld: invalid option -- 'V'" << int(Status::Warning);
    }
    void babeldVersions()
    {
        QFETCH(QString, output);
        QFETCH(int, status);
        DoctorFacts f = healthy();
        f.babeldVersion = output;
        QCOMPARE(int(DoctorChecks::babeld(f).status), status);
        f.babeldVersion.reset();
        QCOMPARE(DoctorChecks::babeld(f).fix, QStringLiteral("apt install babeld"));
    }

    void certificate()
    {
        DoctorFacts f = healthy();
        QCOMPARE(DoctorChecks::certificate(f).status, Status::Ok);
        f.certNotAfter = kNow + 10 * 86400;
        DoctorFinding r = DoctorChecks::certificate(f);
        QCOMPARE(r.status, Status::Warning);
        QVERIFY2(r.summary.contains(QLatin1String("expires in 10 day(s)")), qPrintable(r.summary));
        f.certNotAfter = kNow + 29 * 86400 + 86399;
        QCOMPARE(DoctorChecks::certificate(f).status, Status::Warning);
        f.certNotAfter = kNow + 30 * 86400;
        QCOMPARE(DoctorChecks::certificate(f).status, Status::Ok);
        f.certNotAfter = kNow - 1;
        r = DoctorChecks::certificate(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY(r.summary.contains(QLatin1String("expired on")));
        QVERIFY(r.fix.contains(QLatin1String("re6stctl enroll http://re6st.example.com/ --replace")));
        f.certNotAfter.reset();
        f.certError = QStringLiteral("/etc/re6stnet/cert.crt does not exist");
        r = DoctorChecks::certificate(f);
        QCOMPARE(r.status, Status::Problem);
        QCOMPARE(r.fix, QStringLiteral("re6stctl enroll http://re6st.example.com/"));
        f.certError.clear();
        f.certSkip = QStringLiteral("not readable by this user");
        QCOMPARE(DoctorChecks::certificate(f).status, Status::Skipped);
        f.certPath.clear();
        QCOMPARE(DoctorChecks::certificate(f).status, Status::Problem);
    }

    void registry()
    {
        DoctorFacts f = healthy();
        f.registryReachable = false;
        f.registryDetail = QStringLiteral("GET http://re6st.example.com/getCa: Connection refused");
        DoctorFinding r = DoctorChecks::registry(f);
        QCOMPARE(r.status, Status::Problem);
        QVERIFY(r.detail.startsWith(QLatin1String("GET http://re6st.example.com/getCa: Connection refused")));
        QVERIFY(r.fix.startsWith(QLatin1String("curl -sS http://re6st.example.com/getCa")));
        f.registryReachable.reset();
        QCOMPARE(DoctorChecks::registry(f).status, Status::Skipped);
        f.registryUrl.clear();
        QCOMPARE(DoctorChecks::registry(f).status, Status::Skipped);
    }

    void config()
    {
        QString error;
        const auto c = DoctorConfig::parse(QStringLiteral("# re6stnet.conf\nregistry http://10.77.0.1/\nca ca.crt\n"
                                                          "cert /etc/re6stnet/cert.crt\nkey cert.key\n"
                                                          "interface eth1\n-i eth2\nclient-count 3\nrun /tmp/run\n"
                                                          "O--verb\nO3\ncountry FR\n"),
                                           QStringLiteral("/srv/node"), &error);
        QVERIFY2(c, qPrintable(error));
        QCOMPARE(c->registry, QStringLiteral("http://10.77.0.1/"));
        QCOMPARE(c->ca, QStringLiteral("/srv/node/ca.crt"));
        QCOMPARE(c->cert, QStringLiteral("/etc/re6stnet/cert.crt"));
        QCOMPARE(c->run, QStringLiteral("/tmp/run"));
        QCOMPARE(c->country, QStringLiteral("FR"));
        // §1.1: default --pp 1194 udp + tcp minus the default disabled udp/udp6.
        QCOMPARE(c->serverPorts(), (QList<QPair<int, QString>>{{1194, QStringLiteral("tcp")}}));
        QCOMPARE(c->babelInterfaces(), (QStringList{"eth1", "eth2", "re6stnet-tcp", "re6stnet1", "re6stnet2", "re6stnet3"}));

        const auto d = DoctorConfig::parse(QStringLiteral("pp 1195 udp\npp 1196 udp\npp 443 tcp\ndisable-proto none\n"), {}, &error);
        QVERIFY(d);
        QCOMPARE(d->serverPorts(), (QList<QPair<int, QString>>{{1195, QStringLiteral("udp")}, {443, QStringLiteral("tcp")}}));
        QCOMPARE(d->babelInterfaces(2), (QStringList{"re6stnet-udp", "re6stnet-tcp", "re6stnet1", "re6stnet2"}));

        const auto e = DoctorConfig::parse(QStringLiteral("client 10.0.0.1,1194,tcp\n"), {}, &error);
        QVERIFY(e);
        QVERIFY(e->serverPorts().isEmpty());
        QCOMPARE(e->babelInterfaces(), QStringList{"re6stnet"});
        const auto m = DoctorConfig::parse(QStringLiteral("max-clients 0\n"), {}, &error);
        QVERIFY(m && m->serverPorts().isEmpty());

        QVERIFY(!DoctorConfig::parse(QStringLiteral("registry\n"), {}, &error));
        QVERIFY(!DoctorConfig::parse(QStringLiteral("pp 99999 tcp\n"), {}, &error));
        QVERIFY2(error.startsWith(QLatin1String("line 1")), qPrintable(error));
    }
};

QTEST_GUILESS_MAIN(TestDoctorChecks)
#include "tst_doctorchecks.moc"
