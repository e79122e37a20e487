// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QString>
#include <QtGlobal>

class QDateTime;

namespace re6st::platform {

// The process' Qt message handler: "YYYY-mm-dd HH:MM:SS LEVEL category: message"
// lines (node-protocol.md §1.4 log format) appended to a file, and to stderr
// when it is a terminal or no file could be opened. Verbosity: 0 nothing,
// 1 warnings, 2 info, 3 and more debug. Messages are escaped (text::escaped: no
// line breaks, terminal escapes or bidi overrides) and capped.
class ProcessLog final
{
public:
    // Installs the handler; returns a warning to log (empty if the file opened).
    static QString install(const QString &path, int verbose, bool alsoStderr);
    static QString reopen(); // SIGUSR1 (logrotate)
    static int verbose();

    static constexpr qsizetype kMaxMessageChars = 4096; // longer messages are cut, with a note
    static int level(QtMsgType type); // the verbosity from which `type` is logged
    // The line written for `message`, ending with '\n'.
    static QByteArray line(QtMsgType type, const char *category, const QString &message, const QDateTime &when);
};

} // namespace re6st::platform
