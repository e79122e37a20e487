// SPDX-License-Identifier: GPL-2.0-or-later
// The neighbourhood picture (issue 5 §3): NeighbourhoodGraph from given records (direct
// tunnel peers, nodes reached through them, a LAN neighbour, what is left out), removal
// when a route is lost, a stable layout, NeighbourhoodView rendered offscreen (light and
// dark palettes, 0 and 50 nodes, hit-testing), and the window's tab following the real
// daemon::DBusService on a private bus (root; skipped otherwise).
#include "GuiTestBus.h"
#include "MainWindow.h"
#include "NeighbourhoodGraph.h"
#include "NeighbourhoodLayout.h"
#include "NeighbourhoodView.h"
#include "NodeModel.h"
#include "PeersModel.h"
#include "RoutesModel.h"
#include "TunnelsModel.h"

#include <QTabWidget>
#include <QtTest>

using namespace re6st::gui;
using re6st::daemon::NodeStatus;
using Kind = NeighbourhoodGraph::Kind;

namespace {
QVariantMap peer(int n)
{
    return NodeStatus::peerRecord(QStringLiteral("%1/16").arg(n), QStringLiteral("2001:db8:42:%1::1").arg(n, 0, 16),
                                  QString(), 10, 0, false);
}
QVariantMap tunnel(int n, int iface)
{
    return NodeStatus::tunnelRecord(QStringLiteral("re6stnet%1").arg(iface), QStringLiteral("%1/16").arg(n),
                                    QStringLiteral("udp6"), true, 1700000000, 0, 0);
}
QVariantMap route(const QString &destination, const QString &nextHop, const QString &iface, uint metric,
                  bool installed = true)
{
    return NodeStatus::routeRecord(destination, QStringLiteral("::/0"), nextHop, iface, metric, installed);
}
QVariantMap routeTo(int n, const QString &nextHop, int iface, uint metric)
{
    return route(QStringLiteral("2001:db8:42:%1::/64").arg(n, 0, 16), nextHop, QStringLiteral("re6stnet%1").arg(iface),
                 metric);
}
NeighbourhoodGraph::Self us()
{
    return {QStringLiteral("1/16"), QStringLiteral("2001:db8:42:1::1"), QStringLiteral("2001:db8:42:1::/64"),
            QStringLiteral("2001:db8:42::/48")};
}

// How many pixels of `image` are within `tolerance` of `colour` (per channel).
// The top rows (the legend, which shows every colour) are left out.
int pixelsOf(const QImage &image, const QColor &colour, int tolerance = 6)
{
    int n = 0;
    for (int y = 30; y < image.height(); ++y)
        for (int x = 0; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            if (std::abs(c.red() - colour.red()) <= tolerance && std::abs(c.green() - colour.green()) <= tolerance
                && std::abs(c.blue() - colour.blue()) <= tolerance)
                ++n;
        }
    return n;
}

const QColor kDirectFill(0x2e, 0xa0, 0x5a);
const QColor kViaFill(0xa0, 0x6c, 0xd5);

// 10 direct peers (2..11/16 on re6stnet2..11), each reaching 4 more nodes: 51 nodes.
NeighbourhoodGraph big()
{
    QList<QVariantMap> peers, tunnels, routes;
    for (int d = 2; d <= 11; ++d) {
        peers << peer(d);
        tunnels << tunnel(d, d);
        routes << routeTo(d, QStringLiteral("fe80::%1").arg(d), d, 256);
        for (int k = 0; k < 4; ++k) {
            const int v = 0x100 + d * 4 + k;
            peers << peer(v);
            routes << routeTo(v, QStringLiteral("fe80::%1").arg(d), d, 512 + k);
        }
    }
    return NeighbourhoodGraph::build(us(), peers, tunnels, routes, {});
}
} // namespace

class TestNeighbourhood final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void directAndReachedThroughIt()
    {
        const QList<QVariantMap> peers{peer(2), peer(3), peer(4)};
        const QList<QVariantMap> tunnels{tunnel(2, 1)};
        QVariantMap notInstalled = routeTo(4, QStringLiteral("fe80::2"), 1, 700);
        notInstalled.insert(QStringLiteral("installed"), false);
        const QList<QVariantMap> r{
            routeTo(2, QStringLiteral("fe80::2"), 1, 256),
            routeTo(3, QStringLiteral("fe80::2"), 1, 512),
            notInstalled,                                                  // not babel's choice
            routeTo(1, QStringLiteral("fe80::2"), 1, 900),                  // our own subnet
            route(QStringLiteral("2001:db8:42::/48"), QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 100),
            route(QStringLiteral("::/0"), QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 100)};
        const QList<QVariantMap> neighbours{
            NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), QStringLiteral("re6stnet1"), 12.5, 96, 0xffff)};
        const NeighbourhoodGraph g = NeighbourhoodGraph::build(us(), peers, tunnels, r, neighbours);

        QCOMPARE(g.nodes().size(), 3);
        QCOMPARE(g.nodes().at(0).kind, Kind::Self);
        QCOMPARE(g.nodes().at(0).label, QStringLiteral("1/16"));
        const int two = g.indexOf(QStringLiteral("2/16")), three = g.indexOf(QStringLiteral("3/16"));
        QVERIFY(two > 0 && three > 0);
        QCOMPARE(g.indexOf(QStringLiteral("4/16")), -1);
        const auto &direct = g.nodes().at(two);
        QCOMPARE(direct.kind, Kind::Direct);
        QVERIFY(direct.tunnel);
        QCOMPARE(direct.parent, 0);
        QCOMPARE(direct.interface, QStringLiteral("re6stnet1"));
        QCOMPARE(direct.address, QStringLiteral("2001:db8:42:2::1"));
        QCOMPARE(direct.rttMs, 12.5);
        QCOMPARE(direct.metric, 256);
        const auto &via = g.nodes().at(three);
        QCOMPARE(via.kind, Kind::Via);
        QCOMPARE(via.parent, two);
        QCOMPARE(via.metric, 512);
        QCOMPARE(via.nextHop, QStringLiteral("fe80::2"));
        QCOMPARE(via.label, QStringLiteral("3/16"));
        QCOMPARE(g.children(two), QList<int>{three});
        QCOMPARE(g.count(Kind::Direct), 1);
        QCOMPARE(g.count(Kind::Via), 1);
        QVERIFY2(g.describe(three).contains(QStringLiteral("fe80::2")), qPrintable(g.describe(three)));
        QVERIFY2(g.describe(two).contains(QStringLiteral("re6stnet1")), qPrintable(g.describe(two)));
    }

    // Two clients of our server share its interface (re6stnet-udp): each gets its own
    // neighbour (the next hop of the route to its address), not the first one there,
    // and the nodes behind each hang under the client they are reached through (audit F5).
    void clientsSharingAServerInterface()
    {
        const QString udp = QStringLiteral("re6stnet-udp");
        auto server = [&udp](int n) {
            return NodeStatus::tunnelRecord(udp, QStringLiteral("%1/16").arg(n), QStringLiteral("udp"), false,
                                            1700000000, 0, 0);
        };
        const QList<QVariantMap> peers{peer(2), peer(3), peer(5)};
        const QList<QVariantMap> tunnels{server(2), server(3)};
        const QList<QVariantMap> routes{
            route(QStringLiteral("2001:db8:42:2::/64"), QStringLiteral("fe80::2"), udp, 256),
            route(QStringLiteral("2001:db8:42:3::/64"), QStringLiteral("fe80::3"), udp, 300),
            route(QStringLiteral("2001:db8:42:5::/64"), QStringLiteral("fe80::3"), udp, 512)};
        // babeld has no rtt to it yet: unknown, not 0
        const QVariantMap silent = NodeStatus::neighbourRecord(QStringLiteral("fe80::3"), udp, std::nullopt, 96, 0xffff);
        const QList<QVariantMap> neighbours{
            NodeStatus::neighbourRecord(QStringLiteral("fe80::2"), udp, 2.5, 96, 0xffff), silent};
        const NeighbourhoodGraph g = NeighbourhoodGraph::build(us(), peers, tunnels, routes, neighbours);

        QCOMPARE(g.count(Kind::Direct), 2);
        QCOMPARE(g.count(Kind::Via), 1);
        const int two = g.indexOf(QStringLiteral("2/16")), three = g.indexOf(QStringLiteral("3/16")),
                  five = g.indexOf(QStringLiteral("5/16"));
        QVERIFY(two > 0 && three > 0 && five > 0);
        QCOMPARE(g.nodes().at(two).nextHop, QStringLiteral("fe80::2"));
        QCOMPARE(g.nodes().at(two).rttMs, 2.5);
        QCOMPARE(g.nodes().at(two).metric, 256);
        QCOMPARE(g.nodes().at(three).kind, Kind::Direct);
        QCOMPARE(g.nodes().at(three).nextHop, QStringLiteral("fe80::3"));
        QCOMPARE(g.nodes().at(three).rttMs, -1.0);
        QCOMPARE(g.nodes().at(three).metric, 300); // its own route, no longer skipped
        QCOMPARE(g.nodes().at(five).parent, three);
        QVERIFY2(!g.describe(three).contains(QStringLiteral("RTT")), qPrintable(g.describe(three)));

        // babel knows only the first client yet: the second gets no rtt of the first's.
        const NeighbourhoodGraph early = NeighbourhoodGraph::build(us(), peers, tunnels, {routes.first()},
                                                                   {neighbours.first()});
        QCOMPARE(early.nodes().at(early.indexOf(QStringLiteral("2/16"))).rttMs, 2.5);
        QCOMPARE(early.nodes().at(early.indexOf(QStringLiteral("3/16"))).rttMs, -1.0);
        QVERIFY(early.nodes().at(early.indexOf(QStringLiteral("3/16"))).nextHop.isEmpty());
    }

    // A babel neighbour on a LAN (no tunnel) and a destination no peer record names.
    void lanNeighbourAndUnknownDestination()
    {
        const QList<QVariantMap> routes{
            route(QStringLiteral("2001:db8:42:5::/64"), QStringLiteral("fe80::9"), QStringLiteral("eth0"), 96),
            route(QStringLiteral("2001:db8:42:6::/64"), QStringLiteral("fe80::9"), QStringLiteral("eth0"), 200)};
        const QList<QVariantMap> neighbours{
            NodeStatus::neighbourRecord(QStringLiteral("fe80::9"), QStringLiteral("eth0"), 0.4, 96, 0xffff)};
        const NeighbourhoodGraph g = NeighbourhoodGraph::build(us(), {peer(5)}, {}, routes, neighbours);
        QCOMPARE(g.count(Kind::Direct), 1);
        QCOMPARE(g.count(Kind::Via), 2);
        const auto &lan = g.nodes().at(1);
        QCOMPARE(lan.kind, Kind::Direct);
        QVERIFY(!lan.tunnel);
        QCOMPARE(lan.label, QStringLiteral("fe80::9"));
        QCOMPARE(lan.rttMs, 0.4);
        const int unknown = g.indexOf(QStringLiteral("2001:db8:42:6::/64"));
        QVERIFY(unknown > 0);
        QCOMPARE(g.nodes().at(unknown).parent, 1);
        QVERIFY(g.nodes().at(unknown).prefix.isEmpty());
        QCOMPARE(g.nodes().at(unknown).label, NeighbourhoodGraph::shortAddress(QStringLiteral("2001:db8:42:6::/64")));
        QCOMPARE(g.nodes().at(g.indexOf(QStringLiteral("5/16"))).parent, 1);
    }

    void removalOnRouteLoss()
    {
        const QList<QVariantMap> peers{peer(2), peer(3), peer(4)};
        const QList<QVariantMap> tunnels{tunnel(2, 1), tunnel(4, 2)};
        QList<QVariantMap> routes{routeTo(2, QStringLiteral("fe80::2"), 1, 256), routeTo(3, QStringLiteral("fe80::2"), 1, 512),
                                  routeTo(4, QStringLiteral("fe80::4"), 2, 256)};
        NeighbourhoodLayout layout;
        const NeighbourhoodGraph before = NeighbourhoodGraph::build(us(), peers, tunnels, routes, {});
        layout.place(before);
        QVERIFY(before.indexOf(QStringLiteral("3/16")) > 0);
        const double angle2 = layout.angleOf(QStringLiteral("2/16")), angle4 = layout.angleOf(QStringLiteral("4/16"));
        QVERIFY(!std::isnan(angle2) && !std::isnan(angle4));

        routes.removeAt(1); // babel lost the route to 3/16
        const NeighbourhoodGraph after = NeighbourhoodGraph::build(us(), peers, tunnels, routes, {});
        QCOMPARE(after.indexOf(QStringLiteral("3/16")), -1);
        QCOMPARE(after.nodes().size(), 3);
        layout.place(after);
        QCOMPARE(layout.angleOf(QStringLiteral("2/16")), angle2);

        // The tunnel to 4/16 closes: it leaves the picture and the layout forgets it.
        const NeighbourhoodGraph closed = NeighbourhoodGraph::build(us(), peers, {tunnels.first()}, {routes.first()}, {});
        QCOMPARE(closed.indexOf(QStringLiteral("4/16")), -1);
        layout.place(closed);
        QVERIFY(std::isnan(layout.angleOf(QStringLiteral("4/16"))));
        QCOMPARE(layout.angleOf(QStringLiteral("2/16")), angle2);
    }

    void usOnly()
    {
        const NeighbourhoodGraph g = NeighbourhoodGraph::build(us(), {peer(2)}, {}, {}, {});
        QCOMPARE(g.nodes().size(), 1);
        QCOMPARE(g.count(Kind::Direct), 0);
        const NeighbourhoodGraph none = NeighbourhoodGraph::build({}, {}, {}, {}, {});
        QCOMPARE(none.nodes().size(), 1);
        QCOMPARE(none.nodes().at(0).label, NeighbourhoodGraph::tr("us"));
        NeighbourhoodLayout layout;
        QCOMPARE(layout.place(none), QList<QPointF>{QPointF(0, 0)});
    }

    // A new neighbour goes into a free gap; the others keep their place; nodes do not overlap.
    void layoutIsStable()
    {
        QList<QVariantMap> peers, tunnels;
        for (int d = 2; d <= 4; ++d) {
            peers << peer(d);
            tunnels << tunnel(d, d);
        }
        NeighbourhoodLayout layout;
        const QList<QPointF> first = layout.place(NeighbourhoodGraph::build(us(), peers, tunnels, {}, {}));
        QCOMPARE(first, layout.place(NeighbourhoodGraph::build(us(), peers, tunnels, {}, {}))); // same records
        QHash<QString, double> angles;
        for (int d = 2; d <= 4; ++d)
            angles.insert(QStringLiteral("%1/16").arg(d), layout.angleOf(QStringLiteral("%1/16").arg(d)));
        // The first ones are spread evenly: 120° apart.
        for (int d = 2; d <= 4; ++d)
            for (int e = 2; e < d; ++e)
                QVERIFY(std::abs(std::abs(std::remainder(angles.value(QStringLiteral("%1/16").arg(d))
                                                             - angles.value(QStringLiteral("%1/16").arg(e)), 2 * M_PI))
                                 - 2 * M_PI / 3) < 1e-6);
        peers << peer(9);
        tunnels << tunnel(9, 9);
        layout.place(NeighbourhoodGraph::build(us(), peers, tunnels, {}, {}));
        for (auto it = angles.cbegin(); it != angles.cend(); ++it)
            QCOMPARE(layout.angleOf(it.key()), it.value());
        const double added = layout.angleOf(QStringLiteral("9/16"));
        for (double a : angles)
            QVERIFY2(std::abs(std::remainder(a - added, 2 * M_PI)) > 0.5, "the new neighbour sits on another one");

        const NeighbourhoodGraph g = big();
        QCOMPARE(g.nodes().size(), 51);
        const QList<QPointF> points = NeighbourhoodLayout().place(g);
        for (int i = 0; i < points.size(); ++i) {
            const double r = std::hypot(points.at(i).x(), points.at(i).y());
            const Kind kind = g.nodes().at(i).kind;
            QVERIFY(kind == Kind::Self ? r < 1e-9 : kind == Kind::Direct ? std::abs(r - NeighbourhoodLayout::kInnerRing) < 1e-9
                                                                         : r > NeighbourhoodLayout::kInnerRing + 0.2);
            for (int j = 0; j < i; ++j)
                QVERIFY2(QLineF(points.at(i), points.at(j)).length() > 0.03,
                         qPrintable(QStringLiteral("nodes %1 and %2 overlap").arg(i).arg(j)));
        }
    }

    void viewRendersOffscreen()
    {
        NeighbourhoodView view;
        view.resize(640, 480);
        // Nobody around: only us, and no direct-neighbour colour anywhere.
        QImage empty = view.grab().toImage();
        QCOMPARE(empty.size(), QSize(640, 480) * view.devicePixelRatioF());
        QCOMPARE(view.nodeAt(view.nodeCentre(0).toPoint()), 0);
        QCOMPARE(pixelsOf(empty, kDirectFill), 0);
        if (const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS"); !dir.isEmpty())
            QVERIFY(empty.save(dir + QStringLiteral("/neighbourhood-empty.png")));
        QCOMPARE(pixelsOf(empty, view.palette().color(QPalette::Highlight), 0) > 50, true);

        view.setGraph(big());
        const QImage full = view.grab().toImage();
        QVERIFY(!full.isNull());
        if (const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS"); !dir.isEmpty())
            QVERIFY(full.save(dir + QStringLiteral("/neighbourhood-51.png")));
        QVERIFY2(pixelsOf(full, kDirectFill) > 10 * 100, "fewer green pixels than 10 direct neighbours make");
        QVERIFY2(pixelsOf(full, kViaFill) > 40 * 40, "fewer blue pixels than 40 other nodes make");
        QVERIFY(full != empty);
        // Every node can be pointed at (tooltips): distinct, inside the widget.
        for (int i = 0; i < view.graph().nodes().size(); ++i) {
            const QPointF c = view.nodeCentre(i);
            QVERIFY2(view.rect().contains(c.toPoint()), qPrintable(QStringLiteral("node %1 outside").arg(i)));
            QCOMPARE(view.nodeAt(c.toPoint()), i);
        }
        QCOMPARE(view.nodeAt(QPoint(2, view.height() - 30)), -1);

        // Dark palette: dark background, labels in the light text colour.
        QPalette dark = view.palette();
        dark.setColor(QPalette::Base, QColor(0x20, 0x20, 0x24));
        dark.setColor(QPalette::Text, QColor(0xee, 0xee, 0xee));
        view.setPalette(dark);
        const QImage night = view.grab().toImage();
        QCOMPARE(night.pixelColor(3, night.height() / 2), QColor(0x20, 0x20, 0x24));
        if (const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS"); !dir.isEmpty())
            QVERIFY(night.save(dir + QStringLiteral("/neighbourhood-dark.png")));
        QVERIFY2(pixelsOf(night, QColor(0xee, 0xee, 0xee), 20) > 200, "no label drawn in the palette's text colour");
        QVERIFY(pixelsOf(night, kDirectFill) > 10 * 100);
    }

    // The tab of the window follows the real daemon object: a route lost, a tunnel gone.
    void windowTabFollowsTheDaemon()
    {
        re6st::test::GuiTestBus daemon;
        daemon.status = re6st::test::GuiTestBus::connectedStatus(); // tunnel to 2/16, 3/16 through it
        const QString error = daemon.start();
        if (error.startsWith(QLatin1String("skip: ")))
            QSKIP(qPrintable(error.mid(6)));
        QVERIFY2(error.isEmpty(), qPrintable(error));
        {
            NodeModel node(QDBusConnection::systemBus());
            PeersModel peers(&node);
            TunnelsModel tunnels(&node);
            RoutesModel routes(&node);
            MainWindow window(&node, &peers, &tunnels, &routes);
            QCOMPARE(window.tabs()->count(), 5);
            QCOMPARE(window.tabs()->widget(MainWindow::NeighbourhoodTab), window.neighbourhood());
            QCOMPARE(window.tabs()->tabText(MainWindow::NeighbourhoodTab), MainWindow::tr("Neighbourhood"));
            NeighbourhoodView *view = window.neighbourhood();
            QTRY_COMPARE_WITH_TIMEOUT(view->graph().indexOf(QStringLiteral("3/16")) > 0, true, 10000);
            const NeighbourhoodGraph &g = view->graph();
            QCOMPARE(g.nodes().at(0).label, QStringLiteral("1/16"));
            QCOMPARE(g.nodes().at(g.indexOf(QStringLiteral("2/16"))).kind, Kind::Direct);
            QCOMPARE(g.nodes().at(g.indexOf(QStringLiteral("3/16"))).parent, g.indexOf(QStringLiteral("2/16")));
            QTRY_COMPARE_WITH_TIMEOUT(view->graph().nodes().at(view->graph().indexOf(QStringLiteral("2/16"))).rttMs, 12.5,
                                      10000);
            window.tabs()->setCurrentIndex(MainWindow::NeighbourhoodTab);
            window.resize(760, 480);
            QVERIFY(!window.grab().isNull());
            if (const QString dir = qEnvironmentVariable("RE6ST_GUI_ARTIFACTS"); !dir.isEmpty())
                QVERIFY(window.grab().save(dir + QStringLiteral("/window-neighbourhood-test.png")));

            daemon.status.routes.removeLast(); // babel lost 3/16
            daemon.refresh();
            QTRY_COMPARE_WITH_TIMEOUT(view->graph().indexOf(QStringLiteral("3/16")), -1, 10000);
            QVERIFY(view->graph().indexOf(QStringLiteral("2/16")) > 0);

            daemon.status.tunnels.clear();
            daemon.status.routes.clear();
            daemon.status.tunnelCount = 0;
            daemon.refresh();
            QTRY_COMPARE_WITH_TIMEOUT(view->graph().nodes().size(), 1, 10000);

            daemon.stopService(); // the daemon leaves: only "us" (unknown) is left
            QTRY_VERIFY_WITH_TIMEOUT(!node.servicePresent(), 10000);
            QCOMPARE(view->graph().nodes().size(), 1);
        }
        daemon.stop();
    }
};

QTEST_MAIN(TestNeighbourhood)
#include "tst_neighbourhood.moc"
