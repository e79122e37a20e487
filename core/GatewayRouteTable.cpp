// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/GatewayRouteTable.h"
#include <QHostAddress>

namespace re6st {

namespace {

bool isIpv4(const QString &ip)
{
    return QHostAddress(ip).protocol() == QAbstractSocket::IPv4Protocol;
}

} // namespace

std::optional<GatewayRouteTable::Change> GatewayRouteTable::holdForTunnel(const QString &ip)
{
    if (!isEnabled() || !isIpv4(ip)) return std::nullopt;
    const auto it = m_entries.find(ip);
    if (it != m_entries.end()) {
        ++it->second; // already routed, or held by a served client (§9.4: no route then)
        return std::nullopt;
    }
    const QString gateway = m_gateways.at(m_rotation++ % m_gateways.size());
    m_entries.insert(ip, {gateway, 1});
    return Change{Change::Kind::Add, ip, gateway};
}

void GatewayRouteTable::holdForServedClient(const QString &ip)
{
    if (!isEnabled() || !isIpv4(ip)) return;
    const auto it = m_entries.find(ip);
    if (it != m_entries.end())
        ++it->second;
    else
        m_entries.insert(ip, {QString(), 1});
}

std::optional<GatewayRouteTable::Change> GatewayRouteTable::release(const QString &ip)
{
    const auto it = m_entries.find(ip);
    if (it == m_entries.end() || --it->second > 0) return std::nullopt;
    const QString gateway = it->first;
    m_entries.erase(it);
    if (gateway.isEmpty()) return std::nullopt;
    return Change{Change::Kind::Delete, ip, gateway};
}

QList<GatewayRouteTable::Change> GatewayRouteTable::releaseAll()
{
    QList<Change> out;
    for (auto it = m_entries.cbegin(); it != m_entries.cend(); ++it)
        if (!it->first.isEmpty()) out.append({Change::Kind::Delete, it.key(), it->first});
    m_entries.clear();
    return out;
}

int GatewayRouteTable::holders(const QString &ip) const
{
    return m_entries.value(ip, {QString(), 0}).second;
}

QString GatewayRouteTable::gatewayOf(const QString &ip) const
{
    return m_entries.value(ip).first;
}

} // namespace re6st
