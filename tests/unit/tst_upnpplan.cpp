// SPDX-License-Identifier: GPL-2.0-or-later
// The pure part of UPnP port mapping: node-protocol.md §9.1, §9.2.
#include "core/UpnpPlan.h"
#include "core/UpnpPortSequence.h"

#include <QSet>
#include <QTest>

using re6st::PeerAddress;
using re6st::UpnpPlan;
using re6st::UpnpPortSequence;
using Rule = UpnpPlan::Rule;

class tst_UpnpPlan final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void rulesAreTheIpv4ServersOnce()
    {
        const QList<Rule> pp{{1194, "tcp"}, {1195, "udp6"}, {1194, "udp"}, {1194, "tcp"}, {1196, "tcp6"}, {1197, "tcp4"},
                             {1197, "tcp"}};
        QCOMPARE(UpnpPlan::rules(pp), (QList<Rule>{{1194, "tcp"}, {1194, "udp"}, {1197, "tcp4"}}));
        QVERIFY(UpnpPlan::rules({{1194, "udp6"}, {1195, "tcp6"}}).isEmpty());
        QVERIFY(UpnpPlan::rules({}).isEmpty());
    }

    void namesAndDescription()
    {
        QCOMPARE(UpnpPlan::protocolName({1194, "tcp"}), QStringLiteral("TCP"));
        QCOMPARE(UpnpPlan::protocolName({1194, "udp4"}), QStringLiteral("UDP"));
        QCOMPARE(UpnpPlan::description({1194, "tcp"}), QStringLiteral("re6stnet openvpn server (1194/tcp)"));
        QCOMPARE(UpnpPlan::description({1195, "udp"}), QStringLiteral("re6stnet openvpn server (1195/udp)"));
    }

    void leftOversAreOursOnly_data()
    {
        QTest::addColumn<QString>("description");
        QTest::addColumn<QString>("client");
        QTest::addColumn<int>("port");
        QTest::addColumn<QString>("protocol");
        QTest::addColumn<bool>("ours");
        QTest::newRow("ours") << "re6stnet openvpn server (1194/tcp)" << "192.168.4.2" << 1194 << "TCP" << true;
        QTest::newRow("ours, lower-case protocol") << "re6stnet openvpn server (1194/tcp)" << "192.168.4.2" << 1194 << "tcp" << true;
        QTest::newRow("other host") << "re6stnet openvpn server (1194/tcp)" << "192.168.4.3" << 1194 << "TCP" << false;
        QTest::newRow("other port") << "re6stnet openvpn server (1195/tcp)" << "192.168.4.2" << 1195 << "TCP" << false;
        QTest::newRow("other protocol") << "re6stnet openvpn server (1194/udp)" << "192.168.4.2" << 1194 << "UDP" << false;
        QTest::newRow("other program") << "Skype" << "192.168.4.2" << 1194 << "TCP" << false;
    }
    void leftOversAreOursOnly()
    {
        QFETCH(QString, description);
        QFETCH(QString, client);
        QFETCH(int, port);
        QFETCH(QString, protocol);
        QFETCH(bool, ours);
        const UpnpPlan::Entry e{40000, protocol, client, quint16(port), description};
        QCOMPARE(UpnpPlan::isLeftOver(e, "192.168.4.2", {{1194, "tcp"}}), ours);
        QVERIFY(!UpnpPlan::isLeftOver(e, QString(), {{1194, "tcp"}}));
    }

    void conflicts()
    {
        QVERIFY(UpnpPlan::isConflict(718)); // ConflictInMappingEntry
        QVERIFY(UpnpPlan::isConflict(729)); // ConflictWithOtherMechanisms
        QVERIFY(!UpnpPlan::isConflict(0));
        QVERIFY(!UpnpPlan::isConflict(606)); // not authorized: another port will not help
        QVERIFY(!UpnpPlan::isConflict(-3));  // HTTP error
    }

    void usableExternalIp_data()
    {
        QTest::addColumn<QString>("ip");
        QTest::addColumn<bool>("usable");
        QTest::newRow("public") << "11.77.0.4" << true;
        QTest::newRow("public, spaces") << " 88.22.44.13 " << true;
        QTest::newRow("172.32 is public") << "172.32.0.1" << true;
        QTest::newRow("100.128 is public") << "100.128.0.1" << true;
        QTest::newRow("rfc1918 10") << "10.77.0.4" << false;
        QTest::newRow("rfc1918 172.16") << "172.16.3.1" << false;
        QTest::newRow("rfc1918 192.168") << "192.168.1.1" << false;
        QTest::newRow("cgn") << "100.64.0.1" << false;
        QTest::newRow("unspecified") << "0.0.0.0" << false;
        QTest::newRow("loopback") << "127.0.0.1" << false;
        QTest::newRow("link-local") << "169.254.1.1" << false;
        QTest::newRow("multicast") << "239.255.255.250" << false;
        QTest::newRow("broadcast") << "255.255.255.255" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("garbage") << "gateway" << false;
        QTest::newRow("ipv6") << "2001:db8::1" << false;
    }
    void usableExternalIp()
    {
        QFETCH(QString, ip);
        QFETCH(bool, usable);
        QCOMPARE(UpnpPlan::isUsableExternalIp(ip), usable);
    }

    // §9.1: gateway address + external ports; learnt address when the gateway's is
    // not usable; local ports without mapping; IPv6 entries never touched.
    void advertisedAddresses()
    {
        const QList<Rule> pp{{1194, "tcp"}, {1195, "udp6"}, {1194, "udp"}, {1196, "tcp"}};
        const QList<UpnpPlan::Mapping> mapped{{{1194, "tcp"}, 33001}, {{1194, "udp"}, 35002}, {{1196, "tcp"}, 40959}};
        QCOMPARE(UpnpPlan::ipv4Addresses(pp, "11.77.0.4", "", mapped, "FR"),
                 (QList<PeerAddress>{{"11.77.0.4", 33001, "tcp", "FR"}, {"11.77.0.4", 35002, "udp", "FR"},
                                     {"11.77.0.4", 40959, "tcp", "FR"}}));
        // The gateway's address wins over a learnt one (the mappings are on it).
        QCOMPARE(UpnpPlan::ipv4Addresses(pp, "11.77.0.4", "198.51.100.9", mapped, "").first().ip, QStringLiteral("11.77.0.4"));
        // Double NAT: private gateway address ⇒ learnt address with the external ports.
        QCOMPARE(UpnpPlan::ipv4Addresses(pp, "10.0.0.2", "198.51.100.9", mapped, ""),
                 (QList<PeerAddress>{{"198.51.100.9", 33001, "tcp", ""}, {"198.51.100.9", 35002, "udp", ""},
                                     {"198.51.100.9", 40959, "tcp", ""}}));
        QVERIFY(UpnpPlan::ipv4Addresses(pp, "10.0.0.2", "", mapped, "").isEmpty());
        // A rule not mapped keeps its local port.
        QCOMPARE(UpnpPlan::ipv4Addresses(pp, "11.77.0.4", "", {{{1194, "udp"}, 35002}}, ""),
                 (QList<PeerAddress>{{"11.77.0.4", 1194, "tcp", ""}, {"11.77.0.4", 35002, "udp", ""},
                                     {"11.77.0.4", 1196, "tcp", ""}}));
        // No mapping (no gateway, or it failed): the address learnt from peers, local ports (`any`).
        QCOMPARE(UpnpPlan::ipv4Addresses(pp, "11.77.0.4", "198.51.100.9", {}, ""),
                 (QList<PeerAddress>{{"198.51.100.9", 1194, "tcp", ""}, {"198.51.100.9", 1194, "udp", ""},
                                     {"198.51.100.9", 1196, "tcp", ""}}));
        QVERIFY(UpnpPlan::ipv4Addresses(pp, "", "", {}, "").isEmpty());
        QVERIFY(UpnpPlan::ipv4Addresses({{1195, "udp6"}}, "11.77.0.4", "", mapped, "").isEmpty());
    }

    // §9.2: 8192 external ports 32768–40959, each once per period, seed-determined.
    void portSequenceCoversTheRangeOnce()
    {
        for (quint32 seed : {0u, 1u, 8191u, 123456789u}) {
            UpnpPortSequence s(seed);
            QSet<quint16> seen;
            for (int i = 0; i < UpnpPlan::kExternalPortCount; ++i) {
                const quint16 p = s.next();
                QVERIFY2(p >= 32768 && p <= 40959, qPrintable(QString::number(p)));
                seen.insert(p);
            }
            QCOMPARE(seen.size(), UpnpPlan::kExternalPortCount);
        }
        UpnpPortSequence a(42), b(42), c(43);
        const quint16 first = a.next();
        QCOMPARE(b.next(), first);
        QVERIFY(c.next() != first);
        QVERIFY(a.next() != first);
    }
};

QTEST_GUILESS_MAIN(tst_UpnpPlan)
#include "tst_upnpplan.moc"
