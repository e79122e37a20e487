// SPDX-License-Identifier: GPL-2.0-or-later
// Address strings written by other nodes (node-protocol.md §6.6 code 1 answers, §7.2
// cache rows): whatever a peer sends, the kept entries are bounded and stable.
#include "core/PeerPayload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    using re6st::PeerAddress;
    const QString text = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    bool truncated = false;
    const QList<PeerAddress> kept = PeerAddress::parseUntrusted(text, &truncated);
    if (kept.size() > PeerAddress::kMaxListEntries) __builtin_trap();
    for (const PeerAddress &a : kept)
        if (a.port == 0 || !PeerAddress::isKnownProto(a.proto)) __builtin_trap();
    // What we store is re-parsed identically the next time the cache opens.
    const QString stored = PeerAddress::dumpList(kept);
    if (stored.size() <= PeerAddress::kMaxListBytes && PeerAddress::parseUntrusted(stored) != kept)
        __builtin_trap();
    (void)PeerAddress::parseList(text);
    return 0;
}
