// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

namespace re6st::ctl {

// re6stctl's exit status, documented in `re6stctl --help` (CommandLine::helpText()).
enum class ExitCode : int {
    Success = 0,       // done
    Failed = 1,        // the daemon tried and failed, or answered an error
    Usage = 2,         // bad command line, or the daemon rejected an argument
    NoDaemon = 3,      // no system bus, the daemon is not running or does not answer
    NotAuthorized = 4, // polkit (or the bus policy) refused the call
    NotEnrolled = 5,   // the node has no certificate yet: `re6stctl enroll URL`
};

} // namespace re6st::ctl
