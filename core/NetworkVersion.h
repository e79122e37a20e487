// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include <QByteArray>
#include <optional>

namespace re6st {

// registry-protocol.md §3.2: version = packInteger(counter) || Sign_CA(packed).
namespace networkversion {
std::optional<QByteArray> make(quint64 counter, const crypto::RsaKey &caKey);
// Counter of a blob whose signature verifies with the CA, else nullopt.
std::optional<quint64> verify(const QByteArray &blob, const crypto::RsaKey &caPublicKey);
// Counter of any blob (signed or not, e.g. the initial "\0"); nullopt if malformed.
std::optional<quint64> counter(const QByteArray &blob);
} // namespace networkversion

} // namespace re6st
