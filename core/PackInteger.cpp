// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PackInteger.h"

namespace re6st {

// registry-protocol.md §3.1: n extra bytes (top 3 bits of byte 0), x_n = 32 << 8n.
std::optional<QByteArray> packInteger(quint64 value)
{
    for (int n = 0; n < 8; ++n) {
        const quint64 x = quint64(32) << (8 * n);
        if (value < x) {
            const quint64 v = value + quint64(n) * x;
            QByteArray out(n + 1, '\0');
            for (int k = 0; k <= n; ++k) out[n - k] = char((v >> (8 * k)) & 0xff);
            return out;
        }
        value -= x;
    }
    return std::nullopt;
}

std::optional<std::pair<quint64, int>> unpackInteger(const QByteArray &data)
{
    if (data.isEmpty()) return std::nullopt;
    const int n = quint8(data[0]) >> 5;
    if (data.size() < n + 1) return std::nullopt;
    quint64 v = 0;
    for (int k = 0; k <= n; ++k) v = (v << 8) | quint8(data[k]);
    v -= quint64(n) * (quint64(32) << (8 * n));
    for (int k = 0; k < n; ++k) v += quint64(32) << (8 * k);
    return std::make_pair(v, n + 1);
}

} // namespace re6st
