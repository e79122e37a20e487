// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/HmacRatchet.h"
#include "core/crypto/Digest.h"

namespace re6st {

QByteArray HmacRatchet::signRequest(const QByteArray &target)
{
    // registry-protocol.md §5.3: MAC with K, answer with K' = SHA1(K), next K'' = SHA1(K').
    const QByteArray mac = crypto::hmacSha1(m_key, target);
    m_responseKey = crypto::sha1(m_key);
    m_key = crypto::sha1(m_responseKey);
    return mac.toBase64();
}

bool HmacRatchet::verifyResponse(const QByteArray &body, const QByteArray &headerBase64) const
{
    if (m_responseKey.isEmpty()) return false;
    const QByteArray expected = crypto::hmacSha1(m_responseKey, body);
    const QByteArray given = QByteArray::fromBase64(headerBase64.trimmed());
    if (given.size() != expected.size()) return false;
    char diff = 0; // constant time
    for (qsizetype i = 0; i < given.size(); ++i) diff |= given[i] ^ expected[i];
    return diff == 0;
}

} // namespace re6st
