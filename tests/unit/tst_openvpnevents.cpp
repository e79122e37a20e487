// SPDX-License-Identifier: GPL-2.0-or-later
// Management-interface parser (node-protocol.md §3.5), on lines recorded from
// OpenVPN 2.6.14 (server with --management-client-auth, client at --verb 3).
#include "daemon/OpenVpnEvents.h"
#include "daemon/OpenVpnProcess.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using K = OpenVpnEvents::Kind;

namespace {

QList<OpenVpnEvents::Event> feedAll(OpenVpnEvents &p, const QByteArray &text)
{
    QList<OpenVpnEvents::Event> out;
    for (const QByteArray &line : text.split('\n'))
        if (!line.isEmpty())
            if (auto e = p.feed(line)) out << *e;
    return out;
}

const QByteArray ServerConnect = R"(>INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info
>HOLD:Waiting for hold release:0
SUCCESS: hold release succeeded
>CLIENT:CONNECT,0,1
>CLIENT:ENV,n_clients=0
>CLIENT:ENV,password=
>CLIENT:ENV,untrusted_port=39060
>CLIENT:ENV,untrusted_ip=10.42.0.2
>CLIENT:ENV,common_name=1/16
>CLIENT:ENV,username=
>CLIENT:ENV,IV_VER=2.6.14
>CLIENT:ENV,tls_serial_hex_0=02
>CLIENT:ENV,tls_serial_0=2
>CLIENT:ENV,tls_id_0=serialNumber=1, CN=1/16
>CLIENT:ENV,X509_0_CN=1/16
>CLIENT:ENV,tls_serial_hex_1=01:20:01:0d:b8:00:42
>CLIENT:ENV,tls_serial_1=316663873929282
>CLIENT:ENV,proto_1=tcp-server
>CLIENT:ENV,script_context=init
>CLIENT:ENV,tun_mtu=1500
>CLIENT:ENV,dev=re6stnet-tcp
>CLIENT:ENV,dev_type=tap
>CLIENT:ENV,END
SUCCESS: client-auth command succeeded
>CLIENT:ESTABLISHED,0
>CLIENT:ENV,n_clients=1
>CLIENT:ENV,time_unix=1795696078
>CLIENT:ENV,trusted_port=39060
>CLIENT:ENV,trusted_ip=10.42.0.2
>CLIENT:ENV,common_name=1/16
>CLIENT:ENV,untrusted_port=39060
>CLIENT:ENV,untrusted_ip=10.42.0.2
>CLIENT:ENV,tls_serial_0=2
>CLIENT:ENV,dev=re6stnet-tcp
>CLIENT:ENV,END
)";

const QByteArray ClientConnect = R"(>INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info
>HOLD:Waiting for hold release:0
SUCCESS: real-time state notification set to ON
SUCCESS: real-time log notification set to ON
SUCCESS: hold release succeeded
>STATE:1795696087,TCP_CONNECT,,,,,,
>STATE:1795696087,WAIT,,,,,,
>STATE:1795696087,AUTH,,,,,,
>LOG:1795696087,,VERIFY X509NAME OK: serialNumber=0, CN=0/16
>LOG:1795696087,,VERIFY OK: depth=0, serialNumber=0, CN=0/16
>LOG:1795696088,,SENT CONTROL [0/16]: 'PUSH_REQUEST' (status=1)
>LOG:1795696088,,PUSH: Received control message: 'PUSH_REPLY,setenv-safe external_ip 10.42.0.2,peer-id 0,cipher none,protocol-flags cc-exit tls-ekm dyn-tls-crypt,tun-mtu 1500'
>LOG:1795696088,I,Initialization Sequence Completed
>STATE:1795696088,CONNECTED,SUCCESS,,10.42.0.1,1194,10.42.0.2,35524
)";

} // namespace

class TestOpenVpnEvents final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void serverConnectAndEstablished()
    {
        OpenVpnEvents p;
        const auto events = feedAll(p, ServerConnect);
        QCOMPARE(events.size(), 6);
        QCOMPARE(events[0].kind, K::Info);
        QCOMPARE(events[1].kind, K::Hold);
        QCOMPARE(events[2].kind, K::Success);
        const auto &c = events[3];
        QCOMPARE(c.kind, K::ClientConnect);
        QCOMPARE(c.clientId, 0);
        QCOMPARE(c.keyId, 1);
        QCOMPARE(c.commonName, QStringLiteral("1/16"));
        QCOMPARE(c.device, QStringLiteral("re6stnet-tcp"));
        QCOMPARE(c.serial, QStringLiteral("2")); // tls_serial_0 (the peer cert), not _1 (the CA)
        QCOMPARE(c.externalIp, QStringLiteral("10.42.0.2")); // CONNECT: only untrusted_ip exists
        QCOMPARE(c.env.value(QStringLiteral("tls_id_0")), QStringLiteral("serialNumber=1, CN=1/16")); // '=' in value
        QCOMPARE(events[4].kind, K::Success);
        QCOMPARE(events[4].text, QStringLiteral("client-auth command succeeded"));
        QCOMPARE(events[5].kind, K::ClientEstablished);
        QCOMPARE(events[5].clientId, 0);
        QCOMPARE(events[5].keyId, -1);
        QCOMPARE(events[5].externalIp, QStringLiteral("10.42.0.2"));
        QVERIFY(!p.inClientBlock());
    }

    void blockSplitAcrossFeedsAndCrLf()
    {
        OpenVpnEvents p;
        QVERIFY(!p.feed(">CLIENT:DISCONNECT,7\r"));
        QVERIFY(p.inClientBlock());
        QVERIFY(!p.feed(">CLIENT:ENV,bytes_sent=3067\r"));
        QVERIFY(!p.feed(">CLIENT:ENV,trusted_ip=\r"));
        QVERIFY(!p.feed(">CLIENT:ENV,trusted_ip6=2001:db8::2\r"));
        QVERIFY(!p.feed(">CLIENT:ENV,common_name=3/16\r"));
        QVERIFY(!p.feed(">CLIENT:ENV,dev=re6stnet-udp6\r"));
        QVERIFY(!p.feed(">CLIENT:ENV,tls_serial_0=123456789012345678901234567890\r"));
        const auto e = p.feed(">CLIENT:ENV,END\r");
        QVERIFY(e);
        QCOMPARE(e->kind, K::ClientDisconnect);
        QCOMPARE(e->clientId, 7);
        QCOMPARE(e->commonName, QStringLiteral("3/16"));
        QCOMPARE(e->device, QStringLiteral("re6stnet-udp6"));
        // udp6: trusted_ip empty ⇒ trusted_ip6 (§3.5)
        QCOMPARE(e->externalIp, QStringLiteral("2001:db8::2"));
        QCOMPARE(e->serial, QStringLiteral("123456789012345678901234567890")); // big serials stay exact
        QCOMPARE(e->env.value(QStringLiteral("bytes_sent")), QStringLiteral("3067"));
    }

    void reauthAndOtherClientLines()
    {
        OpenVpnEvents p;
        QVERIFY(!p.feed(">CLIENT:REAUTH,4,2"));
        QVERIFY(!p.feed(">CLIENT:ENV,common_name=1/16"));
        auto e = p.feed(">CLIENT:ENV,END");
        QVERIFY(e);
        QCOMPARE(e->kind, K::ClientReauth);
        QCOMPARE(e->keyId, 2);
        e = p.feed(">CLIENT:ADDRESS,4,10.0.0.5,1"); // single line, no ENV block
        QVERIFY(e);
        QCOMPARE(e->kind, K::ClientOther);
        QVERIFY(!p.inClientBlock());
    }

    void malformedLines()
    {
        OpenVpnEvents p;
        auto e = p.feed(">CLIENT:CONNECT,x,1");
        QVERIFY(e);
        QCOMPARE(e->kind, K::Other);
        QVERIFY(!p.inClientBlock());
        e = p.feed(">CLIENT:CONNECT,1"); // key id missing
        QVERIFY(e);
        QCOMPARE(e->kind, K::Other);
        QVERIFY(!p.feed(">CLIENT:ENV,END")); // stray END outside a block: nothing
        QVERIFY(!p.feed(">CLIENT:ENV,common_name=9/16"));
        e = p.feed("ERROR: unknown command");
        QVERIFY(e);
        QCOMPARE(e->kind, K::Error);
        e = p.feed("");
        QVERIFY(e);
        QCOMPARE(e->kind, K::Other);
        e = p.feed(">STATE:");
        QVERIFY(e);
        QCOMPARE(e->kind, K::State);
        // ENV line without '=' is skipped, the block still completes
        QVERIFY(!p.feed(">CLIENT:ESTABLISHED,3"));
        QVERIFY(!p.feed(">CLIENT:ENV,garbage"));
        e = p.feed(">CLIENT:ENV,END");
        QVERIFY(e);
        QVERIFY(e->env.isEmpty());
        QVERIFY(e->commonName.isEmpty());
    }

    void serverByteCounts()
    {
        OpenVpnEvents p;
        auto e = p.feed(">BYTECOUNT_CLI:7,123456789012,42");
        QVERIFY(e);
        QCOMPARE(e->kind, K::ByteCount);
        QCOMPARE(e->clientId, 7);
        QCOMPARE(e->bytesIn, Q_UINT64_C(123456789012));
        QCOMPARE(e->bytesOut, Q_UINT64_C(42));
        for (const char *bad : {">BYTECOUNT_CLI:7,1", ">BYTECOUNT_CLI:x,1,2", ">BYTECOUNT_CLI:1,-1,2", ">BYTECOUNT_CLI:"}) {
            e = p.feed(bad);
            QVERIFY(e);
            QCOMPARE(e->kind, K::Other);
            QCOMPARE(e->clientId, -1);
        }
    }

    void hugeEnvIsBounded()
    {
        OpenVpnEvents p;
        QVERIFY(!p.feed(">CLIENT:ESTABLISHED,1"));
        for (int i = 0; i < 5000; ++i) QVERIFY(!p.feed(QByteArray(">CLIENT:ENV,k") + QByteArray::number(i) + "=v"));
        const auto e = p.feed(">CLIENT:ENV,END");
        QVERIFY(e);
        QVERIFY(e->env.size() <= 1000);
    }

    void clientRouteUp()
    {
        OpenVpnEvents p;
        const auto events = feedAll(p, ClientConnect);
        QCOMPARE(events.size(), 14);
        QCOMPARE(events[5].kind, K::State);
        QCOMPARE(events[5].state, QStringLiteral("TCP_CONNECT"));
        QCOMPARE(events[5].time, 1795696087);
        QCOMPARE(events[8].kind, K::Log);
        QCOMPARE(events[10].kind, K::Log); // PUSH_REQUEST sent, not a reply
        QCOMPARE(events[11].kind, K::PushReply);
        QCOMPARE(events[11].externalIp, QStringLiteral("10.42.0.2"));
        QCOMPARE(events[12].kind, K::Log);
        QCOMPARE(events[13].kind, K::Connected);
        QCOMPARE(events[13].time, 1795696088);
        QCOMPARE(events[13].state, QStringLiteral("CONNECTED"));
        // a failed connection is not "connected"
        const auto f = p.feed(">STATE:1795696090,CONNECTED,ERROR,,10.42.0.1,1194,,");
        QVERIFY(f);
        QCOMPARE(f->kind, K::State);
    }

    void pushReplyWithoutExternalIp()
    {
        // A server that is not re6st pushes nothing: empty, not garbage.
        QCOMPARE(OpenVpnEvents::pushedExternalIp(u"PUSH_REPLY,peer-id 0,cipher none"), QString());
        QCOMPARE(OpenVpnEvents::pushedExternalIp(u"PUSH_REPLY,setenv-safe external_ip 2001:db8::1"),
                 QStringLiteral("2001:db8::1"));
        OpenVpnEvents p;
        const auto e = p.feed(">LOG:1,,PUSH: Received control message: 'PUSH_REPLY,peer-id 0'");
        QVERIFY(e);
        QCOMPARE(e->kind, K::PushReply);
        QVERIFY(e->externalIp.isEmpty());
    }

    void commands()
    {
        QCOMPARE(OpenVpnEvents::clientAuth(0, 1, QStringLiteral("10.42.0.2")),
                 QByteArray("client-auth 0 1\npush \"setenv-safe external_ip 10.42.0.2\"\nEND\n"));
        // nothing can escape the quoted push line
        QCOMPARE(OpenVpnEvents::clientAuth(3, 0, QStringLiteral("1.2.3.4\"\nEND\nclient-kill 1")),
                 QByteArray("client-auth 3 0\npush \"setenv-safe external_ip 1.2.3.4ENDclientkill1\"\nEND\n"));
        QCOMPARE(OpenVpnEvents::clientAuthNoPush(2, 5), QByteArray("client-auth-nt 2 5\n"));
        QCOMPARE(OpenVpnEvents::clientDeny(1, 0, QStringLiteral("revoked \"x\"\n")),
                 QByteArray("client-deny 1 0 \"revoked x\"\n"));
        QCOMPARE(OpenVpnEvents::startCommands(true), QByteArray("state on\nlog on\nhold release\n"));
        QCOMPARE(OpenVpnEvents::startCommands(false), QByteArray("bytecount 5\nhold release\n"));
        const QStringList s = OpenVpnEvents::serverArguments(QStringLiteral("/run/x.sock"));
        QVERIFY(s.contains(QStringLiteral("--management-client-auth")));
        QVERIFY(s.contains(QStringLiteral("--auth-user-pass-optional")));
        QCOMPARE(s.mid(0, 3), (QStringList{"--management", "/run/x.sock", "unix"}));
        const QStringList c = OpenVpnEvents::clientArguments(QStringLiteral("/run/y.sock"));
        QVERIFY(c.contains(QStringLiteral("--management-hold")));
        QVERIFY(!c.contains(QStringLiteral("--management-client-auth")));
    }

    // OpenVpnProcess supervision without openvpn (no root): a stand-in that
    // ignores SIGTERM must be SIGKILLed after the bound, and its death reported.
    void processStopEscalatesToSigkill()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        OpenVpnProcess p(OpenVpnProcess::Role::Client);
        // our arguments land in $0, $1…: ignored by the script
        p.setCommand({QStringLiteral("/bin/sh"), QStringLiteral("-c"), QStringLiteral("trap '' TERM; exec sleep 60")});
        bool finished = false, crashed = false;
        qint64 finishedPid = 0;
        connect(&p, &OpenVpnProcess::finished, &p, [&](qint64 pid, int, bool c) {
            finished = true;
            crashed = c;
            finishedPid = pid;
        });
        QString error;
        QVERIFY2(p.start({QStringLiteral("--dev")}, dir.filePath(QStringLiteral("m.sock")), &error), qPrintable(error));
        QVERIFY(p.isRunning());
        QVERIFY(p.pid() > 0);
        QVERIFY(QFile::exists(dir.filePath(QStringLiteral("m.sock"))));
        QString again;
        QVERIFY(!p.start({}, dir.filePath(QStringLiteral("n.sock")), &again)); // one process at a time
        QVERIFY(again.contains(QStringLiteral("already running")));
        // wait until SIGTERM is ignored (SigIgn bit 15 in /proc/<pid>/status)
        const auto ignoresTerm = [&] {
            QFile f(QStringLiteral("/proc/%1/status").arg(p.pid()));
            if (!f.open(QIODevice::ReadOnly)) return false;
            for (const QByteArray &l : f.readAll().split('\n'))
                if (l.startsWith("SigIgn:")) return (l.mid(7).trimmed().toULongLong(nullptr, 16) & (1ull << 14)) != 0;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(ignoresTerm(), 10000);
        QElapsedTimer t;
        t.start();
        p.stop(500);
        QTRY_VERIFY_WITH_TIMEOUT(finished, 10000);
        QVERIFY2(t.elapsed() >= 450, "SIGTERM is ignored: only the SIGKILL after the bound ends it");
        QVERIFY(crashed);
        QCOMPARE(finishedPid, p.pid());
        QVERIFY(!p.isRunning());
        QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("m.sock")))); // socket removed
    }

    void processStartFailures()
    {
        QTemporaryDir dir;
        OpenVpnProcess p(OpenVpnProcess::Role::Server);
        p.setCommand({QStringLiteral("/nonexistent/openvpn")});
        QString error;
        QVERIFY(!p.start({}, dir.filePath(QStringLiteral("m.sock")), &error));
        QVERIFY(error.contains(QStringLiteral("install openvpn")));
        QVERIFY(!p.isRunning());
        error.clear();
        QVERIFY(!p.start({}, QStringLiteral("/tmp/") + QString(120, QLatin1Char('x')), &error));
        QVERIFY(error.contains(QStringLiteral("too long")));
    }
};

QTEST_GUILESS_MAIN(TestOpenVpnEvents)
#include "tst_openvpnevents.moc"
