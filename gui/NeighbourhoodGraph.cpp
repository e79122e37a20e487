// SPDX-License-Identifier: GPL-2.0-or-later
#include "NeighbourhoodGraph.h"

#include "core/PeerRoute.h"

#include <algorithm>

#include <QHostAddress>
#include <QLocale>

namespace re6st::gui {

namespace {
QString text(const QVariantMap &record, const char *key)
{
    return record.value(QLatin1String(key)).toString();
}

using Subnet = QPair<QHostAddress, int>;

QString canonical(const Subnet &subnet)
{
    return subnet.first.toString() + u'/' + QString::number(subnet.second);
}
} // namespace

QString NeighbourhoodGraph::shortAddress(const QString &text)
{
    QString out = text;
    const qsizetype slash = text.indexOf(u'/');
    const QHostAddress host(slash < 0 ? text : text.left(slash));
    if (!host.isNull())
        out = host.toString() + (slash < 0 ? QString() : text.mid(slash));
    constexpr qsizetype kMax = 18;
    if (out.size() > kMax)
        out = QStringLiteral("…") + out.right(kMax - 1);
    return out;
}

int NeighbourhoodGraph::indexOf(const QString &id) const
{
    for (int i = 0; i < m_nodes.size(); ++i)
        if (m_nodes.at(i).id == id)
            return i;
    return -1;
}

int NeighbourhoodGraph::count(Kind kind) const
{
    return int(std::count_if(m_nodes.cbegin(), m_nodes.cend(), [kind](const Node &n) { return n.kind == kind; }));
}

QList<int> NeighbourhoodGraph::children(int parent) const
{
    QList<int> out;
    for (int i = 1; i < m_nodes.size(); ++i)
        if (m_nodes.at(i).parent == parent)
            out << i;
    return out;
}

int NeighbourhoodGraph::addDirect(Node node)
{
    node.kind = Kind::Direct;
    node.parent = 0;
    m_nodes << node;
    return int(m_nodes.size()) - 1;
}

NeighbourhoodGraph NeighbourhoodGraph::build(const Self &self, const QList<QVariantMap> &peers,
                                             const QList<QVariantMap> &tunnels, const QList<QVariantMap> &routes,
                                             const QList<QVariantMap> &neighbours)
{
    NeighbourhoodGraph g;
    Node us;
    us.id = QStringLiteral("self");
    us.kind = Kind::Self;
    us.prefix = self.prefix;
    us.address = self.address;
    us.label = self.prefix.isEmpty() ? (self.address.isEmpty() ? tr("us") : shortAddress(self.address)) : self.prefix;
    g.m_nodes << us;

    // The peer (prefix) whose address lies in a route's destination.
    auto peerIn = [&peers](const Subnet &subnet) -> const QVariantMap * {
        for (const QVariantMap &p : peers) {
            const QHostAddress a(text(p, "address"));
            if (!a.isNull() && !text(p, "prefix").isEmpty() && a.isInSubnet(subnet))
                return &p;
        }
        return nullptr;
    };
    auto addressOf = [&peers](const QString &prefix) {
        for (const QVariantMap &p : peers)
            if (text(p, "prefix") == prefix)
                return text(p, "address");
        return QString();
    };

    // Direct: one node per tunnel peer, with babel's neighbour at the other end of the
    // tunnel as PeerRoute finds it: on a server's interface, shared by all its clients,
    // the first neighbour there may be another client's.
    for (const QVariantMap &t : tunnels) {
        const QString prefix = text(t, "peer");
        if (prefix.isEmpty() || g.indexOf(prefix) >= 0)
            continue;
        Node n;
        n.id = prefix;
        n.prefix = prefix;
        n.label = prefix;
        n.address = addressOf(prefix);
        const PeerRoute reach = PeerRoute::find(prefix, n.address, tunnels, routes, neighbours);
        n.interface = text(reach.tunnel, "interface");
        n.tunnel = true;
        n.nextHop = reach.neighbour.address;
        n.rttMs = reach.neighbour.rttMs;
        g.addDirect(n);
    }
    // The Direct tunnel node a route through (interface, next hop) goes through: the
    // peer that is that neighbour, else the only tunnel on that interface when its
    // neighbour is not resolved (the Neighbours() answer is not in yet), else none.
    auto tunnelNode = [&g](const QString &interface, const QString &nextHop) {
        int alone = -1, onInterface = 0;
        for (int i = 1; i < g.m_nodes.size(); ++i) {
            const Node &n = g.m_nodes.at(i);
            if (n.kind != Kind::Direct || !n.tunnel || n.interface != interface)
                continue;
            if (!n.nextHop.isEmpty() && QHostAddress(n.nextHop) == QHostAddress(nextHop))
                return i;
            alone = i;
            ++onInterface;
        }
        return onInterface == 1 && g.m_nodes.at(alone).nextHop.isEmpty() ? alone : -1;
    };

    const QHostAddress ourAddress(self.address);
    const Subnet ourSubnet = QHostAddress::parseSubnet(self.subnet);
    const Subnet network = QHostAddress::parseSubnet(self.network);
    for (const QVariantMap &r : routes) {
        if (!r.value(QStringLiteral("installed")).toBool())
            continue;
        const Subnet dest = QHostAddress::parseSubnet(text(r, "destination"));
        if (dest.first.isNull() || dest.second == 0)
            continue;
        // The whole network (or wider: a default route) is no node; our own subnet is us.
        if (!network.first.isNull() && dest.second <= network.second)
            continue;
        if ((!ourSubnet.first.isNull() && canonical(dest) == canonical(ourSubnet))
            || (!ourAddress.isNull() && ourAddress.isInSubnet(dest)))
            continue;

        const QString interface = text(r, "interface");
        const QString nextHop = text(r, "next_hop");
        int parent = tunnelNode(interface, nextHop);
        if (parent < 0) {
            // A babel neighbour without a tunnel (same LAN): known only by its link-local address.
            const QString id = QStringLiteral("neighbour:%1%%2").arg(nextHop, interface);
            parent = g.indexOf(id);
            if (parent < 0) {
                Node n;
                n.id = id;
                n.label = shortAddress(nextHop);
                n.interface = interface;
                n.nextHop = nextHop;
                n.rttMs = PeerRoute::neighbourOn(neighbours, interface, nextHop).rttMs;
                parent = g.addDirect(n);
            }
        }

        const QVariantMap *peer = peerIn(dest);
        const QString id = peer ? text(*peer, "prefix") : canonical(dest);
        const int metric = r.value(QStringLiteral("metric")).toInt();
        if (id == g.m_nodes.at(parent).id) {
            // The route to the neighbour itself.
            Node &n = g.m_nodes[parent];
            if (n.metric < 0 || metric < n.metric)
                n.metric = metric;
            continue;
        }
        if (const int existing = g.indexOf(id); existing >= 0) {
            Node &n = g.m_nodes[existing];
            // A tunnel peer babel reaches through another neighbour stays a direct one.
            if (n.kind == Kind::Via && metric < n.metric) {
                n.parent = parent;
                n.metric = metric;
                n.interface = interface;
                n.nextHop = nextHop;
                n.address = text(r, "destination");
            }
            continue;
        }
        Node n;
        n.id = id;
        n.kind = Kind::Via;
        n.prefix = peer ? text(*peer, "prefix") : QString();
        n.label = peer ? n.prefix : shortAddress(canonical(dest));
        n.address = peer ? text(*peer, "address") : text(r, "destination");
        n.interface = interface;
        n.nextHop = nextHop;
        n.parent = parent;
        n.metric = metric;
        g.m_nodes << n;
    }
    return g;
}

QString NeighbourhoodGraph::describe(int index) const
{
    if (index < 0 || index >= m_nodes.size())
        return {};
    const Node &n = m_nodes.at(index);
    QStringList lines;
    const QLocale locale;
    switch (n.kind) {
    case Kind::Self:
        lines << tr("This node");
        if (!n.prefix.isEmpty())
            lines << tr("Prefix: %1").arg(n.prefix);
        if (!n.address.isEmpty())
            lines << tr("Address: %1").arg(n.address);
        lines << tr("Direct neighbours: %1, other nodes: %2").arg(count(Kind::Direct)).arg(count(Kind::Via));
        return lines.join(u'\n');
    case Kind::Direct:
        lines << (n.prefix.isEmpty() ? tr("Babel neighbour %1").arg(n.nextHop) : tr("Direct peer %1").arg(n.prefix));
        if (!n.address.isEmpty())
            lines << tr("Address: %1").arg(n.address);
        lines << (n.tunnel ? tr("Over our tunnel %1").arg(n.interface)
                           : tr("On interface %1, without a tunnel").arg(n.interface));
        break;
    case Kind::Via:
        lines << (n.prefix.isEmpty() ? tr("Node %1").arg(n.address) : tr("Node %1").arg(n.prefix));
        if (!n.prefix.isEmpty())
            lines << tr("Address: %1").arg(n.address);
        if (n.parent > 0 && n.parent < m_nodes.size())
            lines << tr("Reached via %1 (next hop %2 on %3)").arg(m_nodes.at(n.parent).label, n.nextHop, n.interface);
        break;
    }
    if (n.rttMs >= 0)
        lines << tr("RTT: %1 ms").arg(locale.toString(n.rttMs, 'f', 1));
    if (n.metric >= 0)
        lines << tr("Route metric: %1").arg(n.metric);
    return lines.join(u'\n');
}

} // namespace re6st::gui
