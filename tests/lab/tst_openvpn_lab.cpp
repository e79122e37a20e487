// SPDX-License-Identifier: GPL-2.0-or-later
// Real OpenVPN 2.6 server and client (node-protocol.md §3.3, §3.4) in two
// private network namespaces on a veth pair, supervised by OpenVpnProcess and
// reporting through the management interface (§3.5). Needs root.
#include "NetnsPair.h"
#include "Vectors.h"
#include "core/OpenVpnArguments.h"
#include "daemon/OpenVpnProcess.h"

#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <memory>
#include <sys/types.h>
#include <unistd.h>

using namespace re6st;

class TestOpenVpnLab final : public QObject
{
    Q_OBJECT

    struct Seen
    {
        QList<OpenVpnEvents::Event> connects, disconnects, rejects;
        bool clientConnected = false;
        qint64 connectTime = 0;
        QString clientExternalIp;
        bool finished = false, crashed = false;
        qint64 finishedPid = 0;
    };

    std::unique_ptr<test::NetnsPair> m_net; // 10.42.<subnet>.1 (server) and .2 (client)
    QString m_serverIp, m_clientIp;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<OpenVpnProcess> m_server, m_client;
    Seen m_serverSeen, m_clientSeen; // members: outlive the processes that write them

    static bool linkExists(const test::NetnsPair::End &end, const QString &dev)
    {
        return test::NetnsPair::ip(end, {QStringLiteral("link"), QStringLiteral("show"), dev});
    }

    OpenVpnArguments::Common common(const QString &device, const QString &node)
    {
        OpenVpnArguments::Common c;
        c.device = device;
        c.ca = test::vectorPath(QStringLiteral("crypto/ca.crt"));
        c.cert = test::vectorPath(QStringLiteral("crypto/%1.crt").arg(node));
        c.key = test::vectorPath(QStringLiteral("crypto/%1.key").arg(node));
        c.timeout = 4 * 2; // 4 × hello, hello = 2 s
        return c;
    }

    void watch(OpenVpnProcess *p, Seen *seen)
    {
        connect(p, &OpenVpnProcess::clientConnected, this, [seen](const OpenVpnEvents::Event &e) { seen->connects << e; });
        connect(p, &OpenVpnProcess::clientDisconnected, this,
                [seen](const OpenVpnEvents::Event &e) { seen->disconnects << e; });
        connect(p, &OpenVpnProcess::clientRejected, this, [seen](const OpenVpnEvents::Event &e) { seen->rejects << e; });
        connect(p, &OpenVpnProcess::connected, this, [seen](qint64 time, const QString &externalIp) {
            seen->clientConnected = true;
            seen->connectTime = time;
            seen->clientExternalIp = externalIp;
        });
        connect(p, &OpenVpnProcess::finished, this, [seen](qint64 pid, int, bool crashed) {
            seen->finished = true;
            seen->crashed = crashed;
            seen->finishedPid = pid;
        });
    }

    bool startServer(const QString &proto, Seen *seen, QString *error)
    {
        OpenVpnArguments::Server s;
        s.common = common(QStringLiteral("re6stnet-") + proto, QStringLiteral("node-0-16"));
        s.proto = proto;
        s.port = 1194;
        s.dhFile = test::vectorPath(QStringLiteral("crypto/dh2048.pem"));
        const auto argv = OpenVpnArguments::server(s, error);
        if (!argv) return false;
        m_server = std::make_unique<OpenVpnProcess>(OpenVpnProcess::Role::Server);
        m_server->setCommand(test::NetnsPair::exec(m_net->server(), {QStringLiteral("openvpn")}));
        watch(m_server.get(), seen);
        return m_server->start(*argv, m_dir->filePath(QStringLiteral("s.sock")), error);
    }

    bool startClient(const QString &proto, Seen *seen, QString *error)
    {
        OpenVpnArguments::Client c;
        c.common = common(QStringLiteral("re6stnet1"), QStringLiteral("node-1-16"));
        c.remote = {m_serverIp, 1194, proto};
        c.serverCn = QStringLiteral("0/16");
        const auto argv = OpenVpnArguments::client(c, error);
        if (!argv) return false;
        m_client = std::make_unique<OpenVpnProcess>(OpenVpnProcess::Role::Client);
        m_client->setCommand(test::NetnsPair::exec(m_net->client(), {QStringLiteral("openvpn")}));
        watch(m_client.get(), seen);
        return m_client->start(*argv, m_dir->filePath(QStringLiteral("c.sock")), error);
    }

    void stopAll()
    {
        for (auto *p : {&m_client, &m_server}) {
            if (*p && (*p)->isRunning()) {
                (*p)->stop(3000);
                QTRY_VERIFY_WITH_TIMEOUT(!(*p)->isRunning(), 10000);
            }
            p->reset(); // destructor SIGKILLs whatever still runs
        }
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString missing = test::NetnsPair::openVpnLabMissing(); !missing.isEmpty()) QSKIP(qPrintable(missing));
        m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/re6st-ovpn-XXXXXX"));
        QVERIFY(m_dir->isValid());
        // Its destructor (cleanupTestCase) removes what it made, even after a failed step.
        m_net = std::make_unique<test::NetnsPair>(QStringLiteral("re6st-ovpn"), QStringLiteral("rov"),
                                                  QStringLiteral("10.42"));
        QVERIFY2(m_net->isValid(), qPrintable(m_net->error()));
        m_serverIp = m_net->server().ip;
        m_clientIp = m_net->client().ip;
    }

    void init()
    {
        m_serverSeen = {};
        m_clientSeen = {};
    }

    void cleanup() { stopAll(); } // even after a failed check: nothing outlives its test

    void cleanupTestCase()
    {
        stopAll();
        m_net.reset(); // deletes the namespaces, once nothing runs in them
        m_dir.reset();
    }

    void connectThenClientDies_data()
    {
        QTest::addColumn<QString>("proto");
        QTest::newRow("tcp") << QStringLiteral("tcp"); // server notices at once (TCP reset)
        QTest::newRow("udp") << QStringLiteral("udp"); // server notices by --ping-exit (8 s)
    }

    void connectThenClientDies()
    {
        QFETCH(QString, proto);
        const QString serverTap = QStringLiteral("re6stnet-") + proto;
        Seen &server = m_serverSeen, &client = m_clientSeen;
        QString error;
        QVERIFY2(startServer(proto, &server, &error), qPrintable(error));
        // The server listens once its tap is up and it completed init (polling, bounded).
        QTRY_VERIFY2_WITH_TIMEOUT(linkExists(m_net->server(), serverTap) || server.finished,
                                  qPrintable(m_server->lastOutput()), 30000);
        QVERIFY2(!server.finished, qPrintable(m_server->lastOutput()));

        QElapsedTimer clock;
        clock.start();
        QVERIFY2(startClient(proto, &client, &error), qPrintable(error));
        const qint64 clientPid = m_client->pid();
        QVERIFY(clientPid > 0);
        // connect-retry covers a server still binding its port
        QTRY_VERIFY2_WITH_TIMEOUT((!server.connects.isEmpty() && client.clientConnected) || client.finished,
                                  qPrintable(m_client->lastOutput() + QLatin1Char('\n') + m_server->lastOutput()),
                                  60000);
        QVERIFY2(!client.finished, qPrintable(m_client->lastOutput()));
        const double connectSeconds = clock.elapsed() / 1000.0;

        QCOMPARE(server.connects.size(), 1);
        const auto &c = server.connects.first();
        QCOMPARE(c.commonName, QStringLiteral("1/16"));
        QCOMPARE(c.device, serverTap);
        QCOMPARE(c.externalIp, m_clientIp);
        QVERIFY(!c.serial.isEmpty());
        QVERIFY(server.rejects.isEmpty());
        // The push of §3.5 reached the client: it learns its address as seen by the server.
        QCOMPARE(client.clientExternalIp, m_clientIp);
        QVERIFY(client.connectTime > 0);
        QVERIFY(linkExists(m_net->server(), serverTap));
        QVERIFY(linkExists(m_net->client(), QStringLiteral("re6stnet1")));
        QVERIFY(server.disconnects.isEmpty());

        // Kill the client without notice: the server must drop it (TCP reset, or
        // at worst --ping-exit 8 s) and OpenVpnProcess must report the death.
        clock.restart();
        QCOMPARE(::kill(pid_t(clientPid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(client.finished, 30000);
        QVERIFY(client.crashed);
        QCOMPARE(client.finishedPid, clientPid);
        QVERIFY(!m_client->isRunning());
        const double deathSeconds = clock.elapsed() / 1000.0;
        QTRY_VERIFY2_WITH_TIMEOUT(!server.disconnects.isEmpty(), qPrintable(m_server->lastOutput()), 60000);
        const double disconnectSeconds = clock.elapsed() / 1000.0;
        QCOMPARE(server.disconnects.size(), 1);
        QCOMPARE(server.disconnects.first().commonName, QStringLiteral("1/16"));
        QCOMPARE(server.disconnects.first().externalIp, m_clientIp);
        QCOMPARE(server.disconnects.first().clientId, c.clientId);
        QVERIFY(m_server->isRunning());
        qInfo("%s: connect: %.2f s; client death reported: %.2f s; server disconnect: %.2f s", qPrintable(proto),
              connectSeconds, deathSeconds, disconnectSeconds);

        // §3.7: SIGTERM by PID; the server exits cleanly.
        const qint64 serverPid = m_server->pid();
        m_server->stop(5000);
        QTRY_VERIFY_WITH_TIMEOUT(server.finished, 15000);
        QCOMPARE(server.finishedPid, serverPid);
    }

    void revokedClientIsDenied()
    {
        // The authorizer (the daemon's CRL check, §3.5) refuses the client: it
        // never becomes connected and, with --tls-exit / auth failure, exits.
        Seen &server = m_serverSeen, &client = m_clientSeen;
        QString error;
        QVERIFY2(startServer(QStringLiteral("tcp"), &server, &error), qPrintable(error));
        m_server->setAuthorizer([](const OpenVpnEvents::Event &e) { return e.commonName != QStringLiteral("1/16"); });
        QTRY_VERIFY2_WITH_TIMEOUT(linkExists(m_net->server(), QStringLiteral("re6stnet-tcp")) || server.finished,
                                  qPrintable(m_server->lastOutput()), 30000);
        QVERIFY(!server.finished);
        QVERIFY2(startClient(QStringLiteral("tcp"), &client, &error), qPrintable(error));
        QTRY_VERIFY2_WITH_TIMEOUT(!server.rejects.isEmpty(), qPrintable(m_server->lastOutput()), 60000);
        QCOMPARE(server.rejects.first().commonName, QStringLiteral("1/16"));
        QTRY_VERIFY2_WITH_TIMEOUT(client.finished, qPrintable(m_client->lastOutput()), 60000);
        QVERIFY(!client.clientConnected);
        QVERIFY(server.connects.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestOpenVpnLab)
#include "tst_openvpn_lab.moc"
