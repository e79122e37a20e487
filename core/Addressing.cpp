// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/Addressing.h"

#include <QHostAddress>
#include <QStringList>
#include <array>

namespace re6st::addressing {
namespace {

using u128 = unsigned __int128;

QByteArray bitsOfHexDigit(char c)
{
    int v;
    if (c >= '0' && c <= '9') v = c - '0';
    else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
    else return {};
    QByteArray out(4, '0');
    for (int i = 0; i < 4; ++i)
        if (v & (8 >> i)) out[i] = '1';
    return out;
}

// 128-bit address bytes from a bit string padded with zeros.
std::array<quint8, 16> bytesFromBits(const QByteArray &bits)
{
    std::array<quint8, 16> b{};
    for (int i = 0; i < bits.size(); ++i)
        if (bits[i] == '1') b[i / 8] |= quint8(0x80 >> (i % 8));
    return b;
}

} // namespace

bool isBitString(const QByteArray &bits)
{
    for (char c : bits)
        if (c != '0' && c != '1') return false;
    return true;
}

std::optional<QByteArray> networkFromSerialHex(QByteArray serialHex)
{
    if (serialHex.startsWith("0x") || serialHex.startsWith("0X")) serialHex = serialHex.mid(2);
    if (serialHex.isEmpty()) return std::nullopt;
    QByteArray bits;
    bits.reserve(serialHex.size() * 4);
    for (char c : serialHex) {
        const QByteArray nibble = bitsOfHexDigit(c);
        if (nibble.isEmpty()) return std::nullopt;
        bits += nibble;
    }
    // §2.1: drop everything up to and including the leading 1 bit.
    const qsizetype one = bits.indexOf('1');
    if (one < 0) return std::nullopt;
    bits = bits.mid(one + 1);
    if (bits.size() > 128) return std::nullopt;
    return bits;
}

QByteArray serialHexFromNetwork(const QByteArray &networkBits)
{
    QByteArray bits = "1" + networkBits;
    while (bits.size() % 4) bits.prepend('0');
    QByteArray hex;
    for (qsizetype i = 0; i < bits.size(); i += 4) {
        int v = 0;
        for (int j = 0; j < 4; ++j) v = v * 2 + (bits[i + j] == '1');
        hex += "0123456789abcdef"[v];
    }
    while (hex.size() > 1 && hex.startsWith('0')) hex.remove(0, 1);
    return hex;
}

QString cnFromBits(const QByteArray &bits)
{
    u128 value = 0;
    for (char c : bits) value = (value << 1) | (c == '1');
    QByteArray digits;
    do {
        digits.prepend(char('0' + int(value % 10)));
        value /= 10;
    } while (value);
    return QString::fromLatin1(digits) + QLatin1Char('/') + QString::number(bits.size());
}

std::optional<QByteArray> bitsFromCn(const QString &cn)
{
    const QStringList parts = cn.split(QLatin1Char('/'));
    if (parts.size() != 2 || parts[0].isEmpty() || parts[1].isEmpty() || parts[1].size() > 3)
        return std::nullopt;
    for (const QString &p : parts)
        for (QChar c : p)
            if (c < QLatin1Char('0') || c > QLatin1Char('9')) return std::nullopt;
    const int len = parts[1].toInt();
    if (len > 128 || parts[0].size() > 39) return std::nullopt;
    u128 value = 0;
    for (QChar c : parts[0]) {
        const u128 next = value * 10 + u128(c.unicode() - '0');
        if (next / 10 != value) return std::nullopt; // overflow
        value = next;
    }
    // §2.2: strict — the value must fit in the stated length.
    if (len < 128 && (value >> len) != 0) return std::nullopt;
    QByteArray bits(len, '0');
    for (int i = 0; i < len; ++i)
        if ((value >> (len - 1 - i)) & 1) bits[i] = '1';
    return bits;
}

std::optional<QString> ipv6FromBits(const QByteArray &bits, bool nodeSuffix)
{
    if (bits.size() > 128 || !isBitString(bits)) return std::nullopt;
    auto bytes = bytesFromBits(bits);
    if (nodeSuffix && bits.size() < 128) bytes[15] |= 1; // §2.3: <subnet>::1
    return QHostAddress(bytes.data()).toString();
}

std::optional<QByteArray> bitsFromIpv6(const QString &address)
{
    QHostAddress a;
    if (!a.setAddress(address) || a.protocol() != QAbstractSocket::IPv6Protocol) return std::nullopt;
    const Q_IPV6ADDR raw = a.toIPv6Address();
    QByteArray bits(128, '0');
    for (int i = 0; i < 128; ++i)
        if (raw[i / 8] & (0x80 >> (i % 8))) bits[i] = '1';
    return bits;
}

QString cidrFromBits(const QByteArray &bits)
{
    return ipv6FromBits(bits).value_or(QString()) + QLatin1Char('/') + QString::number(bits.size());
}

std::optional<Ipv4Payload> ipv4Payload(const QString &network, int sublen, quint64 subjectSerial)
{
    // §2.4: n = N + sublen; x = IP | (s << (32 - n)); address x+1 if n < 31.
    const QStringList parts = network.split(QLatin1Char('/'));
    if (parts.size() != 2 || sublen < 0 || sublen > 16) return std::nullopt;
    QHostAddress ip;
    bool ok = false;
    const int netLen = parts[1].toInt(&ok);
    if (!ok || !ip.setAddress(parts[0]) || ip.protocol() != QAbstractSocket::IPv4Protocol)
        return std::nullopt;
    if (subjectSerial >= (quint64(1) << sublen)) return std::nullopt;
    const int n = netLen + sublen;
    if (n > 32 || n < 1) return std::nullopt;
    quint32 x = ip.toIPv4Address() | quint32(subjectSerial << (32 - n));
    if (n < 31) x += 1;
    return Ipv4Payload{QHostAddress(x).toString(), n};
}

} // namespace re6st::addressing
