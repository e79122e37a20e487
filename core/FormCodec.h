// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QList>
#include <QPair>
#include <optional>

namespace re6st {

// application/x-www-form-urlencoded as upstream speaks it (registry-protocol.md §4.1, §4.4).
namespace formcodec {
using Params = QList<QPair<QByteArray, QByteArray>>; // ordered (name, raw value)

// Python quote_plus: space -> '+', unreserved A-Za-z0-9_.-~ kept, rest %XX uppercase.
QByteArray quotePlus(const QByteArray &value);
QByteArray encode(const Params &params);
// Strict: every component must contain '='; '+' -> space; bad %XX -> error.
// Blank values kept; empty query -> empty list. Duplicate keys are all returned.
std::optional<Params> decode(const QByteArray &query);
} // namespace formcodec

} // namespace re6st
