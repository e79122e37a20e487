// SPDX-License-Identifier: GPL-2.0-or-later
// Parser of stock babeld 1.12.1's text local interface (node-protocol.md §4.5) and
// the dump interpretation of §4.4 / registry-protocol.md §10.2, against
// vectors/babel/dump-node-1-16.txt.
#include "Vectors.h"
#include "core/Addressing.h"
#include "core/BabelDump.h"

#include <QtTest>

using namespace re6st;

namespace {

QByteArray network() { return addressing::bitsFromIpv6(QStringLiteral("2001:db8:42::")).value().left(48); }
QByteArray cnBits(const char *cn) { return addressing::bitsFromCn(QString::fromLatin1(cn)).value(); }

template<typename T>
T byKey(const QList<T> &list, auto member, const QString &value)
{
    for (const T &r : list)
        if (r.*member == value) return r;
    return T();
}

} // namespace

class TestBabelDump final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void vectorTranscript()
    {
        const QByteArray transcript = test::readVector("babel/dump-node-1-16.txt");
        BabelDump dump;
        // The transcript also holds our own "dump" command line: not a record.
        QCOMPARE(dump.feed(transcript), (QList<BabelDump::Reply>{BabelDump::Reply::Ok, BabelDump::Reply::Ok}));
        QVERIFY(dump.greeted());
        QCOMPARE(dump.version(), QStringLiteral("babeld-1.12.1"));
        QCOMPARE(dump.host(), QStringLiteral("vm"));
        QCOMPARE(dump.myId(), QStringLiteral("44:e3:1c:f5:b5:fc:e5:03"));
        QCOMPARE(dump.malformedLines(), 0);
        QCOMPARE(dump.interfaces().size(), 3);
        QCOMPARE(dump.neighbours().size(), 3);
        QCOMPARE(dump.xroutes().size(), 2);
        QCOMPARE(dump.routes().size(), 18);

        const babel::Interface tcp = byKey(dump.interfaces(), &babel::Interface::name, QStringLiteral("re6stnet-tcp"));
        QVERIFY(tcp.up);
        QCOMPARE(tcp.ipv6, QStringLiteral("fe80::f875:99ff:fed9:47d4"));
        QCOMPARE(tcp.ipv4, QStringLiteral("10.45.1.1"));

        const babel::Neighbour n = byKey(dump.neighbours(), &babel::Neighbour::id, QStringLiteral("55e3d51981f0"));
        QCOMPARE(n.address, QStringLiteral("fe80::2815:9eff:fe20:4959"));
        QCOMPARE(n.interface, QStringLiteral("re6stnet1"));
        QCOMPARE(n.reach, quint16(0xffff));
        QCOMPARE(n.ureach, quint16(0));
        QCOMPARE(n.rxcost, 96);
        QCOMPARE(n.txcost, 96);
        QCOMPARE(n.rtt.value(), 1.130);
        QCOMPARE(n.rttCost.value(), 0);
        QCOMPARE(n.cost, 96);
        QCOMPARE(byKey(dump.neighbours(), &babel::Neighbour::id, QStringLiteral("55e3d519a010")).reach, quint16(0xffc0));

        const babel::Route r = byKey(dump.routes(), &babel::Route::id, QStringLiteral("55e3d519a260"));
        QCOMPARE(r.prefix, QStringLiteral("2001:db8:42:2::/64"));
        QCOMPARE(r.from, QStringLiteral("::/0"));
        QVERIFY(!r.installed);
        QCOMPARE(r.routerId, QStringLiteral("a8:4d:d0:cb:b3:45:8f:25"));
        QCOMPARE(r.metric, 96);
        QCOMPARE(r.refMetric, 0);
        QCOMPARE(r.via, QStringLiteral("fe80::5898:30ff:fe77:fa7d"));
        QCOMPARE(r.interface, QStringLiteral("re6stnet-tcp"));
        int installed = 0;
        for (const babel::Route &x : dump.routes()) installed += x.installed;
        QCOMPARE(installed, 6);

        const babel::XRoute x = byKey(dump.xroutes(), &babel::XRoute::prefix, QStringLiteral("2001:db8:42:1::/64"));
        QCOMPARE(x.id, QStringLiteral("2001:db8:42:1::/64-::/0"));
        QCOMPARE(x.from, QStringLiteral("::/0"));
        QCOMPARE(x.metric, 0);
    }

    void vectorTopology()
    {
        BabelDump dump;
        dump.feed(test::readVector("babel/dump-node-1-16.txt"));
        const auto t = BabelDump::topology(dump.neighbours(), dump.routes(), network());
        // Installed IPv6 routes: 0/16 (own subnet of the neighbour on re6stnet1,
        // refmetric 0), 2/16 and 3/16 through it. IPv4 payload routes do not count.
        const QSet<QByteArray> peers{cnBits("0/16"), cnBits("2/16"), cnBits("3/16")};
        QCOMPARE(t.peers, peers);
        QCOMPARE(t.direct.keys(), QList<QByteArray>{cnBits("0/16")});
        QCOMPARE(t.direct.value(cnBits("0/16")).interface, QStringLiteral("re6stnet1"));
        QCOMPARE(t.distantPeers(), (QSet<QByteArray>{cnBits("2/16"), cnBits("3/16")}));
        QCOMPARE(t.routedVia.value(cnBits("0/16")), peers);
        QCOMPARE(t.unidentifiedRouteCount, 0);
        QVERIFY(t.warnings.isEmpty());
        // registry-protocol.md §10.2: the same candidate set.
        QCOMPARE(BabelDump::routedPeerPrefixes(dump.routes(), network()), peers);
    }

    void byteByByteFeedingIsEquivalent()
    {
        const QByteArray transcript = test::readVector("babel/dump-node-1-16.txt");
        BabelDump dump;
        QList<BabelDump::Reply> replies;
        for (char c : transcript) replies += dump.feed(QByteArrayView(&c, 1));
        QCOMPARE(replies.size(), 2);
        QCOMPARE(dump.routes().size(), 18);
        QCOMPARE(dump.neighbours().size(), 3);
        // A line without its newline is not applied yet.
        QVERIFY(dump.feed("add neighbour 1 address fe80::1 if eth0 reach ffff").isEmpty());
        QCOMPARE(dump.neighbours().size(), 3);
        dump.feed(" rxcost 256 txcost 256 cost 256\r\n");
        QCOMPARE(dump.neighbours().size(), 4);
        QCOMPARE(byKey(dump.neighbours(), &babel::Neighbour::id, QStringLiteral("1")).cost, 256);
        QVERIFY(!byKey(dump.neighbours(), &babel::Neighbour::id, QStringLiteral("1")).rtt);
    }

    void monitorChangesAndFlushes()
    {
        BabelDump dump;
        dump.feed("BABEL 1.0\nversion babeld-1.12.1\nhost h\nmy-id 00:01\nok\n");
        dump.feed("add interface tap0 up true ipv6 fe80::1\n"
                  "add neighbour 10 address fe80::2 if tap0 reach ff00 ureach 0000 rxcost 96 txcost 96 cost 96\n"
                  "add route 20 prefix 2001:db8:42:5::/64 from ::/0 installed yes id 1 metric 96 refmetric 0 via fe80::2 if tap0\n"
                  "ok\n");
        QCOMPARE(dump.routes().size(), 1);
        dump.feed("change route 20 prefix 2001:db8:42:5::/64 from ::/0 installed no id 1 metric 65535 refmetric 65535 via fe80::2 if tap0\n"
                  "change interface tap0 up false\n");
        QCOMPARE(dump.routes().size(), 1);
        QVERIFY(!dump.routes().first().installed);
        QCOMPARE(dump.routes().first().metric, 65535);
        QVERIFY(!dump.interfaces().first().up);
        dump.feed("flush route 20 prefix 2001:db8:42:5::/64 from ::/0 installed no id 1 metric 65535 refmetric 65535 via fe80::2 if tap0\n"
                  "flush neighbour 10 address fe80::2 if tap0 reach 0000 ureach 0000 rxcost 65535 txcost 65535 cost 65535\n"
                  "flush interface tap0\n"
                  "flush route 999\n"); // unknown id: nothing to do
        QVERIFY(dump.routes().isEmpty());
        QVERIFY(dump.neighbours().isEmpty());
        QVERIFY(dump.interfaces().isEmpty());
        QCOMPARE(dump.malformedLines(), 0);

        dump.feed("add xroute a prefix 2001:db8:42:1::/64 from ::/0 metric 0\n");
        dump.clearTables();
        QVERIFY(dump.xroutes().isEmpty());
        QCOMPARE(dump.version(), QStringLiteral("babeld-1.12.1")); // greeting survives
    }

    void repliesAndUnknownLines()
    {
        BabelDump dump;
        QCOMPARE(dump.feed("no\nbad\nok\n"),
                 (QList<BabelDump::Reply>{BabelDump::Reply::No, BabelDump::Reply::Bad, BabelDump::Reply::Ok}));
        QCOMPARE(BabelDump::parseLine("add frobnicator 1 x y").kind, BabelDump::Line::Kind::Unknown);
        QCOMPARE(BabelDump::parseLine("hello world").kind, BabelDump::Line::Kind::Unknown);
        QCOMPARE(BabelDump::parseLine("   ").kind, BabelDump::Line::Kind::Empty);
        // Unknown keys (a newer babeld) are skipped, a dangling key is ignored.
        const auto l = BabelDump::parseLine(
            "add route 7 prefix 2001:db8:42:9::/64 from ::/0 installed yes id 1 metric 5 newkey val refmetric 3 via fe80::9 if t dangling");
        QCOMPARE(l.kind, BabelDump::Line::Kind::Route);
        QCOMPARE(l.route.refMetric, 3);
        QCOMPARE(l.route.interface, QStringLiteral("t"));
        QCOMPARE(l.action, BabelDump::Action::Add);
    }

    void malformedLines_data()
    {
        QTest::addColumn<QByteArray>("line");
        QTest::newRow("bad metric") << QByteArray("add route 1 prefix ::/0 metric abc");
        QTest::newRow("bad installed") << QByteArray("add route 1 prefix ::/0 installed maybe");
        QTest::newRow("route without prefix") << QByteArray("add route 1 metric 3");
        QTest::newRow("neighbour without address") << QByteArray("add neighbour 1 if eth0 reach ffff");
        QTest::newRow("bad reach") << QByteArray("add neighbour 1 address fe80::1 if eth0 reach fffff");
        QTest::newRow("negative rtt") << QByteArray("add neighbour 1 address fe80::1 if eth0 rtt -1");
        QTest::newRow("bad up") << QByteArray("add interface eth0 up yes");
        QTest::newRow("no id") << QByteArray("add route");
        QTest::newRow("lonely greeting") << QByteArray("version");
        QTest::newRow("huge metric") << QByteArray("add xroute 1 prefix ::/0 metric 99999999999");
    }
    void malformedLines()
    {
        QFETCH(QByteArray, line);
        QCOMPARE(BabelDump::parseLine(line).kind, BabelDump::Line::Kind::Malformed);
        BabelDump dump;
        dump.feed(line + '\n');
        QCOMPARE(dump.malformedLines(), 1);
        QVERIFY(dump.routes().isEmpty() && dump.neighbours().isEmpty() && dump.interfaces().isEmpty());
    }

    void overlongLineIsDropped()
    {
        BabelDump dump;
        dump.feed("add route 1 prefix ");
        dump.feed(QByteArray(10000, 'a'));
        dump.feed(" installed yes\nadd xroute 2 prefix ::/0 from ::/0 metric 0\n");
        QVERIFY(dump.routes().isEmpty());
        QCOMPARE(dump.xroutes().size(), 1);
        QCOMPARE(dump.malformedLines(), 1);
    }

    void peerPrefixRules()
    {
        const QByteArray net = network();
        QCOMPARE(BabelDump::peerPrefix(QStringLiteral("2001:db8:42:1::/64"), net).value(), cnBits("1/16"));
        QCOMPARE(BabelDump::peerPrefix(QStringLiteral("2001:db8:42:0:8000::/80"), net).value(),
                 QByteArray(16, '0') + '1' + QByteArray(15, '0')); // the 32 bits below the network
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("2001:db8:42::/48"), net));   // empty key
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("2001:db8::/32"), net));      // covering prefix
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("2001:db8:43:1::/64"), net)); // outside
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("::/0"), net));
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("10.45.0.0/24"), net));
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("::ffff:10.45.0.0/120"), net));
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("2001:db8:42:1::/129"), net));
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("2001:db8:42:1::"), net));
        QVERIFY(!BabelDump::peerPrefix(QStringLiteral("garbage/64"), net));
    }

    void topologyEdgeCases()
    {
        const auto route = [](const char *id, const char *prefix, bool installed, int refmetric, const char *via, const char *ifname) {
            babel::Route r;
            r.id = QString::fromLatin1(id);
            r.prefix = QString::fromLatin1(prefix);
            r.installed = installed;
            r.refMetric = refmetric;
            r.via = QString::fromLatin1(via);
            r.interface = QString::fromLatin1(ifname);
            return r;
        };
        babel::Neighbour a, b;
        a.address = QStringLiteral("fe80::a");
        a.interface = QStringLiteral("t1");
        b.address = QStringLiteral("fe80::b");
        b.interface = QStringLiteral("t2");
        const QList<babel::Route> routes{
            route("1", "2001:db8:42:7::/64", true, 0, "fe80::a", "t1"),
            route("2", "2001:db8:42:8::/64", true, 0, "fe80::a", "t1"), // a second own subnet: buggy
            route("3", "2001:db8:42:9::/64", false, 0, "fe80::b", "t2"), // not installed: ignored
            route("4", "2001:db8:42:a::/64", true, 96, "fe80::b", "t2"),
            route("5", "::/0", true, 96, "fe80::b", "t2"),
            route("6", "2001:db8:42:b::/64", true, 0, "fe80::a", "t9"), // same address, other link
        };
        const auto t = BabelDump::topology({a, b}, routes, network());
        QCOMPARE(t.direct.keys(), QList<QByteArray>{cnBits("7/16")});
        QCOMPARE(t.warnings.size(), 1);
        QCOMPARE(t.peers, (QSet<QByteArray>{cnBits("7/16"), cnBits("8/16"), cnBits("10/16"), cnBits("11/16")}));
        QCOMPARE(t.routedVia.value(cnBits("7/16")), (QSet<QByteArray>{cnBits("7/16"), cnBits("8/16")}));
        QCOMPARE(t.unidentifiedRoutes, (QSet<QByteArray>{cnBits("10/16"), cnBits("11/16")}));
        QCOMPARE(t.unidentifiedRouteCount, 3);
        QCOMPARE(t.distantPeers(), (QSet<QByteArray>{cnBits("8/16"), cnBits("10/16"), cnBits("11/16")}));
    }
};

QTEST_GUILESS_MAIN(TestBabelDump)
#include "tst_babeldump.moc"
