// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/NetworkVersion.h"
#include "core/PackInteger.h"

namespace re6st::networkversion {

std::optional<QByteArray> make(quint64 counter, const crypto::RsaKey &caKey)
{
    const auto packed = packInteger(counter);
    if (!packed) return std::nullopt;
    const auto signature = caKey.signSha512(*packed);
    if (!signature) return std::nullopt;
    return *packed + *signature;
}

std::optional<quint64> counter(const QByteArray &blob)
{
    const auto unpacked = unpackInteger(blob);
    if (!unpacked) return std::nullopt;
    return unpacked->first;
}

std::optional<quint64> verify(const QByteArray &blob, const crypto::RsaKey &caPublicKey)
{
    // §3.2: n = 1 + (version[0] >> 5); signature version[n:] over version[:n].
    const auto unpacked = unpackInteger(blob);
    if (!unpacked || blob.size() == unpacked->second) return std::nullopt;
    const int n = unpacked->second;
    if (!caPublicKey.verifySha512(blob.left(n), blob.mid(n))) return std::nullopt;
    return unpacked->first;
}

} // namespace re6st::networkversion
