// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QVariantMap>

namespace re6st::gui {

// Our neighbourhood as a graph, from the records of dbus/org.re6st.Node1.xml: us; our
// direct neighbours (the peer at the other end of each tunnel, or a babel neighbour on
// another interface such as a LAN); the nodes babel reaches through each of them (the
// installed routes, grouped by interface and next hop). Rebuilt from scratch on every
// change: a node whose route is lost disappears. Pure.
class NeighbourhoodGraph final
{
    Q_DECLARE_TR_FUNCTIONS(NeighbourhoodGraph)
public:
    enum class Kind { Self, Direct, Via };
    struct Node
    {
        QString id;          // stable across rebuilds: "self", the prefix, or the route's key
        Kind kind = Kind::Via;
        QString label;       // short: prefix (CN form) when known, else the address
        QString prefix;      // CN form ("2/16"); empty when no peer record matches
        QString address;     // the peer's re6st address, or the route's destination
        QString interface;   // Direct: the tunnel (or LAN) interface; Via: the route's
        QString nextHop;     // babel's neighbour (link-local; Direct: empty when unknown), Via: next hop
        bool tunnel = false; // Direct: over one of our OpenVPN tunnels
        int parent = -1;     // index in nodes(): 0 (us) for Direct, the Direct node for Via
        int metric = -1;     // babel metric of the route to it; < 0: none known
        double rttMs = -1;   // babel's rtt to it (neighbours only); < 0: unknown
    };
    struct Self
    {
        QString prefix;  // Prefix property (CN form)
        QString address; // Address property
        QString subnet;  // Subnet property (CIDR): routes to it are ours, not drawn
        QString network; // Network property (CIDR): routes shorter than it are not nodes
    };

    NeighbourhoodGraph() = default;
    static NeighbourhoodGraph build(const Self &self, const QList<QVariantMap> &peers,
                                    const QList<QVariantMap> &tunnels, const QList<QVariantMap> &routes,
                                    const QList<QVariantMap> &neighbours);

    const QList<Node> &nodes() const { return m_nodes; } // nodes()[0] is us
    int indexOf(const QString &id) const;
    int count(Kind kind) const;
    QList<int> children(int parent) const;
    // What a tooltip says about node `index` (translated, several lines).
    QString describe(int index) const;
    // A short form of an IPv6 address or CIDR for labels ("2001:db8:42:2::/64" → "…42:2::/64").
    static QString shortAddress(const QString &text);

private:
    int addDirect(Node node);
    QList<Node> m_nodes;
};

} // namespace re6st::gui
