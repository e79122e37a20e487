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

    // True when `text` has only the characters of a numeric address (digits and dots,
    // or hex digits and colons): such a value is never taken for a host name.
    static bool looksNumeric(const QString &text)
    {
        if (text.isEmpty()) return false;
        bool colon = false, dotsAndDigits = true;
        for (const QChar c : text) {
            colon = colon || c == u':';
            dotsAndDigits = dotsAndDigits && (c.isDigit() || c == u'.');
        }
        const bool hexPrefix = text.startsWith(QLatin1String("0x"), Qt::CaseInsensitive);
        return colon || dotsAndDigits || hexPrefix;
    }
};

} // namespace re6st
