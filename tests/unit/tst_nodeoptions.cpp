// SPDX-License-Identifier: GPL-2.0-or-later
#include "Vectors.h"
#include "daemon/NodeEnvironment.h"
#include "daemon/NodeOptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using re6st::daemon::NodeEnvironment;
using re6st::daemon::NodeOptions;

class tst_NodeOptions final : public QObject
{
    Q_OBJECT

private:
    static const QStringList &required()
    {
        static const QStringList r{"--registry", "http://re6st.example.com/", "--ca", "ca.crt", "--cert",
                                   "cert.crt", "--key", "cert.key"};
        return r;
    }
    static NodeOptions::Result parse(const QStringList &args) { return NodeOptions::parse(required() + args); }
    static NodeOptions option(const QStringList &args)
    {
        const auto r = parse(args);
        if (!r.options) qWarning("unexpected error: %s", qPrintable(r.error));
        return r.options.value_or(NodeOptions());
    }
    static QString errorOf(const QStringList &args)
    {
        const auto r = NodeOptions::parse(args);
        return r.options ? QString() : r.error;
    }

private Q_SLOTS:
    void defaults()
    {
        const auto r = parse({});
        QVERIFY2(r.options, qPrintable(r.error));
        const NodeOptions &o = *r.options;
        QCOMPARE(o.registry, "http://re6st.example.com/");
        QCOMPARE(o.ca, "ca.crt");
        QCOMPARE(o.cert, "cert.crt");
        QCOMPARE(o.key, "cert.key");
        QVERIFY(o.ip.isEmpty());
        QCOMPARE(o.log, "/var/log/re6stnet");
        QCOMPARE(o.run, "/var/run/re6stnet");
        QCOMPARE(o.state, "/var/lib/re6stnet");
        QCOMPARE(o.verbose, 2);
        QVERIFY(o.interfaces.isEmpty());
        QCOMPARE(o.mainInterface, "lo");
        QVERIFY(!o.multicast);
        QVERIFY(o.up.isEmpty());
        QVERIFY(o.daemons.isEmpty());
        QVERIFY(o.test.isEmpty());
        QVERIFY(o.console.isEmpty());
        QVERIFY(o.country.isEmpty());
        QVERIFY(o.babelArgs.isEmpty());
        QVERIFY(!o.defaultRoute);
        QVERIFY(!o.gateway);
        QVERIFY(o.openvpnArgs.isEmpty());
        QVERIFY(!o.ovpnlog);
        // 1194 udp + 1194 tcp minus the default disabled protocols (udp, udp6).
        QCOMPARE(o.pp, (QList<NodeOptions::PortProto>{{1194, "tcp"}}));
        QVERIFY(!o.ppGiven);
        QVERIFY(o.dh.isEmpty());
        QVERIFY(!o.clientCount);
        QVERIFY(!o.maxClients);
        QVERIFY(o.remoteGateways.isEmpty());
        QCOMPARE(o.disableProto, (QStringList{"udp", "udp6"}));
        QVERIFY(o.client.isEmpty());
        QVERIFY(o.neighbours.isEmpty());
    }

    void everyOption()
    {
        const auto r = parse({"--ip", "192.0.2.1", "--ip", "2001:db8::1", "-l", "/tmp/log", "-r", "/tmp/run",
                              "-s", "/tmp/state", "-v", "3", "-i", "eth1", "-i", "eth2", "-I", "eth0", "-m",
                              "--up", "echo up", "--daemon", "d1", "--daemon", "d2", "--test",
                              "main_interface != 'eth0'", "--console", "/tmp/c.sock", "--country", "FR",
                              "-B", "-d1", "-B-C", "-D", "--table", "0", "--gateway", "-O--verb", "-O3",
                              "--ovpnlog", "--pp", "1194", "tcp", "--pp", "1195", "tcp6", "--dh", "dh.pem",
                              "--client-count", "4", "--max-clients", "0", "--remote-gateway", "10.0.0.1",
                              "--remote-gateway", "10.0.0.2", "--disable-proto", "udp", "--neighbour", "3/16",
                              "--neighbour", "0/16"});
        // "-B -d1" is refused like argparse does ("-d1" looks like an option).
        QVERIFY(!r.options);
        QVERIFY2(r.error.contains("-B"), qPrintable(r.error));

        const NodeOptions o = option({"--ip", "192.0.2.1", "--ip", "2001:db8::1", "-l", "/tmp/log", "-r",
                                      "/tmp/run", "-s", "/tmp/state", "-v", "3", "-i", "eth1", "-i", "eth2",
                                      "-I", "eth0", "-m", "--up", "echo up", "--daemon", "d1", "--daemon", "d2",
                                      "--test", "main_interface != 'eth0'", "--console", "/tmp/c.sock",
                                      "--country", "FR", "-B-d1", "-B", "x", "-D", "--table", "0", "--gateway",
                                      "-O--verb", "-O3", "--ovpnlog", "--pp", "1194", "tcp", "--pp", "1195",
                                      "tcp6", "--dh", "dh.pem", "--client-count", "4", "--max-clients", "0",
                                      "--remote-gateway", "10.0.0.1", "--remote-gateway", "10.0.0.2",
                                      "--disable-proto", "udp", "--neighbour", "3/16", "--neighbour", "0/16"});
        QCOMPARE(o.ip, (QStringList{"192.0.2.1", "2001:db8::1"}));
        QCOMPARE(o.log, "/tmp/log");
        QCOMPARE(o.run, "/tmp/run");
        QCOMPARE(o.state, "/tmp/state");
        QCOMPARE(o.verbose, 3);
        QCOMPARE(o.interfaces, (QStringList{"eth1", "eth2"}));
        QCOMPARE(o.mainInterface, "eth0");
        QVERIFY(o.multicast);
        QCOMPARE(o.up, "echo up");
        QCOMPARE(o.daemons, (QStringList{"d1", "d2"}));
        QCOMPARE(o.test, "main_interface != 'eth0'");
        QCOMPARE(o.console, "/tmp/c.sock");
        QCOMPARE(o.country, "FR");
        QCOMPARE(o.babelArgs, (QStringList{"-d1", "x"}));
        QVERIFY(o.defaultRoute);
        QVERIFY(o.gateway);
        QCOMPARE(o.openvpnArgs, (QStringList{"--verb", "3"}));
        QVERIFY(o.ovpnlog);
        QCOMPARE(o.pp, (QList<NodeOptions::PortProto>{{1194, "tcp"}, {1195, "tcp6"}}));
        QVERIFY(o.ppGiven);
        QCOMPARE(o.dh, "dh.pem");
        QCOMPARE(o.clientCount, 4);
        QCOMPARE(o.maxClients, 0);
        QCOMPARE(o.remoteGateways, (QStringList{"10.0.0.1", "10.0.0.2"}));
        QCOMPARE(o.disableProto, (QStringList{"udp"}));
        QCOMPARE(o.neighbours, (QStringList{"3/16", "0/16"}));
    }

    void longFormsAndAbbreviations()
    {
        const NodeOptions o = option({"--verbose=4", "--main-interface", "br0", "--interface=eth3", "--multicast",
                                      "--log", "L", "--run", "R", "--state", "S", "--default", "--main", "br1",
                                      "--client", "192.0.2.5,1194,tcp;192.0.2.6,1194,udp"});
        QCOMPARE(o.verbose, 4);
        QCOMPARE(o.interfaces, QStringList{"eth3"});
        QCOMPARE(o.mainInterface, "br1");
        QVERIFY(o.multicast && o.defaultRoute);
        QCOMPARE(o.log, "L");
        QCOMPARE(o.run, "R");
        QCOMPARE(o.state, "S");
        QCOMPARE(o.client, "192.0.2.5,1194,tcp;192.0.2.6,1194,udp");
        // Clustered short flags, attached short value.
        const NodeOptions c = option({"-mD", "-Ieth5", "-v0"});
        QVERIFY(c.multicast && c.defaultRoute);
        QCOMPARE(c.mainInterface, "eth5");
        QCOMPARE(c.verbose, 0);
    }

    void disableProto()
    {
        QCOMPARE(option({"--disable-proto", "none"}).disableProto, QStringList());
        QCOMPARE(option({"--disable-proto", "none"}).pp,
                 (QList<NodeOptions::PortProto>{{1194, "udp"}, {1194, "tcp"}}));
        // `none` wins over the others.
        QCOMPARE(option({"--disable-proto", "tcp", "--disable-proto", "none"}).disableProto, QStringList());
        QCOMPARE(option({"--disable-proto", "tcp"}).pp, (QList<NodeOptions::PortProto>{{1194, "udp"}}));
        QCOMPARE(option({"--disable-proto", "tcp", "--disable-proto", "udp"}).pp, QList<NodeOptions::PortProto>());
        // A --pp protocol must not be disabled (udp is by default).
        QVERIFY(errorOf(required() + QStringList{"--pp", "1194", "udp"}).contains("disabled"));
        QVERIFY(errorOf(required() + QStringList{"--disable-proto", "tcp", "--pp", "1194", "tcp"}).contains("disabled"));
        QCOMPARE(option({"--disable-proto", "none", "--pp", "1194", "udp"}).pp,
                 (QList<NodeOptions::PortProto>{{1194, "udp"}}));
        QVERIFY(errorOf(required() + QStringList{"--disable-proto", "sctp"}).contains("invalid choice"));
    }

    void manPageCommands()
    {
        // re6stnet(8): the registry node and a joining node.
        const auto a = NodeOptions::parseCommandLine({"--registry", "http://localhost/", "--ip", "re6st.example.com",
                                                      "--ca", "ca.crt", "--cert", "cert.crt", "--key", "cert.key"});
        QVERIFY2(a.options, qPrintable(a.error));
        QCOMPARE(a.options->registry, "http://localhost/");
        QCOMPARE(a.options->ip, QStringList{"re6st.example.com"}); // host name accepted, resolved later
        const auto b = NodeOptions::parseCommandLine({"--dh", "dh2048.pem", "--ca", "ca.crt", "--cert", "cert.crt",
                                                      "--key", "cert.key", "--registry", "http://re6st.example.com/"});
        QVERIFY2(b.options, qPrintable(b.error));
        QCOMPARE(b.options->dh, "dh2048.pem");
        QCOMPARE(b.options->registry, "http://re6st.example.com/");
        // Synopsis: `[-- [openvpn-options...]]` after -O values.
        const NodeOptions c = option({"-O--verb", "--", "--tun-mtu", "1400"});
        QCOMPARE(c.openvpnArgs, (QStringList{"--verb", "--tun-mtu", "1400"}));
    }

    void ipRules()
    {
        QCOMPARE(option({"--ip", "any"}).ip, QStringList{"any"});
        QCOMPARE(option({"--ip", "upnp", "--ip", "2001:db8::5"}).ip, (QStringList{"upnp", "2001:db8::5"}));
        QCOMPARE(option({"--ip", "192.0.2.1", "--ip", "198.51.100.1"}).ip.size(), 2);
        QCOMPARE(errorOf(required() + QStringList{"--ip", "any", "--ip", "192.0.2.1"}),
                 "argument --ip can be given only once with 'any' or 'upnp' value");
        QCOMPARE(errorOf(required() + QStringList{"--ip", "upnp", "--ip", "any"}),
                 "argument --ip can be given only once with 'any' or 'upnp' value");
        QVERIFY(errorOf(required() + QStringList{"--ip", "not a host!"}).contains("--ip"));
    }

    // Audit F2: inet_aton shorthand is not an address, and a mistyped address is not a host name.
    void ipShorthandRefused_data()
    {
        QTest::addColumn<QString>("value");
        for (const char *v : {"1.2.3", "10", "0x7f.1", "0x7f000001", "300.1.1.1", "1.2.3.4.5", "010.0.0.1",
                              "1.2.3.", "fe80::1%eth0", "2001:db8::g"})
            QTest::newRow(v) << QString::fromLatin1(v);
    }
    void ipShorthandRefused()
    {
        QFETCH(QString, value);
        QCOMPARE(errorOf(required() + QStringList{"--ip", value}),
                 QStringLiteral("argument --ip: '%1' is not an IP address, a host name, 'any' or 'upnp' "
                                "(write IPv4 addresses in full, e.g. 192.0.2.1)").arg(value));
    }
    void ipFullFormsAndHostNames()
    {
        for (const char *v : {"192.0.2.1", "0.0.0.0", "255.255.255.255", "2001:db8::5", "::ffff:192.0.2.1",
                              "re6st.example.com", "node1", "1e100.net", "any", "upnp"})
            QCOMPARE(option({"--ip", QString::fromLatin1(v)}).ip, QStringList{QString::fromLatin1(v)});
    }

    // Audit F6: --client and --remote-gateway are checked at option parsing.
    void clientChecked_data()
    {
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("expected");
        const QString prefix = QStringLiteral("argument --client: '%1' is not HOST,PORT,PROTO: ");
        QTest::newRow("garbage") << "garbage" << prefix.arg("garbage") + "expected 3 fields separated by commas, got 1";
        QTest::newRow("4 fields") << "1.2.3.4,1194,tcp,FR" << prefix.arg("1.2.3.4,1194,tcp,FR") + "expected 3 fields";
        QTest::newRow("port word") << "h,notaport,tcp" << prefix.arg("h,notaport,tcp") + "port 'notaport' is not a number";
        QTest::newRow("port range") << "127.0.0.1,70000,tcp" << prefix.arg("127.0.0.1,70000,tcp") + "port '70000'";
        QTest::newRow("port 0") << "127.0.0.1,0,tcp" << prefix.arg("127.0.0.1,0,tcp") + "port '0'";
        QTest::newRow("port sign") << "127.0.0.1,+80,tcp" << prefix.arg("127.0.0.1,+80,tcp") + "port '+80'";
        QTest::newRow("second bad") << "1.2.3.4,1194,tcp;5.6.7.8,11944x,tcp"
                                    << prefix.arg("5.6.7.8,11944x,tcp") + "port '11944x'";
        QTest::newRow("proto") << "1.2.3.4,1194,sctp" << prefix.arg("1.2.3.4,1194,sctp")
                                    + "protocol 'sctp' is not one of udp, tcp, udp6, tcp6, udp4, tcp4";
        QTest::newRow("shorthand host") << "1.2.3,1194,tcp" << prefix.arg("1.2.3,1194,tcp") + "'1.2.3' is not an IP";
        QTest::newRow("keyword host") << "any,1194,tcp" << prefix.arg("any,1194,tcp") + "'any' is not an IP";
        QTest::newRow("empty entry") << "1.2.3.4,1194,tcp;" << prefix.arg("") + "expected 3 fields";
    }
    void clientChecked()
    {
        QFETCH(QString, value);
        QFETCH(QString, expected);
        const QString error = errorOf(required() + QStringList{"--client", value});
        QVERIFY2(error.startsWith(expected), qPrintable(error));
    }
    void clientAccepted()
    {
        for (const char *v : {"192.0.2.1,1194,tcp", "re6st.example.com,443,tcp6", "2001:db8::1,1194,udp6",
                              "192.0.2.1,1194,tcp4;192.0.2.2,65535,udp4;h,1,udp"})
            QCOMPARE(option({"--client", QString::fromLatin1(v)}).client, QString::fromLatin1(v));
    }
    void remoteGatewayChecked()
    {
        QCOMPARE(option({"--remote-gateway", "192.0.2.254", "--remote-gateway", "10.0.0.1"}).remoteGateways,
                 (QStringList{"192.0.2.254", "10.0.0.1"}));
        for (const char *v : {"garbage", "1.2.3", "10", "2001:db8::1", "gw.example.com", ""})
            QCOMPARE(errorOf(required() + QStringList{"--remote-gateway", QString::fromLatin1(v)}),
                     QStringLiteral("argument --remote-gateway: '%1' is not an IPv4 address "
                                    "(e.g. --remote-gateway 192.0.2.254)").arg(QString::fromLatin1(v)));
    }

    // Audit F5: a --dh that OpenVPN would refuse is refused at start.
    void dhFileChecked()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        auto write = [&](const QString &name, const QByteArray &text) {
            QFile f(dir.filePath(name));
            if (!f.open(QIODevice::WriteOnly)) return QString();
            f.write(text);
            return f.fileName();
        };
        const QString good = write("dh.pem", re6st::test::readVector("crypto/dh2048.pem"));
        QCOMPARE(NodeOptions::checkDhFile(good), QString());
        // The header alone is not enough: OpenSSL must read parameters (a cut file).
        const QString cut = write("cut.pem", "-----BEGIN DH PARAMETERS-----\nMIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz\n"
                                             "+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a\n-----END DH PARAMETERS-----\n");
        QVERIFY(NodeOptions::checkDhFile(cut).contains("is not PEM DH parameters"));
        const QString garbage = write("garbage.pem", "garbage\n");
        QVERIFY(NodeOptions::checkDhFile(garbage).startsWith("--dh: " + garbage + " is not PEM DH parameters"));
        const QString cert = write("cert.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
        QVERIFY(NodeOptions::checkDhFile(cert).contains("is not PEM DH parameters"));
        const QString empty = write("empty.pem", "");
        QVERIFY(NodeOptions::checkDhFile(empty).contains("is not PEM DH parameters"));
        const QString missing = dir.filePath("missing.pem");
        QVERIFY2(NodeOptions::checkDhFile(missing).startsWith("--dh: cannot read " + missing + ": "),
                 qPrintable(NodeOptions::checkDhFile(missing)));
        QVERIFY2(NodeOptions::checkDhFile(dir.path()).contains("not a regular file"),
                 qPrintable(NodeOptions::checkDhFile(dir.path())));
    }

    void usageErrors_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("missing all") << QStringList{} << "required: --registry, --ca, --cert, --key";
        QTest::newRow("missing key") << QStringList{"--registry", "http://r/", "--ca", "a", "--cert", "b"}
                                     << "required: --key";
        QTest::newRow("unknown") << required() + QStringList{"--bogus"} << "unrecognized argument: --bogus";
        QTest::newRow("positional") << required() + QStringList{"foo"} << "unrecognized argument: foo";
        QTest::newRow("ambiguous") << required() + QStringList{"--ma", "3"} << "ambiguous option";
        QTest::newRow("no value") << required() + QStringList{"--up"} << "argument --up: expected one argument";
        QTest::newRow("value is option") << required() + QStringList{"--dh", "--ovpnlog"}
                                         << "argument --dh: expected one argument";
        QTest::newRow("pp one value") << required() + QStringList{"--pp", "1194"} << "argument --pp: expected 2";
        QTest::newRow("pp bad proto") << required() + QStringList{"--pp", "1194", "sctp"} << "invalid protocol";
        QTest::newRow("pp bad port") << required() + QStringList{"--pp", "x", "tcp"} << "invalid int value: 'x'";
        QTest::newRow("pp port range") << required() + QStringList{"--pp", "70000", "tcp"} << "out of range";
        QTest::newRow("verbose") << required() + QStringList{"-v", "high"} << "argument --verbose: invalid int";
        QTest::newRow("client-count") << required() + QStringList{"--client-count", "-1"} << "out of range";
        QTest::newRow("table") << required() + QStringList{"--table", "5"} << "argument --table";
        QTest::newRow("neighbour") << required() + QStringList{"--neighbour", "2001:db8::"} << "CN form";
        QTest::newRow("registry") << QStringList{"--registry", "re6st.example.com", "--ca", "a", "--cert", "b",
                                                 "--key", "c"} << "http://";
        QTest::newRow("flag value") << required() + QStringList{"--gateway=yes"} << "'=' value not allowed";
        QTest::newRow("cluster") << required() + QStringList{"-mx"} << "ignored explicit argument 'x'";
    }

    void usageErrors()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        const auto r = NodeOptions::parse(args);
        QVERIFY(!r.options);
        QVERIFY(!r.help && !r.version);
        QVERIFY2(r.error.contains(expected), qPrintable(r.error));
    }

    void helpAndVersion()
    {
        const auto h = NodeOptions::parse({"--help"});
        QVERIFY(h.help && !h.options && h.error.isEmpty());
        QVERIFY(NodeOptions::parse({"-h"}).help);
        QVERIFY(NodeOptions::parse({"-V"}).version);
        QVERIFY(NodeOptions::parse({"--version"}).version);
        QVERIFY(!NodeOptions::versionText().isEmpty());
        const QString text = NodeOptions::helpText();
        for (const char *name : {"--version", "--ip", "--registry", "--log", "--run", "--state", "--verbose",
                                 "--interface", "--main-interface", "--multicast", "--up", "--daemon", "--test",
                                 "--console", "--country", "-B ARG", "--default", "--table", "--gateway", "-O ARG",
                                 "--ovpnlog", "--pp PORT PROTO", "--dh", "--ca", "--cert", "--key",
                                 "--client-count", "--max-clients", "--remote-gateway", "--disable-proto",
                                 "--client", "--neighbour", "--help"})
            QVERIFY2(text.contains(QLatin1String(name)), name);
        for (const char *name : {"--ip", "-l", "--log", "-I", "-O", "-B", "--pp", "--neighbour"})
            QVERIFY2(NodeOptions::isOptionString(QLatin1String(name)), name);
        QVERIFY(!NodeOptions::isOptionString("--O--verb"));
        QVERIFY(!NodeOptions::isOptionString("--O3"));
    }

    void optionFileFromReConf()
    {
        // registry-protocol.md §14.2 step 17: the file re6st-conf writes.
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString sample = QStringLiteral("registry http://re6st.example.com/\n"
                                              "ca ca.crt\n"
                                              "cert cert.crt\n"
                                              "key cert.key\n"
                                              "country FR\n"
                                              "# increase re6stnet verbosity:\n"
                                              "#verbose 3\n"
                                              "# enable OpenVPN logging:\n"
                                              "#ovpnlog\n"
                                              "# uncomment the following 2 lines to increase OpenVPN verbosity:\n"
                                              "#O--verb\n"
                                              "#O3\n");
        const QString path = dir.filePath("re6stnet.conf");
        auto write = [&](const QString &text) {
            QFile f(path);
            QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
            f.write(text.toUtf8());
        };
        write(sample);
        auto r = NodeOptions::parseCommandLine({"@" + path});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->registry, "http://re6st.example.com/");
        QCOMPARE(r.options->ca, "ca.crt");
        QCOMPARE(r.options->cert, "cert.crt");
        QCOMPARE(r.options->key, "cert.key");
        QCOMPARE(r.options->country, "FR");
        QCOMPARE(r.options->verbose, 2);
        QVERIFY(!r.options->ovpnlog);
        QVERIFY(r.options->openvpnArgs.isEmpty());

        // Uncommented: O--verb / O3 become -O--verb / -O3.
        QString enabled = sample;
        enabled.replace("#verbose", "verbose").replace("#ovpnlog", "ovpnlog").replace("#O", "O");
        write(enabled + "pp 1194 tcp\ndisable-proto none\ndaemon \"exec dnsmasq -d -i $re6stnet_iface\"\nI eth0\n");
        r = NodeOptions::parseCommandLine({"@" + path, "-v", "4"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->verbose, 4); // later command line argument wins
        QVERIFY(r.options->ovpnlog);
        QCOMPARE(r.options->openvpnArgs, (QStringList{"--verb", "3"}));
        QCOMPARE(r.options->pp, (QList<NodeOptions::PortProto>{{1194, "tcp"}}));
        QCOMPARE(r.options->disableProto, QStringList());
        QCOMPARE(r.options->daemons, QStringList{"exec dnsmasq -d -i $re6stnet_iface"});
        QCOMPARE(r.options->mainInterface, "eth0");

        // Errors: a missing file, a bad line.
        r = NodeOptions::parseCommandLine({"@" + dir.filePath("missing.conf")});
        QVERIFY(!r.options);
        QVERIFY2(r.error.contains("missing.conf"), qPrintable(r.error));
        write("registry \"http://unterminated\n");
        r = NodeOptions::parseCommandLine({"@" + path});
        QVERIFY(!r.options);
        QVERIFY2(r.error.contains("line 1"), qPrintable(r.error));
        write(sample + "bogus-option 1\n");
        r = NodeOptions::parseCommandLine({"@" + path});
        QVERIFY(!r.options);
        // Audit F7: the file, the line and the name as written.
        QCOMPARE(r.error, QStringLiteral("option file %1, line 13: unknown option 'bogus-option' (see --help)").arg(path));
    }

    void environmentForUp()
    {
        // node-protocol.md §1.3, example for CN 1/16 in 2001:db8:42::/48.
        const auto vars = NodeEnvironment::variables("eth0", "2001:db8:42:1::1", "2001:db8:42:1::/64",
                                                     "2001:db8:42::/48");
        const NodeEnvironment::Variables expected{{"re6stnet_iface", "eth0"},
                                                  {"re6stnet_ip", "2001:db8:42:1::1"},
                                                  {"re6stnet_subnet", "2001:db8:42:1::/64"},
                                                  {"re6stnet_network", "2001:db8:42::/48"}};
        QCOMPARE(vars, expected);
        QProcessEnvironment base;
        base.insert("PATH", "/usr/bin");
        base.insert("re6stnet_ip", "stale");
        const QProcessEnvironment env = NodeEnvironment::apply(base, vars);
        QCOMPARE(env.value("PATH"), "/usr/bin");
        QCOMPARE(env.value("re6stnet_ip"), "2001:db8:42:1::1");
        QCOMPARE(env.value("re6stnet_iface"), "eth0");
        QCOMPARE(env.value("re6stnet_network"), "2001:db8:42::/48");
        QCOMPARE(env.keys().size(), 5);
    }
};

QTEST_GUILESS_MAIN(tst_NodeOptions)
#include "tst_nodeoptions.moc"
