// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QString>
#include <optional>

namespace re6st::conf {

// re6st-conf --is-needed (registry-protocol.md §14.4 Recommendation): does this
// host already reach the network through re6st, i.e. is the preferred source
// address of the route to the network's base address inside the network?
class RouteCheck final
{
public:
    // Runs `ip -6 -json route get <base address>` (or $RE6ST_IP_COMMAND). No route: false.
    // Nullopt (+ error) when iproute2 cannot be run or answers garbage.
    static std::optional<bool> insideNetwork(const QByteArray &networkBits, QString *error);
    // Decision on iproute2's JSON output (exposed for tests).
    static std::optional<bool> parse(const QByteArray &ipJson, const QByteArray &networkBits, QString *error);
};

} // namespace re6st::conf
