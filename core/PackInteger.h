// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>
#include <utility>

namespace re6st {

// registry-protocol.md §3.1: order-preserving variable-length integers.
constexpr quint64 kPackIntegerMax = 0x202020202020201fULL;
std::optional<QByteArray> packInteger(quint64 value);
// (value, bytes consumed); nullopt if `data` is too short.
std::optional<std::pair<quint64, int>> unpackInteger(const QByteArray &data);

} // namespace re6st
