// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Private to core/crypto/*.cpp: digest lookup by (OpenSSL or Python hashlib) name.
#include "core/crypto/OpenSslPtr.h"
#include <optional>

namespace re6st::crypto::detail {

// nullptr for unknown names and for extendable-output functions (SHAKE).
EvpMdPtr fetchDigest(const QByteArray &algorithm);
std::optional<QByteArray> digestWith(const EVP_MD *md, const QByteArray &data);

} // namespace re6st::crypto::detail
