// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/NodeMetrics: re6stnet's Prometheus text from a NodeStatus.
#include "core/MetricsCatalog.h"
#include "core/TapTraffic.h"
#include "daemon/NodeMetrics.h"

#include <QtTest>

using namespace re6st;
using namespace re6st::daemon;

namespace {

QByteArray name(const metrics::MetricSpec &spec)
{
    return QByteArray(spec.name.data(), qsizetype(spec.name.size()));
}

// The value of the sample line "<series> <value>", or an empty array if absent.
QByteArray value(const QByteArray &text, const QByteArray &series)
{
    for (const QByteArray &line : text.split('\n'))
        if (line.startsWith(series + ' ')) return line.mid(series.size() + 1);
    return {};
}

NodeStatus sample()
{
    NodeStatus s;
    s.state = NodeStatus::State::Connected;
    s.registryReachable = true;
    s.babelReachable = true;
    s.certificateNotAfter = 1830297600;
    s.nextRenewal = 1827705600;
    s.peerCount = 7;
    s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 100, 1000, 2000),
                 NodeStatus::tunnelRecord("re6stnet2", "3/16", "tcp", true, 100, 10, 20),
                 NodeStatus::tunnelRecord("re6stnet-udp", "4/16", "udp", false, 200, 5, 6)};
    s.tunnelCount = quint32(s.tunnels.size());
    s.routes = {NodeStatus::routeRecord("2001:db8:42::/48", "::/0", "fe80::1", "re6stnet1", 256, true),
                NodeStatus::routeRecord("2001:db8:43::/48", "::/0", "fe80::2", "re6stnet2", 512, false),
                NodeStatus::routeRecord("2001:db8:44::/48", "::/0", "fe80::1", "re6stnet1", 96, true)};
    return s;
}

} // namespace

class TestNodeMetrics final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void everyFamilyHasHelpAndType()
    {
        NodeMetrics m;
        const QByteArray text = m.render(NodeStatus(), NodeCounters());
        for (const metrics::MetricSpec *spec : metrics::NodeCatalog) {
            QVERIFY2(text.contains("\n# HELP " + name(*spec) + ' ') || text.startsWith("# HELP " + name(*spec) + ' '),
                     spec->name.data());
            QVERIFY2(text.contains("# TYPE " + name(*spec) + ' ' + QByteArray(metrics::typeName(spec->type).data()) + '\n'),
                     spec->name.data());
        }
        // Every sample line names a catalog metric.
        for (const QByteArray &line : text.split('\n')) {
            if (line.isEmpty() || line.startsWith('#')) continue;
            const QByteArray series = line.left(line.indexOf(' '));
            const QByteArray metric = series.left(series.indexOf('{') < 0 ? series.size() : series.indexOf('{'));
            bool known = false;
            for (const metrics::MetricSpec *spec : metrics::NodeCatalog) known = known || name(*spec) == metric;
            QVERIFY2(known, line.constData());
        }
        QVERIFY(text.endsWith('\n'));
    }

    void values()
    {
        NodeCounters c;
        c.peerDatagramsReceived = 99;
        c.peerDatagramsDropped = {{"too short", 3}, {"unknown \"sender\"", 2}};
        c.babeldRestarts = 4;
        NodeMetrics m;
        const QByteArray text = m.render(sample(), c);
        QCOMPARE(value(text, "re6st_node_up"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_build_info{version=\"" RE6ST_VERSION "\",program=\"re6stnet\"}"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_state{state=\"connected\"}"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_state{state=\"stopped\"}"), QByteArray("0"));
        QCOMPARE(value(text, "re6st_node_state{state=\"registry-unreachable\"}"), QByteArray("0"));
        QCOMPARE(value(text, "re6st_node_state{state=\"stopping\"}"), QByteArray("0"));
        QCOMPARE(value(text, "re6st_node_tunnels{direction=\"client\"}"), QByteArray("2"));
        QCOMPARE(value(text, "re6st_node_tunnels{direction=\"server\"}"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_peers"), QByteArray("7"));
        QCOMPARE(value(text, "re6st_node_tunnel_bytes_total{direction=\"rx\"}"), QByteArray("1015"));
        QCOMPARE(value(text, "re6st_node_tunnel_bytes_total{direction=\"tx\"}"), QByteArray("2026"));
        QCOMPARE(value(text, "re6st_node_peer_datagrams_received_total"), QByteArray("99"));
        QCOMPARE(value(text, "re6st_node_peer_datagrams_dropped_total{reason=\"too short\"}"), QByteArray("3"));
        QCOMPARE(value(text, "re6st_node_peer_datagrams_dropped_total{reason=\"unknown \\\"sender\\\"\"}"),
                 QByteArray("2"));
        QCOMPARE(value(text, "re6st_node_babeld_restarts_total"), QByteArray("4"));
        QVERIFY(value(text, "re6st_node_openvpn_server_restarts_total").isEmpty()); // unknown: no sample
        QCOMPARE(value(text, "re6st_node_registry_reachable"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_babel_reachable"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_routes{installed=\"true\"}"), QByteArray("2"));
        QCOMPARE(value(text, "re6st_node_routes{installed=\"false\"}"), QByteArray("1"));
        QCOMPARE(value(text, "re6st_node_certificate_not_after_seconds"), QByteArray("1830297600"));
        QCOMPARE(value(text, "re6st_node_certificate_renewal_seconds"), QByteArray("1827705600"));

        c.openvpnServerRestarts = 2;
        NodeStatus down;
        down.state = NodeStatus::State::RegistryUnreachable;
        const QByteArray later = m.render(down, c);
        QCOMPARE(value(later, "re6st_node_openvpn_server_restarts_total"), QByteArray("2"));
        QCOMPARE(value(later, "re6st_node_state{state=\"registry-unreachable\"}"), QByteArray("1"));
        QCOMPARE(value(later, "re6st_node_state{state=\"connected\"}"), QByteArray("0"));
        QCOMPARE(value(later, "re6st_node_registry_reachable"), QByteArray("0"));
        QVERIFY(value(later, "re6st_node_routes{installed=\"true\"}").isEmpty()); // babeld unreachable
        // Tunnels gone: the byte counters keep what they counted.
        QCOMPARE(value(later, "re6st_node_tunnel_bytes_total{direction=\"rx\"}"), QByteArray("1015"));
        QCOMPARE(value(later, "re6st_node_tunnels{direction=\"client\"}"), QByteArray("0"));
        // --client mode: one tunnel counted in tunnelCount without a record.
        NodeStatus clientMode;
        clientMode.tunnelCount = 1;
        const QByteArray withClient = m.render(clientMode, c);
        QCOMPARE(value(withClient, "re6st_node_tunnels{direction=\"client\"}"), QByteArray("1"));
        QCOMPARE(value(withClient, "re6st_node_tunnels{direction=\"server\"}"), QByteArray("0"));
    }

    void bytesAreMonotonic()
    {
        NodeMetrics m;
        NodeStatus s;
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 100, 1000, 10)};
        m.observe(s);
        QCOMPARE(m.rxBytes(), quint64(1000));
        // Grows: only the growth is added; observing twice adds nothing.
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 100, 1500, 10)};
        m.observe(s);
        m.observe(s);
        QCOMPARE(m.rxBytes(), quint64(1500));
        // Closed, then a new tunnel on the same interface (other since): counted from 0.
        s.tunnels.clear();
        m.observe(s);
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 300, 200, 30)};
        m.observe(s);
        QCOMPARE(m.rxBytes(), quint64(1700));
        QCOMPARE(m.txBytes(), quint64(40));
        // Same key whose count went down (reset): the new count is all new bytes.
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 300, 50, 30)};
        m.observe(s);
        QCOMPARE(m.rxBytes(), quint64(1750));
        QCOMPARE(m.txBytes(), quint64(40));
    }

    // A reused tap (TunnelDriver): each tunnel's record carries the tap's growth since
    // its route-up (TapTraffic), so the total is the tap's growth, each byte once.
    void reusedTapCountsEachByteOnce()
    {
        NodeMetrics m;
        NodeStatus s;
        TapTraffic tunnel;
        tunnel.start({0, 0}); // to 2/16: the tap is new
        TapTraffic::Counters bytes = tunnel.since({1000, 100});
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "2/16", "udp", true, 100, bytes.rx, bytes.tx)};
        m.observe(s);
        s.tunnels.clear(); // closed at tap counters {1000, 100}
        m.observe(s);
        tunnel.start({1000, 100}); // to 3/16 on the same tap
        bytes = tunnel.since({1600, 150});
        QCOMPARE(bytes, (TapTraffic::Counters{600, 50}));
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "3/16", "udp", true, 300, bytes.rx, bytes.tx)};
        m.observe(s);
        tunnel.start({1600, 150}); // reconnected (route-up again): a new since
        bytes = tunnel.since({1700, 160});
        s.tunnels = {NodeStatus::tunnelRecord("re6stnet1", "3/16", "udp", true, 400, bytes.rx, bytes.tx)};
        m.observe(s);
        QCOMPARE(m.rxBytes(), quint64(1700));
        QCOMPARE(m.txBytes(), quint64(160));
    }
};

QTEST_GUILESS_MAIN(TestNodeMetrics)
#include "tst_nodemetrics.moc"
