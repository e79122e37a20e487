// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>

namespace re6st {

// Client side of the hello/HMAC ratchet, registry-protocol.md §5.3.
// Request i is signed with SHA1^(2i)(S); its response with SHA1^(2i+1)(S).
class HmacRatchet final
{
public:
    explicit HmacRatchet(const QByteArray &secret = {}) : m_key(secret) {}
    bool isNull() const { return m_key.isEmpty(); }
    QByteArray key() const { return m_key; }

    // Base64 Re6stHMAC header for `target` ("/method?query"); advances the key.
    QByteArray signRequest(const QByteArray &target);
    // Checks the response header of the last signed request.
    bool verifyResponse(const QByteArray &body, const QByteArray &headerBase64) const;

private:
    QByteArray m_key;
    QByteArray m_responseKey;
};

} // namespace re6st
