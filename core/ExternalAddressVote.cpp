// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/ExternalAddressVote.h"

#include <QMap>
#include <algorithm>

namespace re6st {

ExternalAddressVote::ExternalAddressVote(QList<Subnet> ownNetworks)
    : m_own(std::move(ownNetworks))
{
}

bool ExternalAddressVote::acceptable(const QHostAddress &ip) const
{
    const auto family = ip.protocol();
    if (family != QAbstractSocket::IPv4Protocol && family != QAbstractSocket::IPv6Protocol) return false;
    if (!ip.scopeId().isEmpty() || ip.isLoopback() || ip.isMulticast() || ip.isBroadcast() || ip.isLinkLocal())
        return false;
    if (family == QAbstractSocket::IPv4Protocol) {
        if ((ip.toIPv4Address() >> 24) == 0) return false; // 0.0.0.0/8: unspecified, "this network"
    } else {
        bool mapped = false;
        ip.toIPv4Address(&mapped); // ::ffff:a.b.c.d
        if (mapped || ip == QHostAddress(QHostAddress::AnyIPv6)) return false;
    }
    for (const Subnet &net : m_own)
        if (ip.isInSubnet(net)) return false;
    return true;
}

bool ExternalAddressVote::report(const QByteArray &server, const QString &ip)
{
    const QHostAddress a(ip);
    if (!acceptable(a)) return false;
    Family &f = a.protocol() == QAbstractSocket::IPv6Protocol ? m_v6 : m_v4;
    f.reports.insert(server, a);
    elect(f);
    return true;
}

void ExternalAddressVote::withdraw(const QByteArray &server)
{
    for (Family *f : {&m_v4, &m_v6})
        if (f->reports.remove(server)) elect(*f);
}

int ExternalAddressVote::support(const QHostAddress &ip) const
{
    const Family &f = ip.protocol() == QAbstractSocket::IPv6Protocol ? m_v6 : m_v4;
    return int(std::count(f.reports.cbegin(), f.reports.cend(), ip));
}

void ExternalAddressVote::elect(Family &f)
{
    QMap<QString, int> votes; // text -> distinct servers (one report each)
    for (const QHostAddress &a : std::as_const(f.reports)) ++votes[a.toString()];
    int best = 0;
    QString winner;
    bool tie = false;
    for (auto it = votes.cbegin(); it != votes.cend(); ++it) {
        if (it.value() > best) {
            best = it.value();
            winner = it.key();
            tie = false;
        } else if (it.value() == best) {
            tie = true;
        }
    }
    if (best == 0) return; // nobody reports: keep what we have
    const int currentVotes = f.current.isNull() ? 0 : votes.value(f.current.toString());
    if (tie || currentVotes == best) return; // a tie (with the current one or not) changes nothing
    f.current = QHostAddress(winner);
}

} // namespace re6st
