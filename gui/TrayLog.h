// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QtGlobal>

namespace re6st::gui {

// re6st-tray's own log on stderr (the desktop session's journal or a terminal).
// Its messages carry text from the daemon and the registry (error replies, peer
// names), so each one is escaped first (text::escaped: no line breaks, terminal
// escapes or bidi overrides) and capped, then laid out by Qt's message pattern
// (QT_MESSAGE_PATTERN) as usual.
class TrayLog final
{
public:
    static constexpr qsizetype kMaxMessageChars = 4096; // longer messages are cut, with a note
    static void install();
    // The message as written (before the message pattern).
    static QString inert(const QString &message);
};

} // namespace re6st::gui
