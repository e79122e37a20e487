// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>

namespace re6st::crypto {

// The DH parameters getDh serves (registry-protocol.md §6, §13 --dh): nodes hand
// them to OpenVPN's --dh as they are, so a file that is not PEM DH parameters is
// refused at startup (audit F4: every node retried getDh forever).
class DhParameters final
{
public:
    // True when OpenSSL reads `pem` as DH parameters (PKCS#3 "DH PARAMETERS" or
    // X9.42 "X9.42 DH PARAMETERS"), the forms OpenVPN takes.
    static bool isPem(const QByteArray &pem);
    // RFC 7919 ffdhe2048, served when --dh is not given (re6stnet(8) starts the
    // registry without it).
    static QByteArray ffdhe2048();
};

} // namespace re6st::crypto
