// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QCoreApplication>
#include <QString>

namespace re6st::gui {

// A failed call to the daemon (D-Bus error name of dbus/org.re6st.Node1.xml, English
// message from the daemon) as a translated sentence that says what to do next. Pure.
class DaemonErrorText final
{
    Q_DECLARE_TR_FUNCTIONS(DaemonErrorText)
public:
    static QString explain(const QString &errorName, const QString &daemonMessage);
    // NoReply because the daemon left the bus mid-call (restart or crash), not because it
    // was slow: the bus says "Message recipient disconnected from message bus without replying".
    static bool daemonVanished(const QString &errorName, const QString &busMessage);
};

} // namespace re6st::gui
