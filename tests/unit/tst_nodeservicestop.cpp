// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/NodeService: Start and Stop that arrive while the node is stopping (a Stop, or a
// pause while the host's network is down) are answered in order, once the stop is done,
// and the node ends as the last call asked (audit F8). The node runs for real but never
// gets past fetching its network configuration (the registry is a closed port), so it
// touches no interface and needs no privilege. (tests/dbus/tst_nodeservice runs the whole
// daemon, but as root in namespaces with polkitd: not where a race can be set up.)
#include "Vectors.h"
#include "daemon/NodeService.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using daemon::NodeService;
using Reply = daemon::NodeController::Reply;

namespace {

// The answers to the calls of a test, in the order they came.
struct Answers
{
    QStringList log;
    NodeService::Done operator()(const QString &what)
    {
        return [this, what](const Reply &r) { log << (r.error.isEmpty() ? what + QStringLiteral(" ok") : what + u' ' + r.error); };
    }
};

} // namespace

class TestNodeServiceStop final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;

    daemon::NodeOptions options() const
    {
        daemon::NodeOptions o;
        o.registry = QStringLiteral("http://127.0.0.1:1/"); // refused: the node waits for its configuration
        o.state = m_dir.filePath(QStringLiteral("state"));
        o.run = m_dir.filePath(QStringLiteral("run"));
        o.ca = m_dir.filePath(QStringLiteral("ca.crt"));
        o.cert = m_dir.filePath(QStringLiteral("cert.crt"));
        o.key = m_dir.filePath(QStringLiteral("cert.key"));
        o.dbusService = true;
        return o;
    }

    // A service whose node runs (started over the API), with `answers` recording.
    static bool startRunning(NodeService &service, Answers &answers)
    {
        service.start(answers(QStringLiteral("start")));
        const bool running = answers.log == QStringList{QStringLiteral("start ok")} && service.node();
        answers.log.clear();
        return running;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        for (const auto &[from, to] : {std::pair{"crypto/ca.crt", "ca.crt"}, std::pair{"crypto/node-1-16.crt", "cert.crt"},
                                       std::pair{"crypto/node-1-16.key", "cert.key"}})
            QVERIFY(QFile::copy(test::vectorPath(QLatin1String(from)), m_dir.filePath(QLatin1String(to))));
    }

    // Start during a Stop used to answer "ok, already running" and the node then stopped.
    void startDuringStopStartsAfterIt()
    {
        NodeService service(options());
        Answers answers;
        QVERIFY(startRunning(service, answers));
        service.stop(answers(QStringLiteral("stop")));
        // Until the cleanup is done: "stopping", not yet "stopped".
        QCOMPARE(service.status().state, daemon::NodeStatus::State::Stopping);
        QCOMPARE(service.status().stateDetail, QStringLiteral("closing the tunnels and stopping babeld"));
        service.start(answers(QStringLiteral("start")));
        QVERIFY2(answers.log.isEmpty(), qPrintable(answers.log.join(u',')));
        QTRY_COMPARE(answers.log, (QStringList{QStringLiteral("stop ok"), QStringLiteral("start ok")}));
        QVERIFY(service.node());
        QVERIFY(service.status().state != daemon::NodeStatus::State::Stopped);
    }

    // Stop, Start, Stop: the last word is Stop, every call is answered in order.
    void callsQueuedBehindAStopKeepTheirOrder()
    {
        NodeService service(options());
        Answers answers;
        QVERIFY(startRunning(service, answers));
        service.stop(answers(QStringLiteral("stop1")));
        service.start(answers(QStringLiteral("start")));
        service.stop(answers(QStringLiteral("stop2")));
        QTRY_COMPARE(answers.log,
                     (QStringList{QStringLiteral("stop1 ok"), QStringLiteral("start ok"), QStringLiteral("stop2 ok")}));
        QVERIFY(!service.node());
        QCOMPARE(service.status().state, daemon::NodeStatus::State::Stopped);
    }

    // A Start while the node pauses for the host's network: answered when paused, and
    // the node resumes with the network.
    void startDuringHostPauseResumesWithTheNetwork()
    {
        NodeService service(options());
        Answers answers;
        QVERIFY(startRunning(service, answers));
        service.setHostNetworkDown(true, QStringLiteral("lo is down"));
        service.start(answers(QStringLiteral("start")));
        QVERIFY2(answers.log.isEmpty(), qPrintable(answers.log.join(u',')));
        QTRY_COMPARE(answers.log, QStringList{QStringLiteral("start ok")});
        QVERIFY(!service.node());
        QCOMPARE(service.status().stateDetail, QStringLiteral("lo is down"));
        service.setHostNetworkDown(false, {});
        QVERIFY(service.node());
    }

    // Started while the main interface is down: paused, but the status already says
    // who this node is (it used to show no certificate and no address).
    void pausedAtStartShowsItsIdentity()
    {
        NodeService service(options());
        service.setHostNetworkDown(true, QStringLiteral("lo is down"));
        service.start();
        QVERIFY(!service.node());
        const daemon::NodeStatus s = service.status();
        QCOMPARE(s.state, daemon::NodeStatus::State::Stopped);
        QCOMPARE(s.stateDetail, QStringLiteral("lo is down"));
        QCOMPARE(s.prefix, QStringLiteral("1/16"));
        QVERIFY(!s.address.isEmpty());
        QVERIFY(s.certificateNotAfter > 0);
    }

    // The network going down while the user's Stop runs must not turn that Stop into a
    // pause that the network coming up would undo.
    void hostDownDuringStopDoesNotResume()
    {
        NodeService service(options());
        Answers answers;
        QVERIFY(startRunning(service, answers));
        service.stop(answers(QStringLiteral("stop")));
        service.setHostNetworkDown(true, QStringLiteral("lo is down"));
        QTRY_COMPARE(answers.log, QStringList{QStringLiteral("stop ok")});
        service.setHostNetworkDown(false, {});
        QTest::qWait(50);
        QVERIFY(!service.node());
        QCOMPARE(service.status().state, daemon::NodeStatus::State::Stopped);
    }

    // A node that fails as it starts (its state directory cannot be made) stops by
    // itself: Start says why, and a second Start before it has stopped is not told
    // "already running".
    void startOfAFailingNodeSaysWhy()
    {
        daemon::NodeOptions o = options();
        o.state = QStringLiteral("/proc/re6st-no-such-directory/state");
        NodeService service(o);
        QStringList messages;
        auto record = [&messages](const Reply &r) { messages << r.error + u' ' + r.message; };
        service.start(record);
        service.start(record);
        QCOMPARE(messages.size(), 2);
        QVERIFY2(messages[0].startsWith(QLatin1String("org.re6st.Error.Failed cannot create the state directory")),
                 qPrintable(messages[0]));
        QVERIFY2(messages[1].startsWith(QLatin1String("org.re6st.Error.Failed the node is stopping (cannot create")),
                 qPrintable(messages[1]));
        QTRY_VERIFY(!service.node());
        QCOMPARE(service.status().state, daemon::NodeStatus::State::Error);
    }

    // Audit H4: a re6stnet.conf read at start that names no certificate files used to
    // make every Start answer "ok" and restart the daemon into the same state.
    void confWithoutCertificateLinesSaysSo()
    {
        QTemporaryDir dir;
        for (const auto &[from, to] : {std::pair{"ca.crt", "ca.crt"}, std::pair{"cert.crt", "cert.crt"},
                                       std::pair{"cert.key", "cert.key"}})
            QVERIFY(QFile::copy(m_dir.filePath(QLatin1String(from)), dir.filePath(QLatin1String(to))));
        QFile conf(dir.filePath(QStringLiteral("re6stnet.conf")));
        QVERIFY(conf.open(QIODevice::WriteOnly) && conf.write("registry http://127.0.0.1:1/\n") > 0);
        conf.close();
        daemon::NodeOptions o = options();
        o.ca.clear();
        o.cert.clear();
        o.key.clear();
        o.configDir = dir.path();
        NodeService service(o);
        QSignalSpy restarts(&service, &NodeService::finished);
        QStringList messages;
        service.start([&messages](const Reply &r) { messages << r.error + u' ' + r.message; });
        QCOMPARE(messages.size(), 1);
        const QString expected = dir.filePath(QStringLiteral("re6stnet.conf"))
            + QStringLiteral(" lacks some of the lines `ca ca.crt`, `cert cert.crt` and `key cert.key`");
        QVERIFY2(messages[0].startsWith(QStringLiteral("org.re6st.Error.Failed ") + expected), qPrintable(messages[0]));
        QCOMPARE(restarts.count(), 0);
        const daemon::NodeStatus s = service.status();
        QCOMPARE(s.state, daemon::NodeStatus::State::Error);
        QVERIFY2(s.stateDetail.startsWith(expected), qPrintable(s.stateDetail));
    }

    // Audit M7: calls that need the node up say whether it is stopped, starting or stopping.
    void callsNeedingTheNodeUpSayWhyNot()
    {
        NodeService service(options());
        QStringList messages;
        auto record = [&messages](const Reply &r) { messages << r.message; };
        service.reloadConfig(record);
        Answers answers;
        QVERIFY(startRunning(service, answers)); // waits for its configuration (registry refused)
        service.reloadConfig(record);
        service.killTunnel(QStringLiteral("1/16"), record);
        service.stop(answers(QStringLiteral("stop")));
        service.reloadConfig(record);
        service.killTunnel(QStringLiteral("1/16"), record);
        const QString starting = QStringLiteral("the node is still starting (network configuration, OpenVPN servers, "
                                                "babeld); retry in a moment");
        QCOMPARE(messages, (QStringList{QStringLiteral("the node is not running; start it first"), starting, starting,
                                        QStringLiteral("the node is stopping"), QStringLiteral("the node is stopping")}));
        QTRY_COMPARE(answers.log, QStringList{QStringLiteral("stop ok")});
    }

    // Audit L9: RemoveNeighbour names the prefix in canonical form, not the caller's text.
    void removeNeighbourNamesTheCanonicalPrefix()
    {
        NodeService service(options());
        QStringList messages;
        service.removeNeighbour(QStringLiteral("003/016"), [&messages](const Reply &r) { messages << r.message; });
        QCOMPARE(messages, QStringList{QStringLiteral("3/16 is not a neighbour")});
    }

    // Start while the process shuts down: a clear failure, not "ok" for a node that ends.
    void startDuringShutdownFails()
    {
        NodeService service(options());
        Answers answers;
        QVERIFY(startRunning(service, answers));
        service.shutdown(0);
        service.start(answers(QStringLiteral("start")));
        QCOMPARE(answers.log.size(), 1);
        QVERIFY2(answers.log.first().startsWith(QLatin1String("start org.re6st.Error.Failed")),
                 qPrintable(answers.log.first()));
    }
};

QTEST_GUILESS_MAIN(TestNodeServiceStop)
#include "tst_nodeservicestop.moc"
