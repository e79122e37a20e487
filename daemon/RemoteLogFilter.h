// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <QString>
#include <optional>

namespace re6st::daemon {

// Code 7 remote log lines on the registry node (node-protocol.md §6.6, §5.12). Any member
// may send them and upstream no longer does, so the registry node's log gets at most
// kMaxBytes of each, with control characters escaped (no forged lines or terminal
// sequences), and a token bucket per peer plus one for all peers bounds the rate.
class RemoteLogFilter final
{
public:
    static constexpr int kMaxBytes = 256;
    static constexpr int kPeerBurst = 5;              // lines at once from one peer,
    static constexpr qint64 kPeerIntervalMs = 60'000; // then one a minute
    static constexpr int kAllBurst = 20;              // from all peers together,
    static constexpr qint64 kAllIntervalMs = 5'000;   // then one every 5 s
    static constexpr int kMaxPeers = 1024;            // buckets kept (peers are certified members)

    // The line to log for `body` from `prefix` at `nowMs`, or nullopt if over the rate.
    // The first line let through after some were refused says how many.
    std::optional<QString> admit(const QByteArray &prefix, const QByteArray &body, qint64 nowMs);
    static QString escape(const QByteArray &body); // capped and escaped text

private:
    // GCRA form of a token bucket: the time at which the bucket would be full again.
    struct Bucket
    {
        qint64 fullAt = 0;
        quint64 refused = 0;
    };
    static bool take(Bucket &b, int burst, qint64 intervalMs, qint64 nowMs);
    QHash<QByteArray, Bucket> m_peers;
    Bucket m_all;
};

} // namespace re6st::daemon
