// SPDX-License-Identifier: GPL-2.0-or-later
// A token bucket per key (a requester's /64, say): `burst` at once, then
// `count` per `periodMs` (or `perSecond`). At most `maxKeys` keys are
// remembered; beyond, the buckets that have refilled are forgotten first (they
// hold nothing), then the fullest.
// Pure: the caller gives the time in ms (a clock set back refills nothing).
#pragma once

#include <QByteArray>
#include <QHash>
#include <algorithm>

namespace re6st {

class KeyedRateLimit final
{
public:
    KeyedRateLimit(int burst, int perSecond, int maxKeys) : KeyedRateLimit(burst, perSecond, 1000, maxKeys) {}
    KeyedRateLimit(int burst, int count, qint64 periodMs, int maxKeys)
        : m_token(periodMs), m_burst(qint64(burst) * periodMs), m_count(count), m_maxKeys(maxKeys)
    {
    }

    // True, and one token spent, if `key` may go on at `nowMs`.
    bool admit(const QByteArray &key, qint64 nowMs)
    {
        auto it = m_buckets.find(key);
        if (it == m_buckets.end()) {
            if (m_buckets.size() >= m_maxKeys) forgetSome(nowMs);
            it = m_buckets.insert(key, Bucket{m_burst, nowMs});
        }
        Bucket &b = *it;
        b.units = level(b, nowMs);
        b.at = nowMs;
        if (b.units < m_token) return false;
        b.units -= m_token;
        return true;
    }
    // Milliseconds until `key` may go on (0: now).
    qint64 waitMs(const QByteArray &key, qint64 nowMs) const
    {
        const auto it = m_buckets.constFind(key);
        if (it == m_buckets.cend()) return 0;
        const qint64 missing = m_token - level(*it, nowMs);
        return missing <= 0 ? 0 : (missing + m_count - 1) / m_count;
    }
    int keys() const { return int(m_buckets.size()); }

private:
    // Levels are counted in units of which one token is periodMs and each ms
    // adds `count`: exact integers whatever the rate.
    struct Bucket
    {
        qint64 units = 0;
        qint64 at = 0; // last refill (ms)
    };
    qint64 level(const Bucket &b, qint64 nowMs) const
    {
        const qint64 elapsed = std::max<qint64>(0, nowMs - b.at);
        // units gained: elapsed ms * count (no overflow for any sane clock step)
        return std::min(m_burst, b.units + std::min<qint64>(elapsed, 1LL << 40) * m_count);
    }
    void forgetSome(qint64 nowMs)
    {
        for (auto it = m_buckets.begin(); it != m_buckets.end();)
            it = level(*it, nowMs) >= m_burst ? m_buckets.erase(it) : std::next(it);
        if (m_buckets.size() < m_maxKeys) return;
        const auto fullest = std::max_element(m_buckets.begin(), m_buckets.end(), [&](const Bucket &a, const Bucket &b) {
            return level(a, nowMs) < level(b, nowMs);
        });
        m_buckets.erase(fullest);
    }

    qint64 m_token; // one token, in units
    qint64 m_burst; // in units
    qint64 m_count;
    int m_maxKeys;
    QHash<QByteArray, Bucket> m_buckets;
};

} // namespace re6st
