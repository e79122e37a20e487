// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QProcess>

namespace re6st::daemon {

// Children of the daemon (babeld, openvpn, `ip`) get SIGTERM when the daemon
// dies, even by SIGKILL (prctl PR_SET_PDEATHSIG, kept across exec): a crashed
// daemon leaves no babeld announcing routes nor openvpn holding ports behind
// (node-protocol.md §2.6: "a killed daemon leaves nothing that breaks the next start").
void terminateWithParent(QProcess &process);

} // namespace re6st::daemon
