// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/PrefixAllocator.h"

#include <QMap>
#include <set>
#include <QSqlError>
#include <QSqlQuery>
#include <algorithm>

namespace re6st::registry {

namespace {

bool isBitString(const QByteArray &s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '0' || c == '1'; });
}

} // namespace

std::optional<QByteArray> PrefixAllocator::allocate(int length, const QByteArray &community, QString *error)
{
    auto fail = [&](const QString &message) -> std::optional<QByteArray> {
        if (error)
            *error = message;
        return std::nullopt;
    };
    const int maxLength = 128 - m_networkLength;
    const int wanted = length + int(community.size()); // §7.3 step 1: L' = L + len(community)
    if (!isBitString(community))
        return fail(QStringLiteral("Invalid community '%1': it must be a bit string; fix the community file")
                        .arg(QString::fromLatin1(community)));
    if (wanted <= 0 || wanted > maxLength)
        return fail(QStringLiteral("Cannot allocate a /%1 prefix in a /%2 network: the prefix length "
                                   "(plus community length %3) must be between 1 and %4; fix "
                                   "--prefix-length, --anonymous-prefix-length or the token's prefix_len")
                        .arg(wanted)
                        .arg(m_networkLength)
                        .arg(community.size())
                        .arg(maxLength));

    // Free rows come from the store's in-memory set (a SQL scan for
    // "cert IS NULL" reads every stored PEM); the chosen row is re-checked by
    // primary key inside the caller's transaction, and a stale set rebuilt.
    for (int stale = 0;;) {
        const std::set<QByteArray> &free = m_store.freePrefixes();
        std::optional<QByteArray> found;
        // Step 2: longest free row inside the community not longer than
        // L'; ties broken by the smallest bit string (§18.14).
        for (const QByteArray &p : free) {
            if (p.size() > wanted || p.size() < community.size() || !p.startsWith(community)) continue;
            if (!found || p.size() > found->size()) found = p; // set order: smallest first among equals
        }
        if (!found) {
            // Step 3: the community is not carved out yet: the row containing
            // it must be free.
            for (const QByteArray &p : free)
                if (community.startsWith(p) && (!found || p.size() > found->size())) found = p;
            if (!found)
                return fail(QStringLiteral("No more free /%1 prefix%2: revoke unused certificates or "
                                           "use a longer prefix length")
                                .arg(wanted)
                                .arg(community.isEmpty()
                                         ? QString()
                                         : QStringLiteral(" in community %1").arg(QString::fromLatin1(community))));
        }
        QByteArray prefix = *found;
        const auto row = m_store.row(prefix);
        if (!row || !row->isFree()) {
            m_store.invalidateFreePrefixes(); // another writer changed the table
            if (++stale < 3) continue;
            return fail(QStringLiteral("Database error while allocating a prefix: free row %1 vanished")
                            .arg(QString::fromLatin1(prefix)));
        }
        if (prefix.isNull())
            prefix = QByteArray("", 0);

        // Step 4: split down to L', following the community bits, then 0s.
        // The existing row becomes the sibling (free); the chosen child is new.
        while (prefix.size() < wanted) {
            const qsizetype i = prefix.size();
            const char bit = i < community.size() ? community.at(i) : '0';
            const QByteArray child = prefix + bit;
            const QByteArray sibling = prefix + (bit == '0' ? '1' : '0');
            m_store.renameRow(prefix, sibling);
            m_store.setRow({child, QString(), QByteArray()});
            prefix = child;
        }

        // Step 5: an all-zero /128 host inside the community would be the
        // community/subnet base address: reserve it and pick another.
        if (wanted == maxLength) {
            const QByteArray host = prefix.mid(community.size());
            if (std::all_of(host.begin(), host.end(), [](char c) { return c == '0'; })) {
                m_store.setRow({prefix, QString(), QByteArrayLiteral("reserved")});
                continue;
            }
        }
        return prefix;
    }
}

void PrefixAllocator::mergeFree()
{
    // §7.4: from the longest free rows down, merge consecutive free siblings
    // (sorted order) into their parent; parents join the next shorter level.
    QMap<int, QList<QByteArray>> byLength;
    int longest = -1;
    for (const RegistryStore::CertRow &r : m_store.freeRows()) {
        const int len = int(r.prefix.size());
        if (len == 0 || len >= 128) // upstream merges only rows shorter than 128 bits
            continue;
        byLength[len].append(r.prefix);
        longest = std::max(longest, len);
    }
    for (int len = longest; len > 0; --len) {
        auto it = byLength.find(len);
        if (it == byLength.end())
            continue;
        QList<QByteArray> level = it.value();
        std::sort(level.begin(), level.end());
        for (qsizetype i = 0; i + 1 < level.size();) {
            const QByteArray &a = level.at(i);
            const QByteArray &b = level.at(i + 1);
            if (a.endsWith('0') && b.endsWith('1') && a.chopped(1) == b.chopped(1)) {
                const QByteArray parent = a.chopped(1);
                m_store.deleteRow(a);
                m_store.deleteRow(b);
                m_store.setRow({parent.isNull() ? QByteArray("", 0) : parent, QString(), QByteArray()});
                if (len - 1 > 0)
                    byLength[len - 1].append(parent);
                i += 2;
            } else {
                i += 1;
            }
        }
    }
}

} // namespace re6st::registry
