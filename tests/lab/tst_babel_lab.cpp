// SPDX-License-Identifier: GPL-2.0-or-later
// Real stock babeld 1.12.1 in two private network namespaces linked by a veth
// pair (link-local IPv6 only), supervised by BabelProcess and watched through
// its text local socket by BabelControl (node-protocol.md §4.2, §4.5, §2.6).
// Needs root; skipped otherwise.
#include "core/Addressing.h"
#include "core/BabelArguments.h"
#include "daemon/BabelControl.h"
#include "daemon/BabelProcess.h"

#include <QElapsedTimer>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <memory>
#include <unistd.h>

using namespace re6st;
using re6st::daemon::BabelControl;
using re6st::daemon::BabelProcess;

namespace {

constexpr int kConvergeMs = 60000;
constexpr int kRestartDelayMs = 40000; // A drops the route after ~15 s (babeld route hold)

bool run(const QString &program, const QStringList &args, QString *output = nullptr)
{
    QProcess p;
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(program, args);
    if (!p.waitForFinished(15000)) {
        p.kill();
        p.waitForFinished(1000);
        if (output) *output = QStringLiteral("timed out");
        return false;
    }
    if (output) *output = QString::fromLocal8Bit(p.readAll());
    return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
}

bool hasInstalledRoute(const BabelDump &state, const QString &prefix)
{
    for (const babel::Route &r : state.routes())
        if (r.prefix == prefix && r.installed) return true;
    return false;
}

struct Node
{
    QString ns, prefix, socket;
    std::unique_ptr<BabelProcess> process;
    std::unique_ptr<BabelControl> control;
    int readies = 0;
};

} // namespace

class TestBabelLab final : public QObject
{
    Q_OBJECT
    QTemporaryDir m_dir;
    Node m_a, m_b;
    bool m_namespaces = false;

    bool ip(const QStringList &args)
    {
        QString out;
        if (run(QStringLiteral("ip"), args, &out)) return true;
        qWarning("ip %s: %s", qPrintable(args.join(QLatin1Char(' '))), qPrintable(out));
        return false;
    }

    bool setUpNamespace(const Node &n, const QString &subnetHex)
    {
        const QString dad = QStringLiteral("echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad; "
                                           "echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad");
        if (!ip({"netns", "add", n.ns}) || !ip({"-n", n.ns, "link", "set", "lo", "up"})
            || !ip({"netns", "exec", n.ns, "sh", "-c", dad}))
            return false;
        // A dummy interface holds the node's subnet; without the dummy module
        // (some containers) the loopback does, as with re6st's `--main-interface lo`.
        QString iface = QStringLiteral("dummy0");
        if (!run(QStringLiteral("ip"), {"-n", n.ns, "link", "add", iface, "type", "dummy"})) {
            qInfo("no dummy interface support: using lo in %s", qPrintable(n.ns));
            iface = QStringLiteral("lo");
        }
        // As the daemon does (§2.4): node address, route of its subnet. Not
        // "proto boot" (ip's default): stock babeld never redistributes those.
        return ip({"-n", n.ns, "link", "set", iface, "up"})
               && ip({"-n", n.ns, "-6", "addr", "add", QStringLiteral("2001:db8:42:%1::1/128").arg(subnetHex), "dev", iface})
               && ip({"-n", n.ns, "-6", "route", "add", n.prefix, "dev", iface, "proto", "static"});
    }

    void startNode(Node &n, const QString &subnetHex)
    {
        BabelArguments::Options o;
        o.network = addressing::bitsFromIpv6(QStringLiteral("2001:db8:42::")).value().left(48);
        o.prefix = QByteArray::number(subnetHex.toInt(nullptr, 16), 2).rightJustified(16, '0');
        o.hello = 1;
        const QString tag = n.ns.right(1);
        o.logFile = m_dir.filePath(tag + QStringLiteral(".log"));
        o.stateFile = m_dir.filePath(tag + QStringLiteral(".state"));
        o.controlSocket = n.socket;
        o.tunnelInterfaces = {QStringLiteral("veth0")};
        QString error;
        const std::optional<QStringList> args = BabelArguments::build(o, &error);
        QVERIFY2(args, qPrintable(error));
        n.process = std::make_unique<BabelProcess>();
        n.process->setCommand(QStringLiteral("ip"), QStringList{"netns", "exec", n.ns, "babeld"} + *args);
        n.process->setStaleFiles({n.socket});
        n.process->setRestartBackoff(200, 2000);
        n.process->setStopTimeout(3000);
        QVERIFY(n.process->start());
        QVERIFY(n.process->isRunning());
        n.control = std::make_unique<BabelControl>(n.socket);
        n.control->setRetryInterval(100);
        connect(n.control.get(), &BabelControl::ready, this, [&n] { ++n.readies; });
        n.control->setMonitoring(true);
        n.control->start();
    }

    void teardown()
    {
        for (Node *n : {&m_a, &m_b}) {
            n->control.reset();
            if (n->process) n->process->stopAndWait();
            n->process.reset();
        }
        if (!m_namespaces) return;
        for (Node *n : {&m_a, &m_b}) {
            QString pids; // anything left inside our own namespaces
            run(QStringLiteral("ip"), {"netns", "pids", n->ns}, &pids);
            for (const QString &p : pids.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
                if (const qint64 pid = p.trimmed().toLongLong(); pid > 1) ::kill(pid_t(pid), SIGKILL);
            run(QStringLiteral("ip"), {"netns", "del", n->ns});
        }
        m_namespaces = false;
    }

public:
    ~TestBabelLab() override { teardown(); }

private Q_SLOTS:
    void initTestCase()
    {
        if (::geteuid() != 0) QSKIP("needs root (network namespaces)");
        if (QStandardPaths::findExecutable(QStringLiteral("babeld")).isEmpty())
            QSKIP("babeld not installed: apt-get install babeld");
        if (QStandardPaths::findExecutable(QStringLiteral("ip")).isEmpty()) QSKIP("iproute2 not installed");
        QVERIFY(m_dir.isValid());
        const QString base = QStringLiteral("re6st-lab-%1-").arg(QCoreApplication::applicationPid());
        m_a.ns = base + QLatin1Char('a');
        m_b.ns = base + QLatin1Char('b');
        m_a.prefix = QStringLiteral("2001:db8:42:a::/64");
        m_b.prefix = QStringLiteral("2001:db8:42:b::/64");
        m_a.socket = m_dir.filePath(QStringLiteral("a.sock"));
        m_b.socket = m_dir.filePath(QStringLiteral("b.sock"));
        m_namespaces = true;
        QVERIFY(setUpNamespace(m_a, QStringLiteral("a")));
        QVERIFY(setUpNamespace(m_b, QStringLiteral("b")));
        QVERIFY(ip({"-n", m_a.ns, "link", "add", "veth0", "type", "veth", "peer", "name", "veth0", "netns", m_b.ns}));
        QVERIFY(ip({"-n", m_a.ns, "link", "set", "veth0", "up"}));
        QVERIFY(ip({"-n", m_b.ns, "link", "set", "veth0", "up"}));
    }

    void routeAppearsAndSurvivesKill()
    {
        QElapsedTimer clock;
        clock.start();
        startNode(m_a, QStringLiteral("a"));
        startNode(m_b, QStringLiteral("b"));
        QTRY_VERIFY_WITH_TIMEOUT(m_a.control->isReady() && m_b.control->isReady(), kConvergeMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasInstalledRoute(m_a.control->state(), m_b.prefix), kConvergeMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasInstalledRoute(m_b.control->state(), m_a.prefix), kConvergeMs);
        qInfo("routes installed both ways %lld ms after start", clock.elapsed());
        // A dump (not only monitor updates) agrees.
        // Connections capturing locals live only as long as this slot.
        QObject slotScope;
        QList<BabelControl::Tables> dumps;
        connect(m_a.control.get(), &BabelControl::dumped, &slotScope, [&](const BabelControl::Tables &t) { dumps << t; });
        m_a.control->requestDump();
        QTRY_COMPARE_WITH_TIMEOUT(dumps.size(), 1, 10000);
        QVERIFY(dumps[0].valid);
        const QByteArray network = addressing::bitsFromIpv6(QStringLiteral("2001:db8:42::")).value().left(48);
        const BabelDump::Topology topology = BabelDump::topology(dumps[0].neighbours, dumps[0].routes, network);
        QCOMPARE(topology.peers.size(), 1);
        QCOMPARE(topology.direct.size(), 1); // B identified as an adjacent peer (§4.4)
        QCOMPARE(m_b.process->restartCount(), 0);

        // SIGKILL B's babeld: the supervisor restarts it, routes come back.
        bool routeLost = false;
        connect(m_a.control.get(), &BabelControl::changed, &slotScope, [&](const BabelDump::Line &l) {
            if (l.kind == BabelDump::Line::Kind::Route && l.route.prefix == m_b.prefix
                && (l.action == BabelDump::Action::Flush || !l.route.installed))
                routeLost = true;
        });
        const qint64 oldPid = m_b.process->pid();
        QVERIFY(oldPid > 0);
        const int readiesBefore = m_b.readies;
        // Restart late enough for A to notice B's absence (a few 1 s hellos),
        // so the route really has to come back from the new babeld.
        m_b.process->setRestartBackoff(kRestartDelayMs, kRestartDelayMs);
        clock.restart();
        QCOMPARE(::kill(pid_t(oldPid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(!hasInstalledRoute(m_a.control->state(), m_b.prefix), kRestartDelayMs);
        QVERIFY(routeLost);
        QCOMPARE(m_b.process->restartCount(), 0);
        const qint64 lostAfter = clock.elapsed();
        qInfo("A lost B's route %lld ms after SIGKILL", lostAfter);
        QTRY_COMPARE_WITH_TIMEOUT(m_b.process->restartCount(), 1, kConvergeMs);
        QVERIFY(m_b.process->isRunning());
        QVERIFY(m_b.process->pid() != oldPid);
        QTRY_VERIFY_WITH_TIMEOUT(m_b.readies > readiesBefore, kConvergeMs); // reconnected
        QTRY_VERIFY_WITH_TIMEOUT(hasInstalledRoute(m_b.control->state(), m_a.prefix), kConvergeMs);
        QTRY_VERIFY_WITH_TIMEOUT(hasInstalledRoute(m_a.control->state(), m_b.prefix), kConvergeMs);
        qInfo("after SIGKILL: restarted (delay %d ms), reconnected and routes back in %lld ms (%lld ms after the restart)",
              kRestartDelayMs, clock.elapsed(), clock.elapsed() - kRestartDelayMs);
        // The installed route comes from the restarted babeld.
        for (const babel::Route &r : m_a.control->state().routes())
            if (r.prefix == m_b.prefix && r.installed) QCOMPARE(r.routerId, m_b.control->state().myId());
        QCOMPARE(m_b.process->restartCount(), 1);

        // Orderly stop (§2.6): SIGTERM, no restart.
        QSignalSpy stopped(m_b.process.get(), &BabelProcess::stopped);
        m_b.process->stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
        QVERIFY(!m_b.process->isRunning());
        QCOMPARE(m_b.process->restartCount(), 1);
    }

    // Supervisor mechanics with a stand-in program that ignores SIGTERM.
    void supervisorStopsRestartsAndReopens()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString log = dir.filePath(QStringLiteral("log")), stale = dir.filePath(QStringLiteral("stale.sock"));
        QFile f(stale);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.close();
        BabelProcess p;
        p.setCommand(QStringLiteral("sh"), {"-c", QStringLiteral("trap '' TERM; trap 'echo reopen >> %1' USR2; "
                                                                 "echo start >> %1; while :; do sleep 0.05; done").arg(log)});
        p.setStaleFiles({stale});
        p.setRestartBackoff(50, 400);
        p.setStopTimeout(300);
        QSignalSpy restarted(&p, &BabelProcess::restarted), died(&p, &BabelProcess::died);
        QVERIFY(p.start());
        QVERIFY(!p.start()); // already running
        QVERIFY(!QFile::exists(stale));
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(log), 10000);
        QVERIFY(p.reopenLog());
        const auto lines = [&log] {
            QFile l(log);
            return l.open(QIODevice::ReadOnly) ? l.readAll().split('\n') : QList<QByteArray>();
        };
        QTRY_VERIFY_WITH_TIMEOUT(lines().contains("reopen"), 10000);

        // Two crashes: restarted twice, back-off doubling 50 → 100 → 200.
        for (int i = 1; i <= 2; ++i) {
            const qint64 pid = p.pid();
            QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
            QTRY_COMPARE_WITH_TIMEOUT(restarted.size(), i, 10000);
            QVERIFY(p.pid() != pid);
        }
        QCOMPARE(p.restartCount(), 2);
        QCOMPARE(died.size(), 2);
        QCOMPARE(p.nextRestartDelay(), 200);
        QTRY_COMPARE_WITH_TIMEOUT(lines().count("start"), 3, 10000);

        // SIGTERM is ignored: SIGKILL after the bound, and no restart.
        QSignalSpy stopped(&p, &BabelProcess::stopped);
        QElapsedTimer clock;
        clock.start();
        p.stop();
        QTRY_COMPARE_WITH_TIMEOUT(stopped.size(), 1, 10000);
        QVERIFY(clock.elapsed() >= 250);
        QVERIFY(!p.isRunning());
        QCOMPARE(p.pid(), 0);
        QCOMPARE(p.restartCount(), 2);
        QCOMPARE(died.size(), 2);

        // A program that cannot start is retried, not fatal.
        BabelProcess missing;
        missing.setCommand(QStringLiteral("/nonexistent/babeld"), {});
        missing.setRestartBackoff(20, 20);
        QSignalSpy missingDied(&missing, &BabelProcess::died);
        missing.start();
        QTRY_VERIFY_WITH_TIMEOUT(missingDied.size() >= 2, 10000);
        QVERIFY(missing.lastError().contains(QStringLiteral("installed")));
        missing.stop();
    }

    void cleanupTestCase()
    {
        const QStringList names{m_a.ns, m_b.ns};
        const bool had = m_namespaces;
        teardown();
        if (!had) return;
        QString list;
        QVERIFY(run(QStringLiteral("ip"), {"netns", "list"}, &list));
        for (const QString &ns : names) QVERIFY2(!list.contains(ns), qPrintable(ns + QStringLiteral(" left behind")));
    }
};

QTEST_GUILESS_MAIN(TestBabelLab)
#include "tst_babel_lab.moc"
