// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QCoreApplication>
#include <QString>

namespace re6st::gui {

// How the window shows the daemon's raw values, in the user's locale. Pure.
class ValueText final
{
    Q_DECLARE_TR_FUNCTIONS(ValueText)
public:
    static QString time(qint64 unixSeconds, const QString &whenZero); // 0 = never/none
    static QString bytes(quint64 bytes);
    static QString yesNo(bool value);
    static QString orUnknown(const QString &text);
};

} // namespace re6st::gui
