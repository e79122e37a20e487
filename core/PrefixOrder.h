// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QVariantMap>

namespace re6st {

// Orders re6st prefixes in certificate CN form ("value/length") by their bits, as
// they sit in the address space (1/16 < 2/16; 8/4 = 1000 before 9/4), shorter first
// on ties; anything else after, as text. Pure.
class PrefixOrder final
{
public:
    static bool lessThan(const QString &a, const QString &b);
    // Sorts records by the prefix under `key` (stable).
    static void sort(QList<QVariantMap> &records, const QString &key);
};

} // namespace re6st
