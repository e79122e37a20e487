// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QCoreApplication>
#include <QString>

namespace re6st::gui {

// What the tray shows, from the daemon's properties (dbus/org.re6st.Node1.xml: State,
// Enrolled, CertificateNotAfter) and whether org.re6st.Node is on the bus at all. Pure.
class NodeState final
{
    Q_DECLARE_TR_FUNCTIONS(NodeState)
public:
    enum class Tray {
        DaemonNotRunning,
        NotEnrolled,
        Stopped,
        Connecting,
        Connected,
        RegistryUnreachable, // mesh up, registry silent
        CertificateExpiring, // mesh up, certificate ends within kExpiryWarningSecs
        Stopping,            // tunnels and babeld being stopped; Stopped follows
        Error,
    };
    static constexpr qint64 kExpiryWarningSecs = 14 * 24 * 3600;

    struct Inputs
    {
        bool servicePresent = false;
        bool enrolled = false;
        QString state;                 // State property; unknown values count as "error"
        qint64 certificateNotAfter = 0; // Unix s, 0 = none
        qint64 now = 0;                 // Unix s
    };

    static Tray of(const Inputs &inputs);

    static QString id(Tray tray);          // "connected", ...: icon file names, tests
    static QString title(Tray tray);       // translated one-liner for tooltip and window
    static QString advice(Tray tray);      // translated: what to do next (may be empty)
    static bool meshUp(Tray tray);         // tunnels carry traffic
    static bool canStart(Tray tray);       // Start makes sense
    static bool canStop(Tray tray);        // Stop makes sense
    static constexpr Tray kAll[] = {Tray::DaemonNotRunning, Tray::NotEnrolled, Tray::Stopped,
                                    Tray::Connecting, Tray::Connected, Tray::RegistryUnreachable,
                                    Tray::CertificateExpiring, Tray::Stopping, Tray::Error};
};

} // namespace re6st::gui
