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
    // A tooltip that shows `plain` as is. Qt reads a tooltip that looks like HTML as rich
    // text and has no plain-text switch for it: text from the daemon or NetworkManager
    // (a connection named "<img src=...>") goes through this (audit F7). Labels showing
    // such text get setTextFormat(Qt::PlainText) instead.
    static QString toolTip(const QString &plain);
};

} // namespace re6st::gui
