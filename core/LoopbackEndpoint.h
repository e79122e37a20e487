// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QHostAddress>
#include <QString>
#include <optional>

namespace re6st {

// ADDR:PORT of a loopback-only listener (the --metrics option of re6stnet and
// re6st-registry). Pure parsing.
struct LoopbackEndpoint final
{
    QHostAddress address;
    quint16 port = 0;

    // "127.0.0.1:9326", "[::1]:9326", "localhost:9326" -> endpoint; nullopt
    // unless the host is a loopback address (127.0.0.0/8, ::1; "localhost"
    // means 127.0.0.1) and the port is 1..65535. A bare IPv6 address must be
    // bracketed ("::1:9326" is refused as ambiguous).
    static std::optional<LoopbackEndpoint> parse(const QString &text);
    // Usage error text for `option` given `value` (what was wrong, an example).
    static QString usageError(const QString &option, const QString &value);
    QString toString() const; // "127.0.0.1:9326" / "[::1]:9326"
};

} // namespace re6st
