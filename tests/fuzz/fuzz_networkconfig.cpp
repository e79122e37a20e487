// SPDX-License-Identifier: GPL-2.0-or-later
// Network-config decoding on the node side (registry-protocol.md §9.2).
#include "core/NetworkConfig.h"

#include <QFile>

static re6st::crypto::RsaKey loadKey(const char *relative)
{
    QFile f(qEnvironmentVariable("RE6ST_VECTORS") + "/" + relative);
    if (!f.open(QIODevice::ReadOnly)) return {};
    return re6st::crypto::RsaKey::fromPem(f.readAll()).value_or(re6st::crypto::RsaKey());
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const re6st::crypto::RsaKey nodeKey = loadKey("crypto/node-4-16.key");
    static const re6st::crypto::RsaKey caKey = loadKey("crypto/ca.key");
    QString error;
    (void)re6st::NetworkConfig::decode(QByteArray(reinterpret_cast<const char *>(data), qsizetype(size)),
                                       nodeKey, caKey, &error);
    return 0;
}
