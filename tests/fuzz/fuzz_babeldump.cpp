// SPDX-License-Identifier: GPL-2.0-or-later
// Text local interface of stock babeld (node-protocol.md §4.5) and the dump
// interpretation of §4.4: arbitrary bytes, split at an input-chosen point, must
// never crash, and the incremental parser must not depend on how bytes arrive.
#include "core/BabelDump.h"

#include <QByteArrayView>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView all(reinterpret_cast<const char *>(data), qsizetype(size));
    re6st::BabelDump whole;
    const auto replies = whole.feed(all);

    const qsizetype cut = size ? qsizetype(data[0]) % qsizetype(size + 1) : 0;
    re6st::BabelDump pieces;
    auto split = pieces.feed(all.first(cut));
    split += pieces.feed(all.sliced(cut));
    if (split != replies || pieces.routes().size() != whole.routes().size()
        || pieces.neighbours().size() != whole.neighbours().size()
        || pieces.malformedLines() != whole.malformedLines())
        __builtin_trap();

    static const QByteArray network = QByteArray("001000000000000100001101101110000000000001000010"); // 2001:db8:42::/48
    const auto topology = re6st::BabelDump::topology(whole.neighbours(), whole.routes(), network);
    if (!topology.distantPeers().subtract(topology.peers).isEmpty()) __builtin_trap();
    for (auto it = topology.direct.cbegin(); it != topology.direct.cend(); ++it)
        if (!topology.peers.contains(it.key())) __builtin_trap();
    if (re6st::BabelDump::routedPeerPrefixes(whole.routes(), network) != topology.peers) __builtin_trap();
    return 0;
}
