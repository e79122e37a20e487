// SPDX-License-Identifier: GPL-2.0-or-later
// Real OpenVPN 2.6 server and client (node-protocol.md §3.3, §3.4) in two
// private network namespaces on a veth pair, supervised by OpenVpnProcess and
// reporting through the management interface (§3.5). Needs root.
#include "Vectors.h"
#include "core/OpenVpnArguments.h"
#include "daemon/OpenVpnProcess.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
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

    const QString m_tag = QString::number(::getpid());
    const QString m_nsServer = QStringLiteral("re6st-ovpn-%1-s").arg(m_tag);
    const QString m_nsClient = QStringLiteral("re6st-ovpn-%1-c").arg(m_tag);
    const QString m_vethServer = QStringLiteral("rov%1s").arg(m_tag); // ≤ 15 bytes
    const QString m_vethClient = QStringLiteral("rov%1c").arg(m_tag);
    const int m_subnet = int(::getpid() % 200) + 20;
    QString m_serverIp, m_clientIp;
    bool m_created = false;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<OpenVpnProcess> m_server, m_client;
    Seen m_serverSeen, m_clientSeen; // members: outlive the processes that write them

    static bool run(const QStringList &argv, QString *output = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(argv.first(), argv.mid(1));
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished(5000);
            return false;
        }
        if (output) *output = QString::fromUtf8(p.readAll());
        return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }
    bool ip(const QStringList &args) { return run(QStringList{QStringLiteral("ip")} + args); }
    bool linkExists(const QString &ns, const QString &dev)
    {
        return ip({QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("show"), dev});
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
        m_server->setCommand({QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("exec"), m_nsServer,
                              QStringLiteral("openvpn")});
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
        m_client->setCommand({QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("exec"), m_nsClient,
                              QStringLiteral("openvpn")});
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
        if (::geteuid() != 0) QSKIP("needs root (network namespaces); run the lab tests as root");
        if (QStandardPaths::findExecutable(QStringLiteral("openvpn")).isEmpty()
            && QStandardPaths::findExecutable(QStringLiteral("openvpn"), {QStringLiteral("/usr/sbin")}).isEmpty())
            QSKIP("openvpn not installed; apt-get install openvpn");
        m_dir = std::make_unique<QTemporaryDir>(QStringLiteral("/tmp/re6st-ovpn-XXXXXX"));
        QVERIFY(m_dir->isValid());
        m_serverIp = QStringLiteral("10.42.%1.1").arg(m_subnet);
        m_clientIp = QStringLiteral("10.42.%1.2").arg(m_subnet);
        m_created = true; // from here on, cleanupTestCase removes what exists
        QVERIFY(ip({QStringLiteral("netns"), QStringLiteral("add"), m_nsServer}));
        QVERIFY(ip({QStringLiteral("netns"), QStringLiteral("add"), m_nsClient}));
        QVERIFY(ip({QStringLiteral("link"), QStringLiteral("add"), m_vethServer, QStringLiteral("netns"), m_nsServer,
                    QStringLiteral("type"), QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"),
                    m_vethClient, QStringLiteral("netns"), m_nsClient}));
        for (const auto &[ns, dev, addr] : {std::tuple{m_nsServer, m_vethServer, m_serverIp},
                                            std::tuple{m_nsClient, m_vethClient, m_clientIp}}) {
            QVERIFY(ip({QStringLiteral("-n"), ns, QStringLiteral("addr"), QStringLiteral("add"), addr + QStringLiteral("/24"),
                        QStringLiteral("dev"), dev}));
            QVERIFY(ip({QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"), dev, QStringLiteral("up")}));
            QVERIFY(ip({QStringLiteral("-n"), ns, QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"),
                        QStringLiteral("up")}));
        }
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
        if (m_created) {
            // Deleting a namespace deletes its veth end and taps; the peer end goes too.
            ip({QStringLiteral("netns"), QStringLiteral("delete"), m_nsServer});
            ip({QStringLiteral("netns"), QStringLiteral("delete"), m_nsClient});
        }
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
        QTRY_VERIFY2_WITH_TIMEOUT(linkExists(m_nsServer, serverTap) || server.finished,
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
        QVERIFY(linkExists(m_nsServer, serverTap));
        QVERIFY(linkExists(m_nsClient, QStringLiteral("re6stnet1")));
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
        QTRY_VERIFY2_WITH_TIMEOUT(linkExists(m_nsServer, QStringLiteral("re6stnet-tcp")) || server.finished,
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
