// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/PrefixOrder.h"

#include <algorithm>
#include <optional>

namespace re6st {

namespace {

// The prefix's bits as a '0'/'1' string of `length` characters.
std::optional<QString> bits(const QString &prefix)
{
    const qsizetype slash = prefix.indexOf(u'/');
    if (slash <= 0)
        return std::nullopt;
    bool okValue = false, okLength = false;
    const quint64 value = prefix.left(slash).toULongLong(&okValue);
    const int length = prefix.mid(slash + 1).toInt(&okLength);
    if (!okValue || !okLength || length < 0 || length > 64 || (length < 64 && (value >> length) != 0))
        return std::nullopt;
    QString out;
    out.reserve(length);
    for (int i = length - 1; i >= 0; --i)
        out += (value >> i) & 1 ? u'1' : u'0';
    return out;
}

} // namespace

bool PrefixOrder::lessThan(const QString &a, const QString &b)
{
    const auto ba = bits(a);
    const auto bb = bits(b);
    if (ba && bb)
        return *ba < *bb; // a proper prefix sorts first, as in the address space
    if (ba != bb)
        return bool(ba); // valid prefixes before anything else
    return a < b;
}

void PrefixOrder::sort(QList<QVariantMap> &records, const QString &key)
{
    std::stable_sort(records.begin(), records.end(), [&key](const QVariantMap &x, const QVariantMap &y) {
        return lessThan(x.value(key).toString(), y.value(key).toString());
    });
}

} // namespace re6st
