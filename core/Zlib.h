// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>

namespace re6st::zlib {

// RFC 1950 container (header 78 9c at the default level), as Python zlib.compress.
QByteArray compress(const QByteArray &data);
// Nullopt on corrupt input or if the output would exceed maxSize.
std::optional<QByteArray> decompress(const QByteArray &data, qsizetype maxSize = 16 << 20);

} // namespace re6st::zlib
