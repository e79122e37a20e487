// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QTimeZone>
#include <QVariant>

namespace re6st::ctl {

// How re6stctl shows single values: "-" for unknown, local times ISO-like
// ("2026-11-26 17:05:09"), relative times ("in 36 days"), sizes, rtt. Pure.
class ValueFormat final
{
public:
    static QString text(const QString &value);                  // "-" when empty
    static QString text(const QVariant &value);                 // any record value
    // Unix seconds -> "yyyy-MM-dd HH:mm:ss" in `zone`; "-" for 0 or less.
    static QString time(qint64 unixSeconds, const QTimeZone &zone);
    // "in 36 days", "in 5 hours", "in 12 minutes", "3 days ago", "now"; "" for 0.
    static QString relative(qint64 unixSeconds, qint64 now);
    // time() + " (" + relative() + ")", or "-".
    static QString timeAndRelative(qint64 unixSeconds, qint64 now, const QTimeZone &zone);
    static QString bytes(quint64 count);                        // "512 B", "1.5 KiB", "3.2 MiB"
    static QString rtt(double milliseconds);                    // "12.3 ms"; "-" if < 0 / NaN
};

} // namespace re6st::ctl
