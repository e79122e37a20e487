// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <sys/types.h>

namespace re6st::ctl {

// polkit's text agent, pkttyagent (Debian package polkitd), registered for this process
// while re6stctl runs an action, as systemctl does: a user on a terminal without a
// desktop agent (SSH, a console) is asked for the administrator's password there.
// Inside a login session (systemd-logind) it is registered as a fallback, so that the
// session's own agent (a desktop's dialog) keeps precedence. Outside one (a container,
// a service) polkit finds agents only by process and never consults a fallback, so it
// is registered plainly.
// Nothing is started for root (polkit always authorizes it), when stdin or stderr is not
// a terminal, or when pkttyagent is missing; the daemon's refusal then explains what to do.
class TerminalAgent final
{
public:
    TerminalAgent() = default;
    ~TerminalAgent(); // stops the agent (SIGTERM to its PID) and reaps it
    TerminalAgent(const TerminalAgent &) = delete;
    TerminalAgent &operator=(const TerminalAgent &) = delete;

    // True once the agent is registered with polkit (waits for it, 10 s at most).
    bool start();

private:
    pid_t m_pid = -1;
};

} // namespace re6st::ctl
