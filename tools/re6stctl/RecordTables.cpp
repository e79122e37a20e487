// SPDX-License-Identifier: GPL-2.0-or-later
#include "RecordTables.h"
#include "core/PrefixOrder.h"
#include "TextTable.h"
#include "ValueFormat.h"

#include <QHostAddress>
#include <algorithm>
#include <cstring>

namespace re6st::ctl {

namespace {

QString str(const QVariantMap &m, const char *key)
{
    return ValueFormat::text(m.value(QLatin1String(key)).toString());
}

QString number(const QVariantMap &m, const char *key)
{
    const QVariant v = m.value(QLatin1String(key));
    return v.isValid() ? ValueFormat::plain(v.toString()) : QStringLiteral("-");
}

QString yesNo(const QVariantMap &m, const char *key)
{
    const QVariant v = m.value(QLatin1String(key));
    return v.isValid() ? (v.toBool() ? QStringLiteral("yes") : QStringLiteral("no")) : QStringLiteral("-");
}

QString time(const QVariantMap &m, const char *key, const QTimeZone &zone)
{
    return ValueFormat::time(m.value(QLatin1String(key)).toLongLong(), zone);
}

} // namespace

bool RecordTables::interfaceLessThan(const QString &a, const QString &b)
{
    auto split = [](const QString &s) {
        qsizetype i = s.size();
        while (i > 0 && s.at(i - 1).isDigit())
            --i;
        bool ok = false;
        const qulonglong n = s.mid(i).toULongLong(&ok);
        return std::pair<QString, qulonglong>(s.left(i), ok ? n : 0);
    };
    const auto x = split(a);
    const auto y = split(b);
    if (x.first != y.first)
        return x.first < y.first;
    if (x.second != y.second)
        return x.second < y.second;
    return a < b;
}

bool RecordTables::subnetLessThan(const QString &a, const QString &b)
{
    const auto x = QHostAddress::parseSubnet(a);
    const auto y = QHostAddress::parseSubnet(b);
    const bool okX = !x.first.isNull(), okY = !y.first.isNull();
    if (okX != okY)
        return okX;
    if (!okX)
        return a < b;
    const Q_IPV6ADDR bx = x.first.toIPv6Address();
    const Q_IPV6ADDR by = y.first.toIPv6Address();
    const int c = std::memcmp(bx.c, by.c, 16);
    if (c != 0)
        return c < 0;
    return x.second < y.second;
}

QString RecordTables::peers(QList<QVariantMap> records, const QTimeZone &zone)
{
    if (records.isEmpty())
        return QStringLiteral("No peers known.\n");
    PrefixOrder::sort(records, QStringLiteral("prefix"));
    TextTable table({QStringLiteral("PREFIX"), QStringLiteral("ADDRESS"), QStringLiteral("COUNTRY"),
                     QStringLiteral("PROTOCOL"), QStringLiteral("LAST SEEN"), QStringLiteral("CONNECTED")});
    table.setRightAligned(3);
    for (const QVariantMap &r : std::as_const(records))
        table.addRow({str(r, "prefix"), str(r, "address"), str(r, "country"),
                      r.value(QStringLiteral("protocol")).toUInt() ? number(r, "protocol") : QStringLiteral("-"),
                      time(r, "last_seen", zone), yesNo(r, "connected")});
    return table.render();
}

QString RecordTables::tunnels(QList<QVariantMap> records, const QTimeZone &zone)
{
    if (records.isEmpty())
        return QStringLiteral("No tunnels up.\n");
    std::stable_sort(records.begin(), records.end(), [](const QVariantMap &x, const QVariantMap &y) {
        return interfaceLessThan(x.value(QStringLiteral("interface")).toString(),
                                 y.value(QStringLiteral("interface")).toString());
    });
    PrefixOrder::sort(records, QStringLiteral("peer"));
    TextTable table({QStringLiteral("PEER"), QStringLiteral("INTERFACE"), QStringLiteral("PROTOCOL"),
                     QStringLiteral("DIRECTION"), QStringLiteral("SINCE"), QStringLiteral("RX"),
                     QStringLiteral("TX")});
    table.setRightAligned(5);
    table.setRightAligned(6);
    for (const QVariantMap &r : std::as_const(records)) {
        const QVariant rx = r.value(QStringLiteral("rx_bytes"));
        const QVariant tx = r.value(QStringLiteral("tx_bytes"));
        table.addRow({str(r, "peer"), str(r, "interface"), str(r, "protocol"), str(r, "direction"),
                      time(r, "since", zone),
                      rx.isValid() ? ValueFormat::bytes(rx.toULongLong()) : QStringLiteral("-"),
                      tx.isValid() ? ValueFormat::bytes(tx.toULongLong()) : QStringLiteral("-")});
    }
    return table.render();
}

QString RecordTables::routes(QList<QVariantMap> records)
{
    if (records.isEmpty())
        return QStringLiteral("No routes.\n");
    std::stable_sort(records.begin(), records.end(), [](const QVariantMap &x, const QVariantMap &y) {
        const QString dx = x.value(QStringLiteral("destination")).toString();
        const QString dy = y.value(QStringLiteral("destination")).toString();
        if (dx != dy)
            return subnetLessThan(dx, dy);
        return subnetLessThan(x.value(QStringLiteral("source")).toString(),
                              y.value(QStringLiteral("source")).toString());
    });
    TextTable table({QStringLiteral("DESTINATION"), QStringLiteral("SOURCE"), QStringLiteral("NEXT HOP"),
                     QStringLiteral("INTERFACE"), QStringLiteral("METRIC"), QStringLiteral("INSTALLED")});
    table.setRightAligned(4);
    for (const QVariantMap &r : std::as_const(records))
        table.addRow({str(r, "destination"), str(r, "source"), str(r, "next_hop"), str(r, "interface"),
                      number(r, "metric"), yesNo(r, "installed")});
    return table.render();
}

QString RecordTables::neighbours(QList<QVariantMap> records)
{
    if (records.isEmpty())
        return QStringLiteral("No babel neighbours.\n");
    std::stable_sort(records.begin(), records.end(), [](const QVariantMap &x, const QVariantMap &y) {
        const QString ix = x.value(QStringLiteral("interface")).toString();
        const QString iy = y.value(QStringLiteral("interface")).toString();
        if (ix != iy)
            return interfaceLessThan(ix, iy);
        return x.value(QStringLiteral("address")).toString() < y.value(QStringLiteral("address")).toString();
    });
    TextTable table({QStringLiteral("INTERFACE"), QStringLiteral("ADDRESS"), QStringLiteral("RTT"),
                     QStringLiteral("COST"), QStringLiteral("REACH")});
    table.setRightAligned(2);
    table.setRightAligned(3);
    for (const QVariantMap &r : std::as_const(records)) {
        const QVariant rtt = r.value(QStringLiteral("rtt_ms"));
        const QVariant reach = r.value(QStringLiteral("reach"));
        table.addRow({str(r, "interface"), str(r, "address"),
                      rtt.isValid() ? ValueFormat::rtt(rtt.toDouble()) : QStringLiteral("-"), number(r, "cost"),
                      reach.isValid() ? QStringLiteral("%1").arg(reach.toUInt(), 4, 16, QLatin1Char('0'))
                                      : QStringLiteral("-")});
    }
    return table.render();
}

} // namespace re6st::ctl
