// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <QHostAddress>
#include <QList>
#include <QPair>

namespace re6st {

// Our address as seen from outside, per family, from the `external_ip` that the servers
// of our client tunnels push (node-protocol.md §3.5, §5.11, §9.1). Upstream takes every
// report as it comes, so a single server decides what we advertise. Here each server
// prefix has one vote: its latest report, which counts while its tunnel is up
// (withdraw()). The address reported by the most servers wins, and a tie keeps the
// current one. With only one server reporting, its report is taken, as upstream does.
// Pure: no I/O and no clock, because a report's lifetime is its tunnel's.
class ExternalAddressVote final
{
public:
    using Subnet = QPair<QHostAddress, int>; // as QHostAddress::parseSubnet returns it
    // `ownNetworks`: the overlay (§2.1 network prefix, §2.5 IPv4 payload). Addresses in
    // them are refused: nobody reaches our servers there from outside.
    explicit ExternalAddressVote(QList<Subnet> ownNetworks = {});

    // Refused: unspecified, loopback, multicast, broadcast, link-local, scoped,
    // IPv4-mapped, inside ownNetworks. Private IPv4 and ULA are accepted (NAT in a LAN).
    bool acceptable(const QHostAddress &ip) const;
    // `server` (prefix bits) pushed `ip`: it replaces that server's earlier report of the
    // same family. False if `ip` is refused (the earlier report then stays).
    bool report(const QByteArray &server, const QString &ip);
    // The tunnel to `server` ended: its reports no longer count.
    void withdraw(const QByteArray &server);

    // The winner of the family: null before any accepted report, and kept when no
    // report remains (we do not forget an address because tunnels closed).
    QHostAddress current(bool ipv6) const { return (ipv6 ? m_v6 : m_v4).current; }
    int support(const QHostAddress &ip) const; // servers currently reporting `ip`
    int reporters(bool ipv6) const { return int((ipv6 ? m_v6 : m_v4).reports.size()); }

private:
    struct Family
    {
        QHash<QByteArray, QHostAddress> reports; // server prefix -> its latest report
        QHostAddress current;
    };
    static void elect(Family &f);

    QList<Subnet> m_own;
    Family m_v4, m_v6;
};

} // namespace re6st
