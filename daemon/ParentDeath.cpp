// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/ParentDeath.h"

#include <csignal>
#include <sys/prctl.h>
#include <unistd.h>

namespace re6st::daemon {

void terminateWithParent(QProcess &process)
{
    const pid_t parent = ::getpid();
    process.setChildProcessModifier([parent] {
        ::prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (::getppid() != parent) ::raise(SIGTERM); // the parent died before prctl
    });
}

} // namespace re6st::daemon
