// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/BabelRecords: babeld's tables as the Routes()/Neighbours() records of
// dbus/org.re6st.Node1.xml; an rtt babeld has not measured is left out, not 0.
#include "daemon/BabelRecords.h"
#include "daemon/NodeStatus.h"

#include <QtTest>

using re6st::daemon::BabelRecords;
using re6st::daemon::NodeStatus;

namespace {
re6st::babel::Neighbour neighbour(std::optional<double> rtt)
{
    re6st::babel::Neighbour n;
    n.address = QStringLiteral("fe80::2");
    n.interface = QStringLiteral("re6stnet3");
    n.reach = 0xff00;
    n.cost = 96;
    n.rtt = rtt;
    return n;
}
} // namespace

class TestBabelRecords final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void measuredRtt()
    {
        const QVariantMap r = BabelRecords::neighbour(neighbour(12.5));
        QCOMPARE(r, NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 12.5, 96, 0xff00));
        QCOMPARE(r.value(QStringLiteral("rtt_ms")).metaType(), QMetaType::fromType<double>());
        // A measured 0 (same host, say) stays.
        QVERIFY(BabelRecords::neighbour(neighbour(0.0)).contains(QStringLiteral("rtt_ms")));
    }

    void unmeasuredRttIsAbsent()
    {
        QVariantMap r = BabelRecords::neighbour(neighbour(std::nullopt));
        QVERIFY(!r.contains(QStringLiteral("rtt_ms")));
        QCOMPARE(r, NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), std::nullopt, 96,
                                                0xff00));
    }

    void rttArrivingIsVolatile()
    {
        // rtt_ms appearing, like rtt_ms changing, does not raise NeighboursChanged.
        NodeStatus a, b;
        a.neighbours = {BabelRecords::neighbour(neighbour(std::nullopt))};
        b.neighbours = {BabelRecords::neighbour(neighbour(3.25))};
        QCOMPARE(NodeStatus::changedRecords(a, b) & NodeStatus::NeighbourRecords, 0);
        auto other = neighbour(std::nullopt);
        other.cost = 256;
        b.neighbours = {BabelRecords::neighbour(other)};
        QVERIFY(NodeStatus::changedRecords(a, b) & NodeStatus::NeighbourRecords);
    }

    void route()
    {
        re6st::babel::Route r;
        r.prefix = QStringLiteral("2001:db8:42:2::/64");
        r.via = QStringLiteral("fe80::2");
        r.interface = QStringLiteral("re6stnet3");
        r.metric = -1;
        r.installed = true;
        QCOMPARE(BabelRecords::route(r), NodeStatus::routeRecord(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("::/0"),
                                                                 QStringLiteral("fe80::2"), QStringLiteral("re6stnet3"), 0, true));
        r.from = QStringLiteral("2001:db8::/32");
        QCOMPARE(BabelRecords::route(r).value(QStringLiteral("source")).toString(), QStringLiteral("2001:db8::/32"));
    }
};

QTEST_GUILESS_MAIN(TestBabelRecords)
#include "tst_babelrecords.moc"
