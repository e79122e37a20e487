// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QVariantMap>

namespace re6st::ctl {

// How a peer is reached, from the daemon's Tunnels(), Routes() and Neighbours()
// records (dbus/org.re6st.Node1.xml): through one of our tunnels ("direct
// (re6stnet3, client udp)"), through babel's installed route to its address ("via
// fe80::1 on re6stnet2"), or unknown ("-"). Pure.
class PeerReachability final
{
public:
    struct Reach
    {
        QString how = QStringLiteral("-");
        double rttMs = -1; // < 0: unknown (only known for direct neighbours)
    };

    PeerReachability(const QList<QVariantMap> &tunnels, const QList<QVariantMap> &routes,
                     const QList<QVariantMap> &neighbours)
        : m_tunnels(tunnels), m_routes(routes), m_neighbours(neighbours) {}

    Reach reach(const QString &prefix, const QString &address) const;

private:

    QList<QVariantMap> m_tunnels;
    QList<QVariantMap> m_routes;
    QList<QVariantMap> m_neighbours;
};

} // namespace re6st::ctl
