// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <optional>

namespace re6st::crypto {

QByteArray sha1(const QByteArray &data);
QByteArray hmacSha1(const QByteArray &key, const QByteArray &data);
// Any digest OpenSSL knows by name ("sha1", "sha256", "md5", ...).
std::optional<QByteArray> digest(const QByteArray &algorithm, const QByteArray &data);
std::optional<int> digestSize(const QByteArray &algorithm);
// Cryptographically secure random bytes (registry-protocol.md §18.12).
QByteArray randomBytes(int count);

} // namespace re6st::crypto
