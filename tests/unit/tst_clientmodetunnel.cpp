// SPDX-License-Identifier: GPL-2.0-or-later
// `--client HOST,PORT,PROTO[;…]` remotes (node-protocol.md §3.6), and when the
// tunnel counts as up: from OpenVPN's route-up until it reconnects, exits or is
// stopped. No root: the "openvpn" is a shell loop and the test itself speaks on
// the management socket, as openvpn would.
#include "daemon/ClientModeTunnel.h"

#include <QDir>
#include <QFile>
#include <QLocalSocket>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using re6st::daemon::ClientModeTunnel;

class tst_ClientModeTunnel final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    QString stopFile() const { return m_dir.filePath(QStringLiteral("stop")); }

    // A started tunnel whose OpenVPN runs until stopFile() exists (then exits 1).
    std::unique_ptr<ClientModeTunnel> startTunnel()
    {
        re6st::OpenVpnArguments::Common common;
        common.ca = common.cert = common.key = QStringLiteral("/nonexistent"); // openvpn never reads them here
        auto t = std::make_unique<ClientModeTunnel>(common, QList<re6st::OpenVpnArguments::Remote>{{QStringLiteral("10.0.0.1"), 1194, QStringLiteral("udp")}},
                                                    m_dir.path());
        t->setCommand({QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                       QStringLiteral("while [ ! -e '%1' ]; do sleep 0.05; done; exit 1").arg(stopFile()),
                       QStringLiteral("sh")});
        QString error;
        if (!t->start(&error)) qWarning().noquote() << error;
        return t;
    }

    // Connects where openvpn would (--management … --management-client).
    bool attach(QLocalSocket &management) const
    {
        management.connectToServer(QDir(m_dir.path()).filePath(QStringLiteral("re6stnet.mgmt")));
        return management.waitForConnected(10000);
    }

    static void say(QLocalSocket &management, const QByteArray &line)
    {
        management.write(line + '\n');
        management.flush();
    }

private Q_SLOTS:
    void init() { QFile::remove(stopFile()); }

    void upFromRouteUpToReconnection()
    {
        auto t = startTunnel();
        QSignalSpy changes(t.get(), &ClientModeTunnel::connectedChanged);
        QLocalSocket management;
        QVERIFY(attach(management));
        QVERIFY(!t->isConnected());
        say(management, ">STATE:1795696087,WAIT,,,,,,");
        say(management, ">STATE:1795696087,AUTH,,,,,,");
        QTest::qWait(100);
        QVERIFY(!t->isConnected()); // still failing to reach its server: not a tunnel up
        QCOMPARE(changes.size(), 0);
        say(management, ">STATE:1795696088,CONNECTED,SUCCESS,,10.0.0.1,1194,10.42.0.2,35524");
        QTRY_VERIFY(t->isConnected());
        QCOMPARE(changes.size(), 1);
        QCOMPARE(changes.at(0).at(0).toBool(), true);
        say(management, ">STATE:1795696150,RECONNECTING,ping-restart,,,,,");
        QTRY_VERIFY(!t->isConnected());
        QCOMPARE(changes.size(), 2);
        QCOMPARE(changes.at(1).at(0).toBool(), false);
        say(management, ">STATE:1795696152,CONNECTED,SUCCESS,,10.0.0.1,1194,10.42.0.2,35525");
        QTRY_VERIFY(t->isConnected());
        // OpenVPN exits: down (and restarted later).
        management.disconnectFromServer();
        QFile stop(stopFile());
        QVERIFY(stop.open(QIODevice::WriteOnly));
        QTRY_VERIFY_WITH_TIMEOUT(!t->isConnected(), 10000);
        QCOMPARE(changes.size(), 4);
        t->stop();
    }

    void stopEndsTheTunnel()
    {
        auto t = startTunnel();
        QSignalSpy changes(t.get(), &ClientModeTunnel::connectedChanged);
        QLocalSocket management;
        QVERIFY(attach(management));
        say(management, ">STATE:1795696088,CONNECTED,SUCCESS,,10.0.0.1,1194,10.42.0.2,35524");
        QTRY_VERIFY(t->isConnected());
        management.disconnectFromServer();
        t->stop();
        QVERIFY(!t->isConnected());
        QCOMPARE(changes.size(), 2);
    }

    void remotes()
    {
        QString error;
        const auto r = ClientModeTunnel::parseRemotes(QStringLiteral("10.0.0.1,1194,tcp;2001:db8::1,1195,udp6;h,x,tcp;10.0.0.2,1196,udp4"),
                                                      {QStringLiteral("udp")}, &error);
        QVERIFY2(r, qPrintable(error));
        QCOMPARE(r->size(), 2); // bad port skipped, udp4 = udp disabled
        QCOMPARE(r->at(0).host, QStringLiteral("10.0.0.1"));
        QCOMPARE(r->at(0).port, 1194);
        QCOMPARE(r->at(0).proto, QStringLiteral("tcp"));
        QCOMPARE(r->at(1).proto, QStringLiteral("udp6"));
    }

    void nothingLeftIsAnError()
    {
        QString error;
        QVERIFY(!ClientModeTunnel::parseRemotes(QStringLiteral("10.0.0.1,1194,udp"), {QStringLiteral("udp")}, &error));
        QVERIFY2(error.contains(QLatin1String("--disable-proto")), qPrintable(error));
        QVERIFY(!ClientModeTunnel::parseRemotes(QStringLiteral("garbage"), {}, &error));
        QVERIFY(!ClientModeTunnel::parseRemotes(QString(), {}, &error));
    }
};

QTEST_GUILESS_MAIN(tst_ClientModeTunnel)
#include "tst_clientmodetunnel.moc"
