// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "registry/RegistryStore.h"
#include <QByteArray>
#include <QString>
#include <optional>

namespace re6st::registry {

// Binary buddy allocation of prefixes in the cert table: registry-protocol.md
// §7.3 (newPrefix) and §7.4 (mergePrefixes). Call inside a store Transaction.
class PrefixAllocator final
{
public:
    PrefixAllocator(RegistryStore &store, int networkLength)
        : m_store(store), m_networkLength(networkLength) {}

    // Free prefix of length `length + community.size()`; ties broken by the
    // lexicographically smallest row (§18.14). Nullopt + error when exhausted.
    // The returned row is still free (cert NULL): store the certificate with
    // RegistryStore::setRow in the same Transaction. All-zero /128 hosts are
    // marked 'reserved' on the way (§7.3 step 5).
    std::optional<QByteArray> allocate(int length, const QByteArray &community, QString *error);
    // §7.4: merge free siblings into their parent, longest first.
    void mergeFree();

private:
    RegistryStore &m_store;
    int m_networkLength;
};

} // namespace re6st::registry
