// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QHostAddress>
#include <QString>

#include <arpa/inet.h>

namespace re6st {

// An IP address given on a command line or in an option file, written in full:
// IPv4 as a dotted quad of decimal octets, IPv6 as RFC 4291 text without a zone.
// inet_pton(3), not QHostAddress or inet_aton: those also take the BSD shorthand,
// so a dropped octet ("1.2.3" → 1.2.0.3, "10" → 0.0.0.10) or "0x7f.1" would be
// another address, silently. Header-only: re6st-core and re6st-client-core use it.
class IpLiteral final
{
public:
    // The address, or a null QHostAddress when `text` is not one written in full.
    static QHostAddress parse(const QString &text)
    {
        const QByteArray latin = text.toLatin1();
        if (latin.isEmpty() || latin.size() > 64 || QString::fromLatin1(latin) != text) return {};
        unsigned char v4[4];
        if (::inet_pton(AF_INET, latin.constData(), v4) == 1)
            return QHostAddress(quint32(v4[0]) << 24 | quint32(v4[1]) << 16 | quint32(v4[2]) << 8 | v4[3]);
        Q_IPV6ADDR v6;
        if (::inet_pton(AF_INET6, latin.constData(), v6.c) == 1) return QHostAddress(v6);
        return {};
    }

    // True when `text` is written like a numeric address (IPv6 colons, or dot-separated
    // parts that are all decimal or 0x-hex numbers, as inet_aton reads them): such a
    // value is never taken for a host name ("0xdeadbeef.com" is one).
    static bool looksNumeric(const QString &text)
    {
        if (text.isEmpty()) return false;
        if (text.contains(u':')) return true;
        for (const QStringView part : QStringView(text).split(u'.')) {
            const bool hex = part.size() >= 2 && part[0] == u'0' && (part[1] == u'x' || part[1] == u'X');
            for (qsizetype i = hex ? 2 : 0; i < part.size(); ++i) {
                const char16_t c = part[i].unicode();
                const bool digit = c >= u'0' && c <= u'9';
                const bool hexDigit = digit || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
                if (!(hex ? hexDigit : digit)) return false;
            }
        }
        return true;
    }
};

} // namespace re6st
