// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QString>
#include <optional>

namespace re6st {

// Bit strings ("0"/"1" ASCII, MSB first) and the addresses derived from them:
// registry-protocol.md §0 and §2.
namespace addressing {

bool isBitString(const QByteArray &bits);

// §2.1: network bits from the CA serial (hex digits, optional "0x"): drop the
// leading 1 bit. Nullopt for 0, a non-hex string, or more than 128 network bits.
std::optional<QByteArray> networkFromSerialHex(QByteArray serialHex);
// Inverse of the above: "1" + network bits, as lowercase hex without "0x".
QByteArray serialHexFromNetwork(const QByteArray &networkBits);

// §2.2: CN form "<decimal>/<len>" of a prefix bit string (up to 128 bits).
QString cnFromBits(const QByteArray &bits);
// §2.2, strict: rejects a value needing more bits than stated, len > 128,
// signs, spaces, leading '+'; "0/0" gives the empty prefix.
std::optional<QByteArray> bitsFromCn(const QString &cn);

// §2.3: textual IPv6 of `bits` (<= 128) padded to 128 with zeros; with
// `nodeSuffix`, the last bit set to 1 unless bits is already 128 long.
std::optional<QString> ipv6FromBits(const QByteArray &bits, bool nodeSuffix = false);
// Bits of an IPv6 address text (128 chars), nullopt if not IPv6.
std::optional<QByteArray> bitsFromIpv6(const QString &address);
// "<ipv6FromBits(bits)>/<len>" — CIDR of a subnet or network.
QString cidrFromBits(const QByteArray &bits);

// §2.4: node IPv4 of the payload network "a.b.c.d/N" with sublen and the
// subject serialNumber. Nullopt when the node gets no IPv4.
struct Ipv4Payload
{
    QString address;
    int prefixLength = 0; // netmask /n
};
std::optional<Ipv4Payload> ipv4Payload(const QString &network, int sublen, quint64 subjectSerial);

} // namespace addressing
} // namespace re6st
