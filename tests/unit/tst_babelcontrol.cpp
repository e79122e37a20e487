// SPDX-License-Identifier: GPL-2.0-or-later
// BabelControl against a fake babeld speaking stock babeld 1.12.1's text local
// interface (node-protocol.md §4.5), replaying vectors/babel/dump-node-1-16.txt.
#include "Vectors.h"
#include "core/Addressing.h"
#include "daemon/BabelControl.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using re6st::daemon::BabelControl;

namespace {

// Greeting (up to the first "ok") and the answer to `dump` from the transcript.
struct Transcript
{
    QByteArray greeting, dumpAnswer;
    Transcript()
    {
        const QList<QByteArray> lines = test::readVector("babel/dump-node-1-16.txt").split('\n');
        int i = 0;
        for (; i < lines.size(); ++i) {
            greeting += lines[i] + '\n';
            if (lines[i] == "ok") break;
        }
        for (++i; i < lines.size(); ++i) {
            if (lines[i] == "dump") continue; // our command, not babeld's output
            if (lines[i].isEmpty()) continue;
            dumpAnswer += lines[i] + '\n';
        }
    }
};

class FakeBabeld final : public QObject
{
public:
    explicit FakeBabeld(const QString &path) : m_path(path)
    {
        QObject::connect(&m_server, &QLocalServer::newConnection, this, [this] {
            while (QLocalSocket *s = m_server.nextPendingConnection()) {
                m_client = s;
                ++connections;
                if (!silentGreeting) s->write(greetingOverride.isEmpty() ? transcript.greeting : greetingOverride);
                QObject::connect(s, &QLocalSocket::readyRead, this, [this, s] {
                    m_in += s->readAll();
                    for (qsizetype nl; (nl = m_in.indexOf('\n')) >= 0;) {
                        const QByteArray cmd = m_in.left(nl);
                        m_in.remove(0, nl + 1);
                        commands << cmd;
                        if (mute) continue;
                        if (cmd == "dump" || cmd == "monitor") s->write(transcript.dumpAnswer);
                        else if (cmd == "unmonitor") s->write("ok\n");
                        else s->write("bad\n");
                    }
                });
            }
        });
    }
    bool listen() { return m_server.listen(m_path); }
    void push(const QByteArray &bytes) { if (m_client) m_client->write(bytes); }
    void dropClient() { if (m_client) m_client->abort(); }
    void close() { dropClient(); m_server.close(); }

    Transcript transcript;
    QList<QByteArray> commands;
    QByteArray greetingOverride;
    bool silentGreeting = false, mute = false;
    int connections = 0;

private:
    QString m_path;
    QLocalServer m_server;
    QPointer<QLocalSocket> m_client;
    QByteArray m_in;
};

} // namespace

class TestBabelControl final : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    QString path() const { return m_dir.filePath(QStringLiteral("babeld.sock")); }

private Q_SLOTS:
    void init() { QLocalServer::removeServer(path()); }

    void retriesUntilBabeldListens()
    {
        BabelControl control(path());
        control.setRetryInterval(20);
        int readies = 0;
        connect(&control, &BabelControl::ready, this, [&] { ++readies; });
        control.start();
        QTest::qWait(0);
        QVERIFY(!control.isReady());
        FakeBabeld fake(path());
        QVERIFY(fake.listen());
        QTRY_COMPARE_WITH_TIMEOUT(readies, 1, 10000);
        QVERIFY(control.isReady());
        QCOMPARE(control.state().version(), QStringLiteral("babeld-1.12.1"));
        QCOMPARE(control.state().host(), QStringLiteral("vm"));
        QCOMPARE(control.state().myId(), QStringLiteral("44:e3:1c:f5:b5:fc:e5:03"));
        QVERIFY(fake.commands.isEmpty()); // nothing sent before being asked
    }

    void dumpGivesTables()
    {
        FakeBabeld fake(path());
        QVERIFY(fake.listen());
        BabelControl control(path());
        QList<BabelControl::Tables> dumps;
        connect(&control, &BabelControl::dumped, this, [&](const BabelControl::Tables &t) { dumps << t; });
        control.start();
        control.requestDump(); // connecting: answered after the greeting
        QTRY_COMPARE_WITH_TIMEOUT(dumps.size(), 1, 10000);
        QCOMPARE(fake.commands, QList<QByteArray>{"dump"});
        const BabelControl::Tables &t = dumps.first();
        QVERIFY(t.valid);
        QCOMPARE(t.interfaces.size(), 3);
        QCOMPARE(t.neighbours.size(), 3);
        QCOMPARE(t.xroutes.size(), 2);
        QCOMPARE(t.routes.size(), 18);
        int installed = 0;
        for (const babel::Route &r : t.routes) installed += r.installed;
        QCOMPARE(installed, 6);
        // §4.4 on these tables: 3 other nodes (2001:db8:42::/64, :2::, :3::) routed.
        const QByteArray network = addressing::bitsFromIpv6(QStringLiteral("2001:db8:42::")).value().left(48);
        QCOMPARE(BabelDump::topology(t.neighbours, t.routes, network).peers.size(), 3);

        // A second dump is a new command and replaces the tables.
        control.requestDump();
        QTRY_COMPARE_WITH_TIMEOUT(dumps.size(), 2, 10000);
        QCOMPARE(fake.commands.size(), 2);
        QCOMPARE(dumps.last().routes.size(), 18);
    }

    void dumpWithoutBabeldIsEmpty()
    {
        BabelControl control(path());
        control.setRetryInterval(10000);
        QList<BabelControl::Tables> dumps;
        connect(&control, &BabelControl::dumped, this, [&](const BabelControl::Tables &t) { dumps << t; });
        control.start();
        control.requestDump();
        QTRY_COMPARE_WITH_TIMEOUT(dumps.size(), 1, 5000);
        QVERIFY(!dumps.first().valid);
        QVERIFY(dumps.first().routes.isEmpty());
    }

    void monitorUpdatesAndReconnect()
    {
        FakeBabeld fake(path());
        QVERIFY(fake.listen());
        BabelControl control(path());
        control.setRetryInterval(20);
        QList<BabelDump::Line> changes;
        int readies = 0, disconnects = 0;
        connect(&control, &BabelControl::changed, this, [&](const BabelDump::Line &l) { changes << l; });
        connect(&control, &BabelControl::ready, this, [&] { ++readies; });
        connect(&control, &BabelControl::disconnected, this, [&] { ++disconnects; });
        control.setMonitoring(true);
        control.start();
        QTRY_COMPARE_WITH_TIMEOUT(fake.commands, QList<QByteArray>{"monitor"}, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(control.state().routes().size(), 18, 10000);
        QVERIFY(changes.isEmpty()); // the monitor's initial dump is not a change

        fake.push("flush route 55e3d5199540 prefix 2001:db8:42::/64 from ::/0 installed yes id "
                  "34:2e:33:ed:5d:34:01:f7 metric 96 refmetric 0 via fe80::2815:9eff:fe20:4959 if re6stnet1\n"
                  "add route 77 prefix 2001:db8:42:9::/64 from ::/0 ");
        QTRY_COMPARE_WITH_TIMEOUT(changes.size(), 1, 10000);
        QCOMPARE(changes[0].kind, BabelDump::Line::Kind::Route);
        QCOMPARE(changes[0].action, BabelDump::Action::Flush);
        QCOMPARE(changes[0].route.prefix, QStringLiteral("2001:db8:42::/64"));
        QCOMPARE(control.state().routes().size(), 17);
        fake.push("installed yes id 1:2:3:4:5:6:7:8 metric 96 refmetric 0 via fe80::1 if re6stnet1\n");
        QTRY_COMPARE_WITH_TIMEOUT(changes.size(), 2, 10000);
        QCOMPARE(changes[1].action, BabelDump::Action::Add);
        QCOMPARE(changes[1].route.prefix, QStringLiteral("2001:db8:42:9::/64"));
        QVERIFY(changes[1].route.installed);
        QCOMPARE(control.state().routes().size(), 18);

        // babeld restarts: the client reconnects, is greeted and monitors again.
        fake.dropClient();
        QTRY_COMPARE_WITH_TIMEOUT(disconnects, 1, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(readies, 2, 10000);
        QTRY_COMPARE_WITH_TIMEOUT(fake.commands, (QList<QByteArray>{"monitor", "monitor"}), 10000);
        QCOMPARE(fake.connections, 2);
        QTRY_COMPARE_WITH_TIMEOUT(control.state().routes().size(), 18, 10000); // fresh tables

        control.setMonitoring(false);
        QTRY_COMPARE_WITH_TIMEOUT(fake.commands.size(), 3, 10000);
        QCOMPARE(fake.commands.last(), QByteArray("unmonitor"));
        QTRY_VERIFY_WITH_TIMEOUT(!control.isMonitoring(), 1000);
        const int before = changes.size();
        control.requestDump(); // queued behind unmonitor's answer
        QTRY_COMPARE_WITH_TIMEOUT(fake.commands.size(), 4, 10000);
        fake.push("add neighbour 99 address fe80::99 if re6stnet1 reach ffff ureach 0000 rxcost 96 txcost 96 cost 96\n");
        QTest::qWait(50);
        QCOMPARE(changes.size(), before); // no longer monitoring: not reported as a change

        // babeld goes away for good: retries keep failing quietly.
        fake.close();
        QTRY_COMPARE_WITH_TIMEOUT(disconnects, 2, 10000);
        QTest::qWait(100);
        QCOMPARE(readies, 2);
        QVERIFY(!control.isReady());
    }

    void notBabeldIsRejected()
    {
        FakeBabeld fake(path());
        fake.greetingOverride = "HTTP/1.0 400 Bad\nok\n";
        QVERIFY(fake.listen());
        BabelControl control(path());
        control.setRetryInterval(10000);
        QStringList errors;
        connect(&control, &BabelControl::protocolError, this, [&](const QString &e) { errors << e; });
        control.start();
        QTRY_COMPARE_WITH_TIMEOUT(errors.size(), 1, 10000);
        QVERIFY(errors.first().contains(QStringLiteral("-g/-G")));
        QVERIFY(!control.isReady());
    }

    void silentBabeldTimesOut()
    {
        FakeBabeld fake(path());
        fake.mute = true;
        QVERIFY(fake.listen());
        BabelControl control(path());
        control.setRetryInterval(20);
        control.setReplyTimeout(200);
        QList<BabelControl::Tables> dumps;
        int readies = 0;
        connect(&control, &BabelControl::dumped, this, [&](const BabelControl::Tables &t) { dumps << t; });
        connect(&control, &BabelControl::ready, this, [&] { ++readies; });
        control.start();
        QTRY_COMPARE_WITH_TIMEOUT(readies, 1, 10000);
        control.requestDump();
        QTRY_COMPARE_WITH_TIMEOUT(dumps.size(), 1, 10000); // no answer ⇒ empty dump, reconnect
        QVERIFY(!dumps.first().valid);
        QTRY_COMPARE_WITH_TIMEOUT(readies, 2, 10000);
    }
};

QTEST_GUILESS_MAIN(TestBabelControl)
#include "tst_babelcontrol.moc"
