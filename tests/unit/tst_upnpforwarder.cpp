// SPDX-License-Identifier: GPL-2.0-or-later
// UpnpForwarder against a fake Internet Gateway Device: node-protocol.md §9.2
// (ports, conflicts, refresh, retry, deletion at exit) and its thread (the IGD's
// blocking calls never stall the caller's event loop).
#include "core/UpnpPortSequence.h"
#include "daemon/UpnpForwarder.h"
#include "daemon/UpnpGateway.h"

#include <QElapsedTimer>
#include <QMap>
#include <QMutex>
#include <QSemaphore>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QTimer>

using re6st::UpnpPlan;
using re6st::UpnpPortSequence;
using re6st::daemon::UpnpForwarder;
using re6st::daemon::UpnpGateway;

namespace {

// The router's side, shared by the gateway objects the forwarder makes (one per attempt).
struct Router
{
    QMutex lock;
    bool answers = true;                 // SSDP discovery finds it
    QString externalIp = "11.77.0.4";
    QMap<QPair<quint16, QString>, UpnpPlan::Entry> table; // (external port, protocol)
    QSet<quint16> taken;                 // external ports another host holds: 718
    bool refuseAll = false;              // every AddPortMapping fails (501)
    int adds = 0, deletes = 0, discoveries = 0;
    QSemaphore *holdDiscovery = nullptr; // discovery blocks until released
    QThread *discoveryThread = nullptr;

    QList<UpnpPlan::Entry> entries()
    {
        const QMutexLocker l(&lock);
        return table.values();
    }
    int size()
    {
        const QMutexLocker l(&lock);
        return int(table.size());
    }
};

class FakeGateway final : public UpnpGateway
{
public:
    explicit FakeGateway(Router *r) : m_router(r) {}

    bool discover(int, QString *error) override
    {
        {
            const QMutexLocker l(&m_router->lock);
            ++m_router->discoveries;
            m_router->discoveryThread = QThread::currentThread();
        }
        if (m_router->holdDiscovery) m_router->holdDiscovery->acquire();
        const QMutexLocker l(&m_router->lock);
        if (!m_router->answers) *error = "no UPnP gateway answered within 200 ms";
        return m_router->answers;
    }
    QString lanAddress() const override { return "192.168.4.2"; }
    Result externalIp(QString *ip) override
    {
        const QMutexLocker l(&m_router->lock);
        *ip = m_router->externalIp;
        return {};
    }
    Result addMapping(quint16 externalPort, const QString &protocol, const QString &client, quint16 port,
                      const QString &description) override
    {
        const QMutexLocker l(&m_router->lock);
        ++m_router->adds;
        if (m_router->refuseAll) return {501, "ActionFailed"};
        if (m_router->taken.contains(externalPort)) return {718, "ConflictInMappingEntry"};
        const auto key = qMakePair(externalPort, protocol);
        if (m_router->table.contains(key) && m_router->table[key].internalClient != client)
            return {718, "ConflictInMappingEntry"};
        m_router->table[key] = UpnpPlan::Entry{externalPort, protocol, client, port, description};
        return {};
    }
    Result deleteMapping(quint16 externalPort, const QString &protocol) override
    {
        const QMutexLocker l(&m_router->lock);
        ++m_router->deletes;
        return m_router->table.remove(qMakePair(externalPort, protocol)) ? Result{} : Result{714, "NoSuchEntryInArray"};
    }
    QList<UpnpPlan::Entry> mappings() override
    {
        const QMutexLocker l(&m_router->lock);
        return m_router->table.values();
    }

private:
    Router *m_router;
};

UpnpForwarder::Settings settings(Router *router, QList<UpnpPlan::Rule> rules = {{1194, "tcp"}, {1194, "udp"}})
{
    UpnpForwarder::Settings s;
    s.rules = rules;
    s.portSeed = 4242;
    s.refreshMs = 60 * 60 * 1000; // tests that want refreshes set it
    s.retryMs = 50;
    s.gateway = [router] { return std::make_unique<FakeGateway>(router); };
    return s;
}

constexpr int kBound = 10000; // generous bound for conditions (ms)

} // namespace

class tst_UpnpForwarder final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void mapsEveryRuleThenDeletesAtStop()
    {
        Router router;
        UpnpForwarder f(settings(&router));
        QSignalSpy changed(&f, &UpnpForwarder::changed);
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(f.externalIp(), QStringLiteral("11.77.0.4"));
        const auto mappings = f.mappings();
        QCOMPARE(mappings.size(), 2);
        QCOMPARE(mappings[0].rule, (UpnpPlan::Rule{1194, "tcp"}));
        QCOMPARE(mappings[1].rule, (UpnpPlan::Rule{1194, "udp"}));
        QSet<QString> rows;
        for (const UpnpPlan::Entry &e : router.entries()) {
            QVERIFY(e.externalPort >= 32768 && e.externalPort <= 40959);
            QCOMPARE(e.internalClient, QStringLiteral("192.168.4.2"));
            QCOMPARE(e.internalPort, quint16(1194));
            rows << QStringLiteral("%1 %2 %3").arg(e.protocol).arg(e.externalPort).arg(e.description);
        }
        QCOMPARE(rows, (QSet<QString>{QStringLiteral("TCP %1 re6stnet openvpn server (1194/tcp)").arg(mappings[0].externalPort),
                                      QStringLiteral("UDP %1 re6stnet openvpn server (1194/udp)").arg(mappings[1].externalPort)}));
        f.stop();
        QCOMPARE(router.size(), 0);
        QVERIFY(!f.isMapped());
        f.stop(); // idempotent
    }

    void conflictTakesTheNextPort()
    {
        Router router;
        UpnpPortSequence expected(4242);
        const quint16 first = expected.next(), second = expected.next();
        router.taken << first;
        UpnpForwarder f(settings(&router, {{1194, "tcp"}}));
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QCOMPARE(f.mappings().first().externalPort, second);
        QCOMPARE(router.adds, 2);
    }

    // §9.2: 15 tries at most; then everything is cleared and tried again 60 s (here 50 ms) later.
    void givesUpAfterFifteenConflictsAndRetries()
    {
        Router router;
        UpnpPortSequence all(4242);
        for (int i = 0; i < UpnpPlan::kExternalPortCount; ++i) router.taken << all.next();
        UpnpForwarder f(settings(&router, {{1194, "tcp"}, {1195, "udp"}}));
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.attempts() >= 2, kBound);
        {
            const QMutexLocker l(&router.lock);
            QVERIFY2(router.adds >= UpnpPlan::kMaxTries, qPrintable(QString::number(router.adds)));
            router.taken.clear();
        }
        QVERIFY(!f.isMapped());
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QCOMPARE(f.mappings().size(), 2);
    }

    void noGatewayThenOneAppears()
    {
        Router router;
        router.answers = false;
        UpnpForwarder f(settings(&router));
        QSignalSpy changed(&f, &UpnpForwarder::changed);
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.attempts() >= 3, kBound);
        QVERIFY(!f.isMapped());
        QCOMPARE(changed.count(), 0); // nothing to advertise changed
        {
            const QMutexLocker l(&router.lock);
            router.answers = true;
        }
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QCOMPARE(changed.count(), 1);
    }

    // Refresh re-adds the same ports (a rebooted router gets them back); an error
    // clears them (changed() with nothing mapped), and they come back later.
    void refreshReaddsAndErrorsClear()
    {
        Router router;
        auto s = settings(&router);
        s.refreshMs = 50;
        UpnpForwarder f(s);
        QSignalSpy changed(&f, &UpnpForwarder::changed);
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        const auto before = f.mappings();
        {
            const QMutexLocker l(&router.lock);
            router.table.clear(); // the router rebooted
            router.externalIp = "11.77.0.5"; // with another address
        }
        QTRY_COMPARE_WITH_TIMEOUT(router.size(), 2, kBound);
        QTRY_COMPARE_WITH_TIMEOUT(f.externalIp(), QStringLiteral("11.77.0.5"), kBound);
        QCOMPARE(f.mappings(), before); // same external ports
        {
            const QMutexLocker l(&router.lock);
            router.refuseAll = true;
        }
        QTRY_VERIFY_WITH_TIMEOUT(!f.isMapped(), kBound);
        QVERIFY(f.externalIp().isEmpty());
        QCOMPARE(router.size(), 0); // what could be deleted was
        {
            const QMutexLocker l(&router.lock);
            router.refuseAll = false;
        }
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QVERIFY(changed.count() >= 4);
    }

    void leftOversOfAnEarlierRunAreDeleted()
    {
        Router router;
        router.table[qMakePair(quint16(40000), QString("TCP"))] =
            UpnpPlan::Entry{40000, "TCP", "192.168.4.2", 1194, "re6stnet openvpn server (1194/tcp)"};
        router.table[qMakePair(quint16(40001), QString("TCP"))] =
            UpnpPlan::Entry{40001, "TCP", "192.168.4.7", 1194, "re6stnet openvpn server (1194/tcp)"};
        router.table[qMakePair(quint16(8080), QString("TCP"))] = UpnpPlan::Entry{8080, "TCP", "192.168.4.2", 8080, "web"};
        UpnpForwarder f(settings(&router, {{1194, "tcp"}}));
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT(f.isMapped(), kBound);
        QSet<quint16> ports;
        for (const UpnpPlan::Entry &e : router.entries()) ports << e.externalPort;
        QCOMPARE(ports, (QSet<quint16>{40001, 8080, f.mappings().first().externalPort}));
        f.stop();
        ports.clear();
        for (const UpnpPlan::Entry &e : router.entries()) ports << e.externalPort;
        QCOMPARE(ports, (QSet<quint16>{40001, 8080}));
    }

    // The gateway's calls run on another thread: the caller's loop keeps running
    // while discovery blocks; stop() during discovery still deletes what gets mapped.
    void blockingCallsStayOffTheEventLoop()
    {
        Router router;
        QSemaphore hold;
        router.holdDiscovery = &hold;
        UpnpForwarder f(settings(&router));
        f.start();
        QTRY_VERIFY_WITH_TIMEOUT([&] { const QMutexLocker l(&router.lock); return router.discoveries == 1; }(), kBound);
        QVERIFY(router.discoveryThread != QThread::currentThread());
        int ticks = 0;
        QTimer timer;
        connect(&timer, &QTimer::timeout, this, [&] { ++ticks; });
        timer.start(5);
        QTRY_VERIFY_WITH_TIMEOUT(ticks >= 5, kBound); // the loop runs while the gateway blocks
        QVERIFY(!f.isMapped());
        hold.release();
        f.stop(); // waits for the discovery, lets it map, then deletes
        QCOMPARE(router.size(), 0);
        {
            const QMutexLocker l(&router.lock);
            QCOMPARE(router.adds, 2);
            QCOMPARE(router.deletes, 2);
        }
    }

    // A gateway that never answers cannot hold the exit: stop() gives up after its bound.
    void stopIsBounded()
    {
        Router router;
        QSemaphore hold;
        router.holdDiscovery = &hold;
        auto *f = new UpnpForwarder(settings(&router));
        f->start();
        QTRY_VERIFY_WITH_TIMEOUT([&] { const QMutexLocker l(&router.lock); return router.discoveries == 1; }(), kBound);
        QElapsedTimer t;
        t.start();
        f->stop(200);
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
        delete f;
        hold.release(); // the abandoned thread ends; nothing is posted to the deleted forwarder
        // It maps, then runs the release queued by stop(): the mappings still go.
        QTRY_VERIFY_WITH_TIMEOUT([&] { const QMutexLocker l(&router.lock); return router.deletes == 2; }(), kBound);
        QCOMPARE(router.size(), 0);
    }

    void noRuleNoThread()
    {
        Router router;
        UpnpForwarder f(settings(&router, {}));
        f.start();
        QCOMPARE(f.attempts(), 0);
        QCOMPARE(router.discoveries, 0);
        f.stop();
    }
};

QTEST_GUILESS_MAIN(tst_UpnpForwarder)
#include "tst_upnpforwarder.moc"
