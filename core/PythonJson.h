// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QJsonValue>

namespace re6st {

// JSON text exactly as Python's json.dumps(value, sort_keys=True) writes it:
// ", " and ": " separators, ASCII-only with \uXXXX escapes, integers without
// a fraction, floats with Python's repr (registry-protocol.md §9.3).
QByteArray pythonJsonDumps(const QJsonValue &value);

} // namespace re6st
