// SPDX-License-Identifier: GPL-2.0-or-later
// CN <-> prefix bits and addresses (registry-protocol.md §2.2, §2.3).
#include "core/Addressing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QString cn = QString::fromUtf8(reinterpret_cast<const char *>(data), qsizetype(size));
    if (const auto bits = re6st::addressing::bitsFromCn(cn)) {
        if (re6st::addressing::bitsFromCn(re6st::addressing::cnFromBits(*bits)) != bits) __builtin_trap();
        (void)re6st::addressing::ipv6FromBits(*bits, true);
    }
    const QByteArray raw(reinterpret_cast<const char *>(data), qsizetype(size));
    if (re6st::addressing::isBitString(raw) && raw.size() <= 128) {
        if (re6st::addressing::bitsFromCn(re6st::addressing::cnFromBits(raw)) != raw) __builtin_trap();
    }
    (void)re6st::addressing::networkFromSerialHex(raw);
    return 0;
}
