// SPDX-License-Identifier: GPL-2.0-or-later
// The address a token mail is sent to (registry-protocol.md §6.2).
//
// Upstream checks nothing ("no email validation", §6.2). The address goes into
// the SMTP envelope (RCPT TO:<address>) and the mail's To: header, so a line
// break in it injects SMTP commands or headers, and '<' '>' break the envelope.
// The registry (requestToken) and every client (re6st-conf, the daemon's Enroll,
// the tray's wizard) apply the same rule, so a client never sends an address
// that the registry would refuse.
#pragma once

#include <QString>

namespace re6st::mail {

constexpr int kMaxAddressOctets = 254; // RFC 5321 §4.5.3.1.3: a path is 256 octets with its '<' '>'

// Why `address` cannot receive a token mail: "invalid email address: ..."; a
// null string when it can. Accepted: name@domain, one '@', at most 254 octets
// of UTF-8, no control, format or space characters, none of <>()[]\,;:"
// (quoted local parts and address lists are not supported), a domain without
// empty labels.
QString addressError(const QString &address);

} // namespace re6st::mail
