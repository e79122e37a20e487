// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>

// Writing DER (ITU-T X.690 §8, §10): definite, minimal lengths. Pure byte
// handling, no OpenSSL, safe from any thread.
namespace re6st::crypto::der {

// Tags used by certificates (X.690 §8.1.2, universal class).
inline constexpr char kInteger = 0x02;
inline constexpr char kBitString = 0x03;
inline constexpr char kUtcTime = 0x17;
inline constexpr char kGeneralizedTime = 0x18;
inline constexpr char kSequence = 0x30; // constructed

// Tag, minimal length, content.
QByteArray tlv(char tag, const QByteArray &content);
// INTEGER holding `value` (a leading zero octet when the top bit is set).
QByteArray unsignedInteger(quint64 value);
// BIT STRING of whole octets (unused-bits octet 0).
QByteArray bitString(const QByteArray &octets);
// The X.509 Time of a Unix time (RFC 5280 §4.1.2.5): UTCTime YYMMDDHHMMSSZ
// for the years 1950 to 2049, GeneralizedTime YYYYMMDDHHMMSSZ otherwise;
// nullopt outside the years 0 to 9999.
std::optional<QByteArray> time(qint64 unixSeconds);

} // namespace re6st::crypto::der
