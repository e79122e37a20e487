// SPDX-License-Identifier: GPL-2.0-or-later
// OpenVPN command lines: node-protocol.md §3.1–3.6 adapted to OpenVPN 2.6 (§3.8),
// against vectors/openvpn/{server,client}-node-1-16.json.
#include "Vectors.h"
#include "core/OpenVpnArguments.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

using namespace re6st;

namespace {


// Differences from the vectors' running_cmdline (OpenVPN 2.6.14 started with
// upstream's list minus --ncp-disable), each justified by node-protocol.md §3.8:
// 2.6 ignores --cipher in TLS mode, so "--cipher none" alone negotiates AES-GCM;
// we add --data-ciphers (none first) and --data-ciphers-fallback none.
const QStringList OurCipherTail{QStringLiteral("--cipher"), QStringLiteral("none"),
                                QStringLiteral("--data-ciphers"), QStringLiteral("none:AES-256-GCM:AES-128-GCM:?CHACHA20-POLY1305"),
                                QStringLiteral("--data-ciphers-fallback"), QStringLiteral("none")};

// Added to upstream's client command lines (audit finding: a bare --client took
// every pushed option, so any peer could push routes, redirect-gateway, ifconfig…):
// only node-protocol.md §3.5's "setenv-safe external_ip" and OpenVPN's own
// negotiation are accepted; the empty prefix of the last filter matches the rest.
const QStringList OurPullFilters{
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("setenv-safe external_ip "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("peer-id "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("cipher "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("key-derivation "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("protocol-flags "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("tun-mtu "),
    QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("push-continuation "),
    QStringLiteral("--pull-filter"), QStringLiteral("ignore"), QString()};
// Mesh tunnels (§3.4): also --route-nopull, and all of it before --route-up and the -O args.
const QStringList OurMeshPullBlock = QStringList{QStringLiteral("--route-nopull")} + OurPullFilters;

QStringList withMeshPullBlock(QStringList a)
{
    const qsizetype at = a.indexOf(QStringLiteral("--route-up"));
    if (at < 0) return {};
    for (qsizetype i = 0; i < OurMeshPullBlock.size(); ++i) a.insert(at + i, OurMeshPullBlock.at(i));
    return a;
}

// Node n1 of the vectors. The helper commands are parameters (§3.5: the local IPC
// is ours); here they are given the vector's placeholders to compare the rest.
OpenVpnArguments::Common vectorCommon(const QString &device)
{
    OpenVpnArguments::Common c;
    c.device = device;
    c.upCommand = QStringLiteral("<RE6ST_PKG_DIR>/ovpn-client");
    c.pathEnv = QStringLiteral("<PATH>");
    c.ca = QStringLiteral("<CA>");
    c.cert = QStringLiteral("<CERT>");
    c.key = QStringLiteral("<KEY>");
    c.ipv4 = addressing::Ipv4Payload{QStringLiteral("10.45.1.1"), 24};
    c.logFile = QStringLiteral("<LOG_DIR>/%1.log").arg(device);
    c.timeout = 16; // 4 × hello 4
    return c;
}

// running_cmdline without argv[0], with our cipher tail in place of "--cipher none".
QStringList expectedFrom(const QJsonObject &doc)
{
    const QStringList upstream = test::strings(doc["upstream_argv"].toArray());
    QStringList running = test::strings(doc["running_cmdline"].toArray());
    // The vector itself: 2.6 ran upstream's list minus the final --ncp-disable.
    if (upstream.last() != QLatin1String("--ncp-disable") || running.mid(1) != upstream.mid(1, upstream.size() - 2))
        return {};
    running.removeFirst();
    if (running.mid(running.size() - 2) != QStringList{QStringLiteral("--cipher"), QStringLiteral("none")}) return {};
    running.resize(running.size() - 2);
    return running + OurCipherTail;
}

} // namespace

class TestOpenVpnArguments final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void serverVector()
    {
        const QJsonObject doc = test::vectorJson("openvpn/server-node-1-16.json").object();
        const QStringList expected = expectedFrom(doc);
        QVERIFY(!expected.isEmpty());
        OpenVpnArguments::Server s;
        s.common = vectorCommon(QStringLiteral("re6stnet-tcp"));
        s.proto = QStringLiteral("tcp");
        s.port = 1194;
        s.maxClients = 4;
        s.dhFile = QStringLiteral("<DH>");
        s.clientConnectCommand = s.clientDisconnectCommand = QStringLiteral("<RE6ST_PKG_DIR>/ovpn-server 11");
        QString error;
        const auto args = OpenVpnArguments::server(s, &error);
        QVERIFY2(args, qPrintable(error));
        QCOMPARE(*args, expected);
    }

    void clientVectors()
    {
        const QJsonObject doc = test::vectorJson("openvpn/client-node-1-16.json").object();
        const QStringList expected = withMeshPullBlock(expectedFrom(doc));
        QVERIFY(!expected.isEmpty());
        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.remote = {QStringLiteral("10.44.0.1"), 1194, QStringLiteral("tcp")};
        c.serverCn = QStringLiteral("0/16");
        c.routeUpCommand = QStringLiteral("<RE6ST_PKG_DIR>/ovpn-client 8");
        QString error;
        auto args = OpenVpnArguments::client(c, &error);
        QVERIFY2(args, qPrintable(error));
        QCOMPARE(*args, expected);

        // Second tunnel (re6stnet2 to 3/16): only upstream_argv is recorded.
        QStringList second = test::strings(doc["second_client_tunnel_upstream_argv (re6stnet2 to 3/16)"].toArray());
        QCOMPARE(second.takeLast(), QStringLiteral("--ncp-disable"));
        second.removeFirst();
        second.resize(second.size() - 2);
        c.common = vectorCommon(QStringLiteral("re6stnet2"));
        c.remote.host = QStringLiteral("10.44.0.4");
        c.serverCn = QStringLiteral("3/16");
        QCOMPARE(OpenVpnArguments::client(c).value(), withMeshPullBlock(second + OurCipherTail));

        QStringList mktun = test::strings(doc["tap_creation_argv"].toArray());
        mktun.removeFirst();
        QCOMPARE(OpenVpnArguments::makeTap(QStringLiteral("re6stnet1")), mktun);
        mktun[0] = QStringLiteral("--rmtun");
        QCOMPARE(OpenVpnArguments::removeTap(QStringLiteral("re6stnet1")), mktun);
    }

    void protocolsAndMtu_data()
    {
        QTest::addColumn<QString>("proto");
        QTest::addColumn<QString>("serverProto");
        QTest::addColumn<QString>("clientProto");
        QTest::addColumn<int>("clientMtu"); // 0 = no --link-mtu
        QTest::newRow("udp") << "udp" << "udp4" << "udp4" << 1432;
        QTest::newRow("udp6") << "udp6" << "udp6" << "udp6" << 1450;
        QTest::newRow("tcp") << "tcp" << "tcp-server" << "tcp" << 0;
        QTest::newRow("tcp6") << "tcp6" << "tcp6-server" << "tcp6" << 0;
    }
    void protocolsAndMtu()
    {
        QFETCH(QString, proto);
        QFETCH(QString, serverProto);
        QFETCH(QString, clientProto);
        QFETCH(int, clientMtu);
        OpenVpnArguments::Server s;
        s.common = vectorCommon(QStringLiteral("re6stnet-") + proto);
        s.proto = proto;
        s.dhFile = QStringLiteral("dh.pem");
        const QStringList sa = OpenVpnArguments::server(s).value();
        QCOMPARE(sa.at(sa.indexOf(QStringLiteral("--proto")) + 1), serverProto);
        const qsizetype ping = sa.indexOf(QStringLiteral("--ping-exit"));
        if (clientMtu) {
            // Differs from §3.3 (server "--link-mtu <client's + 93>", a 2.4.7 trick), per
            // §3.8: a 2.6 server sets its tap MTU to what the client derives from its
            // link MTU (1432 -> 1407, 1450 -> 1425 measured with 2.6.14) and pushes it.
            QCOMPARE(sa.mid(ping - 4, 4), (QStringList{QStringLiteral("--tun-mtu"), QString::number(clientMtu - 25),
                                                       QStringLiteral("--mtu-disc"), QStringLiteral("yes")}));
            QVERIFY(!sa.contains(QStringLiteral("--link-mtu")));
        } else {
            QVERIFY(!sa.contains(QStringLiteral("--link-mtu")));
        }
        QCOMPARE(sa.at(sa.indexOf(QStringLiteral("--max-clients")) + 1), QStringLiteral("20"));

        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.remote = {QStringLiteral("2001:db8::7"), 1195, proto};
        c.serverCn = QStringLiteral("7/16");
        const QStringList ca = OpenVpnArguments::client(c).value();
        const qsizetype remote = ca.indexOf(QStringLiteral("--remote"));
        QCOMPARE(ca.mid(remote, 4), (QStringList{QStringLiteral("--remote"), QStringLiteral("2001:db8::7"),
                                                 QStringLiteral("1195"), clientProto}));
        if (clientMtu)
            QCOMPARE(ca.mid(remote + 4, 4), (QStringList{QStringLiteral("--link-mtu"), QString::number(clientMtu),
                                                         QStringLiteral("--mtu-disc"), QStringLiteral("yes")}));
        else
            QCOMPARE(ca.at(remote + 4), QStringLiteral("--verify-x509-name"));
        QVERIFY(!ca.contains(QStringLiteral("--route-up"))); // no hook given
    }

    void encryptionAndOptionalParts()
    {
        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.common.encrypt = true;
        c.common.ipv4.reset();
        c.common.logFile.clear();
        c.common.upCommand.clear();
        c.common.pathEnv.clear();
        c.common.extraArguments = {QStringLiteral("--verb"), QStringLiteral("3")};
        c.remote = {QStringLiteral("10.44.0.1"), 1194, QStringLiteral("tcp")};
        c.serverCn = QStringLiteral("0/16");
        const QStringList a = OpenVpnArguments::client(c).value();
        // encrypt: OpenVPN 2.6 defaults (AES-GCM negotiation), as upstream leaves 2.4's.
        for (const QString &opt : {QStringLiteral("--cipher"), QStringLiteral("--data-ciphers"), QStringLiteral("--ifconfig"),
                                   QStringLiteral("--log-append"), QStringLiteral("--up"), QStringLiteral("--setenv")})
            QVERIFY2(!a.contains(opt), qPrintable(opt));
        // §3.2: -O args come right before --ca/--cert/--key, which end the list here.
        QCOMPARE(a.mid(a.size() - 8), (QStringList{QStringLiteral("--verb"), QStringLiteral("3"),
                                                   QStringLiteral("--ca"), QStringLiteral("<CA>"),
                                                   QStringLiteral("--cert"), QStringLiteral("<CERT>"),
                                                   QStringLiteral("--key"), QStringLiteral("<KEY>")}));
        QCOMPARE(a.mid(0, 8), (QStringList{QStringLiteral("--dev-type"), QStringLiteral("tap"), QStringLiteral("--dev"),
                                           QStringLiteral("re6stnet1"), QStringLiteral("--persist-tun"),
                                           QStringLiteral("--persist-key"), QStringLiteral("--script-security"),
                                           QStringLiteral("2")}));
        QVERIFY(!a.contains(QStringLiteral("--tls-verify")));
        // The CRL hook (ours) goes right after the common head.
        c.common.tlsVerifyCommand = QStringLiteral("/usr/sbin/re6stnet --ovpn-tls-verify /run/re6stnet/crl");
        const QStringList v = OpenVpnArguments::client(c).value();
        QCOMPARE(v.mid(8, 2), (QStringList{QStringLiteral("--tls-verify"), c.common.tlsVerifyCommand}));
        QCOMPARE(a.at(8), QStringLiteral("--nobind"));
    }

    void clientMode()
    {
        OpenVpnArguments::Common common = vectorCommon(QStringLiteral("re6stnet"));
        const QList<OpenVpnArguments::Remote> remotes{{QStringLiteral("10.0.0.1"), 1194, QStringLiteral("udp")},
                                                      {QStringLiteral("10.0.0.2"), 1195, QStringLiteral("udp")}};
        const QStringList a = OpenVpnArguments::clientMode(common, remotes).value();
        const qsizetype nobind = a.indexOf(QStringLiteral("--nobind"));
        QCOMPARE(a.mid(nobind, 16),
                 (QStringList{QStringLiteral("--nobind"), QStringLiteral("--client"),
                              QStringLiteral("--remote"), QStringLiteral("10.0.0.1"), QStringLiteral("1194"), QStringLiteral("udp4"),
                              QStringLiteral("--remote"), QStringLiteral("10.0.0.2"), QStringLiteral("1195"), QStringLiteral("udp4"),
                              QStringLiteral("--link-mtu"), QStringLiteral("1432"), QStringLiteral("--mtu-disc"), QStringLiteral("yes"),
                              QStringLiteral("--ping-restart"), QStringLiteral("16")}));
        QVERIFY(!a.contains(QStringLiteral("--verify-x509-name")));
        QVERIFY(!a.contains(QStringLiteral("--route-up")));

        QString error;
        QVERIFY(!OpenVpnArguments::clientMode(common, {remotes.first(), {QStringLiteral("10.0.0.3"), 1194, QStringLiteral("tcp")}}, &error));
        QVERIFY(error.contains(QLatin1String("MTU")));
        QVERIFY(!OpenVpnArguments::clientMode(common, {}, &error));
    }

    // Exact argument lists around the pull filters (node-protocol.md §3.4, §3.6):
    // where they sit decides whether an admin's -O --pull-filter can override them
    // (OpenVPN applies the first matching filter).
    void pullFiltersMesh()
    {
        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.common.ipv4.reset();
        c.common.logFile.clear();
        c.common.extraArguments = {QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("route"),
                                   QStringLiteral("--verb"), QStringLiteral("3")};
        c.remote = {QStringLiteral("2001:db8::7"), 1195, QStringLiteral("udp6")};
        c.serverCn = QStringLiteral("7/16");
        c.routeUpCommand = QStringLiteral("/usr/sbin/re6stnet --ovpn-route-up 8");
        const QStringList expected =
            QStringList{QStringLiteral("--dev-type"), QStringLiteral("tap"), QStringLiteral("--dev"), QStringLiteral("re6stnet1"),
                        QStringLiteral("--persist-tun"), QStringLiteral("--persist-key"),
                        QStringLiteral("--script-security"), QStringLiteral("2"),
                        QStringLiteral("--up"), QStringLiteral("<RE6ST_PKG_DIR>/ovpn-client"),
                        QStringLiteral("--setenv"), QStringLiteral("PATH"), QStringLiteral("<PATH>"),
                        QStringLiteral("--nobind"), QStringLiteral("--client"),
                        QStringLiteral("--remote"), QStringLiteral("2001:db8::7"), QStringLiteral("1195"), QStringLiteral("udp6"),
                        QStringLiteral("--link-mtu"), QStringLiteral("1450"), QStringLiteral("--mtu-disc"), QStringLiteral("yes"),
                        QStringLiteral("--verify-x509-name"), QStringLiteral("7/16"), QStringLiteral("name"),
                        QStringLiteral("--resolv-retry"), QStringLiteral("0"), QStringLiteral("--connect-retry-max"), QStringLiteral("3"),
                        QStringLiteral("--tls-exit"), QStringLiteral("--remap-usr1"), QStringLiteral("SIGTERM"),
                        QStringLiteral("--ping-exit"), QStringLiteral("16")}
            + OurMeshPullBlock
            + QStringList{QStringLiteral("--route-up"), c.routeUpCommand,
                          // -O args: the admin's filter comes after ours, so ours win.
                          QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("route"),
                          QStringLiteral("--verb"), QStringLiteral("3"),
                          QStringLiteral("--ca"), QStringLiteral("<CA>"), QStringLiteral("--cert"), QStringLiteral("<CERT>"),
                          QStringLiteral("--key"), QStringLiteral("<KEY>")}
            + OurCipherTail;
        QCOMPARE(OpenVpnArguments::client(c).value(), expected);
        // The catch-all is the last filter of ours, after every accept.
        const QStringList a = OpenVpnArguments::client(c).value();
        const qsizetype catchAll = a.indexOf(QString());
        QCOMPARE(a.at(catchAll - 1), QStringLiteral("ignore"));
        QCOMPARE(a.lastIndexOf(QStringLiteral("accept"), catchAll), catchAll - 4);
        QCOMPARE(a.count(QString()), 1);
    }

    void pullFiltersClientMode()
    {
        OpenVpnArguments::Common common = vectorCommon(QStringLiteral("re6stnet"));
        common.ipv4.reset();
        common.logFile.clear();
        common.extraArguments = {QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("route-ipv6 ")};
        const QStringList a =
            OpenVpnArguments::clientMode(common, {{QStringLiteral("192.0.2.1"), 1194, QStringLiteral("tcp")}}).value();
        const QStringList expected =
            QStringList{QStringLiteral("--dev-type"), QStringLiteral("tap"), QStringLiteral("--dev"), QStringLiteral("re6stnet"),
                        QStringLiteral("--persist-tun"), QStringLiteral("--persist-key"),
                        QStringLiteral("--script-security"), QStringLiteral("2"),
                        QStringLiteral("--up"), QStringLiteral("<RE6ST_PKG_DIR>/ovpn-client"),
                        QStringLiteral("--setenv"), QStringLiteral("PATH"), QStringLiteral("<PATH>"),
                        QStringLiteral("--nobind"), QStringLiteral("--client"),
                        QStringLiteral("--remote"), QStringLiteral("192.0.2.1"), QStringLiteral("1194"), QStringLiteral("tcp"),
                        QStringLiteral("--ping-restart"), QStringLiteral("16"),
                        // -O args first: in --client mode the admin's own filter wins (§3.6).
                        QStringLiteral("--pull-filter"), QStringLiteral("accept"), QStringLiteral("route-ipv6 "),
                        QStringLiteral("--ca"), QStringLiteral("<CA>"), QStringLiteral("--cert"), QStringLiteral("<CERT>"),
                        QStringLiteral("--key"), QStringLiteral("<KEY>")}
            + OurCipherTail + OurPullFilters;
        QCOMPARE(a, expected);
        QVERIFY(!a.contains(QStringLiteral("--route-nopull"))); // would make the admin's accept useless
    }

    void serverPullsNothing()
    {
        OpenVpnArguments::Server s;
        s.common = vectorCommon(QStringLiteral("re6stnet-udp"));
        s.proto = QStringLiteral("udp");
        s.dhFile = QStringLiteral("dh.pem");
        const QStringList a = OpenVpnArguments::server(s).value();
        QVERIFY(!a.contains(QStringLiteral("--pull-filter")));
        QVERIFY(!a.contains(QStringLiteral("--route-nopull")));
    }

    void dottedMasks()
    {
        QCOMPARE(OpenVpnArguments::dottedMask(24), QStringLiteral("255.255.255.0"));
        QCOMPARE(OpenVpnArguments::dottedMask(31), QStringLiteral("255.255.255.254"));
        QCOMPARE(OpenVpnArguments::dottedMask(32), QStringLiteral("255.255.255.255"));
        QCOMPARE(OpenVpnArguments::dottedMask(17), QStringLiteral("255.255.128.0"));
        QCOMPARE(OpenVpnArguments::dottedMask(1), QStringLiteral("128.0.0.0"));
    }

    void rejectsBadInput()
    {
        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.remote = {QStringLiteral("10.44.0.1"), 1194, QStringLiteral("tcp")};
        c.serverCn = QStringLiteral("0/16");
        QVERIFY(OpenVpnArguments::client(c));
        QString error;
        auto bad = c;
        bad.serverCn = QStringLiteral("65536/16");
        QVERIFY(!OpenVpnArguments::client(bad, &error));
        bad = c;
        bad.remote.port = 0;
        QVERIFY(!OpenVpnArguments::client(bad, &error));
        bad = c;
        bad.remote.proto = QStringLiteral("sctp");
        QVERIFY(!OpenVpnArguments::client(bad, &error));
        bad = c;
        bad.common.device = QStringLiteral("re6stnet-much-too-long");
        QVERIFY(!OpenVpnArguments::client(bad, &error));
        bad = c;
        bad.common.key.clear();
        QVERIFY(!OpenVpnArguments::client(bad, &error));
        bad = c;
        bad.common.timeout = 0;
        QVERIFY(!OpenVpnArguments::client(bad, &error));

        OpenVpnArguments::Server s;
        s.common = c.common;
        s.proto = QStringLiteral("tcp");
        s.dhFile = QStringLiteral("dh.pem");
        QVERIFY(OpenVpnArguments::server(s));
        auto badServer = s;
        badServer.maxClients = 0;
        QVERIFY(!OpenVpnArguments::server(badServer, &error));
        badServer = s;
        badServer.dhFile.clear();
        QVERIFY(!OpenVpnArguments::server(badServer, &error));
        badServer = s;
        badServer.proto = QStringLiteral("udp4"); // OpenVPN's name, not re6st's
        QVERIFY(!OpenVpnArguments::server(badServer, &error));
        QVERIFY(!error.isEmpty());
    }

    // The remote host comes from a peer's address string (§3.4, §6.6): nothing that
    // OpenVPN could take for an option, nothing but an IP literal or a host name.
    void refusesBadHosts_data()
    {
        QTest::addColumn<QString>("host");
        QTest::addColumn<bool>("ok");
        QTest::newRow("IPv4") << "192.0.2.1" << true;
        QTest::newRow("IPv6") << "2001:db8::1" << true;
        QTest::newRow("IPv6 from ::") << "::ffff:192.0.2.1" << true;
        QTest::newRow("host name") << "node-1.example.org" << true;
        QTest::newRow("option") << "--up" << false;
        QTest::newRow("dash") << "-x.example.org" << false;
        QTest::newRow("empty") << "" << false;
        QTest::newRow("space") << "a b" << false;
        QTest::newRow("newline") << "example.org\n--up" << false;
        QTest::newRow("scoped") << "fe80::1%eth0" << false;
        QTest::newRow("colon, not an IP") << "example.org:1194" << false;
        QTest::newRow("shell") << "$(reboot)" << false;
        QTest::newRow("non-ASCII") << QString::fromUtf8("h\u00f4te.example") << false;
        QTest::newRow("too long") << QString(254, QLatin1Char('a')) << false;
    }
    void refusesBadHosts()
    {
        QFETCH(QString, host);
        QFETCH(bool, ok);
        OpenVpnArguments::Client c;
        c.common = vectorCommon(QStringLiteral("re6stnet1"));
        c.remote = {host, 1194, QStringLiteral("tcp")};
        c.serverCn = QStringLiteral("0/16");
        QString error;
        QCOMPARE(OpenVpnArguments::client(c, &error).has_value(), ok);
        QCOMPARE(OpenVpnArguments::clientMode(c.common, {c.remote}).has_value(), ok);
        if (!ok) QVERIFY(error.contains(QLatin1String("neither an IP address nor a host name")));
    }
};

QTEST_GUILESS_MAIN(TestOpenVpnArguments)
#include "tst_openvpnarguments.moc"
