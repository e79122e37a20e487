// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/crypto/DerWriter.h"
#include <cstdio>
#include <ctime>

namespace re6st::crypto::der {

QByteArray tlv(char tag, const QByteArray &content)
{
    QByteArray out;
    out.reserve(content.size() + 6);
    out.append(tag);
    const quint64 length = quint64(content.size());
    if (length < 0x80) {
        out.append(char(length)); // short form (X.690 §8.1.3.4)
    } else {
        int octets = 0; // long form: as few length octets as possible (§10.1)
        for (quint64 rest = length; rest != 0; rest >>= 8) ++octets;
        out.append(char(0x80 | octets));
        for (int i = octets - 1; i >= 0; --i) out.append(char((length >> (8 * i)) & 0xff));
    }
    return out + content;
}

QByteArray unsignedInteger(quint64 value)
{
    QByteArray content;
    for (int i = 7; i >= 0; --i) {
        const char octet = char((value >> (8 * i)) & 0xff);
        if (content.isEmpty() && octet == 0 && i != 0) continue; // minimal (X.690 §8.3.2)
        content.append(octet);
    }
    if (quint8(content.at(0)) & 0x80) content.prepend('\0'); // still positive
    return tlv(kInteger, content);
}

QByteArray bitString(const QByteArray &octets)
{
    return tlv(kBitString, QByteArray(1, '\0') + octets);
}

std::optional<QByteArray> time(qint64 unixSeconds)
{
    const time_t seconds = time_t(unixSeconds);
    struct tm tm = {};
    if (qint64(seconds) != unixSeconds || gmtime_r(&seconds, &tm) == nullptr) return std::nullopt;
    const long long year = tm.tm_year + 1900LL;
    if (year < 0 || year > 9999) return std::nullopt;
    char text[16];
    const bool utc = year >= 1950 && year <= 2049;
    const int length = utc ? std::snprintf(text, sizeof text, "%02lld%02d%02d%02d%02d%02dZ", year % 100,
                                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec)
                           : std::snprintf(text, sizeof text, "%04lld%02d%02d%02d%02d%02dZ", year,
                                           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return tlv(utc ? kUtcTime : kGeneralizedTime, QByteArray(text, length));
}

} // namespace re6st::crypto::der
