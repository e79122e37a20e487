// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QVariantMap>

namespace re6st {

// How a peer is reached, from the records of dbus/org.re6st.Node1.xml (Tunnels(),
// Routes(), Neighbours()): by our own tunnel to it, else by the most specific installed
// route covering its address (a source-less route preferred, as the kernel would for
// our own traffic). Pure; shared by re6stctl and re6st-tray, which word it themselves.
struct PeerRoute final
{
    enum class Kind { Unknown, Direct, Routed };
    Kind kind = Kind::Unknown;
    QVariantMap tunnel; // Direct: the tunnel record
    QVariantMap route;  // Routed: the route record
    // babel's rtt to the neighbour at the other end; babel keeps no end-to-end rtt, so
    // a routed peer has one only when it is itself the next hop. < 0: unknown.
    double rttMs = -1;

    static PeerRoute find(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                          const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours);
};

} // namespace re6st
