// SPDX-License-Identifier: GPL-2.0-or-later
// Query-string parsing of every registry request (registry-protocol.md §4.1).
#include "core/FormCodec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (const auto params = re6st::formcodec::decode(input)) {
        // Whatever decodes must re-encode to something that decodes the same.
        const auto again = re6st::formcodec::decode(re6st::formcodec::encode(*params));
        if (!again || *again != *params) __builtin_trap();
    }
    return 0;
}
