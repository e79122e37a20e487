// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/RemoteLogFilter.h"

#include "core/TextChars.h"

#include <algorithm>

namespace re6st::daemon {

bool RemoteLogFilter::take(Bucket &b, int burst, qint64 intervalMs, qint64 nowMs)
{
    // A wall clock set back must not block the bucket for as long.
    const qint64 fullAt = std::min(std::max(b.fullAt, nowMs), nowMs + burst * intervalMs);
    if (fullAt + intervalMs > nowMs + burst * intervalMs) {
        b.fullAt = fullAt;
        return false;
    }
    b.fullAt = fullAt + intervalMs;
    return true;
}

std::optional<QString> RemoteLogFilter::admit(const QByteArray &prefix, const QByteArray &body, qint64 nowMs)
{
    if (m_peers.size() >= kMaxPeers && !m_peers.contains(prefix)) // full buckets need no entry
        m_peers.removeIf([nowMs](QHash<QByteArray, Bucket>::iterator it) {
            return it->fullAt <= nowMs && !it->refused;
        });
    if (m_peers.size() >= kMaxPeers && !m_peers.contains(prefix)) return std::nullopt;
    Bucket &peer = m_peers[prefix];
    if (!take(peer, kPeerBurst, kPeerIntervalMs, nowMs)) {
        ++peer.refused;
        return std::nullopt;
    }
    if (!take(m_all, kAllBurst, kAllIntervalMs, nowMs)) {
        ++peer.refused;
        return std::nullopt;
    }
    QString line = escape(body);
    if (peer.refused)
        line += QStringLiteral(" [%1 earlier line(s) from this peer not logged: rate limit]").arg(peer.refused);
    peer.refused = 0;
    return line;
}

QString RemoteLogFilter::escape(const QByteArray &body)
{
    // Cut first: a UTF-8 sequence split at the cap decodes as U+FFFD, which is harmless.
    // \n, ESC, DEL, C1, bidi overrides, U+2028…: shown, never interpreted.
    QString out = text::escaped(QString::fromUtf8(body.left(kMaxBytes)), text::Backslash::Double);
    if (body.size() > kMaxBytes) out += QStringLiteral(" [%1 more bytes]").arg(body.size() - kMaxBytes);
    return out;
}

} // namespace re6st::daemon
