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
    // Every string that comes from the daemon, a peer or the registry goes through
    // plain() or text() before it is printed: controls (line breaks, ESC...), format
    // characters and U+2028/2029 are shown escaped (text::escaped), so that such a
    // value cannot forge a line or drive the terminal (audit F5, F8).
    static QString plain(const QString &value);                 // escaped, "" stays ""
    static QString text(const QString &value);                  // escaped, "-" when empty
    static QString text(const QVariant &value);                 // any record value
    // Text made of lines (a doctor finding's detail): each line escaped, '\n' kept.
    static QString lines(const QString &value);
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
