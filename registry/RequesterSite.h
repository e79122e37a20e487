// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHostAddress>
#include <QtEndian>
#include <algorithm>

namespace re6st::registry {

// Who asks, as the registry keys it (Call::origin, SessionTable, rate limits):
// an IPv6 peer's /64, 8 octets, or an IPv4 peer's address, 4, network order.
inline QByteArray requesterOrigin(const QHostAddress &peer)
{
    if (peer.protocol() == QAbstractSocket::IPv4Protocol) {
        const quint32 v4 = qToBigEndian(peer.toIPv4Address());
        return QByteArray(reinterpret_cast<const char *>(&v4), 4);
    }
    return QByteArray(reinterpret_cast<const char *>(peer.toIPv6Address().c), 8);
}

// The site a requester belongs to, for what is bounded per site (hellos, and
// which pending secret SessionTable evicts): `origin` from requesterOrigin.
// Many /64s
// are cheap, many /48s are not, so a site is a /48, or an IPv4 /24; but the
// nodes of this network (`networkBits`, registry-protocol.md §2) all share its
// prefix while being distinct sites, so there a node's /64 is its own site.
inline QByteArray requesterSite(const QByteArray &origin, const QByteArray &networkBits)
{
    if (origin.size() == 4) return origin.left(3);
    if (origin.size() != 8 || networkBits.isEmpty()) return origin.left(6);
    const qsizetype n = std::min<qsizetype>(networkBits.size(), 64);
    for (qsizetype i = 0; i < n; ++i) {
        const bool bit = (quint8(origin[i / 8]) >> (7 - i % 8)) & 1;
        if (bit != (networkBits[i] == '1')) return origin.left(6);
    }
    return origin;
}

} // namespace re6st::registry
