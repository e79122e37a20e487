// SPDX-License-Identifier: GPL-2.0-or-later
#include "DaemonErrorText.h"

namespace re6st::gui {

bool DaemonErrorText::daemonVanished(const QString &errorName, const QString &busMessage)
{
    return errorName == QLatin1String("org.freedesktop.DBus.Error.NoReply")
           && busMessage.contains(QLatin1String("disconnected"), Qt::CaseInsensitive);
}

QString DaemonErrorText::explain(const QString &errorName, const QString &daemonMessage)
{
    QString what;
    if (errorName == QLatin1String("org.re6st.Error.NotAuthorized"))
        what = tr("You are not allowed to do this: the system's policy (polkit) refused it. "
                  "Ask an administrator, or check that polkit and an authentication agent run.");
    else if (errorName == QLatin1String("org.re6st.Error.NotEnrolled"))
        what = tr("This computer has no re6st certificate yet: join a network first.");
    else if (errorName == QLatin1String("org.re6st.Error.Unavailable"))
        what = tr("The re6st daemon is not ready yet; try again in a few seconds.");
    else if (errorName == QLatin1String("org.re6st.Error.BabelUnavailable"))
        what = tr("The routing daemon (babeld) does not answer, so routes are unknown; start the node and try again.");
    else if (errorName == QLatin1String("org.freedesktop.DBus.Error.ServiceUnknown")
             || errorName == QLatin1String("org.freedesktop.DBus.Error.NameHasNoOwner"))
        what = tr("The re6st daemon is not running; start the re6stnet service and try again.");
    else if (daemonVanished(errorName, daemonMessage))
        what = tr("The re6st daemon stopped before answering: it restarted or crashed. Check its logs "
                  "(journalctl -u re6stnet), then try again.");
    else if (errorName == QLatin1String("org.freedesktop.DBus.Error.NoReply")
             || errorName == QLatin1String("org.freedesktop.DBus.Error.Timeout"))
        what = tr("The re6st daemon did not answer in time; try again, and check its logs (journalctl -u re6stnet).");
    else
        what = tr("The re6st daemon reported a failure; check its logs (journalctl -u re6stnet).");
    if (daemonMessage.isEmpty())
        return what;
    // The daemon's own words stay English (its logs are); they carry the specifics.
    return tr("%1\n\nDetails: %2").arg(what, daemonMessage);
}

} // namespace re6st::gui
