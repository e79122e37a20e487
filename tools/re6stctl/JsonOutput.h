// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QJsonValue>
#include <QList>
#include <QVariantMap>

namespace re6st::ctl {

// `--json` output: one indented JSON document ending with '\n'. Records keep the
// contract's keys and types (s -> string, b -> bool, integers -> numbers, d -> number,
// as -> array). Pure.
class JsonOutput final
{
public:
    static QJsonValue toJson(const QVariant &value);
    static QByteArray records(const QList<QVariantMap> &records);              // [ {...}, ... ]
    static QByteArray object(const QVariantMap &map);                          // { ... }
    // `re6stctl --json status`: {"properties": {GetAll}, "peers": [Peers()]}.
    static QByteArray status(const QVariantMap &properties, const QList<QVariantMap> &peers);
};

} // namespace re6st::ctl
