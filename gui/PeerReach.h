// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QCoreApplication>
#include <QList>
#include <QString>
#include <QVariantMap>

namespace re6st::gui {

// How we reach a peer, from the daemon's Tunnels(), Routes() and Neighbours() records
// (dbus/org.re6st.Node1.xml): over one of our tunnels (with babel's rtt on it), through
// the installed babel route covering its address (via which next hop), or unknown. Pure.
class PeerReach final
{
    Q_DECLARE_TR_FUNCTIONS(PeerReach)
public:
    enum class Kind { Unknown, Direct, Routed };
    struct Reach
    {
        Kind kind = Kind::Unknown;
        QString how;       // translated
        double rttMs = -1; // < 0: unknown (babel measures it only to neighbours)
    };

    static Reach of(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                    const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours);
};

} // namespace re6st::gui
