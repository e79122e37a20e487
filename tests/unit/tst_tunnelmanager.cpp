// SPDX-License-Identifier: GPL-2.0-or-later
// node-protocol.md §5: the tunnel manager's decision core, scenario by scenario.
#include "core/TunnelManager.h"
#include <QtTest>

using namespace re6st;
using namespace re6st::tunnel;
using Kind = Action::Kind;

namespace {

const QByteArray kOurs = "00010000";     // our prefix
const QByteArray kRegistry = "00000001"; // registry node's prefix
constexpr qint64 kT0 = 1'000'000;

QByteArray peer(int i) // distinct 8-bit prefixes, never ours nor the registry's
{
    return QByteArray::number(0x80 | i, 2);
}

QString tcpAddress(int i, const QString &country = {})
{
    QString a = QStringLiteral("2001:db8::%1,1194,tcp6").arg(i);
    if (!country.isEmpty()) a += QLatin1Char(',') + country;
    return a;
}

Config baseConfig(int clientCount = 3)
{
    Config c;
    c.ourPrefix = kOurs;
    c.registryPrefix = kRegistry;
    c.clientCount = clientCount;
    c.maxClients = 2 * clientCount;
    c.tunnelRefreshMs = 300'000;
    c.helloMs = 15'000;
    return c;
}

TunnelManager manager(const Config &c, quint32 seed = 42, qint64 now = kT0)
{
    return TunnelManager(c, QRandomGenerator(seed), now);
}

babel::Neighbour neighbour(int i)
{
    babel::Neighbour n;
    n.address = QStringLiteral("fe80::%1").arg(i);
    n.interface = QStringLiteral("re6stnet%1").arg(i);
    return n;
}

// Topology where `direct` peers are adjacent (each routing `via[i]` destinations) and
// `distant` peers are reached through them; the registry node is a direct neighbour unless
// told otherwise (so that it never competes with the distant peers under test).
BabelDump::Topology topo(const QList<QByteArray> &direct, const QList<QByteArray> &distant,
                         bool registryRouted = true, const QList<int> &via = {})
{
    BabelDump::Topology t;
    for (int i = 0; i < direct.size(); ++i) {
        t.direct.insert(direct[i], neighbour(i + 1));
        t.peers.insert(direct[i]);
        QSet<QByteArray> routed{direct[i]};
        for (int k = 0; k < via.value(i, 0); ++k) routed.insert("1111" + QByteArray::number(k, 2));
        t.routedVia.insert(direct[i], routed);
    }
    for (const QByteArray &p : distant) t.peers.insert(p);
    if (registryRouted) {
        t.peers.insert(kRegistry);
        t.direct.insert(kRegistry, neighbour(100));
        t.routedVia.insert(kRegistry, {kRegistry});
    }
    return t;
}

ClientTunnel tunnelTo(const QByteArray &prefix, const QString &iface, bool connected = true)
{
    ClientTunnel t;
    t.prefix = prefix;
    t.iface = iface;
    t.connected = connected;
    return t;
}

QList<Action> ofKind(const QList<Action> &actions, Kind kind)
{
    QList<Action> out;
    for (const Action &a : actions)
        if (a.kind == kind) out << a;
    return out;
}

QSet<QByteArray> prefixes(const QList<Action> &actions)
{
    QSet<QByteArray> out;
    for (const Action &a : actions) out.insert(a.prefix);
    return out;
}

QString describe(const QList<Action> &actions)
{
    QStringList out;
    for (const Action &a : actions) {
        QStringList addrs;
        for (const PeerAddress &p : a.addresses) addrs << p.ip;
        out << QStringLiteral("%1:%2:%3:%4:%5:%6:%7")
                   .arg(int(a.kind)).arg(QString::fromLatin1(a.prefix), a.iface, addrs.join(u'|'), a.neighbour)
                   .arg(a.costMultiplier).arg(a.when);
    }
    return out.join(u'\n');
}

// Applies the tunnel actions to the snapshot, as the shell would.
void apply(Snapshot &s, const QList<Action> &actions)
{
    for (const Action &a : actions) {
        if (a.kind == Kind::OpenTunnel) {
            s.tunnels << tunnelTo(a.prefix, a.iface, false);
            s.freeInterfaces.removeAll(a.iface);
        } else if (a.kind == Kind::CloseTunnel) {
            s.tunnels.removeIf([&](const ClientTunnel &t) { return t.iface == a.iface; });
            s.freeInterfaces << a.iface;
        } else if (a.kind == Kind::MarkPeerUnreachable || a.kind == Kind::MarkPeerReachable) {
            for (CachedPeer &c : s.cache)
                if (c.prefix == a.prefix) c.failed = a.kind == Kind::MarkPeerUnreachable;
        }
    }
}

} // namespace

class TestTunnelManager final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void constants();
    void opensUpToClientCountFromCache();
    void peerGetsItsLastTapBack();
    void neverOurselvesNorExistingPeers();
    void clientCountAndNatLimit();
    void addressRequestForUncachedPeer();
    void attemptAddressesCapped();
    void refreshWithoutDump();
    void deadConnections();
    void removesLeastUsefulTunnel();
    void removalThresholdAndNeighbours();
    void killHandshakeStockBabel();
    void killHandshakeWithCostMultiplier();
    void killHardLockFailsAborts();
    void serverSideKill();
    void duplicateTunnels();
    void neighbourPickedFirst();
    void sameCountry_data();
    void sameCountry();
    void disabledProtocols();
    void failedPeersOnlyAsLastResort();
    void lastResortTakesTurns();
    void noSessionTakesNoSlot();
    void disconnectedBackoff();
    void islandBootstrap();
    void islandReachesOutWhileRegistryDead();
    void registryNode();
    void netconfCheck();
    void routeUp();
    void deterministic();
    void randomSnapshotsRespectLimits();
};

void TestTunnelManager::constants()
{
    const Config c = baseConfig();
    QCOMPARE(kRefreshPeriodMs, 5'000);
    QCOMPARE(c.timeoutMs(), 60'000);       // 4 x hello
    QCOMPARE(c.killDeadlineMs(), 120'000); // 2 x timeout
    QCOMPARE(kNetconfCheckMs, 3'600'000);
    QVERIFY(!c.isRegistryNode());
}

void TestTunnelManager::opensUpToClientCountFromCache()
{
    // No route at all: bootstrap from the cache (§5.5), up to client_count tunnels.
    TunnelManager m = manager(baseConfig(3));
    Snapshot s;
    s.now = kT0 + 5'000;
    s.cache << CachedPeer{kOurs, tcpAddress(99)}; // our own row is never used
    for (int i = 1; i <= 5; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    const QList<Action> out = m.babelDump(s);
    const QList<Action> opened = ofKind(out, Kind::OpenTunnel);
    QCOMPARE(opened.size(), 3);
    QVERIFY(!prefixes(opened).contains(kOurs));
    QSet<QString> ifaces;
    for (const Action &a : opened) {
        ifaces.insert(a.iface);
        QCOMPARE(a.addresses.size(), 1);
        QVERIFY(!a.reason.isEmpty());
    }
    QCOMPARE(ifaces, (QSet<QString>{"re6stnet1", "re6stnet2", "re6stnet3"}));
    QCOMPARE(prefixes(ofKind(out, Kind::MarkPeerUnreachable)), prefixes(opened)); // try=1 while connecting
    QCOMPARE(ofKind(out, Kind::ScheduleNext).value(0).when, s.now + 5'000);
    QCOMPARE(m.nextTunnelRefresh(), s.now + 300'000); // reset by each OpenVPN start

    // Full: nothing more is opened.
    Snapshot s2 = s;
    apply(s2, out);
    s2.now += 5'000;
    QVERIFY(ofKind(m.babelDump(s2), Kind::OpenTunnel).isEmpty());
}

void TestTunnelManager::peerGetsItsLastTapBack()
{
    // Local hint (Snapshot::lastInterfaces): a tunnel to a peer takes the tap of its
    // last tunnel when that tap is free, else the first free one as before.
    TunnelManager m = manager(baseConfig(2));
    Snapshot s;
    s.now = kT0 + 5'000;
    s.cache << CachedPeer{peer(1), tcpAddress(1)} << CachedPeer{peer(2), tcpAddress(2)};
    s.freeInterfaces = {"re6stnet1", "re6stnet2", "re6stnet3"};
    s.lastInterfaces = {{peer(1), "re6stnet3"}, {peer(2), "re6stnet7"}}; // re6stnet7: not free
    const QList<Action> opened = ofKind(m.babelDump(s), Kind::OpenTunnel);
    QCOMPARE(opened.size(), 2);
    QHash<QByteArray, QString> ifaceOf;
    for (const Action &a : opened) ifaceOf.insert(a.prefix, a.iface);
    QCOMPARE(ifaceOf.value(peer(1)), QString("re6stnet3"));
    QCOMPARE(ifaceOf.value(peer(2)), QString("re6stnet1"));

    // A tunnel that died is closed (the refresh then asks for a dump); the tunnel
    // opened after that dump takes the dead one's tap, recorded by the driver.
    TunnelManager m2 = manager(baseConfig(1));
    Snapshot d;
    d.now = kT0 + 5'000;
    d.cache << CachedPeer{peer(1), tcpAddress(1)};
    d.freeInterfaces = {"re6stnet1"};
    ClientTunnel dead = tunnelTo(peer(1), "re6stnet2");
    dead.exited = true;
    d.tunnels << dead;
    const QList<Action> out = m2.refresh(d);
    QCOMPARE(ofKind(out, Kind::CloseTunnel).value(0).iface, QString("re6stnet2"));
    QVERIFY(ofKind(out, Kind::OpenTunnel).isEmpty());
    QCOMPARE(ofKind(out, Kind::RequestDump).size(), 1);
    Snapshot d2 = d;
    apply(d2, out);
    d2.lastInterfaces.insert(peer(1), "re6stnet2"); // what the driver records on close
    d2.now += 1'000;
    const QList<Action> later = ofKind(m2.babelDump(d2), Kind::OpenTunnel);
    QCOMPARE(later.size(), 1);
    QCOMPARE(later.first().prefix, peer(1));
    QCOMPARE(later.first().iface, QString("re6stnet2"));
}

void TestTunnelManager::neverOurselvesNorExistingPeers()
{
    TunnelManager m = manager(baseConfig(4));
    Snapshot s;
    s.now = kT0 + 1;
    const QByteArray connected = peer(1), served = peer(2);
    s.topology = topo({connected}, {served, kOurs, peer(3), peer(4), peer(5)});
    s.tunnels << tunnelTo(connected, "re6stnet1");
    s.served = {served};
    for (int i = 1; i <= 5; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    s.cache << CachedPeer{kOurs, tcpAddress(0)} << CachedPeer{kRegistry, tcpAddress(7)};
    const QList<Action> out = m.babelDump(s);
    const QSet<QByteArray> targets = prefixes(ofKind(out, Kind::OpenTunnel)) + prefixes(ofKind(out, Kind::SendAddressRequest));
    QVERIFY(!targets.contains(kOurs));
    QVERIFY(!targets.contains(connected));
    QVERIFY(!targets.contains(served));
    QCOMPARE(ofKind(out, Kind::OpenTunnel).size(), 3); // 4 - 1 existing
    QVERIFY(!ofKind(out, Kind::EnsureRegistrySession).isEmpty()); // registry routed (§5.12)
    for (const Action &a : ofKind(out, Kind::OpenTunnel)) QVERIFY(a.iface != "re6stnet1");

    // Without cached addresses: no address request to ourselves nor to peers we have tunnels with.
    TunnelManager m2 = manager(baseConfig(4));
    Snapshot s2 = s;
    s2.cache.clear();
    const QSet<QByteArray> asked = prefixes(ofKind(m2.babelDump(s2), Kind::SendAddressRequest));
    QCOMPARE(asked, (QSet<QByteArray>{peer(3), peer(4), peer(5)}));

    // A registry bootstrap answer naming ourselves or a connected peer opens nothing.
    TunnelManager m3 = manager(baseConfig(4));
    Snapshot lonely;
    lonely.now = kT0 + 1;
    lonely.tunnels << tunnelTo(connected, "re6stnet1");
    QCOMPARE(ofKind(m3.babelDump(lonely), Kind::AskBootstrapPeer).size(), 1);
    QVERIFY(ofKind(m3.bootstrapPeer(lonely, CachedPeer{kOurs, tcpAddress(0)}), Kind::OpenTunnel).isEmpty());
    lonely.now = m3.disconnectedUntil() + 1; // after the back-off, asked again
    QCOMPARE(ofKind(m3.babelDump(lonely), Kind::AskBootstrapPeer).size(), 1);
    QVERIFY(ofKind(m3.bootstrapPeer(lonely, CachedPeer{connected, tcpAddress(1)}), Kind::OpenTunnel).isEmpty());
}

void TestTunnelManager::clientCountAndNatLimit()
{
    const QList<QByteArray> distant{peer(1), peer(2), peer(3), peer(4), peer(5), peer(6)};
    Snapshot s;
    s.now = kT0 + 1;
    s.topology = topo({}, distant);
    for (int i = 1; i <= 6; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    {   // Nobody connects to us: at most 2 client tunnels (§5.11).
        TunnelManager m = manager(baseConfig(5));
        QCOMPARE(ofKind(m.babelDump(s), Kind::OpenTunnel).size(), 2);
    }
    {   // Served by someone: client_count, even when many peers use our servers (max_clients is OpenVPN's).
        Snapshot s2 = s;
        for (int i = 20; i < 40; ++i) s2.served.insert(peer(i));
        TunnelManager m = manager(baseConfig(5));
        QCOMPARE(ofKind(m.babelDump(s2), Kind::OpenTunnel).size(), 5);
        s2.tunnels.clear();
        for (int i = 1; i <= 5; ++i) s2.tunnels << tunnelTo(peer(50 + i), QStringLiteral("re6stnet%1").arg(i));
        QVERIFY(ofKind(m.babelDump(s2), Kind::OpenTunnel).isEmpty());
    }
    {   // client_count 0: no tunnel manager at all.
        TunnelManager m = manager(baseConfig(0));
        const QList<Action> out = m.babelDump(s);
        QVERIFY(ofKind(out, Kind::OpenTunnel).isEmpty());
        QVERIFY(ofKind(out, Kind::SendAddressRequest).isEmpty());
    }
}

void TestTunnelManager::addressRequestForUncachedPeer()
{
    TunnelManager m = manager(baseConfig(1));
    Snapshot s;
    s.now = kT0 + 1;
    s.served = {peer(9)};
    s.topology = topo({}, {peer(1)});
    s.sessions = {peer(1)};
    const QList<Action> out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::SendAddressRequest).size(), 1);
    QCOMPARE(ofKind(out, Kind::SendAddressRequest)[0].prefix, peer(1));
    QVERIFY(m.connecting().contains(peer(1)));
    // A reply from someone we did not ask opens nothing; the expected one opens a tunnel.
    QVERIFY(m.peerMessage(s, peer(2), PeerPayload::Address, tcpAddress(2).toUtf8()).isEmpty());
    const QList<Action> opened = m.peerMessage(s, peer(1), PeerPayload::Address, tcpAddress(1).toUtf8());
    QCOMPARE(ofKind(opened, Kind::OpenTunnel).size(), 1);
    QCOMPARE(ofKind(opened, Kind::OpenTunnel)[0].addresses[0].ip, "2001:db8::1");
    QVERIFY(!m.connecting().contains(peer(1)));
    QVERIFY(ofKind(m.peerMessage(s, peer(1), PeerPayload::Address, tcpAddress(1).toUtf8()), Kind::OpenTunnel).isEmpty());
}

// A peer's answer steers one client slot through its addresses, one OpenVPN each
// (§5.4): at most kMaxAttemptAddresses of them, the first usable ones in its order.
void TestTunnelManager::attemptAddressesCapped()
{
    QStringList entries;
    for (int i = 1; i <= 1000; ++i)
        entries << QStringLiteral("192.0.2.%1,%2,udp;2001:db8::%1,%2,tcp6").arg(i % 250 + 1).arg(1000 + i);
    const QString raw = entries.join(QLatin1Char(';'));
    const QString parsed = PeerAddress::dumpList(PeerAddress::parseUntrusted(raw)); // as it reaches us
    QCOMPARE(PeerAddress::parseList(parsed).size(), PeerAddress::kMaxListEntries);
    for (const QString &body : {raw, parsed}) {
        TunnelManager m = manager(baseConfig(1)); // udp disabled: tcp6 entries only
        Snapshot s;
        s.now = kT0 + 1;
        s.served = {peer(9)};
        s.topology = topo({}, {peer(1)});
        s.sessions = {peer(1)};
        QCOMPARE(ofKind(m.babelDump(s), Kind::SendAddressRequest).size(), 1);
        const QList<Action> open = ofKind(m.peerMessage(s, peer(1), PeerPayload::Address, body.toUtf8()), Kind::OpenTunnel);
        QCOMPARE(open.size(), 1);
        QCOMPARE(open[0].addresses.size(), kMaxAttemptAddresses);
        QCOMPARE(kMaxAttemptAddresses, 8);
        for (int i = 0; i < kMaxAttemptAddresses; ++i) // the peer's order (§5.5)
            QCOMPARE(open[0].addresses[i], (PeerAddress{QStringLiteral("2001:db8::%1").arg(i + 2), quint16(1001 + i),
                                                         QStringLiteral("tcp6"), {}}));
        // Each failure retries the next one: the slot is free after 8 attempts at most.
        Snapshot failing = s;
        failing.tunnels << tunnelTo(peer(1), open[0].iface, false);
        failing.tunnels[0].exited = true;
        failing.tunnels[0].remainingAddresses = open[0].addresses.mid(1);
        int attempts = 1;
        for (;; ++attempts) {
            const QList<Action> retry = ofKind(m.refresh(failing), Kind::RetryTunnel);
            if (retry.isEmpty()) break;
            failing.tunnels[0].remainingAddresses = retry[0].addresses.mid(1);
        }
        QCOMPARE(attempts, kMaxAttemptAddresses);
    }
}

// §5.5/§6.3: asking a peer without a connected session only sends it a hello (the
// request is dropped), so it takes no slot: the next distant peer is asked instead.
void TestTunnelManager::noSessionTakesNoSlot()
{
    for (quint32 seed = 1; seed <= 20; ++seed) {
        TunnelManager m = manager(baseConfig(1), seed);
        Snapshot s;
        s.now = kT0 + 1;
        s.served = {peer(9)};
        s.topology = topo({}, {peer(1), peer(2)});
        s.sessions = {peer(2)};
        const QList<Action> asked = ofKind(m.babelDump(s), Kind::SendAddressRequest);
        QCOMPARE(m.connecting(), (QSet<QByteArray>{peer(2)}));
        QVERIFY(prefixes(asked).contains(peer(2)));
        QVERIFY(asked.size() <= 2);
    }
}

void TestTunnelManager::refreshWithoutDump()
{
    TunnelManager m = manager(baseConfig(2));
    Snapshot s;
    s.now = kT0 + 1;
    s.served = {peer(30)};
    s.topology = topo({}, {peer(1), peer(2), peer(3), peer(4), peer(5)});
    for (int i = 1; i <= 5; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    // Before any dump the distant list is empty: ask for a dump.
    QCOMPARE(ofKind(m.refresh(s), Kind::RequestDump).size(), 1);
    QList<Action> out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::OpenTunnel).size(), 2);
    apply(s, out);
    s.now += 5'000;
    out = m.refresh(s); // nothing to do: just the next tick
    QVERIFY(ofKind(out, Kind::RequestDump).isEmpty());
    QCOMPARE(ofKind(out, Kind::ScheduleNext).value(0).when, s.now + 5'000);
    // One tunnel closed: three distant peers remain from the last dump, reused without a dump.
    s.tunnels.removeFirst();
    out = m.refresh(s);
    QCOMPARE(ofKind(out, Kind::OpenTunnel).size(), 1);
    QVERIFY(ofKind(out, Kind::RequestDump).isEmpty());
    apply(s, out);
    // A tunnel that never connected and has no address left is replaced at once, on its tap.
    s.tunnels.first().exited = true;
    const QString failedIface = s.tunnels.first().iface;
    out = m.refresh(s);
    QCOMPARE(ofKind(out, Kind::CloseTunnel).size(), 1);
    QCOMPARE(ofKind(out, Kind::OpenTunnel).size(), 1);
    QCOMPARE(ofKind(out, Kind::OpenTunnel)[0].iface, failedIface);
    const auto position = [&](Kind kind) {
        for (qsizetype i = 0; i < out.size(); ++i)
            if (out[i].kind == kind) return i;
        return qsizetype(-1);
    };
    QVERIFY(position(Kind::CloseTunnel) < position(Kind::OpenTunnel)); // the shell frees the tap first
    apply(s, out);
    QCOMPARE(s.tunnels.size(), 2);
    // Past tunnel_refresh: a dump is requested.
    s.now = m.nextTunnelRefresh() + 1;
    QCOMPARE(ofKind(m.refresh(s), Kind::RequestDump).size(), 1);
}

void TestTunnelManager::deadConnections()
{
    TunnelManager m = manager(baseConfig(3));
    Snapshot s;
    s.now = kT0 + 1;
    ClientTunnel died = tunnelTo(peer(1), "re6stnet1", true);
    died.exited = true;
    ClientTunnel retry = tunnelTo(peer(2), "re6stnet2", false);
    retry.exited = true;
    retry.remainingAddresses = PeerAddress::parseList("192.0.2.2,1194,tcp");
    ClientTunnel exhausted = tunnelTo(peer(3), "re6stnet3", false);
    exhausted.exited = true;
    s.tunnels << died << retry << exhausted;
    const QList<Action> out = m.refresh(s);
    const QList<Action> closed = ofKind(out, Kind::CloseTunnel);
    QCOMPARE(prefixes(closed), (QSet<QByteArray>{peer(1), peer(3)}));
    const QList<Action> retried = ofKind(out, Kind::RetryTunnel);
    QCOMPARE(retried.size(), 1);
    QCOMPARE(retried[0].iface, "re6stnet2");
    QCOMPARE(retried[0].addresses[0].ip, "192.0.2.2");
    QCOMPARE(ofKind(out, Kind::RequestDump).size(), 1); // an established tunnel died
    QVERIFY(ofKind(out, Kind::MarkPeerReachable).isEmpty()); // failed peers stay try=1
    QCOMPARE(m.nextTunnelRefresh(), s.now + 300'000);        // OpenVPN restarted
}

void TestTunnelManager::removesLeastUsefulTunnel()
{
    TunnelManager m = manager(baseConfig(3));
    const QByteArray a = peer(1), b = peer(2), c = peer(3);
    Snapshot s;
    s.served = {peer(40)};
    s.tunnels << tunnelTo(a, "re6stnet1") << tunnelTo(b, "re6stnet2") << tunnelTo(c, "re6stnet3");
    s.topology = topo({a, b, c}, {peer(4), peer(5)}, true, {5, 1, 3});
    for (int i = 1; i <= 5; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    s.now = kT0 + 299'000; // not yet
    QVERIFY(ofKind(m.babelDump(s), Kind::SendKillRequest).isEmpty());
    s.now = kT0 + 300'001;
    QList<Action> out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::SendKillRequest).size(), 1); // exactly one victim
    QCOMPARE(ofKind(out, Kind::SendKillRequest)[0].prefix, b); // fewest routed destinations
    QVERIFY(ofKind(out, Kind::OpenTunnel).isEmpty());
    QCOMPARE(m.nextTunnelRefresh(), s.now + 300'000);
    // The victim answers code 3: close it; the next dump opens a replacement.
    s.now += 1'000;
    out = m.peerMessage(s, b, PeerPayload::TunnelKillReady, {});
    QCOMPARE(ofKind(out, Kind::CloseTunnel).size(), 1);
    QCOMPARE(ofKind(out, Kind::CloseTunnel)[0].iface, "re6stnet2");
    apply(s, out);
    s.topology = topo({a, c}, {b, peer(4), peer(5)}, true, {5, 3});
    s.now += 5'000;
    out = m.babelDump(s);
    const QList<Action> opened = ofKind(out, Kind::OpenTunnel);
    QCOMPARE(opened.size(), 1);
    QCOMPARE(opened[0].iface, "re6stnet2"); // tap reused
    QVERIFY(m.killers().isEmpty());

    // An unidentified tunnel (no route through it) scores lowest of all.
    TunnelManager m2 = manager(baseConfig(3));
    Snapshot s2 = s;
    s2.tunnels = {tunnelTo(a, "re6stnet1"), tunnelTo(b, "re6stnet2"), tunnelTo(c, "re6stnet3")};
    s2.topology = topo({a, c}, {}, true, {0, 0});
    s2.now = kT0 + 300'001;
    QCOMPARE(ofKind(m2.babelDump(s2), Kind::SendKillRequest).value(0).prefix, b);
}

void TestTunnelManager::removalThresholdAndNeighbours()
{
    const QByteArray a = peer(1), b = peer(2);
    Snapshot s;
    s.now = kT0 + 300'001;
    s.tunnels << tunnelTo(a, "re6stnet1") << tunnelTo(b, "re6stnet2");
    s.topology = topo({a, b}, {}, true, {1, 9});
    {   // Served by someone: threshold is client_count (3) > 2 tunnels, nothing removed.
        TunnelManager m = manager(baseConfig(3));
        Snapshot s2 = s;
        s2.served = {peer(40)};
        QVERIFY(ofKind(m.babelDump(s2), Kind::SendKillRequest).isEmpty());
    }
    {   // NATed: threshold min(2, client_count) = 2, a is removed.
        TunnelManager m = manager(baseConfig(3));
        QCOMPARE(ofKind(m.babelDump(s), Kind::SendKillRequest).value(0).prefix, a);
    }
    {   // a is a --neighbour: the other one goes, despite routing more.
        Config c = baseConfig(3);
        c.neighbours = {a};
        TunnelManager m = manager(c);
        QCOMPARE(ofKind(m.babelDump(s), Kind::SendKillRequest).value(0).prefix, b);
    }
    {   // All tunnels are --neighbour tunnels: none is removed (§5.9).
        Config c = baseConfig(3);
        c.neighbours = {a, b};
        TunnelManager m = manager(c);
        QVERIFY(ofKind(m.babelDump(s), Kind::SendKillRequest).isEmpty());
    }
}

void TestTunnelManager::killHandshakeStockBabel()
{
    TunnelManager m = manager(baseConfig(2));
    const QByteArray a = peer(1), b = peer(2);
    Snapshot s;
    s.tunnels << tunnelTo(a, "re6stnet1") << tunnelTo(b, "re6stnet2");
    s.topology = topo({a, b}, {}, true, {1, 4});
    s.now = kT0 + 300'001;
    QCOMPARE(ofKind(m.babelDump(s), Kind::SendKillRequest).value(0).prefix, a);
    QCOMPARE(m.killers().size(), 1);
    QCOMPARE(m.killers()[0].state, Killer::State::Locked);
    // A kill in progress forces dumps at each refresh (§5.3).
    QCOMPARE(ofKind(m.refresh(s), Kind::RequestDump).size(), 1);
    // Code 3 from a peer we are not killing is ignored.
    QVERIFY(m.peerMessage(s, b, PeerPayload::TunnelKillReady, {}).isEmpty());
    // No answer within 2 x timeout: abort and keep the tunnel (stock babeld: nothing to restore).
    s.now += 120'000;
    QList<Action> out = m.babelDump(s);
    QCOMPARE(m.killers().size(), 1);
    s.now += 1;
    out = m.babelDump(s);
    QVERIFY(m.killers().isEmpty());
    QVERIFY(ofKind(out, Kind::CloseTunnel).isEmpty());
    QVERIFY(ofKind(out, Kind::SetCostMultiplier).isEmpty());
    QVERIFY(m.peerMessage(s, a, PeerPayload::TunnelKillReady, {}).isEmpty()); // too late
}

void TestTunnelManager::killHandshakeWithCostMultiplier()
{
    Config c = baseConfig(2);
    c.babelCostMultiplier = true;
    TunnelManager m = manager(c);
    const QByteArray a = peer(1), b = peer(2);
    Snapshot s;
    s.tunnels << tunnelTo(a, "re6stnet1") << tunnelTo(b, "re6stnet2");
    s.topology = topo({a, b}, {}, true, {1, 4});
    const QString key = "fe80::1%re6stnet1";
    s.costMultipliers.insert(key, 256);
    s.now = kT0 + 300'001;
    QList<Action> out = m.babelDump(s);
    QList<Action> cost = ofKind(out, Kind::SetCostMultiplier);
    QCOMPARE(cost.size(), 1);
    QCOMPARE(cost[0].neighbour, key);
    QCOMPARE(cost[0].costMultiplier, 4096); // soft lock
    QVERIFY(ofKind(out, Kind::SendKillRequest).isEmpty());
    // Still identified: wait.
    s.now += 5'000;
    QVERIFY(ofKind(m.babelDump(s), Kind::SetCostMultiplier).isEmpty());
    // No longer identified and no unidentified routes: hard lock.
    s.topology = topo({b}, {a}, true, {4});
    s.now += 5'000;
    cost = ofKind(m.babelDump(s), Kind::SetCostMultiplier);
    QCOMPARE(cost.size(), 1);
    QCOMPARE(cost[0].costMultiplier, 0);
    // babeld reports it locked: code 2.
    s.lockedNeighbours = {key};
    s.now += 5'000;
    out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::SendKillRequest).value(0).prefix, a);
    QCOMPARE(m.killers()[0].state, Killer::State::Locked);
    // Code 3: close, then unlock at the renewed deadline, restoring the multiplier.
    out = m.peerMessage(s, a, PeerPayload::TunnelKillReady, {});
    QCOMPARE(ofKind(out, Kind::CloseTunnel).value(0).iface, "re6stnet1");
    apply(s, out);
    QCOMPARE(m.killers()[0].state, Killer::State::Unlocking);
    s.now += 120'001;
    cost = ofKind(m.babelDump(s), Kind::SetCostMultiplier);
    QCOMPARE(cost.size(), 1);
    QCOMPARE(cost[0].costMultiplier, 256);
    QVERIFY(m.killers().isEmpty());
}

void TestTunnelManager::killHardLockFailsAborts()
{
    Config c = baseConfig(2);
    c.babelCostMultiplier = true;
    TunnelManager m = manager(c);
    const QByteArray a = peer(1), b = peer(2);
    Snapshot s;
    s.tunnels << tunnelTo(a, "re6stnet1") << tunnelTo(b, "re6stnet2");
    s.topology = topo({a, b}, {}, true, {1, 4});
    s.now = kT0 + 300'001;
    m.babelDump(s);
    s.topology = topo({b}, {a}, true, {4});
    s.now += 5'000;
    m.babelDump(s); // hard locking
    s.now += 5'000;
    QList<Action> out = m.babelDump(s); // not reported locked: deadline 0
    QVERIFY(ofKind(out, Kind::SendKillRequest).isEmpty());
    s.now += 5'000;
    out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::SetCostMultiplier).size(), 1); // restored
    QVERIFY(m.killers().isEmpty());
    QVERIFY(ofKind(out, Kind::CloseTunnel).isEmpty());
}

void TestTunnelManager::serverSideKill()
{
    TunnelManager m = manager(baseConfig(2));
    Snapshot s;
    s.now = kT0;
    s.served = {peer(1)};
    QList<Action> out = m.peerMessage(s, peer(1), PeerPayload::TunnelKillRequest, {});
    QCOMPARE(ofKind(out, Kind::SendKillReady).size(), 1);
    QCOMPARE(ofKind(out, Kind::SendKillReady)[0].prefix, peer(1));
    // Not one of our clients: ignored.
    QVERIFY(m.peerMessage(s, peer(2), PeerPayload::TunnelKillRequest, {}).isEmpty());
    // No tunnel manager: codes 2/3 ignored (§5.8).
    TunnelManager serveOnly = manager(baseConfig(0));
    QVERIFY(serveOnly.peerMessage(s, peer(1), PeerPayload::TunnelKillRequest, {}).isEmpty());

    // With cost multipliers the server locks first, then answers; a disconnect aborts.
    Config c = baseConfig(2);
    c.babelCostMultiplier = true;
    TunnelManager fork = manager(c);
    s.topology = topo({peer(1)}, {}, true, {1});
    out = fork.peerMessage(s, peer(1), PeerPayload::TunnelKillRequest, {});
    QCOMPARE(ofKind(out, Kind::SetCostMultiplier).value(0).costMultiplier, 4096);
    QVERIFY(ofKind(out, Kind::SendKillReady).isEmpty());
    fork.clientDisconnect(s, peer(1));
    QCOMPARE(fork.killers().value(0).state, Killer::State::Unlocking);
}

void TestTunnelManager::duplicateTunnels()
{
    Snapshot s;
    s.now = kT0;
    const QByteArray bigger = "00100000", smaller = "00001000";
    s.tunnels << tunnelTo(bigger, "re6stnet1") << tunnelTo(smaller, "re6stnet2");
    TunnelManager m = manager(baseConfig(3));
    QList<Action> out;
    QVERIFY(m.clientConnect(s, bigger, false, &out));
    // Ours ("00010000") is smaller: we drop our client tunnel and reset the peer's try.
    QCOMPARE(ofKind(out, Kind::CloseTunnel).value(0).iface, "re6stnet1");
    QCOMPARE(ofKind(out, Kind::MarkPeerReachable).value(0).prefix, bigger);
    out.clear();
    QVERIFY(m.clientConnect(s, smaller, false, &out));
    QVERIFY(out.isEmpty()); // the other side closes it
    QVERIFY(!m.clientConnect(s, peer(3), true, &out)); // revoked certificate
    // The periodic refresh resolves the same situation from a snapshot.
    s.served = {bigger, smaller};
    QCOMPARE(prefixes(ofKind(m.refresh(s), Kind::CloseTunnel)), (QSet<QByteArray>{bigger}));
}

void TestTunnelManager::neighbourPickedFirst()
{
    Config c = baseConfig(1);
    c.neighbours = {peer(7)};
    for (quint32 seed = 1; seed <= 20; ++seed) {
        TunnelManager m = manager(c, seed);
        Snapshot s;
        s.now = kT0 + 1;
        s.served = {peer(40)};
        s.topology = topo({}, {peer(1), peer(2), peer(3), peer(7), peer(8)});
        for (int i = 1; i <= 8; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
        QCOMPARE(ofKind(m.babelDump(s), Kind::OpenTunnel).value(0).prefix, peer(7));
    }
    // Not connected proactively when it is not a distant peer.
    TunnelManager m = manager(c);
    Snapshot s;
    s.now = kT0 + 1;
    s.served = {peer(40)};
    s.topology = topo({}, {peer(1)});
    s.cache << CachedPeer{peer(1), tcpAddress(1)} << CachedPeer{peer(7), tcpAddress(7)};
    QCOMPARE(prefixes(ofKind(m.babelDump(s), Kind::OpenTunnel)), (QSet<QByteArray>{peer(1)}));
}

void TestTunnelManager::sameCountry_data()
{
    QTest::addColumn<QString>("ours");
    QTest::addColumn<QString>("theirs");
    QTest::addColumn<bool>("usable");
    // same_country = FR, DE
    QTest::newRow("listed, same") << "FR" << "FR" << true;
    QTest::newRow("listed, other listed") << "FR" << "DE" << false;
    QTest::newRow("listed, unlisted") << "FR" << "US" << false;
    QTest::newRow("listed, unknown") << "FR" << "" << true;
    QTest::newRow("unlisted, listed") << "US" << "DE" << false;
    QTest::newRow("unlisted, unlisted") << "US" << "JP" << true;
    QTest::newRow("unknown ours, listed") << "" << "FR" << false;
    QTest::newRow("via geoip, listed") << "US" << "geo:DE" << false;
    QTest::newRow("via geoip, unlisted") << "US" << "geo:JP" << true;
}

void TestTunnelManager::sameCountry()
{
    QFETCH(QString, ours);
    QFETCH(QString, theirs);
    QFETCH(bool, usable);
    Config c = baseConfig();
    c.sameCountry = {"FR", "DE"};
    c.ourCountry = ours;
    QString address = tcpAddress(1, theirs);
    if (theirs.startsWith("geo:")) {
        const QString country = theirs.mid(4);
        c.geoip = [country](const QString &) { return country; };
        address = tcpAddress(1);
    }
    TunnelManager m = manager(c);
    QCOMPARE(m.usableAddresses(address).size(), usable ? 1 : 0);
    // make_tunnel with nothing usable opens nothing but still marks the peer (§5.4).
    Snapshot s;
    s.now = kT0 + 1;
    s.cache << CachedPeer{peer(1), address};
    const QList<Action> out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::OpenTunnel).size(), usable ? 1 : 0);
    QCOMPARE(ofKind(out, Kind::MarkPeerUnreachable).size(), 1);
}

void TestTunnelManager::disabledProtocols()
{
    TunnelManager m = manager(baseConfig()); // default: udp, udp6 disabled
    const QList<PeerAddress> usable =
        m.usableAddresses("192.0.2.1,1194,udp;192.0.2.1,1194,udp4;2001:db8::1,1194,udp6;192.0.2.1,1194,tcp");
    QCOMPARE(usable.size(), 1);
    QCOMPARE(usable[0].proto, "tcp");
    Config none = baseConfig();
    none.disabledProtocols.clear(); // --disable-proto none
    QCOMPARE(manager(none).usableAddresses("192.0.2.1,1194,udp;2001:db8::1,1194,udp6").size(), 2);
}

void TestTunnelManager::failedPeersOnlyAsLastResort()
{
    Snapshot s;
    s.now = kT0 + 1;
    s.cache << CachedPeer{peer(1), tcpAddress(1), true} << CachedPeer{peer(2), tcpAddress(2), false};
    {   // A try=0 peer exists: the failed one is not retried.
        TunnelManager m = manager(baseConfig(3));
        QCOMPARE(prefixes(ofKind(m.babelDump(s), Kind::OpenTunnel)), (QSet<QByteArray>{peer(2)}));
    }
    Snapshot onlyFailed = s;
    onlyFailed.cache.removeLast();
    {   // Nothing else: first ask the registry, then the failed peer as last chance.
        TunnelManager m = manager(baseConfig(3));
        QList<Action> out = m.babelDump(onlyFailed);
        QVERIFY(ofKind(out, Kind::OpenTunnel).isEmpty());
        QCOMPARE(ofKind(out, Kind::AskBootstrapPeer).size(), 1);
        out = m.bootstrapPeer(onlyFailed, std::nullopt);
        QCOMPARE(prefixes(ofKind(out, Kind::OpenTunnel)), (QSet<QByteArray>{peer(1)}));
        // A registry answer opens that peer instead.
        TunnelManager m2 = manager(baseConfig(3));
        m2.babelDump(onlyFailed);
        out = m2.bootstrapPeer(onlyFailed, CachedPeer{peer(5), tcpAddress(5)});
        QCOMPARE(prefixes(ofKind(out, Kind::OpenTunnel)), (QSet<QByteArray>{peer(5)}));
        // Unsolicited answers are ignored.
        QVERIFY(m2.bootstrapPeer(onlyFailed, CachedPeer{peer(6), tcpAddress(6)}).isEmpty());
    }
}

// Registry down, the cache holding only failed peers: each round's last chance goes to
// the peer tried least recently, so a dead peer never hides a live one for long.
void TestTunnelManager::lastResortTakesTurns()
{
    for (quint32 seed = 1; seed <= 20; ++seed) {
        TunnelManager m = manager(baseConfig(3), seed);
        Snapshot s;
        s.now = kT0 + 1;
        for (int i = 1; i <= 3; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i), true};
        QList<QByteArray> picks;
        for (int round = 0; round < 6; ++round) {
            s.now += 10 * 60'000;
            QList<Action> out = m.babelDump(s);
            if (!ofKind(out, Kind::AskBootstrapPeer).isEmpty())
                out = m.bootstrapPeer(s, std::nullopt); // registry dead
            const QList<Action> opened = ofKind(out, Kind::OpenTunnel);
            QCOMPARE(opened.size(), 1);
            picks << opened.front().prefix;
        }
        // Each of the 3 peers once in every 3 rounds.
        QCOMPARE(QSet<QByteArray>(picks.cbegin(), picks.cbegin() + 3).size(), 3);
        QCOMPARE(picks.mid(3), picks.mid(0, 3));
    }
}

void TestTunnelManager::disconnectedBackoff()
{
    TunnelManager m = manager(baseConfig(3));
    Snapshot s;
    s.now = kT0 + 1;
    s.topology = topo({}, {peer(1), peer(2)}, false); // an island without the registry
    s.served = {peer(40)};
    QList<Action> out = m.babelDump(s);
    QCOMPARE(ofKind(out, Kind::AskBootstrapPeer).size(), 1);
    QVERIFY(ofKind(out, Kind::AskBootstrapPeer)[0].reason.contains("No route to registry (2 peers, 2 distant)"));
    const qint64 until = m.disconnectedUntil();
    // timeout x (1 + randint(0, #peers)), #peers = 2
    QVERIFY(until >= s.now + 60'000 && until <= s.now + 180'000);
    QCOMPARE((until - s.now) % 60'000, 0);
    m.bootstrapPeer(s, std::nullopt);
    // Within the back-off: no new attempt.
    s.now = until - 1;
    QVERIFY(ofKind(m.babelDump(s), Kind::AskBootstrapPeer).isEmpty());
    // After it: refresh asks for a dump, which tries again.
    s.now = until + 1;
    QCOMPARE(ofKind(m.refresh(s), Kind::RequestDump).size(), 1);
    QCOMPARE(ofKind(m.babelDump(s), Kind::AskBootstrapPeer).size(), 1);
    // Registry routed again: connected.
    s.topology = topo({}, {peer(1), peer(2)}, true);
    out = m.babelDump(s);
    QCOMPARE(m.disconnectedUntil(), 0);
    QCOMPARE(ofKind(out, Kind::EnsureRegistrySession).size(), 1);
}

void TestTunnelManager::islandBootstrap()
{
    TunnelManager m = manager(baseConfig(3));
    Snapshot s;
    s.now = kT0 + 1;
    s.served = {peer(40)};
    s.topology = topo({}, {peer(1), peer(2)}, false);
    for (int i = 1; i <= 4; ++i) s.cache << CachedPeer{peer(i), tcpAddress(i)};
    m.babelDump(s);
    // The registry gives a peer outside the island: tunnel to it, then cache peers outside the island.
    const QList<Action> out = m.bootstrapPeer(s, CachedPeer{peer(9), tcpAddress(9)});
    QCOMPARE(prefixes(ofKind(out, Kind::OpenTunnel)), (QSet<QByteArray>{peer(9), peer(3), peer(4)}));
    // Registry dead (no answer): the island's distant peers, then the slot left
    // to one cached peer outside the island.
    TunnelManager m2 = manager(baseConfig(3));
    m2.babelDump(s);
    const QSet<QByteArray> opened = prefixes(ofKind(m2.bootstrapPeer(s, std::nullopt), Kind::OpenTunnel));
    QCOMPARE(opened.size(), 3);
    QVERIFY(opened.contains(peer(1)) && opened.contains(peer(2)));
    QVERIFY(opened.contains(peer(3)) || opened.contains(peer(4)));
}

// A node on an island whose only other member is peer 5, its one client tunnel,
// the registry node not routed.
namespace {
Snapshot islandOfTwo(const QList<QByteArray> &distant = {})
{
    Snapshot s;
    s.now = kT0 + 1;
    s.served = {peer(40)};
    s.topology = topo({peer(5)}, distant, false);
    s.tunnels << tunnelTo(peer(5), QStringLiteral("re6stnet1"));
    return s;
}
} // namespace

// Registry dead, and the island's links to the rest of the network gone (its hub
// restarted while this node's reconnection failed): once per back-off period, one
// cached peer outside the island, try=0 first, then the failed ones in turns; never
// past the client count.
void TestTunnelManager::islandReachesOutWhileRegistryDead()
{
    for (quint32 seed = 1; seed <= 20; ++seed) {
        TunnelManager m = manager(baseConfig(3), seed);
        // A distant island peer without a session, failed in the cache: inside the
        // island, so never an "outside" pick.
        Snapshot s = islandOfTwo({peer(6)});
        s.freeInterfaces = {QStringLiteral("re6stnet2"), QStringLiteral("re6stnet3")};
        s.cache << CachedPeer{peer(5), tcpAddress(5)} << CachedPeer{kRegistry, tcpAddress(0), true}
                << CachedPeer{peer(2), tcpAddress(2), true} << CachedPeer{peer(7), tcpAddress(7), true}
                << CachedPeer{peer(6), tcpAddress(6), true};
        QList<QByteArray> picks;
        for (int round = 0; round < 6; ++round) {
            QList<Action> out = m.babelDump(s);
            QCOMPARE(ofKind(out, Kind::AskBootstrapPeer).size(), 1);
            QVERIFY(ofKind(out, Kind::OpenTunnel).isEmpty());
            out = m.bootstrapPeer(s, std::nullopt); // registry dead
            const QList<Action> opened = ofKind(out, Kind::OpenTunnel);
            QCOMPARE(opened.size(), 1);
            QVERIFY(opened.front().reason.contains("outside the island"));
            picks << opened.front().prefix;
            // Within the back-off, nothing more.
            QVERIFY(ofKind(m.babelDump(s), Kind::OpenTunnel).isEmpty());
            s.now += 20 * 60'000; // the attempt failed; past every back-off
        }
        // Each failed peer outside the island once in every 3 rounds, the neighbour never.
        QCOMPARE(QSet<QByteArray>(picks.cbegin(), picks.cbegin() + 3), (QSet<QByteArray>{kRegistry, peer(2), peer(7)}));
        QCOMPARE(picks.mid(3), picks.mid(0, 3));
        // A try=0 peer outside the island comes first.
        s.cache << CachedPeer{peer(8), tcpAddress(8)};
        m.babelDump(s);
        QCOMPARE(prefixes(ofKind(m.bootstrapPeer(s, std::nullopt), Kind::OpenTunnel)), (QSet<QByteArray>{peer(8)}));
    }
    // Same island, attempts spaced out: timeout (4 hellos, 60 s), then doubled up
    // to 16 timeouts; a changed island starts again at once.
    {
        TunnelManager m = manager(baseConfig(3));
        Snapshot s = islandOfTwo();
        s.cache << CachedPeer{kRegistry, tcpAddress(0), true};
        QList<qint64> attempts;
        for (int check = 0; check < 60; ++check) {
            if (!ofKind(m.babelDump(s), Kind::AskBootstrapPeer).isEmpty()
                && !ofKind(m.bootstrapPeer(s, std::nullopt), Kind::OpenTunnel).isEmpty())
                attempts << s.now;
            s.now = m.disconnectedUntil() + 1;
        }
        QVERIFY(attempts.size() >= 6);
        for (int i = 1; i < attempts.size(); ++i) {
            const qint64 gap = attempts[i] - attempts[i - 1];
            const qint64 delay = std::min<qint64>(60'000LL << (i - 1), 16 * 60'000);
            QVERIFY2(gap >= delay && gap <= delay + 2 * 60'000 + 1, qPrintable(QString::number(gap)));
        }
        s.topology = topo({peer(5), peer(6)}, {}, false); // the island changed
        s.now = m.disconnectedUntil() + 1;
        QCOMPARE(ofKind(m.babelDump(s), Kind::AskBootstrapPeer).size(), 1);
        QCOMPARE(ofKind(m.bootstrapPeer(s, std::nullopt), Kind::OpenTunnel).size(), 1);
    }
    // Within the client limit: two client tunnels, client count 3, but nobody
    // connects to us (NATed, §5.11: at most 2): nothing; served, one more.
    for (const bool natted : {true, false}) {
        TunnelManager m = manager(baseConfig(3));
        Snapshot s = islandOfTwo();
        s.topology = topo({peer(5), peer(9)}, {}, false);
        s.tunnels << tunnelTo(peer(9), QStringLiteral("re6stnet2"));
        if (natted) s.served.clear();
        s.cache << CachedPeer{peer(2), tcpAddress(2)};
        QCOMPARE(ofKind(m.babelDump(s), Kind::AskBootstrapPeer).size(), 1);
        QCOMPARE(ofKind(m.bootstrapPeer(s, std::nullopt), Kind::OpenTunnel).size(), natted ? 0 : 1);
    }
}

void TestTunnelManager::registryNode()
{
    Config c = baseConfig(2);
    c.ourPrefix = kRegistry;
    QVERIFY(c.isRegistryNode());
    Snapshot s;
    s.now = kT0 + 1;
    s.cache << CachedPeer{peer(1), tcpAddress(1), true};
    TunnelManager m = manager(c);
    // No distant peer: bootstrap from its own cache at once, never asking the registry.
    QList<Action> out = m.babelDump(s);
    QVERIFY(ofKind(out, Kind::AskBootstrapPeer).isEmpty());
    QCOMPARE(prefixes(ofKind(out, Kind::OpenTunnel)), (QSet<QByteArray>{peer(1)})); // last resort
    QVERIFY(ofKind(out, Kind::EnsureRegistrySession).isEmpty());
    // Distant peers present: used normally; no "disconnected" state.
    s.topology = topo({}, {peer(2), peer(3)}, false);
    s.served = {peer(40)};
    s.cache << CachedPeer{peer(2), tcpAddress(2)} << CachedPeer{peer(3), tcpAddress(3)};
    out = m.babelDump(s);
    QCOMPARE(prefixes(ofKind(out, Kind::OpenTunnel)), (QSet<QByteArray>{peer(2), peer(3)}));
    QCOMPARE(m.disconnectedUntil(), 0);
}

void TestTunnelManager::netconfCheck()
{
    Snapshot s;
    s.now = kT0 + 3'600'001;
    TunnelManager node = manager(baseConfig(0));
    QCOMPARE(ofKind(node.babelDump(s), Kind::CheckNetworkConfig).size(), 1);
    QVERIFY(ofKind(node.babelDump(s), Kind::CheckNetworkConfig).isEmpty()); // hourly
    Config c = baseConfig(0);
    c.ourPrefix = kRegistry;
    TunnelManager registry = manager(c);
    QVERIFY(ofKind(registry.babelDump(s), Kind::CheckNetworkConfig).isEmpty());
}

void TestTunnelManager::routeUp()
{
    TunnelManager m = manager(baseConfig());
    Snapshot s;
    s.tunnels << tunnelTo(peer(1), "re6stnet1", false);
    const PeerAddress second = PeerAddress::parseList("192.0.2.5,1194,tcp").value(0);
    QCOMPARE(ofKind(m.routeUp(s, peer(1), false, 0, second), Kind::MarkPeerReachable).size(), 1);
    const QList<Action> pref = ofKind(m.routeUp(s, peer(1), false, 1, second), Kind::SetPreferredAddress);
    QCOMPARE(pref.size(), 1);
    QCOMPARE(pref[0].addresses, QList<PeerAddress>{second});
    QCOMPARE(ofKind(m.routeUp(s, peer(1), true, 0, second), Kind::CloseTunnel).value(0).iface, "re6stnet1");
}

namespace {
Snapshot randomSnapshot(QRandomGenerator &g, qint64 now, const QByteArray &ours)
{
    Snapshot s;
    s.now = now;
    QList<QByteArray> all;
    for (int i = 1; i <= 30; ++i) all << peer(i);
    all << kOurs << kRegistry;
    all.removeAll(ours);
    QList<QByteArray> direct, distant;
    for (const QByteArray &p : all) {
        const int r = g.bounded(6);
        if (r == 0) direct << p;
        else if (r <= 2) distant << p;
        if (g.bounded(3)) s.cache << CachedPeer{p, tcpAddress(g.bounded(100)), g.bounded(4) == 0};
        if (g.bounded(8) == 0) s.served.insert(p);
    }
    QList<int> via;
    for (int i = 0; i < direct.size(); ++i) via << g.bounded(10);
    s.topology = topo(direct, distant, g.bounded(2), via);
    int n = 0;
    // Our own row of the cache and a route to our own prefix can appear; tunnels to ourselves cannot.
    if (g.bounded(2)) s.cache << CachedPeer{ours, tcpAddress(0)};
    if (g.bounded(2)) s.topology.peers.insert(ours);
    for (const QByteArray &p : direct)
        if (g.bounded(2) && n < 12) s.tunnels << tunnelTo(p, QStringLiteral("re6stnet%1").arg(++n), g.bounded(2));
    return s;
}

void checkLimits(const Config &c, const Snapshot &s, const QList<Action> &out)
{
    QSet<QByteArray> connections;
    QSet<QString> ifaces;
    for (const ClientTunnel &t : s.tunnels) {
        connections.insert(t.prefix);
        ifaces.insert(t.iface);
    }
    const qsizetype before = connections.size();
    int opened = 0;
    for (const Action &a : out) {
        QVERIFY2(a.prefix != c.ourPrefix, qPrintable(a.reason));
        if (a.kind == Kind::CloseTunnel) {
            connections.remove(a.prefix);
            ifaces.remove(a.iface);
        }
        if (a.kind == Kind::OpenTunnel) {
            ++opened;
            QVERIFY(!connections.contains(a.prefix));
            QVERIFY(!s.served.contains(a.prefix));
            QVERIFY(!ifaces.contains(a.iface));
            QVERIFY(!a.addresses.isEmpty());
            connections.insert(a.prefix);
            ifaces.insert(a.iface);
        }
    }
    if (opened) QVERIFY(connections.size() <= std::max<qsizetype>(c.clientCount, before));
}
} // namespace

namespace {
QString scriptedRun(quint32 managerSeed)
{
    QRandomGenerator g(7);
    const Config c = baseConfig(4);
    TunnelManager m = manager(c, managerSeed);
    QString all;
    for (int round = 0; round < 30; ++round) {
        const Snapshot s = randomSnapshot(g, kT0 + round * 50'000, c.ourPrefix);
        all += describe(m.refresh(s)) + describe(m.babelDump(s)) + describe(m.bootstrapPeer(s, std::nullopt));
    }
    return all;
}
} // namespace

void TestTunnelManager::deterministic()
{
    // Same inputs and generator seed give the same actions, whatever Qt's hash seed
    // (QSet iteration order) is.
    QHashSeed::setDeterministicGlobalSeed();
    const QString reference = scriptedRun(1234);
    QVERIFY(reference.count(QLatin1Char('\n')) > 30);
    QHashSeed::resetRandomGlobalSeed();
    QCOMPARE(scriptedRun(1234), reference);
    QCOMPARE(scriptedRun(1234), reference);
    QVERIFY(scriptedRun(99) != reference); // the generator does drive the choices
}

void TestTunnelManager::randomSnapshotsRespectLimits()
{
    QRandomGenerator g(2026);
    for (int i = 0; i < 200; ++i) {
        Config c = baseConfig(1 + g.bounded(10));
        c.babelCostMultiplier = g.bounded(2);
        if (g.bounded(4) == 0) c.ourPrefix = kRegistry;
        TunnelManager m = manager(c, g.generate());
        const Snapshot s = randomSnapshot(g, kT0 + g.bounded(1'000'000), c.ourPrefix);
        checkLimits(c, s, m.refresh(s));
        if (QTest::currentTestFailed()) return;
        checkLimits(c, s, m.babelDump(s));
        if (QTest::currentTestFailed()) return;
        const QByteArray bootstrap = g.bounded(5) ? peer(g.bounded(40)) : c.ourPrefix;
        checkLimits(c, s, m.bootstrapPeer(s, CachedPeer{bootstrap, tcpAddress(1)}));
        if (QTest::currentTestFailed()) return;
        Snapshot later = s;
        later.now += 400'000;
        checkLimits(c, later, m.babelDump(later));
        if (QTest::currentTestFailed()) return;
    }
}

QTEST_GUILESS_MAIN(TestTunnelManager)
#include "tst_tunnelmanager.moc"
