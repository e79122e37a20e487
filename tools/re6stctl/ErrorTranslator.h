// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "CommandLine.h"
#include "ExitCode.h"

#include <QString>

namespace re6st::ctl {

// Turns a failed D-Bus call (error name + message, dbus/org.re6st.*.xml) into
// re6stctl's exit code and one line "re6stctl: ..." saying what to do next. Pure.
class ErrorTranslator final
{
public:
    struct Failure
    {
        ExitCode code = ExitCode::Failed;
        QString line; // "re6stctl: ..." without a trailing newline
    };

    static Failure translate(CommandLine::Command command, const QString &errorName,
                             const QString &message);
    // The system bus connection failed (`busError`: its lastError message).
    static Failure noBus(const QString &busError, const QString &busAddress);
    static Failure usage(const QString &message); // exit 2, points at --help

    // "start the node", "kill the tunnel", ... for messages.
    static QString describe(CommandLine::Command command);
};

} // namespace re6st::ctl
