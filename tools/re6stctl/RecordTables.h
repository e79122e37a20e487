// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QTimeZone>
#include <QVariantMap>

namespace re6st::ctl {

// Human tables of the records of Peers(), Tunnels(), Routes() and Neighbours()
// (keys of dbus/org.re6st.Node1.xml), aligned, sorted (prefix, interface,
// destination), "-" for unknown values, times in `zone`. Pure.
class RecordTables final
{
public:
    static QString peers(QList<QVariantMap> records, const QTimeZone &zone);
    static QString tunnels(QList<QVariantMap> records, const QTimeZone &zone);
    static QString routes(QList<QVariantMap> records);
    static QString neighbours(QList<QVariantMap> records);

    // "re6stnet2" < "re6stnet10": letters as text, then the number.
    static bool interfaceLessThan(const QString &a, const QString &b);
    // By address bits, then prefix length; unparsable last.
    static bool subnetLessThan(const QString &a, const QString &b);
};

} // namespace re6st::ctl
