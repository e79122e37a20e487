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
    // One of babel's neighbours (a Neighbours() record).
    struct Neighbour
    {
        QString address;   // link-local; empty: no such neighbour
        double rttMs = -1; // rtt_ms; < 0: unknown (absent, negative or NaN in the record)
    };

    Kind kind = Kind::Unknown;
    QVariantMap tunnel; // Direct: the tunnel record
    QVariantMap route;  // Routed: the route record
    // Direct: babel's neighbour at the other end of the tunnel (the peer itself); its
    // address is empty when babel does not know it yet.
    Neighbour neighbour;
    // babel's rtt to the neighbour at the other end; babel keeps no end-to-end rtt, so
    // a routed peer has one only when it is itself the next hop. < 0: unknown.
    double rttMs = -1;

    static PeerRoute find(const QString &prefix, const QString &address, const QList<QVariantMap> &tunnels,
                          const QList<QVariantMap> &routes, const QList<QVariantMap> &neighbours);
    // babel's neighbour on `interface` at `address` (any address when empty: the first
    // one), or none.
    static Neighbour neighbourOn(const QList<QVariantMap> &neighbours, const QString &interface,
                                 const QString &address);
};

} // namespace re6st
