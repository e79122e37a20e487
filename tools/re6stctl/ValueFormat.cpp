// SPDX-License-Identifier: GPL-2.0-or-later
#include "ValueFormat.h"

#include "core/TextChars.h"

#include <QDateTime>
#include <cmath>

namespace re6st::ctl {

QString ValueFormat::plain(const QString &value)
{
    return re6st::text::escaped(value);
}

QString ValueFormat::text(const QString &value)
{
    return value.isEmpty() ? QStringLiteral("-") : plain(value);
}

QString ValueFormat::lines(const QString &value)
{
    QStringList out = value.split(u'\n');
    for (QString &line : out)
        line = plain(line);
    return out.join(u'\n');
}

QString ValueFormat::text(const QVariant &value)
{
    if (!value.isValid())
        return QStringLiteral("-");
    if (value.typeId() == QMetaType::Bool)
        return value.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    return text(value.toString());
}

QString ValueFormat::time(qint64 unixSeconds, const QTimeZone &zone)
{
    if (unixSeconds <= 0)
        return QStringLiteral("-");
    return QDateTime::fromSecsSinceEpoch(unixSeconds, zone).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString ValueFormat::relative(qint64 unixSeconds, qint64 now)
{
    if (unixSeconds <= 0)
        return {};
    const qint64 delta = unixSeconds - now;
    const qint64 span = delta < 0 ? -delta : delta;
    QString amount;
    auto unit = [](qint64 n, const char *singular) {
        return QStringLiteral("%1 %2%3").arg(n).arg(QLatin1String(singular)).arg(n == 1 ? "" : "s");
    };
    if (span < 60)
        return QStringLiteral("now");
    if (span < 3600)
        amount = unit(span / 60, "minute");
    else if (span < 2 * 86400)
        amount = unit(span / 3600, "hour");
    else
        amount = unit(span / 86400, "day");
    return delta > 0 ? QStringLiteral("in ") + amount : amount + QStringLiteral(" ago");
}

QString ValueFormat::timeAndRelative(qint64 unixSeconds, qint64 now, const QTimeZone &zone)
{
    if (unixSeconds <= 0)
        return QStringLiteral("-");
    return QStringLiteral("%1 (%2)").arg(time(unixSeconds, zone), relative(unixSeconds, now));
}

QString ValueFormat::bytes(quint64 count)
{
    if (count < 1024)
        return QStringLiteral("%1 B").arg(count);
    static const char *const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double value = double(count) / 1024.0;
    int i = 0;
    while (value >= 1024.0 && i < 5) {
        value /= 1024.0;
        ++i;
    }
    return QStringLiteral("%1 %2").arg(value, 0, 'f', 1).arg(QLatin1String(kUnits[i]));
}

QString ValueFormat::rtt(double milliseconds)
{
    if (!std::isfinite(milliseconds) || milliseconds < 0)
        return QStringLiteral("-");
    return QStringLiteral("%1 ms").arg(milliseconds, 0, 'f', milliseconds < 10 ? 2 : 1);
}

} // namespace re6st::ctl
