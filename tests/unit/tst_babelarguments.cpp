// SPDX-License-Identifier: GPL-2.0-or-later
// babeld command line: node-protocol.md §4.2 with the stock-babeld changes of §4.5,
// against vectors/babel/babeld-args-node-1-16.json.
#include "Vectors.h"
#include "core/Addressing.h"
#include "core/BabelArguments.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

namespace {


// Node n1 of the vector: CN 1/16 in 2001:db8:42::/48, hello 4, sign key, IPv4
// payload 10.45.0.0/16 sublen 8 (subject serial 1), not a gateway, subtrees.
BabelArguments::Options vectorNode()
{
    BabelArguments::Options o;
    o.network = addressing::bitsFromIpv6(QStringLiteral("2001:db8:42::")).value().left(48);
    o.prefix = addressing::bitsFromCn(QStringLiteral("1/16")).value();
    o.hello = 4;
    o.hmacSign = QByteArray::fromHex("5e875af7ecc53a0570fcf2b176fadcd2");
    o.babelDefault = QStringLiteral("max-rtt-penalty 5000 rtt-max 500 rtt-decay 125");
    o.ipv4 = addressing::Ipv4Payload{QStringLiteral("10.45.1.1"), 24};
    o.logFile = QStringLiteral("<LOG_DIR>/babeld.log");
    o.stateFile = QStringLiteral("<STATE_DIR>/babeld.state");
    o.controlSocket = QStringLiteral("/RUN/babeld.sock-stock");
    o.tunnelInterfaces = {QStringLiteral("re6stnet-tcp"), QStringLiteral("re6stnet1"), QStringLiteral("re6stnet2")};
    return o;
}

QStringList statements(const QStringList &args)
{
    QStringList out;
    for (qsizetype i = 0; i + 1 < args.size(); ++i)
        if (args[i] == QLatin1String("-C")) out << args[++i];
    return out;
}

} // namespace

class TestBabelArguments final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void reproducesStockVector()
    {
        const QJsonObject doc = test::vectorJson("babel/babeld-args-node-1-16.json").object();
        QStringList expected = test::strings(doc["stock_babeld_argv"].toArray());
        expected.removeFirst(); // <BABELD_BIN>: argv[0] is the caller's business
        expected.replaceInStrings(QStringLiteral("<RUN_DIR>"), QStringLiteral("/RUN"));
        QVERIFY(doc["network_parameters"].toObject()["babel_hmac_accept"].toString() == QLatin1String("absent"));

        QString error;
        const auto args = BabelArguments::build(vectorNode(), &error);
        QVERIFY2(args, qPrintable(error));
        QCOMPARE(*args, expected);
        QVERIFY(ipv4PayloadFromAddressing());
    }

    void differsFromUpstreamOnlyByTheControlSocket()
    {
        // Upstream passes "-X <run>/babeld.sock" after the install statements;
        // stock 1.12.1 has no -X (§4.5): we put "-g <socket>" first instead.
        const QJsonObject doc = test::vectorJson("babel/babeld-args-node-1-16.json").object();
        QStringList upstream = test::strings(doc["upstream_argv"].toArray());
        upstream.removeFirst();
        const qsizetype x = upstream.indexOf(QStringLiteral("-X"));
        QVERIFY(x > 0);
        upstream.remove(x, 2);
        BabelArguments::Options o = vectorNode();
        o.logFile = QStringLiteral("<LOG_DIR>/babeld.log");
        QStringList ours = BabelArguments::build(o).value();
        QCOMPARE(ours.mid(0, 2), (QStringList{QStringLiteral("-g"), QStringLiteral("/RUN/babeld.sock-stock")}));
        QCOMPARE(ours.mid(2), upstream);

        o.controlAccess = BabelArguments::ControlAccess::ReadWrite;
        QCOMPARE(BabelArguments::build(o).value().first(), QStringLiteral("-G"));
    }

    void hmacAcceptPhases()
    {
        BabelArguments::Options o = vectorNode();
        // accept "" (initial deployment): accept unsigned packets, no accept key.
        o.hmacAccept = QByteArray();
        QStringList s = statements(BabelArguments::build(o).value());
        QVERIFY(s.contains(QStringLiteral("default max-rtt-penalty 5000 rtt-max 500 rtt-decay 125 key sign accept-bad-signatures true")));
        QVERIFY(!s.join('\n').contains(QStringLiteral("id accept")));

        // accept key during rotation: defined as upstream, and (stock fallback §4.5)
        // bad signatures accepted because stock verifies with one key only.
        o.hmacAccept = QByteArray::fromHex("00112233445566778899aabbccddeeff");
        s = statements(BabelArguments::build(o).value());
        const qsizetype sign = s.indexOf(QStringLiteral("key type blake2s128 id sign value 5e875af7ecc53a0570fcf2b176fadcd2"));
        const qsizetype accept = s.indexOf(QStringLiteral("key type blake2s128 id accept value 00112233445566778899aabbccddeeff"));
        const qsizetype def = s.indexOf(QStringLiteral("default max-rtt-penalty 5000 rtt-max 500 rtt-decay 125 key sign accept-bad-signatures true"));
        QVERIFY(sign >= 0 && accept == sign + 1 && def == accept + 1);

        // Upstream's exact form (Nexedi babeld verifies with both keys).
        o.acceptBadSignaturesDuringRotation = false;
        s = statements(BabelArguments::build(o).value());
        QVERIFY(s.contains(QStringLiteral("default max-rtt-penalty 5000 rtt-max 500 rtt-decay 125 key sign")));

        // No sign key: the accept value is ignored (§4.2), no key statement at all.
        o.hmacSign.clear();
        s = statements(BabelArguments::build(o).value());
        QVERIFY(s.contains(QStringLiteral("default max-rtt-penalty 5000 rtt-max 500 rtt-decay 125")));
        QVERIFY(!s.join('\n').contains(QStringLiteral("key")));
    }

    void defaultRouteBlock()
    {
        BabelArguments::Options o = vectorNode();
        o.ipv4.reset();
        const auto block = [&o] {
            QStringList s = statements(BabelArguments::build(o).value());
            const qsizetype from = s.indexOf(QStringLiteral("default max-rtt-penalty 5000 rtt-max 500 rtt-decay 125 key sign"));
            const qsizetype to = s.indexOf(QStringLiteral("redistribute deny"));
            return s.mid(from + 1, to - from - 1);
        };
        o.gateway = true;
        QCOMPARE(block(), QStringList{QStringLiteral("redistribute ip ::/0 eq 0 src-prefix 2001:db8:42::/48")});
        o.ipv6Subtrees = false;
        QCOMPARE(block(), (QStringList{QStringLiteral("redistribute ip ::/0 eq 0 src-prefix 2001:db8:42::/48"),
                                       QStringLiteral("in ip 2001:db8:42::/48 ge 48"),
                                       QStringLiteral("in ip ::/0 deny")}));
        o.gateway = false;
        QCOMPARE(block(), (QStringList{QStringLiteral("ipv6-subtrees false"),
                                       QStringLiteral("in ip ::/0 eq 0 src-ip 2001:db8:42::/48 src-eq 48"),
                                       QStringLiteral("in ip ::/0 eq 0 src-ip ::/0 src-ge 1 deny"),
                                       QStringLiteral("out ip ::/0 eq 0 deny")}));
        o.ipv6Subtrees = true;
        QCOMPARE(block(), QStringList{QStringLiteral("install ip ::/0 eq 0 src-ip ::/0 src-eq 0 src-prefix 2001:db8:42::/48")});
        // §4.5: stock ignores src-prefix in install filters; safer: refuse legacy default routes.
        o.legacyDefaultRoute = BabelArguments::LegacyDefaultRoute::Deny;
        QCOMPARE(block(), QStringList{QStringLiteral("in ip ::/0 eq 0 src-ip ::/0 src-eq 0 deny")});
    }

    void interfacesAndExtraArguments()
    {
        BabelArguments::Options o = vectorNode();
        o.lanInterfaces = {QStringLiteral("eth1")};
        o.extraArguments = {QStringLiteral("-C"), QStringLiteral("smoothing-half-life 2")};
        o.tunnelInterfaces = {QStringLiteral("re6stnet-udp"), QStringLiteral("re6stnet1")};
        const QStringList a = BabelArguments::build(o).value();
        // §4.2 tail: -B args, tunnel statements, positional -i then tunnel names.
        QCOMPARE(a.mid(a.size() - 10),
                 (QStringList{QStringLiteral("install pref-src 10.45.1.1"),
                              QStringLiteral("-C"), QStringLiteral("smoothing-half-life 2"),
                              QStringLiteral("-C"), QStringLiteral("interface re6stnet-udp type tunnel"),
                              QStringLiteral("-C"), QStringLiteral("interface re6stnet1 type tunnel"),
                              QStringLiteral("eth1"), QStringLiteral("re6stnet-udp"), QStringLiteral("re6stnet1")}));
        // -I takes an empty argument (no pid file).
        QCOMPARE(a.at(a.indexOf(QStringLiteral("-I")) + 1), QString());
    }

    void fullLengthSubnetAndNoDefaults()
    {
        BabelArguments::Options o = vectorNode();
        o.prefix = QByteArray(80, '1');
        o.babelDefault.clear();
        o.hmacSign.clear();
        o.ipv4.reset();
        const QStringList s = statements(BabelArguments::build(o).value());
        QVERIFY(s.contains(QStringLiteral("redistribute ip 2001:db8:42:ffff:ffff:ffff:ffff:ffff/128 eq 128")));
        QVERIFY(s.contains(QStringLiteral("install pref-src 2001:db8:42:ffff:ffff:ffff:ffff:ffff")));
        for (const QString &st : s) QVERIFY2(!st.startsWith(QLatin1String("default")), qPrintable(st));
    }

    void rejectsBadInput_data()
    {
        QTest::addColumn<int>("which");
        for (int i = 0; i < 8; ++i) QTest::addRow("case%d", i) << i;
    }
    void rejectsBadInput()
    {
        QFETCH(int, which);
        BabelArguments::Options o = vectorNode();
        switch (which) {
        case 0: o.prefix = QByteArray(81, '0'); break;                        // > 128 bits
        case 1: o.hello = 0; break;
        case 2: o.controlSocket = QStringLiteral("6697"); break;               // a port, not a path
        case 3: o.tunnelInterfaces << QStringLiteral("bad name"); break;
        case 4: o.lanInterfaces << QStringLiteral("a-very-long-ifname"); break; // > 15 bytes
        case 5: o.babelDefault += QStringLiteral("\nredistribute allow"); break;
        case 6: o.ipv4 = addressing::Ipv4Payload{QStringLiteral("2001:db8::1"), 24}; break;
        case 7: o.network = "01x"; break;
        }
        QString error;
        QVERIFY(!BabelArguments::build(o, &error));
        QVERIFY(!error.isEmpty());
    }

private:
    static bool ipv4PayloadFromAddressing()
    {
        // The vector's IPv4 comes from §2.5 (10.45.0.0/16, sublen 8, serial 1).
        const auto p = addressing::ipv4Payload(QStringLiteral("10.45.0.0/16"), 8, 1);
        return p && p->address == QLatin1String("10.45.1.1") && p->prefixLength == 24;
    }
};

QTEST_GUILESS_MAIN(TestBabelArguments)
#include "tst_babelarguments.moc"
