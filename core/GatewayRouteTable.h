// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QMap>
#include <QString>
#include <QStringList>
#include <optional>
#include <utility>

namespace re6st {

// `--remote-gateway` bookkeeping (node-protocol.md §1.1 "Tunnelling group", §9.4):
// a reference count per remote IPv4 address. A client tunnel's first use of an
// address routes it (`<ip>/32 via <gateway>`, the gateways taken in turn); a client
// served from that address only counts, with no route. At zero the route, if any,
// goes. Pure: the caller runs the changes it returns. Inert without gateways.
class GatewayRouteTable final
{
public:
    struct Change
    {
        enum class Kind { Add, Delete } kind;
        QString ip;      // dotted quad, the route's destination (/32)
        QString gateway;
        bool operator==(const Change &) const = default;
    };

    explicit GatewayRouteTable(QStringList gateways = {}) : m_gateways(std::move(gateways)) {}

    bool isEnabled() const { return !m_gateways.isEmpty(); }
    // A client tunnel to `ip`: Add on first use. Non-IPv4 addresses are ignored.
    std::optional<Change> holdForTunnel(const QString &ip);
    // A client served from `ip` (its trusted_ip): counted, never routed.
    void holdForServedClient(const QString &ip);
    // One holder less (a tunnel or a served client): Delete when the last one
    // goes and the address was routed.
    std::optional<Change> release(const QString &ip);
    // At exit: Delete every route still held, and forget everything.
    QList<Change> releaseAll();

    int holders(const QString &ip) const;
    QString gatewayOf(const QString &ip) const; // empty: not routed

private:
    QStringList m_gateways;
    int m_rotation = 0;
    QMap<QString, std::pair<QString, int>> m_entries; // ip -> (gateway or empty, holders)
};

} // namespace re6st
