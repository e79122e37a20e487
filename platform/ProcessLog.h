// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>

namespace re6st::platform {

// The process' Qt message handler: "YYYY-mm-dd HH:MM:SS LEVEL category: message"
// lines (node-protocol.md §1.4 log format) appended to a file, and to stderr
// when it is a terminal or no file could be opened. Verbosity: 0 nothing,
// 1 warnings, 2 info, 3 and more debug.
class ProcessLog final
{
public:
    // Installs the handler; returns a warning to log (empty if the file opened).
    static QString install(const QString &path, int verbose, bool alsoStderr);
    static QString reopen(); // SIGUSR1 (logrotate)
    static int verbose();
};

} // namespace re6st::platform
