// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QStringList>
#include <QVariantMap>

namespace re6st::daemon {

// What a node does after fetching a new network configuration
// (node-protocol.md §7.4–7.5, registry-protocol.md §9.2).
class RestartRules final
{
public:
    static constexpr int kProtocol = 10;

    struct Decision
    {
        bool restart = false;
        QStringList reasons;      // e.g. "hello changed", for the log
        int delayMs = 0;          // 1 s + delay_restart when restart
        QList<qint64> revokedServers; // client tunnels to kill (no restart)
    };
    struct Context
    {
        bool hasClientTunnels = true;  // full tunnel manager (client_count > 0, not --client)
        int protocol = kProtocol;      // ours
        QList<qint64> servedSerials;   // certificate serials of clients of our servers
        QList<qint64> serverSerials;   // serials of the servers our client tunnels reach
    };

    // Removed keys + new/changed values; Python equality (True == 1, 15.0 == 15).
    static QStringList changedKeys(const QVariantMap &oldConfig, const QVariantMap &newConfig);
    static bool sameValue(const QVariant &a, const QVariant &b);
    // `delay_restart` is read from newConfig (default 0).
    static Decision decide(const QVariantMap &oldConfig, const QVariantMap &newConfig, const Context &context);
    static Decision decide(const QStringList &changed, const QVariantMap &newConfig, const Context &context);
};

} // namespace re6st::daemon
