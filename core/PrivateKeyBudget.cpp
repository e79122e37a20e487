// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PrivateKeyBudget.h"

#include <algorithm>

namespace re6st {

bool PrivateKeyBudget::due(qint64 last, qint64 nowMs)
{
    // A clock set back (nowMs < last) must not block a prefix for as long.
    return last == kNever || nowMs - last >= kPrefixIntervalMs || nowMs < last;
}

bool PrivateKeyBudget::admit(Operation operation, const QByteArray &prefix, qint64 nowMs)
{
    const int k = int(operation);
    if (m_refilledAt != kNever && nowMs > m_refilledAt) // kPerSecond tokens/s = kPerSecond milli-tokens/ms
        m_milliTokens = std::min(kBurst * kMilli, m_milliTokens + (nowMs - m_refilledAt) * kPerSecond);
    m_refilledAt = nowMs;
    const auto it = m_last.constFind(prefix);
    if (it != m_last.cend() && !due(it->at[k], nowMs)) return false;
    if (m_milliTokens < kMilli) return false;
    if (it == m_last.cend() && m_last.size() >= kMaxPrefixes)
        m_last.removeIf([nowMs](QHash<QByteArray, Last>::iterator e) {
            return due(e->at[0], nowMs) && due(e->at[1], nowMs);
        });
    m_milliTokens -= kMilli;
    m_last[prefix].at[k] = nowMs;
    ++m_spent[k];
    return true;
}

} // namespace re6st
